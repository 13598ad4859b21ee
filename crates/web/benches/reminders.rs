//! How many due task reminders the worker turns into notifications per second, on SQLite (and
//! on PostgreSQL when CRM_TEST_POSTGRES_URL is set). Run: `cargo bench -p crm-web --bench
//! reminders` (REMINDERS=20000 RUNS=3 to change the size); prints the median of the runs.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::atomic::AtomicBool;
use std::time::Instant;

use chrono::{Duration, Utc};
use crm_core::{Actor, Role, TaskInput, UserDraft, Zone};
use crm_store::testing::TestStore;

fn env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() {
    let n = env("REMINDERS", 20_000);
    let runs = env("RUNS", 3);
    let backends = TestStore::each().len();
    for backend in 0..backends {
        let mut rates = Vec::new();
        let mut name = "";
        for run in 0..runs {
            // A fresh database per run, so that no run sees another's jobs.
            let t = TestStore::each().swap_remove(backend);
            name = t.backend_name();
            let s = &t.store;
            let email = format!("m{run}@example.com");
            let user = s
                .create_user(
                    &Actor::system(),
                    &UserDraft::new(&email, "M", Role::Manager, "en").unwrap(),
                    "x",
                )
                .unwrap();
            let a = user.actor();
            let due = Utc::now() + Duration::days(1 + run as i64);
            let input = TaskInput {
                title: "Call back".into(),
                due_at: due.to_rfc3339(),
                remind_before: "15".into(),
                ..Default::default()
            };
            let draft = input.validate(Zone::UTC).unwrap();
            for _ in 0..n {
                s.create_task(&a, &draft).unwrap();
            }
            // Reminders are due, overdue alerts not yet.
            let at = due - Duration::minutes(1);
            let stop = AtomicBool::new(false);
            let started = Instant::now();
            let mut ran = 0;
            loop {
                let k = crm_web::worker::round(s, "bench", &stop, at).unwrap();
                if k == 0 {
                    break;
                }
                ran += k;
            }
            let secs = started.elapsed().as_secs_f64();
            assert_eq!(ran, n);
            assert_eq!(s.unread_notifications(user.id).unwrap().0, n as i64);
            let rate = n as f64 / secs;
            println!(
                "{name} run {}: {n} reminders in {secs:.2} s = {rate:.0}/s",
                run + 1
            );
            rates.push(rate);
        }
        rates.sort_by(f64::total_cmp);
        println!(
            "{name}: median {:.0} reminders/s over {runs} runs",
            rates[rates.len() / 2]
        );
    }
}
