//! What an import can fill in for each kind of record, and the guess of which column holds which
//! field from the header names people actually write (in English, Russian, Hebrew and Arabic).

use std::fmt;
use std::str::FromStr;
use std::sync::LazyLock;

use super::names::NAMES;

/// The kind of record a file is imported as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    Contacts,
    Companies,
    Leads,
    Deals,
    Products,
}

impl Kind {
    pub const ALL: [Kind; 5] = [
        Kind::Contacts,
        Kind::Companies,
        Kind::Leads,
        Kind::Deals,
        Kind::Products,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Contacts => "contacts",
            Kind::Companies => "companies",
            Kind::Leads => "leads",
            Kind::Deals => "deals",
            Kind::Products => "products",
        }
    }
}

impl FromStr for Kind {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Kind::ALL
            .into_iter()
            .find(|k| k.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| {
                format!("unknown import kind {s:?}: expected contacts, companies, leads, deals or products")
            })
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One field an import can fill in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Field {
    /// Stable key, used in saved mappings and by the import pipeline.
    pub key: &'static str,
    /// Translation key of the field's name.
    pub label: &'static str,
    /// Several columns may feed it (a contact's phones, e-mails).
    pub repeatable: bool,
}

const fn one(key: &'static str, label: &'static str) -> Field {
    Field {
        key,
        label,
        repeatable: false,
    }
}

const fn many(key: &'static str, label: &'static str) -> Field {
    Field {
        key,
        label,
        repeatable: true,
    }
}

const CONTACTS: &[Field] = &[
    one("name", "import-field-name"),
    one("first_name", "import-field-first-name"),
    one("last_name", "import-field-last-name"),
    one("middle_name", "import-field-middle-name"),
    many("phone", "import-field-phone"),
    many("email", "import-field-email"),
    one("company", "import-field-company"),
    one("position", "import-field-position"),
    one("birthday", "import-field-birthday"),
    one("address", "import-field-address"),
    one("tags", "import-field-tags"),
    one("notes", "import-field-notes"),
    one("responsible", "import-field-responsible"),
    one("messengers", "import-field-messengers"),
];

const COMPANIES: &[Field] = &[
    one("name", "import-field-company-name"),
    one("tax_id", "import-field-tax-id"),
    many("phone", "import-field-phone"),
    many("email", "import-field-email"),
    one("website", "import-field-website"),
    one("industry", "import-field-industry"),
    one("address", "import-field-address"),
    one("bank_details", "import-field-bank-details"),
    one("tags", "import-field-tags"),
    one("notes", "import-field-notes"),
    one("responsible", "import-field-responsible"),
];

const LEADS: &[Field] = &[
    one("title", "import-field-title"),
    one("name", "import-field-name"),
    one("company", "import-field-company"),
    one("phone", "import-field-phone"),
    one("email", "import-field-email"),
    one("source", "import-field-source"),
    one("message", "import-field-message"),
    one("responsible", "import-field-responsible"),
    one("utm_source", "import-field-utm-source"),
    one("utm_medium", "import-field-utm-medium"),
    one("utm_campaign", "import-field-utm-campaign"),
    one("page_url", "import-field-page-url"),
];

const DEALS: &[Field] = &[
    one("title", "import-field-title"),
    one("amount", "import-field-amount"),
    one("currency", "import-field-currency"),
    one("stage", "import-field-stage"),
    one("pipeline", "import-field-pipeline"),
    one("company", "import-field-company"),
    one("contact", "import-field-contact"),
    one("responsible", "import-field-responsible"),
    one("close_date", "import-field-close-date"),
    one("notes", "import-field-notes"),
];

const PRODUCTS: &[Field] = &[
    one("name", "import-field-product-name"),
    one("sku", "import-field-sku"),
    one("price", "import-field-price"),
    one("currency", "import-field-currency"),
    one("unit", "import-field-unit"),
    one("category", "import-field-category"),
];

/// The fields an import of `kind` can fill in, in the order a mapping form shows them.
pub fn fields(kind: Kind) -> &'static [Field] {
    match kind {
        Kind::Contacts => CONTACTS,
        Kind::Companies => COMPANIES,
        Kind::Leads => LEADS,
        Kind::Deals => DEALS,
        Kind::Products => PRODUCTS,
    }
}

/// Header text reduced to what tells names apart: lower case, letters and digits only, with the
/// variant letters people type interchangeably folded (ё/е, Arabic alef and teh marbuta forms).
pub fn normalize(header: &str) -> String {
    crate::text::fold(header)
        .chars()
        .filter(|c| c.is_alphanumeric())
        .map(|c| match c {
            'ё' => 'е',
            'أ' | 'إ' | 'آ' | 'ٱ' => 'ا',
            'ة' => 'ه',
            'ى' => 'ي',
            'ؤ' => 'و',
            'ئ' => 'ي',
            _ => c,
        })
        .collect()
}

