//! `crm doctor`: checks the configuration and the database, and prints the effective settings
//! with secrets masked.

use anyhow::{Result, bail};

use crate::settings::{Location, Settings};

pub fn run(location: &Location) -> Result<()> {
    let path = location.config_file()?;
    let settings = Settings::load(&path)?;
    println!("# Effective settings ({} + environment)\n", path.display());
    println!("{}", settings.masked_toml()?);
    let mut problems = Vec::new();
    match crm_store::Store::open(&settings.database) {
        Err(e) => problems.push(format!("database: {e}")),
        Ok(store) => match store.ping() {
            Err(e) => problems.push(format!("database does not answer: {e}")),
            Ok(()) => {
                println!("database: {} reachable", store.backend().as_str());
                let version = store.schema_version()?.unwrap_or_else(|| "none".into());
                println!("schema version: {version}");
                let pending = store.pending_migrations()?;
                if !pending.is_empty() {
                    problems.push(format!(
                        "{} pending migration(s): run `crm migrate`",
                        pending.len()
                    ));
                }
                if pending.is_empty() {
                    let admins = store
                        .users()?
                        .iter()
                        .filter(|u| u.active && u.role == crm_core::Role::Admin)
                        .count();
                    println!("active administrators: {admins}");
                    let q = store.queue_counts()?;
                    println!(
                        "background jobs: {} waiting, {} done in the last week, {} given up",
                        q.pending, q.done, q.given_up
                    );
                    if let Ok(Some(next)) = store.next_job_at()
                        && next < chrono::Utc::now() - chrono::Duration::minutes(10)
                    {
                        problems.push(format!(
                            "background jobs due since {next} have not run: is `crm serve` running?"
                        ));
                    }
                    if admins == 0 {
                        problems.push(
                            "no active administrator: add one with `crm user add --role admin`"
                                .into(),
                        );
                    }
                }
            }
        },
    }
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
