//! `crm backup`: writes one archive while the CRM keeps serving; `--verify` checks one
//! completely; `--list` shows the archives in the backup folder.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use chrono::Utc;
use crm_store::backup::{self, Manifest, Reason, State};

use crate::settings::{Location, Settings};

#[derive(clap::Args)]
pub struct Args {
    /// Folder for the archive (default: [backup] folder).
    #[arg(long, value_name = "DIR")]
    output: Option<PathBuf>,
    /// Read ARCHIVE completely and check every checksum and count, instead of writing one.
    #[arg(long, value_name = "ARCHIVE", conflicts_with = "list")]
    verify: Option<PathBuf>,
    /// List the archives in the backup folder (or --output DIR).
    #[arg(long)]
    list: bool,
}

pub fn run(location: &Location, args: Args) -> Result<()> {
    if let Some(archive) = args.verify {
        return verify(&archive);
    }
    if args.list {
        let folder = match args.output {
            Some(dir) => dir,
            None => Settings::load(&location.config_file()?)?.backup_folder(),
        };
        return list(&folder);
    }
    let (settings, store) = super::open(location)?;
    let folder = args.output.unwrap_or_else(|| settings.backup_folder());
    println!("Writing a backup to {} …", folder.display());
    let created = store
        .backup(&settings.files_dir(), &folder, Reason::Manual, Utc::now())
        .context("the backup failed; no archive was left behind")?;
    let m = &created.manifest;
    println!("Backup written: {}", created.path.display());
    println!(
        "  {} in {:.1} s: schema {}, {} rows in {} tables, {} files",
        size(created.bytes),
        created.elapsed.as_secs_f64(),
        m.about.schema,
        m.rows(),
        m.tables.len(),
        m.files()
    );
    warn_missing(m);
    Ok(())
}

fn warn_missing(m: &Manifest) {
    if !m.missing_files.is_empty() {
        println!(
            "  warning: {} attached file(s) were not on disk (deleted while the backup ran, or lost before): {}",
            m.missing_files.len(),
            m.missing_files.join(", ")
        );
    }
}

/// Prints an archive's contents after checking all of it; an error says what is wrong.
pub fn verify(archive: &Path) -> Result<()> {
    let m = backup::verify(archive)?;
    let a = &m.about;
    println!("OK: {} is complete and intact", archive.display());
    println!(
        "  written {} by crm {} from {} ({}), schema {}",
        a.created_at.format("%Y-%m-%d %H:%M:%S UTC"),
        a.version,
        a.backend,
        a.reason,
        a.schema
    );
    for t in &m.tables {
        println!("  {:<20} {:>12} rows", t.name, t.rows);
    }
    let bytes: u64 = m
        .entries
        .iter()
        .filter(|(k, _)| k.starts_with("files/"))
        .map(|(_, s)| s.size)
        .sum();
    println!("  {} rows, {} files ({})", m.rows(), m.files(), size(bytes));
    warn_missing(&m);
    Ok(())
}

fn list(folder: &Path) -> Result<()> {
    let all = backup::list(folder)?;
    if all.is_empty() {
        println!("No archives in {}", folder.display());
        return Ok(());
    }
    println!("Archives in {}:", folder.display());
    println!(
        "{:<44} {:<20} {:>8} {:>10} {:<15} STATE",
        "NAME", "CREATED (UTC)", "AGE", "SIZE", "SCHEMA"
    );
    let now = Utc::now();
    for l in all {
        let (created, schema, state) = match &l.state {
            State::Ready(a) => (
                Some(a.created_at),
                a.schema.clone(),
                "ready (crm backup --verify reads it all)".to_string(),
            ),
            State::Unfinished => (
                l.modified,
                String::new(),
                "unfinished: running, or killed (never valid)".into(),
            ),
            State::Unreadable(e) => (l.modified, String::new(), format!("unreadable: {e}")),
        };
        let age = created
            .map(|c| {
                let h = (now - c).num_hours();
                if h < 48 {
                    format!("{h} h")
                } else {
                    format!("{} d", h / 24)
                }
            })
            .unwrap_or_default();
        println!(
            "{:<44} {:<20} {:>8} {:>10} {:<15} {state}",
            l.name,
            created
                .map(|c| c.format("%Y-%m-%d %H:%M").to_string())
                .unwrap_or_default(),
            age,
            size(l.bytes),
            schema
        );
    }
    Ok(())
}

pub fn size(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["B", "KB", "MB", "GB"];
    let mut v = bytes as f64;
    let mut unit = 0;
    while v >= 1024.0 && unit < UNITS.len() - 1 {
        v /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{v:.1} {}", UNITS[unit])
    }
}
