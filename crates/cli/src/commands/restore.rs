//! `crm restore`: checks the whole archive first, then rebuilds the database and the files
//! from it, all or nothing; whatever was there is set aside, never deleted.

use std::path::PathBuf;

use anyhow::{Context, Result};
use chrono::Utc;
use crm_store::DbConfig;
use crm_store::backup::{self, RestoreTarget};

use crate::settings::{Location, Settings};

#[derive(clap::Args)]
pub struct Args {
    /// The archive written by `crm backup`.
    archive: PathBuf,
    /// Replace a database that holds data (it is set aside first, not deleted).
    #[arg(long)]
    force: bool,
    /// Restore into this database instead of the configured one (e.g. to move to PostgreSQL).
    #[arg(long, value_name = "URL")]
    database_url: Option<String>,
}

pub fn run(location: &Location, args: Args) -> Result<()> {
    let settings = Settings::load(&location.config_file()?)?;
    let database = match &args.database_url {
        Some(url) => DbConfig {
            url: url.clone(),
            ..settings.database.clone()
        },
        None => settings.database.clone(),
    };
    let target = RestoreTarget {
        database,
        files_dir: settings.files_dir(),
        backup_folder: settings.backup_folder(),
    };
    // The restore reads the whole archive and checks it before it touches anything.
    println!(
        "Checking {}, then restoring into {} (stop `crm serve` first: systemctl stop crm) …",
        args.archive.display(),
        crm_store::mask_url(&target.database.url)
    );
    let done = backup::restore(&args.archive, &target, args.force, Utc::now())
        .context("nothing was changed")?;
    for p in &done.set_aside {
        println!("Set aside (not deleted): {}", p.display());
    }
    if !done.migrated.is_empty() {
        println!(
            "The archive had an older schema; applied {} migration(s): {}",
            done.migrated.len(),
            done.migrated.join(", ")
        );
    }
    println!("Restored rows (equal to the archive's manifest):");
    for (table, n) in &done.counts {
        println!("  {table:<20} {n:>12}");
    }
    let rows: u64 = done.counts.iter().map(|(_, n)| n).sum();
    println!(
        "Restored {rows} rows in {} tables and {} files into {}.",
        done.counts.len(),
        done.files,
        target.files_dir.display()
    );
    if args.database_url.is_some() {
        println!(
            "To use this database, set [database] url in {} (or CRM_DATABASE__URL) and start `crm serve`.",
            location.config_file()?.display()
        );
    }
    Ok(())
}
