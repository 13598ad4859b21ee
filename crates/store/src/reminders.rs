//! What each job does when it runs: reminders and overdue alerts for tasks, birthdays, deals
//! past their expected close, and the queue's own clean-up. Runs inside the transaction that
//! marks the job done.

use chrono::{DateTime, Datelike, Duration, NaiveDate, Timelike, Utc};
use crm_core::job::MORNING_HOUR;
use crm_core::{Job, Notice, NoticeKind, Zone};
use diesel::prelude::*;
use diesel::sql_types::Text;

use crate::conn::DbConn;
use crate::error::StoreResult;
use crate::notifications::notify;
use crate::schema::{contacts, deals, users};
use crate::tasks::{heads_of, load_task, zone_of};

pub(crate) fn run(
    conn: &mut DbConn,
    default: Zone,
    job: &Job,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    match *job {
        Job::TaskReminder { task_id, at } => task_reminder(conn, default, task_id, at),
        Job::TaskOverdue { task_id, due } => task_overdue(conn, task_id, due),
        Job::Birthdays => birthdays(conn, default, now),
        Job::DealsPastClose => deals_past_close(conn, default, now),
        Job::PurgeJobs => {
            crate::jobs::purge(conn, now)?;
            crate::webhooks::purge(conn, now)?;
            crate::idempotency::purge(conn, now).map(|_| ())
        }
        // Never claimed with the others (see `Store::claim_backup`).
        Job::Backup { .. } => Err(crate::StoreError::Config(
            "a backup job cannot run inside the queue's transaction".into(),
        )),
    }
}

fn task_reminder(conn: &mut DbConn, default: Zone, task_id: i64, at: i64) -> StoreResult<()> {
    let Some(task) = load_task(conn, task_id)? else {
        return Ok(());
    };
    // The task was done, or its reminder moved: a later job (or none) covers it.
    if task.done_at.is_some() || task.remind_at.map(|t| t.timestamp()) != Some(at) {
        return Ok(());
    }
    let (Some(assignee), Some(due)) = (task.assignee_id, task.due_at) else {
        return Ok(());
    };
    let zone = zone_of(conn, Some(assignee), default)?;
    let due_text = zone.local(due).format("%Y-%m-%d %H:%M").to_string();
    notify(
        conn,
        &Notice::new(
            assignee,
            NoticeKind::TaskReminder,
            format!("/tasks/{task_id}"),
        )
        .arg("title", &task.title)
        .arg("due", due_text),
    )
}

fn task_overdue(conn: &mut DbConn, task_id: i64, due: i64) -> StoreResult<()> {
    let Some(task) = load_task(conn, task_id)? else {
        return Ok(());
    };
    if task.done_at.is_some() || task.due_at.map(|t| t.timestamp()) != Some(due) {
        return Ok(());
    }
    crate::webhooks::queue(conn, crm_core::webhook::Event::TaskOverdue, &task)?;
    let Some(assignee) = task.assignee_id else {
        return Ok(());
    };
    let name = task.assignee_name.clone().unwrap_or_default();
    let mut to = vec![assignee];
    to.extend(heads_of(conn, assignee)?);
    for uid in to {
        notify(
            conn,
            &Notice::new(uid, NoticeKind::TaskOverdue, format!("/tasks/{task_id}"))
                .arg("title", &task.title)
                .arg("assignee", &name),
        )?;
    }
    Ok(())
}

/// For every user for whom it is morning (or later) today: their contacts born on this day.
/// Runs hourly; the notice's key keeps it to one per contact and day.
fn birthdays(conn: &mut DbConn, default: Zone, now: DateTime<Utc>) -> StoreResult<()> {
    let people: Vec<(i64, String)> = users::table
        .filter(users::active.eq(true))
        .select((users::id, users::time_zone))
        .load(conn)?;
    let pg = matches!(conn, DbConn::Pg(_));
    for (uid, zone_name) in people {
        let zone = Zone::parse(&zone_name).unwrap_or(default);
        let local = zone.local(now);
        if local.hour() < MORNING_HOUR {
            continue;
        }
        let today = local.date();
        let mut days = vec![today.format("%m-%d").to_string()];
        // Those born on 29 February are greeted on the 28th in other years.
        if (today.month(), today.day()) == (2, 28)
            && NaiveDate::from_ymd_opt(today.year(), 2, 29).is_none()
        {
            days.push("02-29".into());
        }
        let month_day = if pg {
            "to_char(birthday, 'MM-DD')"
        } else {
            "strftime('%m-%d', birthday)"
        };
        let born: Vec<(i64, String)> = contacts::table
            .filter(contacts::responsible_id.eq(uid))
            .filter(contacts::birthday.is_not_null())
            .filter(diesel::dsl::sql::<Text>(month_day).eq_any(days))
            .select((contacts::id, contacts::name))
            .load(conn)?;
        for (cid, name) in born {
            notify(
                conn,
                &Notice::new(uid, NoticeKind::Birthday, format!("/contacts/{cid}"))
                    .arg("name", name)
                    .once(format!("birthday:{cid}:{today}")),
            )?;
        }
    }
    Ok(())
}

/// Open deals whose expected close date passed in the last week: their responsible hears
/// once per deal and date.
fn deals_past_close(conn: &mut DbConn, default: Zone, now: DateTime<Utc>) -> StoreResult<()> {
    let today = default.date_of(now);
    let rows: Vec<(i64, String, Option<i64>, Option<NaiveDate>)> = deals::table
        .filter(deals::state.eq("open"))
        .filter(deals::expected_close.lt(today))
        .filter(deals::expected_close.ge(today - Duration::days(7)))
        .select((
            deals::id,
            deals::title,
            deals::responsible_id,
            deals::expected_close,
        ))
        .load(conn)?;
    for (id, title, responsible, date) in rows {
        let (Some(uid), Some(date)) = (responsible, date) else {
            continue;
        };
        notify(
            conn,
            &Notice::new(uid, NoticeKind::DealPastClose, format!("/deals/{id}"))
                .arg("title", title)
                .arg("date", date.to_string())
                .once(format!("deal_past_close:{id}:{date}")),
        )?;
    }
    Ok(())
}
