//! `crm install`: a new installation, non-interactively — configuration, database, first
//! administrator. It never touches an existing installation.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use crm_core::{Actor, Role, UserDraft};
use crm_store::{DbConfig, DbUrl, Store};

use crate::settings::{CONFIG_FILE, Location, Settings};

#[derive(clap::Args)]
pub struct Args {
    /// E-mail of the first administrator.
    #[arg(long, value_name = "EMAIL")]
    admin_email: String,
    /// File holding the administrator's password (kept out of shell history and `ps`).
    #[arg(long, value_name = "FILE")]
    admin_password_file: PathBuf,
    /// A PostgreSQL URL; by default an SQLite database in the data directory.
    #[arg(long, value_name = "URL")]
    database_url: Option<String>,
    /// Address and port to serve on.
    #[arg(long, value_name = "ADDR")]
    listen: Option<String>,
    /// Country for phone numbers typed without a country code (e.g. RU, IL, US).
    #[arg(long, value_name = "CC")]
    default_region: Option<String>,
    /// Currency of new deals and products (ISO 4217, e.g. RUB, ILS, EUR).
    #[arg(long, value_name = "CODE")]
    currency: Option<String>,
}

pub fn run(location: &Location, args: Args) -> Result<()> {
    let Some(dir) = &location.data_dir else {
        bail!("say where to install: --data-dir DIR");
    };
    let dir =
        std::path::absolute(dir).with_context(|| format!("cannot resolve {}", dir.display()))?;
    let config_path = location
        .config
        .clone()
        .unwrap_or_else(|| dir.join(CONFIG_FILE));
    if config_path.exists() {
        bail!(
            "{} already exists: this is an installation already; nothing was changed",
            config_path.display()
        );
    }
    let db_file = dir.join("crm.db");

    // Check everything before creating anything.
    let password = super::read_password(&args.admin_password_file)?;
    let admin = UserDraft::new(&args.admin_email, "", Role::Admin, "en").map_err(|_| {
        anyhow::anyhow!(
            "--admin-email {:?} is not an e-mail address",
            args.admin_email
        )
    })?;
    let mut settings = Settings {
        database: DbConfig {
            url: match &args.database_url {
                Some(url) => url.clone(),
                None => format!("sqlite://{}", db_file.display()),
            },
            ..DbConfig::default()
        },
        ..Settings::default()
    };
    if let Some(listen) = args.listen {
        settings.web.listen = listen;
    }
    // Attached files live in the data directory whatever folder the configuration is in.
    settings.web.files_dir = dir.join("files").to_string_lossy().into_owned();
    settings.backup.folder = dir.join("backups").to_string_lossy().into_owned();
    if let Some(region) = args.default_region {
        settings.crm.default_region = region.trim().to_ascii_uppercase();
    }
    if let Some(code) = args.currency {
        settings.crm.currency = code.trim().to_ascii_uppercase();
    }
    settings.check()?;
    let is_sqlite = matches!(DbUrl::parse(&settings.database.url)?, DbUrl::Sqlite(_));
    if is_sqlite && db_file.exists() {
        bail!(
            "{} already exists: this is an installation already; nothing was changed",
            db_file.display()
        );
    }
    let hash = crm_web::auth::hash_password(&password).map_err(anyhow::Error::msg)?;

    let created_dir = !dir.exists();
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    if created_dir {
        // The client base is nobody else's business on this machine.
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o750))
            .with_context(|| format!("cannot restrict {}", dir.display()))?;
    }
    let made = create_database(&settings, &admin, &hash);
    if let Err(e) = made {
        // Leave the machine as it was found.
        if is_sqlite {
            remove_sqlite(&db_file);
        }
        if created_dir {
            let _ = std::fs::remove_dir(&dir);
        }
        return Err(e);
    }
    write_config(&config_path, &settings)?;
    println!("Installed in {}.", dir.display());
    println!("Configuration: {}", config_path.display());
    println!("Administrator: {}", admin.email.raw());
    println!(
        "Start it with: crm serve --config {}",
        config_path.display()
    );
    Ok(())
}

fn create_database(settings: &Settings, admin: &UserDraft, hash: &str) -> Result<()> {
    let store = Store::create(&settings.database).context("cannot create the database")?;
    store.ping().context("the database does not answer")?;
    if store.schema_version()?.is_some() {
        bail!(
            "the database already holds a CRM: nothing was changed (use `crm migrate` to upgrade it)"
        );
    }
    store.migrate().context("cannot create the tables")?;
    store
        .create_user(&Actor::system(), admin, hash)
        .context("cannot create the administrator")?;
    Ok(())
}

fn remove_sqlite(db: &Path) {
    for suffix in ["", "-wal", "-shm"] {
        let mut p = db.as_os_str().to_owned();
        p.push(suffix);
        let _ = std::fs::remove_file(p);
    }
}

/// Writes the file readable by its owner only (it may hold a database password).
fn write_config(path: &Path, settings: &Settings) -> Result<()> {
    let body = format!(
        "# Written by `crm install`. Every key and its default: config/default.toml.\n\n{}",
        toml::to_string_pretty(settings)?
    );
    let tmp = path.with_extension("toml.tmp");
    std::fs::write(&tmp, body).with_context(|| format!("cannot write {}", tmp.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o640))?;
    }
    std::fs::rename(&tmp, path).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}
