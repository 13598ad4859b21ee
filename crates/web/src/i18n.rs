//! Translations: Fluent files per language under `i18n/`, compiled into the binary. Templates
//! call `t(key=..., n=...)`; Rust code calls [`translate`].

use std::borrow::Cow;
use std::collections::HashMap;

use fluent_bundle::FluentValue;
use fluent_templates::{LanguageIdentifier, Loader};

fluent_templates::static_loader! {
    static LOCALES = {
        locales: "./i18n",
        fallback_language: "en",
        // Unicode isolation marks around arguments would end up in CSV cells and mail subjects.
        customise: |bundle| bundle.set_use_isolating(false),
    };
}

/// A language the interface speaks: its code and its own name.
#[derive(Debug, Clone, Copy, serde::Serialize)]
pub struct Language {
    pub code: &'static str,
    pub name: &'static str,
    /// Written right to left.
    pub rtl: bool,
}

/// Every language offered, in menu order.
pub const LANGUAGES: &[Language] = &[
    Language {
        code: "en",
        name: "English",
        rtl: false,
    },
    Language {
        code: "ru",
        name: "Русский",
        rtl: false,
    },
];

pub const DEFAULT_LANGUAGE: &str = "en";

/// The offered language for `code`, if any.
pub fn language(code: &str) -> Option<&'static Language> {
    LANGUAGES.iter().find(|l| l.code == code)
}

/// The identifier of an offered language, parsed once (templates look up hundreds of texts per
/// page); anything else is English.
fn langid(code: &str) -> &'static LanguageIdentifier {
    static IDS: std::sync::LazyLock<Vec<(&'static str, LanguageIdentifier)>> =
        std::sync::LazyLock::new(|| {
            LANGUAGES
                .iter()
                .map(|l| {
                    let id = l
                        .code
                        .parse()
                        .unwrap_or_else(|_| fluent_templates::langid!("en"));
                    (l.code, id)
                })
                .collect()
        });
    static EN: LanguageIdentifier = fluent_templates::langid!("en");
    IDS.iter()
        .find(|(c, _)| *c == code)
        .map_or(&EN, |(_, id)| id)
}

/// The text of `key` in language `lang` with Fluent `args`; the key itself if it is missing
/// (a visible key is easier to report than an empty string).
pub fn translate(lang: &str, key: &str, args: &[(&str, FluentValue<'static>)]) -> String {
    let map = args
        .iter()
        .map(|(k, v)| (Cow::Owned((*k).to_string()), v.clone()))
        .collect();
    lookup(lang, key, &map)
}

fn lookup(
    lang: &str,
    key: &str,
    args: &HashMap<Cow<'static, str>, FluentValue<'static>>,
) -> String {
    LOCALES
        .try_lookup_with_args(langid(lang), key, args)
        .unwrap_or_else(|| key.to_string())
}

/// The best offered language for an `Accept-Language` header.
pub fn from_accept_language(header: &str) -> &'static str {
    let mut best: Option<(&'static str, f32)> = None;
    for part in header.split(',') {
        let mut pieces = part.trim().split(';');
        let tag = pieces.next().unwrap_or("").trim().to_ascii_lowercase();
        let q = pieces
            .find_map(|p| {
                p.trim()
                    .strip_prefix("q=")
                    .and_then(|q| q.parse::<f32>().ok())
            })
            .unwrap_or(1.0);
        let primary = tag.split('-').next().unwrap_or("");
        if let Some(lang) = language(primary)
            && best.is_none_or(|(_, bq)| q > bq)
        {
            best = Some((lang.code, q));
        }
    }
    best.map_or(DEFAULT_LANGUAGE, |(code, _)| code)
}

/// The `t` function for templates: reads `lang` from the template's context, passes every other
/// keyword argument to Fluent (numbers as numbers, so plural rules apply).
pub fn tera_function(kwargs: tera::Kwargs, state: &tera::State) -> tera::TeraResult<String> {
    let key: &str = kwargs.must_get("key")?;
    let lang: String = state
        .get::<String>("lang")?
        .unwrap_or_else(|| DEFAULT_LANGUAGE.into());
    let mut args: HashMap<Cow<'static, str>, FluentValue<'static>> = HashMap::new();
    for (k, v) in kwargs.iter() {
        let name = k.to_string().replace('_', "-");
        if name == "key" {
            continue;
        }
        let value = if let Some(n) = v.as_i64() {
            FluentValue::from(n)
        } else if let Some(f) = v.as_f64() {
            FluentValue::from(f)
        } else if let Some(s) = v.as_str() {
            FluentValue::from(s.to_string())
        } else {
            FluentValue::from(v.to_string())
        };
        args.insert(Cow::Owned(name), value);
    }
    Ok(lookup(&lang, key, &args))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn translates_with_plural_rules() {
        assert_eq!(translate("en", "nav-contacts", &[]), "Contacts");
        assert_eq!(translate("ru", "nav-contacts", &[]), "Контакты");
        assert_eq!(
            translate("xx", "nav-contacts", &[]),
            "Contacts",
            "falls back to English"
        );
        assert_eq!(translate("en", "no-such-key", &[]), "no-such-key");
    }

    #[test]
    fn picks_from_accept_language() {
        assert_eq!(from_accept_language("ru-RU,ru;q=0.9,en;q=0.8"), "ru");
        assert_eq!(from_accept_language("de-DE, en;q=0.5"), "en");
        assert_eq!(from_accept_language("fr"), "en");
        assert_eq!(from_accept_language("en;q=0.3, ru;q=0.7"), "ru");
    }

    #[test]
    fn every_message_key_in_the_code_is_translated() {
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
        let mut missing = Vec::new();
        for krate in ["core", "store", "web", "cli"] {
            let mut stack = vec![std::path::PathBuf::from(format!("{root}/{krate}/src"))];
            while let Some(dir) = stack.pop() {
                for entry in std::fs::read_dir(dir).unwrap() {
                    let path = entry.unwrap().path();
                    if path.is_dir() {
                        stack.push(path);
                        continue;
                    }
                    let text = std::fs::read_to_string(&path).unwrap();
                    for piece in text.split('"').skip(1).step_by(2) {
                        let is_key = (piece.starts_with("error-") || piece.starts_with("flash-"))
                            && piece.chars().all(|c| c.is_ascii_lowercase() || c == '-');
                        if is_key && translate("en", piece, &[]) == piece {
                            missing.push(format!("{piece} ({})", path.display()));
                        }
                    }
                }
            }
        }
        assert!(missing.is_empty(), "untranslated keys: {missing:?}");
    }

    #[test]
    fn every_language_has_the_same_keys() {
        // Every .ftl file of the language: the bundle loads them all.
        let keys = |lang: &str| -> Vec<String> {
            let dir = format!("{}/i18n/{lang}", env!("CARGO_MANIFEST_DIR"));
            let mut text = String::new();
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.extension().is_some_and(|e| e == "ftl") {
                    text.push_str(&std::fs::read_to_string(path).unwrap());
                    text.push('\n');
                }
            }
            let mut k: Vec<String> = text
                .lines()
                .filter_map(|l| l.split_once(" =").map(|(k, _)| k.trim().to_string()))
                .filter(|k| {
                    !k.is_empty() && !k.starts_with('#') && !k.starts_with(' ') && !k.contains(' ')
                })
                .collect();
            k.sort();
            k
        };
        let en = keys("en");
        assert!(en.len() > 50);
        for l in LANGUAGES {
            assert_eq!(keys(l.code), en, "{} has the same keys as en", l.code);
        }
    }
}
