//! The background worker inside `crm serve`: queues the periodic jobs and runs due ones, and
//! sends webhooks on a thread of its own. Every app node runs one; the store's queue makes each
//! job run once, and each webhook delivery go out once at a time, across all of them.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use std::path::PathBuf;

use chrono::{DateTime, Utc};
use crm_core::{Job, Zone};
use crm_store::backup::{BackupConfig, Reason};
use crm_store::{JobOutcome, Store};

/// What the worker needs to take the scheduled backups.
#[derive(Debug, Clone)]
pub struct BackupPlan {
    pub config: BackupConfig,
    /// The folder archives go to (absolute).
    pub folder: PathBuf,
    /// The attachments to include.
    pub files: PathBuf,
    /// The installation's zone: "02:30" is its 02:30.
    pub zone: Zone,
}

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
    /// Sends webhooks apart from the jobs: a slow receiver must not hold up reminders.
    webhooks: Option<JoinHandle<()>>,
}

impl Worker {
    pub fn spawn(store: Store, backups: Option<BackupPlan>) -> std::io::Result<Worker> {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let name = format!(
            "{}-{}",
            std::process::id(),
            crate::auth::new_secret().get(..8).unwrap_or("w")
        );
        let (hook_store, hook_name, hook_flag) = (store.clone(), name.clone(), stop.clone());
        let thread = std::thread::Builder::new()
            .name("crm-worker".into())
            .spawn(move || run(&store, &name, &flag, backups.as_ref()))?;
        let webhooks = std::thread::Builder::new()
            .name("crm-webhooks".into())
            .spawn(move || crate::webhooks::run(&hook_store, &hook_name, &hook_flag))?;
        Ok(Worker {
            stop,
            thread: Some(thread),
            webhooks: Some(webhooks),
        })
    }

    pub fn stop(mut self) {
        self.stop.store(true, Ordering::Release);
        for t in [self.thread.take(), self.webhooks.take()]
            .into_iter()
            .flatten()
        {
            let _ = t.join();
        }
    }
}

/// Checkpoints SQLite's WAL once a second, apart from the requests (see
/// `Store::take_over_checkpoints`); nothing on PostgreSQL.
pub struct Checkpointer {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Checkpointer {
    pub fn spawn(store: Store) -> std::io::Result<Checkpointer> {
        let stop = Arc::new(AtomicBool::new(false));
        let taken = store
            .take_over_checkpoints()
            .map_err(|e| std::io::Error::other(e.to_string()))?;
        let flag = stop.clone();
        let thread = taken
            .then(|| {
                std::thread::Builder::new()
                    .name("crm-checkpoint".into())
                    .spawn(move || {
                        while !flag.load(Ordering::Acquire) {
                            std::thread::sleep(Duration::from_secs(1));
                            if let Err(e) = store.checkpoint() {
                                tracing::warn!(error = %e, "WAL checkpoint failed");
                            }
                        }
                    })
            })
            .transpose()?;
        Ok(Checkpointer { stop, thread })
    }

    pub fn stop(mut self) {
        self.stop.store(true, Ordering::Release);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Runs rounds until told to stop.
pub fn run(store: &Store, name: &str, stop: &AtomicBool, backups: Option<&BackupPlan>) {
    tracing::info!(worker = name, "background worker started");
    let mut last_schedule: Option<std::time::Instant> = None;
    let backing_up = Arc::new(AtomicBool::new(false));
    let mut backup_thread: Option<JoinHandle<()>> = None;
    while !stop.load(Ordering::Acquire) {
        if last_schedule.is_none_or(|t| t.elapsed() >= SCHEDULE_EVERY) {
            if let Err(e) = store.schedule_periodic(Utc::now()) {
                tracing::warn!(error = %e, "cannot queue periodic jobs");
            }
            if let Some(plan) = backups
                && let Err(e) = schedule_backup(store, plan, Utc::now())
            {
                tracing::warn!(error = %e, "cannot queue the scheduled backup");
            }
            last_schedule = Some(std::time::Instant::now());
        }
        if let Some(plan) = backups
            && !backing_up.load(Ordering::Acquire)
        {
            // A backup takes minutes: it gets its own thread so reminders keep their time.
            match store.claim_backup(name, Utc::now()) {
                Ok(Some(job)) => {
                    backing_up.store(true, Ordering::Release);
                    let (store, name, plan, flag) = (
                        store.clone(),
                        name.to_string(),
                        plan.clone(),
                        backing_up.clone(),
                    );
                    let spawned =
                        std::thread::Builder::new()
                            .name("crm-backup".into())
                            .spawn(move || {
                                scheduled_backup(&store, &name, &plan, &job);
                                flag.store(false, Ordering::Release);
                            });
                    match spawned {
                        Ok(t) => backup_thread = Some(t),
                        Err(e) => {
                            backing_up.store(false, Ordering::Release);
                            tracing::warn!(error = %e, "cannot start the backup thread");
                        }
                    }
                }
                Ok(None) => {}
                Err(e) => tracing::warn!(error = %e, "job queue unavailable"),
            }
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
    if let Some(t) = backup_thread {
        // Stopping mid-backup would only waste it: the archive is finished or abandoned first.
        let _ = t.join();
    }
    tracing::info!(worker = name, "background worker stopped");
}

/// Queues today's scheduled backup (once per day across all nodes).
pub fn schedule_backup(
    store: &Store,
    plan: &BackupPlan,
    now: DateTime<Utc>,
) -> crm_store::StoreResult<bool> {
    let Ok(Some(at)) = plan.config.schedule() else {
        return Ok(false);
    };
    let (job, run_at, key) = Job::daily_backup(now, at, plan.zone);
    store.schedule_backup(&job, run_at, &key)
}

/// Takes the scheduled backup, prunes old ones, and settles the job.
pub fn scheduled_backup(
    store: &Store,
    worker: &str,
    plan: &BackupPlan,
    job: &crm_store::ClaimedJob,
) {
    let result = store
        .backup(&plan.files, &plan.folder, Reason::Scheduled, Utc::now())
        .map_err(|e| e.to_string())
        .and_then(|created| {
            tracing::info!(
                path = %created.path.display(),
                bytes = created.bytes,
                rows = created.manifest.rows(),
                seconds = created.elapsed.as_secs_f64(),
                "scheduled backup written"
            );
            let removed = crm_store::backup::prune(&plan.folder, &plan.config, plan.zone)
                .map_err(|e| format!("the backup was written, but pruning old ones failed: {e}"))?;
            for p in removed {
                tracing::info!(path = %p.display(), "old scheduled backup removed");
            }
            Ok(())
        });
    if let Err(e) = &result {
        tracing::error!(error = %e, "scheduled backup failed");
    }
    match store.settle_job(worker, job, Utc::now(), result) {
        Ok(JobOutcome::Lost) => tracing::warn!(job = job.id, "backup job lease lost"),
        Ok(_) => {}
        Err(e) => tracing::warn!(error = %e, "cannot record the backup job"),
    }
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
