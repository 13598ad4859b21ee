//! `crm serve`: runs the web application and the background worker.

use anyhow::{Context, Result};

use crate::settings::Location;

#[derive(clap::Args)]
pub struct Args {
    /// Address and port to listen on (overrides [web] listen).
    #[arg(long, value_name = "ADDR")]
    listen: Option<String>,
}

pub fn run(location: &Location, args: Args) -> Result<()> {
    let (mut settings, store) = super::open(location)?;
    crate::logging::init(&settings.log);
    super::require_current_schema(&store, location)?;
    if let Some(listen) = args.listen {
        settings.web.listen = listen;
    }
    // A folder the service cannot write must stop it now, not the first upload later.
    let tmp = std::path::Path::new(&settings.web.files_dir).join("tmp");
    let probe = tmp.join(format!(".probe-{}", std::process::id()));
    std::fs::create_dir_all(&tmp)
        .and_then(|()| std::fs::write(&probe, b""))
        .and_then(|()| std::fs::remove_file(&probe))
        .with_context(|| format!("[web] files_dir: cannot write to {}", tmp.display()))?;
    let backups = crm_web::worker::BackupPlan {
        folder: settings.backup_folder(),
        files: settings.files_dir(),
        config: settings.backup.clone(),
        zone: crm_core::Zone::parse(&settings.web.time_zone).unwrap_or(crm_core::Zone::UTC),
    };
    let state = crm_web::AppState::new(
        store,
        settings.region()?,
        settings.currency()?,
        settings.web,
    )
    .map_err(anyhow::Error::msg)?;
    actix_web::rt::System::new()
        .block_on(crm_web::serve(state, Some(backups)))
        .context("the web server stopped")
}
