//! `crm migrate`: applies pending migrations, each in its own transaction.

use anyhow::Result;

use crate::settings::Location;

pub fn run(location: &Location) -> Result<()> {
    let (_, store) = super::open(location)?;
    let applied = store.migrate()?;
    if applied.is_empty() {
        println!("The database is up to date.");
    } else {
        println!(
            "Applied {} migration(s): {}",
            applied.len(),
            applied.join(", ")
        );
    }
    Ok(())
}
