//! `crm upgrade`, run after replacing the binary: a backup first, then every pending
//! migration in one transaction that is checked before it commits.

use anyhow::{Result, bail};
use chrono::Utc;
use crm_store::SchemaState;
use crm_store::backup::Reason;

use crate::settings::Location;

pub fn run(location: &Location) -> Result<()> {
    let (settings, store) = super::open(location)?;
    let before = store.schema_version()?.unwrap_or_else(|| "none".into());
    let pending = match store.schema_state()? {
        SchemaState::Ahead(db, known) => bail!(
            "the database has schema {db}, newer than this crm knows ({known}): this binary is older than the one that last upgraded it; install the newer crm instead"
        ),
        SchemaState::Current => {
            println!("The database is up to date (schema {before}); nothing to do.");
            return Ok(());
        }
        SchemaState::Behind(pending) => pending,
    };
    println!(
        "Schema {before}: {} migration(s) to apply: {}",
        pending.len(),
        pending.join(", ")
    );
    println!("Taking a backup first …");
    let backup = store
        .backup(
            &settings.files_dir(),
            &settings.backup_folder(),
            Reason::PreUpgrade,
            Utc::now(),
        )
        .map_err(|e| {
            anyhow::anyhow!("the pre-upgrade backup failed, so nothing was changed: {e}")
        })?;
    println!("Backup written: {}", backup.path.display());
    match store.upgrade() {
        Ok(applied) => {
            let now = store.schema_version()?.unwrap_or_default();
            println!(
                "Upgraded to schema {now}: applied {}. Start the service: systemctl start crm",
                applied.join(", ")
            );
            Ok(())
        }
        Err(e) => {
            let after = store.schema_version()?.unwrap_or_else(|| "none".into());
            if after == before {
                bail!(
                    "the upgrade failed: {e}\nThe database was returned to exactly its previous state (schema {before}). The pre-upgrade archive is {}. Keep running the previous crm binary and report the error.",
                    backup.path.display()
                )
            }
            bail!(
                "the upgrade failed: {e}\nThe database reports schema {after} instead of {before}: restore the pre-upgrade archive with `crm restore --force {}`.",
                backup.path.display()
            )
        }
    }
}
