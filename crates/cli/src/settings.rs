//! The installation's settings, composed from each crate's own configuration and loaded in
//! layers: built-in defaults < the crm.toml file < `CRM_<SECTION>__<KEY>` environment variables.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use crm_store::DbConfig;
use crm_store::backup::BackupConfig;
use crm_web::WebConfig;
use serde::{Deserialize, Serialize};

/// Settings that belong to the CRM as a whole.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CrmConfig {
    /// Country (ISO 3166 alpha-2) for phone numbers typed without a country code.
    pub default_region: String,
    /// ISO 4217 code of new deals and products unless another is picked.
    pub currency: String,
}

impl Default for CrmConfig {
    fn default() -> Self {
        CrmConfig {
            default_region: "US".into(),
            currency: "USD".into(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LogConfig {
    /// error, warn, info, debug or trace (RUST_LOG, if set, wins).
    pub level: String,
    /// "text" for people, "json" for log collectors.
    pub format: String,
}

impl Default for LogConfig {
    fn default() -> Self {
        LogConfig {
            level: "info".into(),
            format: "text".into(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    #[serde(default)]
    pub database: DbConfig,
    #[serde(default)]
    pub web: WebConfig,
    #[serde(default)]
    pub crm: CrmConfig,
    #[serde(default)]
    pub log: LogConfig,
    #[serde(default)]
    pub backup: BackupConfig,
}

/// Where an installation's configuration lives: `--config FILE` or `--data-dir DIR`.
#[derive(Debug, Clone, clap::Args)]
pub struct Location {
    /// The installation's configuration file.
    #[arg(long, global = true, env = "CRM_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// The installation's data directory (its crm.toml is used).
    #[arg(long, global = true, env = "CRM_DATA_DIR", value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
}

pub const CONFIG_FILE: &str = "crm.toml";

impl Location {
    pub fn config_file(&self) -> Result<PathBuf> {
        match (&self.config, &self.data_dir) {
            (Some(file), _) => Ok(file.clone()),
            (None, Some(dir)) => Ok(dir.join(CONFIG_FILE)),
            (None, None) => bail!("say which installation: --data-dir DIR or --config FILE"),
        }
    }
}

impl Settings {
    /// Loads the file at `path` (it must exist) with this process's environment on top.
    pub fn load(path: &Path) -> Result<Settings> {
        Self::load_with_env(path, std::env::vars())
    }

    /// Loads the file at `path` with `CRM_<SECTION>__<KEY>` variables from `env` on top. Other
    /// `CRM_` variables (CRM_CONFIG, CRM_DATA_DIR, CRM_TEST_POSTGRES_URL) are not settings.
    pub fn load_with_env(
        path: &Path,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Settings> {
        let overrides: config::Map<String, String> = env
            .into_iter()
            .filter(|(k, _)| k.starts_with("CRM_") && k.contains("__"))
            .collect();
        if !path.is_file() {
            bail!(
                "no configuration at {}: install first with `crm install --data-dir DIR ...`, or name the file with --config",
                path.display()
            );
        }
        let raw = config::Config::builder()
            .add_source(
                config::File::from(path)
                    .format(config::FileFormat::Toml)
                    .required(true),
            )
            .add_source(
                config::Environment::with_prefix("CRM")
                    .prefix_separator("_")
                    .separator("__")
                    .try_parsing(true)
                    .list_separator(",")
                    .with_list_parse_key("web.trusted_proxies")
                    .source(Some(overrides)),
            )
            .build()
            .with_context(|| format!("cannot read {}", path.display()))?;
        let settings: Settings = raw
            .try_deserialize()
            .with_context(|| format!("{} has a wrong setting", path.display()))?;
        settings
            .check()
            .with_context(|| format!("{} has a wrong setting", path.display()))?;
        Ok(settings.anchored(path.parent().unwrap_or(Path::new("."))))
    }

    /// Relative folders start at the configuration file's folder, wherever `crm` is run from.
    fn anchored(mut self, dir: &Path) -> Settings {
        for folder in [&mut self.web.files_dir, &mut self.backup.folder] {
            if Path::new(folder.as_str()).is_relative() {
                *folder = dir.join(folder.as_str()).to_string_lossy().into_owned();
            }
        }
        self
    }

    pub fn files_dir(&self) -> PathBuf {
        PathBuf::from(&self.web.files_dir)
    }

    pub fn backup_folder(&self) -> PathBuf {
        PathBuf::from(&self.backup.folder)
    }

    /// Checks what types alone do not.
    pub fn check(&self) -> Result<()> {
        self.region()?;
        self.currency()?;
        crm_web::config::parse_time_zone(&self.web.time_zone)
            .map_err(|e| anyhow::anyhow!("[web] time_zone: {e}"))?;
        if !["text", "json"].contains(&self.log.format.as_str()) {
            bail!(
                "[log] format must be \"text\" or \"json\", not {:?}",
                self.log.format
            );
        }
        let public_url = self.web.public_url.trim();
        if !public_url.is_empty() && crm_core::Origin::of_url(public_url).is_none() {
            bail!("[web] public_url must start with https:// or http://, not {public_url:?}");
        }
        crm_store::DbUrl::parse(&self.database.url)
            .map_err(|e| anyhow::anyhow!("[database] url: {e}"))?;
        self.backup.schedule().map_err(anyhow::Error::msg)?;
        Ok(())
    }

    pub fn region(&self) -> Result<crm_core::Region> {
        self.crm
            .default_region
            .parse()
            .map_err(|e: String| anyhow::anyhow!("[crm] default_region: {e}"))
    }

    pub fn currency(&self) -> Result<crm_core::Currency> {
        crm_core::Currency::parse(&self.crm.currency).map_err(|_| {
            anyhow::anyhow!(
                "[crm] currency: {:?} is not an ISO 4217 currency code",
                self.crm.currency
            )
        })
    }

    /// The settings as TOML with secrets masked, for `crm doctor`.
    pub fn masked_toml(&self) -> Result<String> {
        let mut shown = self.clone();
        shown.database.url = crm_store::mask_url(&shown.database.url);
        Ok(toml::to_string_pretty(&shown)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_toml_documents_exactly_the_defaults() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../config/default.toml");
        let text = std::fs::read_to_string(path).unwrap();
        let parsed: Settings = toml::from_str(&text).unwrap();
        assert_eq!(parsed, Settings::default(), "config/default.toml is stale");
        // Every key of the defaults appears in the file (deny_unknown_fields covers the reverse).
        let defaults = toml::to_string(&Settings::default()).unwrap();
        for line in defaults.lines().filter(|l| l.contains(" = ")) {
            let key = line.split(" = ").next().unwrap();
            assert!(
                text.contains(&format!("\n{key} = ")),
                "config/default.toml lacks {key}"
            );
        }
    }

    #[test]
    fn environment_overrides_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("crm.toml");
        std::fs::write(
            &path,
            "[web]\nlisten = \"127.0.0.1:1\"\n[crm]\ndefault_region = \"RU\"\n",
        )
        .unwrap();
        let s = Settings::load_with_env(&path, []).unwrap();
        assert_eq!(s.web.listen, "127.0.0.1:1");
        assert_eq!(s.crm.default_region, "RU");
        let env = [
            ("CRM_WEB__LISTEN", "0.0.0.0:80"),
            ("CRM_WEB__TRUSTED_PROXIES", "10.0.0.1,10.0.0.2"),
            ("CRM_TEST_POSTGRES_URL", "postgres://ignored"),
            ("CRM_DATA_DIR", "/ignored"),
        ]
        .map(|(k, v)| (k.to_string(), v.to_string()));
        let s = Settings::load_with_env(&path, env).unwrap();
        assert_eq!(s.web.listen, "0.0.0.0:80");
        assert_eq!(s.web.trusted_proxies, ["10.0.0.1", "10.0.0.2"]);
        std::fs::write(&path, "[web]\nlisten = 5\nbogus = 1\n").unwrap();
        assert!(Settings::load_with_env(&path, []).is_err());
        std::fs::write(&path, "[crm]\ndefault_region = \"XX\"\n").unwrap();
        let err = format!("{:#}", Settings::load_with_env(&path, []).unwrap_err());
        assert!(err.contains("default_region"), "{err}");
    }
}
