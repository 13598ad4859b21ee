//! One module per `crm` subcommand, and what several of them share.

pub mod backup;
pub mod demo;
mod demo_work;
pub mod department;
pub mod doctor;
pub mod import;
pub mod install;
pub mod migrate;
pub mod restore;
pub mod serve;
pub mod token;
pub mod upgrade;
pub mod user;

use std::path::Path;

use anyhow::{Context, Result, bail};
use crm_store::{SchemaState, Store};

use crate::settings::{Location, Settings};

/// The installation's settings and an open store (its database must exist).
pub fn open(location: &Location) -> Result<(Settings, Store)> {
    let settings = Settings::load(&location.config_file()?)?;
    let store = Store::open(&settings.database).context("cannot open the database")?;
    store.ping().context("the database does not answer")?;
    Ok((settings, store))
}

/// Refuses to work on a database whose schema is not this binary's.
pub fn require_current_schema(store: &Store, location: &Location) -> Result<()> {
    match store.schema_state()? {
        SchemaState::Current => Ok(()),
        SchemaState::Behind(pending) => {
            let how = match (&location.config, &location.data_dir) {
                (Some(f), _) => format!(" --config {}", f.display()),
                (None, Some(d)) => format!(" --data-dir {}", d.display()),
                (None, None) => String::new(),
            };
            bail!(
                "the database schema is older than this crm: {} pending migration(s) ({}): run `crm upgrade{how}` first (it backs up, then migrates)",
                pending.len(),
                pending.join(", ")
            )
        }
        SchemaState::Ahead(db, known) => bail!(
            "the database has schema {db}, newer than this crm knows ({known}): run the newer crm binary"
        ),
    }
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
