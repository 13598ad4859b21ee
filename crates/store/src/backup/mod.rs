//! Backups: one archive file holding a consistent snapshot of the database (as portable JSON
//! lines, so SQLite and PostgreSQL restore each other's archives), every attached file, and a
//! manifest with the SHA-256 of everything; verifying, listing, restoring and pruning them.

mod archive;
mod dump;
mod load;
mod restore;
mod tables;
mod verify;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use chrono::{DateTime, NaiveTime, Utc};
use serde::{Deserialize, Serialize};

pub use archive::{About, FORMAT, Manifest, Sum, TableEntry, about};
pub use restore::{RestoreTarget, Restored, restore};
pub use tables::{Column, Kind};
pub use verify::verify;

use crate::conn::Store;
use crate::error::StoreResult;

/// The backup settings of an installation (`[backup]` in crm.toml).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct BackupConfig {
    /// Where archives are written (a relative path starts at the config file's folder).
    pub folder: String,
    /// Time of day (installation time zone, `HH:MM`) of the scheduled backup; empty: none.
    pub at: String,
    /// Scheduled archives kept: the newest of each of this many days...
    pub keep_daily: u32,
    /// ...and the newest of each of this many ISO weeks.
    pub keep_weekly: u32,
}

impl Default for BackupConfig {
    fn default() -> Self {
        BackupConfig {
            folder: "backups".into(),
            at: "02:30".into(),
            keep_daily: 7,
            keep_weekly: 4,
        }
    }
}

impl BackupConfig {
    /// The time of the daily backup, `None` when scheduled backups are off.
    pub fn schedule(&self) -> Result<Option<NaiveTime>, String> {
        let at = self.at.trim();
        if at.is_empty() {
            return Ok(None);
        }
        NaiveTime::parse_from_str(at, "%H:%M")
            .map(Some)
            .map_err(|_| {
                format!("[backup] at = {at:?}: use HH:MM, e.g. \"02:30\", or \"\" for none")
            })
    }
}

/// Why an archive was taken; part of its name. Only scheduled ones are ever pruned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    Manual,
    Scheduled,
    PreUpgrade,
    PreRestore,
}

impl Reason {
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::Manual => "manual",
            Reason::Scheduled => "scheduled",
            Reason::PreUpgrade => "pre-upgrade",
            Reason::PreRestore => "pre-restore",
        }
    }
}

const SUFFIX: &str = ".tar.zst";

/// `crm-20261124-023000Z-manual.tar.zst`: sorts by time, says why.
pub fn archive_name(now: DateTime<Utc>, reason: Reason) -> String {
    format!(
        "crm-{}-{}{SUFFIX}",
        now.format("%Y%m%d-%H%M%SZ"),
        reason.as_str()
    )
}

/// A finished backup.
#[derive(Debug, Clone)]
pub struct Created {
    pub path: PathBuf,
    pub bytes: u64,
    pub manifest: Manifest,
    pub elapsed: Duration,
}

impl Store {
    /// Writes an archive of the database and of the attachments in `files_dir` into `folder`
    /// (created if need be). The CRM may keep serving meanwhile.
    pub fn backup(
        &self,
        files_dir: &Path,
        folder: &Path,
        reason: Reason,
        now: DateTime<Utc>,
    ) -> StoreResult<Created> {
        let started = Instant::now();
        std::fs::create_dir_all(folder).map_err(archive::io(folder.display()))?;
        let (path, manifest) = self.write_archive(
            files_dir,
            &folder.join(archive_name(now, reason)),
            reason.as_str(),
            now,
        )?;
        let bytes = std::fs::metadata(&path)
            .map_err(archive::io(path.display()))?
            .len();
        Ok(Created {
            path,
            bytes,
            manifest,
            elapsed: started.elapsed(),
        })
    }
}

/// The state of a file in the backup folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum State {
    /// Complete as far as its name and header tell (`verify` reads all of it).
    Ready(About),
    /// A backup still running, or one that was killed: never a valid archive.
    Unfinished,
    /// Named like an archive, but its header cannot be read.
    Unreadable(String),
}

#[derive(Debug, Clone)]
pub struct Listed {
    pub path: PathBuf,
    pub name: String,
    pub bytes: u64,
    pub modified: Option<DateTime<Utc>>,
    pub state: State,
}

/// The archives in `folder`, newest first (an absent folder has none).
pub fn list(folder: &Path) -> StoreResult<Vec<Listed>> {
    let entries = match std::fs::read_dir(folder) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(archive::io(folder.display())(e)),
    };
    let mut out = Vec::new();
    for entry in entries {
        let entry = entry.map_err(archive::io(folder.display()))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let unfinished = name.starts_with(".crm-") && name.ends_with(".partial");
        if !(unfinished || (name.starts_with("crm-") && name.ends_with(SUFFIX))) {
            continue;
        }
        let meta = entry
            .metadata()
            .map_err(archive::io(entry.path().display()))?;
        let path = entry.path();
        let state = if unfinished {
            State::Unfinished
        } else {
            match about(&path) {
                Ok(a) => State::Ready(a),
                Err(e) => State::Unreadable(e.to_string()),
            }
        };
        out.push(Listed {
            name: name.trim_start_matches('.').to_string(),
            bytes: meta.len(),
            modified: meta.modified().ok().map(DateTime::<Utc>::from),
            path,
            state,
        });
    }
    out.sort_by(|a, b| b.name.cmp(&a.name));
    Ok(out)
}

/// Deletes the scheduled archives in `folder` that the retention rule no longer keeps; returns
/// their paths. Manual, pre-upgrade and pre-restore archives are never touched.
pub fn prune(
    folder: &Path,
    config: &BackupConfig,
    zone: crm_core::Zone,
) -> StoreResult<Vec<PathBuf>> {
    let scheduled: Vec<(PathBuf, DateTime<Utc>)> = list(folder)?
        .into_iter()
        .filter_map(|l| match l.state {
            State::Ready(a) if a.reason == Reason::Scheduled.as_str() => {
                Some((l.path, a.created_at))
            }
            _ => None,
        })
        .collect();
    let times: Vec<DateTime<Utc>> = scheduled.iter().map(|(_, t)| *t).collect();
    let expired = crm_core::retention::expired(&times, config.keep_daily, config.keep_weekly, zone);
    let mut removed = Vec::new();
    for i in expired {
        let path = &scheduled[i].0;
        std::fs::remove_file(path).map_err(archive::io(path.display()))?;
        removed.push(path.clone());
    }
    Ok(removed)
}

/// The newest archive in `folder` that is complete, if any.
pub fn last_good(folder: &Path) -> StoreResult<Option<(PathBuf, About)>> {
    Ok(list(folder)?.into_iter().find_map(|l| match l.state {
        State::Ready(a) => Some((l.path, a)),
        _ => None,
    }))
}
