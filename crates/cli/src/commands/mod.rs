//! One module per `crm` subcommand, and what several of them share.

pub mod demo;
mod demo_work;
pub mod department;
pub mod doctor;
pub mod install;
pub mod migrate;
pub mod serve;
pub mod token;
pub mod user;

use std::path::Path;

use anyhow::{Context, Result, bail};
use crm_store::Store;

use crate::settings::{Location, Settings};

/// The installation's settings and an open store (its database must exist).
pub fn open(location: &Location) -> Result<(Settings, Store)> {
    let settings = Settings::load(&location.config_file()?)?;
    let store = Store::open(&settings.database).context("cannot open the database")?;
    store.ping().context("the database does not answer")?;
    Ok((settings, store))
}

/// Refuses to work on a database whose schema is not current.
pub fn require_current_schema(store: &Store, location: &Location) -> Result<()> {
    let pending = store.pending_migrations()?;
    if !pending.is_empty() {
        let how = match (&location.config, &location.data_dir) {
            (Some(f), _) => format!("--config {}", f.display()),
            (None, Some(d)) => format!("--data-dir {}", d.display()),
            (None, None) => String::new(),
        };
        bail!(
            "the database has {} pending migration(s) ({}): run `crm migrate {how}` first",
            pending.len(),
            pending.join(", ")
        );
    }
    Ok(())
}

/// Reads a password from a file (its trailing newline is not part of it) and checks it.
pub fn read_password(path: &Path) -> Result<String> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the password file {}", path.display()))?;
    let password = text.trim_end_matches(['\n', '\r']).to_string();
    crm_core::user::check_password(&password).map_err(|code| {
        anyhow::anyhow!(
            "the password in {} is not acceptable: {}",
            path.display(),
            crm_web::i18n::translate("en", code, &[])
        )
    })?;
    Ok(password)
}
