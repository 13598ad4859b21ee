//! Background jobs: what the worker does later. The payload is this enum as JSON; the store's
//! queue claims due jobs so that each runs once, across restarts and across app nodes.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

/// Attempts before a failing job is given up (kept, with its last error, for the admin).
pub const MAX_ATTEMPTS: i32 = 8;
/// How long a claimed job stays with its worker: past this, a worker that died loses it.
pub const LEASE_SECONDS: i64 = 60;
/// How long finished jobs are kept (their keys stop a periodic job from running twice).
pub const KEEP_DONE_DAYS: i64 = 7;
/// The hour of the local morning at which birthdays are announced.
pub const MORNING_HOUR: u32 = 9;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Job {
    /// Remind the assignee, if the task is still open and still wants a reminder at `at`.
    TaskReminder { task_id: i64, at: i64 },
    /// Alert the assignee and their head, if the task is still open and due at `due`.
    TaskOverdue { task_id: i64, due: i64 },
    /// Tell managers about their contacts' birthdays (hourly, for zones where it is morning).
    Birthdays,
    /// Tell managers about open deals whose expected close date has just passed (hourly).
    DealsPastClose,
    /// Drop finished jobs past [`KEEP_DONE_DAYS`] and API idempotency keys past their day
    /// (daily).
    PurgeJobs,
    /// The scheduled backup of `day` (installation time zone). Long and busy with files, it
    /// runs outside the queue's transactions, under a lease of [`BACKUP_LEASE_SECONDS`].
    Backup { day: String },
}

/// How long a node may take over a scheduled backup before another node retries it.
pub const BACKUP_LEASE_SECONDS: i64 = 6 * 3600;

impl Job {
    pub fn kind(&self) -> &'static str {
        match self {
            Job::TaskReminder { .. } => "task_reminder",
            Job::TaskOverdue { .. } => "task_overdue",
            Job::Birthdays => "birthdays",
            Job::DealsPastClose => "deals_past_close",
            Job::PurgeJobs => "purge_jobs",
            Job::Backup { .. } => "backup",
        }
    }

    /// The periodic jobs due for the hour of `now`, each with a key that makes it run once per
    /// period even when several nodes schedule it.
    pub fn periodic(now: DateTime<Utc>) -> Vec<(Job, String)> {
        let hour = now.format("%Y-%m-%dT%H").to_string();
        let day = now.format("%Y-%m-%d").to_string();
        vec![
            (Job::Birthdays, format!("birthdays:{hour}")),
            (Job::DealsPastClose, format!("deals_past_close:{hour}")),
            (Job::PurgeJobs, format!("purge_jobs:{day}")),
        ]
    }
}

impl Job {
    /// The scheduled backup of the local day of `now` at `at` in `zone`, keyed once per day;
    /// a node that starts after that time queues it at once, so no day goes without one.
    pub fn daily_backup(
        now: DateTime<Utc>,
        at: chrono::NaiveTime,
        zone: crate::Zone,
    ) -> (Job, DateTime<Utc>, String) {
        let day = zone.date_of(now);
        let run_at = zone.to_utc(day.and_time(at));
        (
            Job::Backup {
                day: day.to_string(),
            },
            run_at,
            format!("backup:{day}"),
        )
    }
}

/// When a failed job is tried again: 10 s, 20 s, 40 s... capped at an hour.
pub fn retry_delay(attempts: i32) -> Duration {
    let exp = attempts.clamp(0, 12) as u32;
    Duration::seconds((10_i64 << exp).min(3600))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payload_round_trip() {
        let j = Job::TaskReminder {
            task_id: 5,
            at: 1_800_000_000,
        };
        let s = serde_json::to_string(&j).unwrap();
        assert_eq!(s, r#"{"kind":"task_reminder","task_id":5,"at":1800000000}"#);
        assert_eq!(serde_json::from_str::<Job>(&s).unwrap(), j);
        assert_eq!(retry_delay(0).num_seconds(), 10);
        assert_eq!(retry_delay(30).num_seconds(), 3600);
    }
}
