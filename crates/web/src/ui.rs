//! Templates and static assets, embedded in the binary with rust-embed (read from disk in debug
//! builds, so a template edit shows on reload). Asset URLs carry a content hash so browsers may
//! cache them forever.

use std::collections::HashMap;

use rust_embed::RustEmbed;
use sha2::{Digest, Sha256};

#[derive(RustEmbed)]
#[folder = "templates/"]
struct TemplateFiles;

#[derive(RustEmbed)]
#[folder = "assets/"]
pub(crate) struct AssetFiles;

/// The compiled templates and the hashed asset names.
pub struct Ui {
    tera: tera::Tera,
    /// Asset file name -> URL with its content hash (`/assets/app.css?v=1a2b3c4d`).
    asset_urls: HashMap<String, String>,
}

impl Ui {
    /// Compiles every template; a broken template stops the start-up, not a page view.
    pub fn load() -> Result<Ui, String> {
        let mut tera = tera::Tera::new();
        tera.autoescape_on(vec![".html"]);
        tera.register_function("t", crate::i18n::tera_function);
        let mut sources = Vec::new();
        for name in TemplateFiles::iter() {
            let file =
                TemplateFiles::get(&name).ok_or_else(|| format!("template {name} vanished"))?;
            let text = String::from_utf8(file.data.into_owned())
                .map_err(|_| format!("template {name} is not UTF-8"))?;
            sources.push((name.to_string(), text));
        }
        tera.add_raw_templates(sources)
            .map_err(|e| format!("cannot compile templates: {e:?}"))?;
        let mut asset_urls = HashMap::new();
        for name in AssetFiles::iter() {
            if let Some(file) = AssetFiles::get(&name) {
                let hash = hex::encode(&Sha256::digest(&file.data)[..4]);
                asset_urls.insert(name.to_string(), format!("/assets/{name}?v={hash}"));
            }
        }
        Ok(Ui { tera, asset_urls })
    }

    pub fn render(&self, name: &str, ctx: &tera::Context) -> Result<String, tera::Error> {
        self.tera.render(name, ctx)
    }

    /// The cache-busting URL of an asset.
    pub fn asset_url(&self, name: &str) -> String {
        self.asset_urls
            .get(name)
            .cloned()
            .unwrap_or_else(|| format!("/assets/{name}"))
    }
}