/// The same names, normalized once.
struct Names {
    key: &'static str,
    whole: Vec<String>,
    stems: Vec<String>,
}

static NORMALIZED: LazyLock<Vec<Names>> = LazyLock::new(|| {
    NAMES
        .iter()
        .map(|(key, whole, stems)| Names {
            key,
            whole: whole.iter().map(|s| normalize(s)).collect(),
            stems: stems.iter().map(|s| normalize(s)).collect(),
        })
        .collect()
});

/// The name lists that tell a field of `kind`, each with a bonus that settles ties: a companies
/// file's "Организация" is the company's name, and so is its "Name"; a product's name is also
/// called "Товар".
fn names_of(kind: Kind, key: &str) -> Vec<(&'static Names, usize)> {
    let extra: &[&str] = match (kind, key) {
        (Kind::Companies, "name") => &["company"],
        (Kind::Products, "name") => &["product_name"],
        _ => &[],
    };
    let mut out: Vec<(&'static Names, usize)> = Vec::new();
    for n in NORMALIZED.iter() {
        if n.key == key {
            out.push((n, 0));
        } else if extra.contains(&n.key) {
            out.push((n, 1));
        }
    }
    out
}

/// How well `header` (normalized) names the field: a whole name beats any stem, and a longer
/// stem beats a shorter one ("Company name" is a company, not a name). 0 = not at all.
fn score(header: &str, names: &Names) -> usize {
    if header.is_empty() {
        return 0;
    }
    if names.whole.iter().any(|w| w == header) {
        return 10_000;
    }
    // The header minus trailing digits, so "Phone 2" and "E-mail1" count as whole names.
    let bare = header.trim_end_matches(|c: char| c.is_ascii_digit());
    if !bare.is_empty() && names.whole.iter().any(|w| w == bare) {
        return 9_000;
    }
    // "Phone 1 - Type" (Google, Outlook) describes the next column: only a whole name counts.
    if ["type", "тип", "סוג", "نوع"]
        .iter()
        .any(|t| header.contains(t))
    {
        return 0;
    }
    names
        .stems
        .iter()
        .filter(|s| !s.is_empty() && header.contains(s.as_str()))
        .map(|s| 1_000 + 10 * s.chars().count())
        .max()
        .unwrap_or(0)
}

/// For each column, the key of the field it most likely holds (`None`: skip the column). A
/// field that is not repeatable is given to one column at most: the one whose header names it
/// best, the leftmost on a tie.
pub fn guess_mapping(kind: Kind, headers: &[String]) -> Vec<Option<&'static str>> {
    let fields = fields(kind);
    let normalized: Vec<String> = headers.iter().map(|h| normalize(h)).collect();
    let names: Vec<Vec<(&'static Names, usize)>> =
        fields.iter().map(|f| names_of(kind, f.key)).collect();
    let best = |header: &str, index: usize| {
        names[index]
            .iter()
            .map(|(n, bonus)| match score(header, n) {
                0 => 0,
                s => s + bonus,
            })
            .max()
            .unwrap_or(0)
    };
    // "Имя" beside "Фамилия" is the first name; alone, the whole name.
    let parts = fields
        .iter()
        .enumerate()
        .filter(|(_, f)| f.key == "last_name" || f.key == "middle_name")
        .any(|(i, _)| normalized.iter().any(|h| best(h, i) > 0));
    let mut candidates: Vec<(usize, usize, usize)> = Vec::new(); // (score, column, field index)
    for (column, header) in normalized.iter().enumerate() {
        for (index, field) in fields.iter().enumerate() {
            let mut s = best(header, index);
            if s > 0 && parts && field.key == "first_name" {
                s += 5;
            }
            if s > 0 {
                candidates.push((s, column, index));
            }
        }
    }
    // Best first; on equal scores the leftmost column, then the field listed first.
    candidates.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
    let mut out: Vec<Option<&'static str>> = vec![None; headers.len()];
    let mut taken = vec![false; fields.len()];
    for (_, column, index) in candidates {
        let field = &fields[index];
        if out[column].is_some() || (taken[index] && !field.repeatable) {
            continue;
        }
        out[column] = Some(field.key);
        taken[index] = true;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn guess(kind: Kind, headers: &[&str]) -> Vec<Option<&'static str>> {
        guess_mapping(
            kind,
            &headers.iter().map(|h| h.to_string()).collect::<Vec<_>>(),
        )
    }

    #[test]
    fn every_named_key_is_a_field_of_some_kind_and_every_field_has_names() {
        for (key, _, _) in NAMES {
            if *key == "product_name" {
                continue;
            }
            assert!(
                Kind::ALL
                    .iter()
                    .any(|k| fields(*k).iter().any(|f| f.key == *key)),
                "{key}"
            );
        }
        for kind in Kind::ALL {
            for f in fields(kind) {
                assert!(NAMES.iter().any(|(k, _, _)| *k == f.key), "{}", f.key);
                assert!(f.label.starts_with("import-field-"));
            }
        }
    }

    #[test]
    fn kinds_parse_and_print() {
        for kind in Kind::ALL {
            assert_eq!(kind.as_str().parse::<Kind>(), Ok(kind));
        }
        assert_eq!(" Contacts ".parse::<Kind>(), Ok(Kind::Contacts));
        assert!("people".parse::<Kind>().is_err());
    }

    #[test]
    fn russian_headers() {
        assert_eq!(
            guess(
                Kind::Contacts,
                &[
                    "ФИО",
                    "Телефон",
                    "Моб. телефон",
                    "Эл. почта",
                    "Компания",
                    "Должность",
                    "Дата рождения",
                    "Адрес",
                    "Примечание",
                    "Ответственный",
                    "Что-то ещё",
                ]
            ),
            vec![
                Some("name"),
                Some("phone"),
                Some("phone"),
                Some("email"),
                Some("company"),
                Some("position"),
                Some("birthday"),
                Some("address"),
                Some("notes"),
                Some("responsible"),
                None
            ]
        );
        assert_eq!(
            guess(Kind::Contacts, &["Фамилия", "Имя", "Отчество", "E-mail"]),
            vec![
                Some("last_name"),
                Some("first_name"),
                Some("middle_name"),
                Some("email")
            ]
        );
        assert_eq!(
            guess(
                Kind::Companies,
                &[
                    "Организация",
                    "ИНН",
                    "Телефон",
                    "Сайт",
                    "Банковские реквизиты"
                ]
            ),
            vec![
                Some("name"),
                Some("tax_id"),
                Some("phone"),
                Some("website"),
                Some("bank_details")
            ]
        );
        assert_eq!(
            guess(
                Kind::Deals,
                &[
                    "Название сделки",
                    "Сумма",
                    "Валюта",
                    "Этап",
                    "Воронка",
                    "Контакт",
                    "Дата закрытия"
                ]
            ),
            vec![
                Some("title"),
                Some("amount"),
                Some("currency"),
                Some("stage"),
                Some("pipeline"),
                Some("contact"),
                Some("close_date")
            ]
        );
        assert_eq!(
            guess(
                Kind::Products,
                &["Наименование", "Артикул", "Цена", "Ед. изм."]
            ),
            vec![Some("name"), Some("sku"), Some("price"), Some("unit")]
        );
    }

    #[test]
    fn english_headers_ignore_case_space_and_punctuation() {
        assert_eq!(
            guess(
                Kind::Contacts,
                &[
                    "Full Name",
                    "Mobile phone",
                    "PHONE 2",
                    "e-mail",
                    "Company name",
                    "Job title",
                    "Tags",
                    "",
                    "Birthday"
                ]
            ),
            vec![
                Some("name"),
                Some("phone"),
                Some("phone"),
                Some("email"),
                Some("company"),
                Some("position"),
                Some("tags"),
                None,
                Some("birthday")
            ]
        );
        assert_eq!(
            guess(
                Kind::Leads,
                &[
                    "Name",
                    "Phone",
                    "Phone 2",
                    "utm_source",
                    "UTM Medium",
                    "Page URL",
                    "Message"
                ]
            ),
            vec![
                Some("name"),
                Some("phone"),
                None, // a lead has one phone
                Some("utm_source"),
                Some("utm_medium"),
                Some("page_url"),
                Some("message")
            ]
        );
    }

    #[test]
    fn a_field_that_is_not_repeatable_goes_to_its_best_column() {
        assert_eq!(
            guess(Kind::Leads, &["Моб. телефон", "Телефон"]),
            vec![None, Some("phone")]
        );
        assert_eq!(
            guess(Kind::Contacts, &["Name", "Name"]),
            vec![Some("name"), None]
        );
    }

    #[test]
    fn hebrew_headers() {
        assert_eq!(
            guess(
                Kind::Contacts,
                &[
                    "שם מלא",
                    "טלפון",
                    "טלפון נייד",
                    "דוא\"ל",
                    "חברה",
                    "תפקיד",
                    "כתובת",
                    "הערות"
                ]
            ),
            vec![
                Some("name"),
                Some("phone"),
                Some("phone"),
                Some("email"),
                Some("company"),
                Some("position"),
                Some("address"),
                Some("notes")
            ]
        );
    }

    #[test]
    fn arabic_headers() {
        assert_eq!(
            guess(
                Kind::Contacts,
                &[
                    "الاسم",
                    "رقم الهاتف",
                    "جوال",
                    "البريد الإلكتروني",
                    "اسم الشركة",
                    "المنصب",
                    "العنوان"
                ]
            ),
            vec![
                Some("name"),
                Some("phone"),
                Some("phone"),
                Some("email"),
                Some("company"),
                Some("position"),
                Some("address")
            ]
        );
        // Written without hamza, as often typed.
        assert_eq!(
            guess(Kind::Contacts, &["البريد الالكتروني"]),
            vec![Some("email")]
        );
    }
}
