//! The background worker inside `crm serve`: queues the periodic jobs and runs due ones. Every
//! app node runs one; the store's queue makes each job run once across all of them.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use chrono::Utc;
use crm_store::{JobOutcome, Store};

/// Jobs taken per round and finished in one transaction: a commit costs milliseconds where
/// the disk syncs (PostgreSQL), a job tens of microseconds, so batches carry the throughput;
/// 200 keep SQLite's single write lock for about 20 ms and always end inside a lease.
const BATCH: usize = 200;
/// Longest sleep between rounds when nothing is due.
const IDLE: Duration = Duration::from_millis(500);
/// How often periodic jobs are (re)queued; their keys make extra calls harmless.
const SCHEDULE_EVERY: Duration = Duration::from_secs(60);

/// A running worker; [`Worker::stop`] ends it after the job in hand.
pub struct Worker {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Worker {
    pub fn spawn(store: Store) -> std::io::Result<Worker> {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let name = format!(
            "{}-{}",
            std::process::id(),
            crate::auth::new_secret().get(..8).unwrap_or("w")
        );
        let thread = std::thread::Builder::new()
            .name("crm-worker".into())
            .spawn(move || run(&store, &name, &flag))?;
        Ok(Worker {
            stop,
            thread: Some(thread),
        })
    }

    pub fn stop(mut self) {
        self.stop.store(true, Ordering::Release);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Runs rounds until told to stop.
pub fn run(store: &Store, name: &str, stop: &AtomicBool) {
    tracing::info!(worker = name, "background worker started");
    let mut last_schedule: Option<std::time::Instant> = None;
    while !stop.load(Ordering::Acquire) {
        if last_schedule.is_none_or(|t| t.elapsed() >= SCHEDULE_EVERY) {
            if let Err(e) = store.schedule_periodic(Utc::now()) {
                tracing::warn!(error = %e, "cannot queue periodic jobs");
            }
            last_schedule = Some(std::time::Instant::now());
        }
        match round(store, name, stop, Utc::now()) {
            Ok(n) if n == BATCH => continue,
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "job queue unavailable"),
        }
        let pause = match store.next_job_at() {
            Ok(Some(at)) => (at - Utc::now()).to_std().unwrap_or_default().min(IDLE),
            _ => IDLE,
        };
        std::thread::sleep(pause.max(Duration::from_millis(20)));
    }
    tracing::info!(worker = name, "background worker stopped");
}

/// Claims one batch of jobs due by `now` and runs them; returns how many were claimed.
pub fn round(
    store: &Store,
    name: &str,
    stop: &AtomicBool,
    now: chrono::DateTime<Utc>,
) -> crm_store::StoreResult<usize> {
    let jobs = store.claim_jobs(name, BATCH, now)?;
    if stop.load(Ordering::Acquire) {
        // They go back to the queue when their lease runs out.
        return Ok(jobs.len());
    }
    for (job, outcome) in jobs.iter().zip(store.finish_jobs(name, &jobs, now)?) {
        match outcome {
            JobOutcome::Done => {}
            JobOutcome::Failed { error, given_up } => {
                tracing::warn!(job = job.id, %error, given_up, "job failed")
            }
            JobOutcome::Lost => tracing::warn!(job = job.id, "job lease lost to another worker"),
        }
    }
    Ok(jobs.len())
}
