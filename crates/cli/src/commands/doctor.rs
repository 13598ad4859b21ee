//! `crm doctor`: checks the configuration, the database and its schema, the data folders,
//! free disk space, the clocks and the last backup; prints the effective settings with secrets
//! masked. Exits non-zero when it reports anything.

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;

use anyhow::{Result, bail};
use chrono::{Duration, Utc};
use crm_store::{SchemaState, Store};

use crate::settings::{Location, Settings};

/// Less free space than this next to the data is a problem whatever the data's size.
const MIN_FREE: u64 = 1 << 30;

pub fn run(location: &Location) -> Result<()> {
    let path = location.config_file()?;
    let settings = Settings::load(&path)?;
    println!("# Effective settings ({} + environment)\n", path.display());
    println!("{}", settings.masked_toml()?);
    let mut problems = Vec::new();
    match Store::open(&settings.database) {
        Err(e) => problems.push(format!("database: {e}")),
        Ok(store) => match store.ping() {
            Err(e) => problems.push(format!("database does not answer: {e}")),
            Ok(()) => database(&store, &mut problems)?,
        },
    }
    folders(&settings, &mut problems);
    backups(&settings, &mut problems);
    if problems.is_empty() {
        println!("All checks passed.");
        Ok(())
    } else {
        for p in &problems {
            println!("PROBLEM: {p}");
        }
        bail!("{} problem(s) found", problems.len())
    }
}

fn database(store: &Store, problems: &mut Vec<String>) -> Result<()> {
    println!("database: {} reachable", store.backend().as_str());
    let version = store.schema_version()?.unwrap_or_else(|| "none".into());
    println!("schema version: {version}");
    match store.schema_state()? {
        SchemaState::Current => {}
        SchemaState::Behind(pending) => {
            problems.push(format!(
                "{} pending migration(s): run `crm upgrade`",
                pending.len()
            ));
            return Ok(());
        }
        SchemaState::Ahead(db, known) => {
            problems.push(format!(
                "the schema {db} is newer than this crm knows ({known}): use the newer binary"
            ));
            return Ok(());
        }
    }
    match store.integrity_problem()? {
        None => println!("database integrity: ok"),
        Some(p) => problems.push(format!("database integrity: {p}")),
    }
    let admins = store
        .users()?
        .iter()
        .filter(|u| u.active && u.role == crm_core::Role::Admin)
        .count();
    println!("active administrators: {admins}");
    if admins == 0 {
        problems.push("no active administrator: add one with `crm user add --role admin`".into());
    }
    let q = store.queue_counts()?;
    println!(
        "background jobs: {} waiting, {} done in the last week, {} given up",
        q.pending, q.done, q.given_up
    );
    if let Ok(Some(next)) = store.next_job_at()
        && next < Utc::now() - Duration::minutes(10)
    {
        problems.push(format!(
            "background jobs due since {next} have not run: is `crm serve` running?"
        ));
    }
    let now = Utc::now();
    let (server, newest) = store.clocks()?;
    println!("clock: {}", now.format("%Y-%m-%d %H:%M:%S UTC"));
    if let Some(server) = server
        && (server - now).num_seconds().abs() > 5
    {
        problems.push(format!(
            "the database server's clock ({server}) and this machine's ({now}) differ by {} s: synchronise both with NTP",
            (server - now).num_seconds()
        ));
    }
    if let Some(newest) = newest
        && newest > now + Duration::minutes(1)
    {
        problems.push(format!(
            "the newest recorded change is at {newest}, later than now: the clock is wrong or went back (check NTP)"
        ));
    }
    Ok(())
}

/// The data folders exist, this user can write them, strangers cannot read them, and the
/// disk has room.
fn folders(settings: &Settings, problems: &mut Vec<String>) {
    let mut dirs = vec![
        ("files", settings.files_dir()),
        ("backups", settings.backup_folder()),
    ];
    if let Ok(crm_store::DbUrl::Sqlite(db)) = crm_store::DbUrl::parse(&settings.database.url)
        && let Some(dir) = db.parent().filter(|d| !d.as_os_str().is_empty())
    {
        dirs.insert(0, ("database", dir.to_path_buf()));
    }
    for (what, dir) in dirs {
        match std::fs::metadata(&dir) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && what == "backups" => {
                println!(
                    "{what} folder: {} (created by the first backup)",
                    dir.display()
                );
                continue;
            }
            Err(e) => {
                problems.push(format!("{what} folder {}: {e}", dir.display()));
                continue;
            }
            Ok(meta) => {
                let mode = meta.permissions().mode() & 0o777;
                let free = fs4::available_space(&dir).ok();
                println!(
                    "{what} folder: {} (owner uid {}, mode {mode:o}, {} free)",
                    dir.display(),
                    meta.uid(),
                    free.map(super::backup::size).unwrap_or_else(|| "?".into())
                );
                if mode & 0o007 != 0 {
                    problems.push(format!(
                        "{what} folder {} can be read by every user of this machine (mode {mode:o}): chmod o-rwx it",
                        dir.display()
                    ));
                }
                if !writable(&dir) {
                    problems.push(format!(
                        "{what} folder {} is not writable by this user: run doctor as the service user (sudo -u crm crm doctor ...), or chown the folder",
                        dir.display()
                    ));
                }
                if let Some(free) = free
                    && free < MIN_FREE
                {
                    problems.push(format!(
                        "only {} free for the {what} folder {}",
                        super::backup::size(free),
                        dir.display()
                    ));
                }
            }
        }
    }
}

fn backups(settings: &Settings, problems: &mut Vec<String>) {
    let folder = settings.backup_folder();
    match settings.backup.schedule() {
        Ok(Some(at)) => println!(
            "scheduled backup: daily at {} ({})",
            at.format("%H:%M"),
            settings.web.time_zone
        ),
        _ => println!("scheduled backup: off ([backup] at is empty)"),
    }
    match crm_store::backup::last_good(&folder) {
        Ok(Some((path, about))) => {
            let age = Utc::now() - about.created_at;
            println!(
                "last backup: {} ({} h ago)",
                path.display(),
                age.num_hours()
            );
            if age > Duration::hours(24) {
                problems.push(format!(
                    "the last backup is {} hours old: run `crm backup` and check the scheduled one (journalctl -u crm)",
                    age.num_hours()
                ));
            }
        }
        Ok(None) => problems.push(format!(
            "no backup in {}: run `crm backup`",
            folder.display()
        )),
        Err(e) => problems.push(format!("backups: {e}")),
    }
}

fn writable(dir: &Path) -> bool {
    let probe = dir.join(format!(".doctor-{}", std::process::id()));
    let ok = std::fs::write(&probe, b"").is_ok();
    let _ = std::fs::remove_file(&probe);
    ok
}
