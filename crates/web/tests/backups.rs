#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Scheduled backups through the job queue: queued once a day whatever the number of nodes,
//! taken by exactly one of them, pruned by the retention rule.

use chrono::{Duration, NaiveTime, TimeZone, Utc};
use crm_core::Zone;
use crm_store::backup::{self, BackupConfig, State};
use crm_store::testing::TestStore;
use crm_web::worker::{BackupPlan, schedule_backup, scheduled_backup};

#[test]
fn one_node_takes_each_days_backup_and_old_ones_are_pruned() {
    for t in TestStore::each() {
        let dir = tempfile::tempdir().unwrap();
        let plan = BackupPlan {
            config: BackupConfig {
                at: "02:30".into(),
                keep_daily: 2,
                keep_weekly: 0,
                ..Default::default()
            },
            folder: dir.path().join("backups"),
            files: dir.path().join("files"),
            zone: Zone::parse("Europe/Moscow").unwrap(),
        };
        // Three days in a row; on each, two nodes schedule and race to claim.
        for day in 0..3 {
            // 00:00 UTC is 03:00 in Moscow: today's 02:30 has passed, so the job is due.
            let now = Utc.with_ymd_and_hms(2026, 11, 20, 0, 0, 0).unwrap() + Duration::days(day);
            assert!(schedule_backup(&t.store, &plan, now).unwrap());
            assert!(
                !schedule_backup(&t.store, &plan, now).unwrap(),
                "once a day"
            );
            let first = t.store.claim_backup("node-a", Utc::now()).unwrap();
            let second = t.store.claim_backup("node-b", Utc::now()).unwrap();
            let job = match (first, second) {
                (Some(j), None) => j,
                other => panic!("{}: exactly one node claims: {other:?}", t.backend_name()),
            };
            scheduled_backup(&t.store, "node-a", &plan, &job);
            assert!(
                t.store
                    .claim_backup("node-b", Utc::now())
                    .unwrap()
                    .is_none()
            );
        }
        let ready: Vec<_> = backup::list(&plan.folder)
            .unwrap()
            .into_iter()
            .filter(|l| matches!(l.state, State::Ready(ref a) if a.reason == "scheduled"))
            .collect();
        // Every archive was written "now" (the test's real day): keep_daily = 2 keeps the newest.
        assert_eq!(ready.len(), 1, "{}", t.backend_name());
        backup::verify(&ready[0].path).unwrap();
    }
}

#[test]
fn the_daily_backup_runs_at_the_installations_time() {
    let moscow = Zone::parse("Europe/Moscow").unwrap();
    let at = NaiveTime::from_hms_opt(2, 30, 0).unwrap();
    let now = Utc.with_ymd_and_hms(2026, 11, 23, 22, 0, 0).unwrap(); // 01:00 on the 24th there
    let (job, run_at, key) = crm_core::Job::daily_backup(now, at, moscow);
    assert_eq!(key, "backup:2026-11-24");
    assert_eq!(
        run_at,
        Utc.with_ymd_and_hms(2026, 11, 23, 23, 30, 0).unwrap()
    );
    assert_eq!(job.kind(), "backup");
}
