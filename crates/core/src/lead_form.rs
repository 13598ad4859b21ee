//! Website lead forms: what an administrator sets up (the fields shown, who gets the leads, the
//! sites allowed to post), the origin rules of the public endpoint, and how a posted form
//! becomes a lead.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::email::Email;
use crate::error::{Error, FieldErrors, Result};
use crate::lead::{LeadDraft, LeadInput};
use crate::party::{self, MAX_LINE_CHARS};
use crate::phone::{Phone, Region};
use crate::text::squish;

/// The hidden input people never see and bots fill in: a post with it filled is answered as a
/// success and dropped.
pub const HONEYPOT: &str = "website";
/// Largest body the public endpoint reads.
pub const MAX_BODY_BYTES: usize = 64 * 1024;
/// Allowed origins per form.
pub const MAX_ORIGINS: usize = 20;
/// Longest page URL or redirect URL kept.
pub const MAX_URL_CHARS: usize = 2_000;
/// The hidden inputs the snippet's script adds, taken as given (cut to size, never refused:
/// the visitor cannot fix them).
pub const UTM_FIELDS: [&str; 5] = [
    "utm_source",
    "utm_medium",
    "utm_campaign",
    "utm_term",
    "utm_content",
];

/// A field a form may show.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FormField {
    Name,
    Phone,
    Email,
    Company,
    Message,
}

impl FormField {
    pub const ALL: [FormField; 5] = [
        FormField::Name,
        FormField::Phone,
        FormField::Email,
        FormField::Company,
        FormField::Message,
    ];

    /// The input's name in the posted form (and in JSON bodies).
    pub fn as_str(&self) -> &'static str {
        match self {
            FormField::Name => "name",
            FormField::Phone => "phone",
            FormField::Email => "email",
            FormField::Company => "company",
            FormField::Message => "message",
        }
    }

    pub fn parse(s: &str) -> Option<FormField> {
        FormField::ALL.into_iter().find(|f| f.as_str() == s)
    }
}

/// A field shown on a form, required or optional.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldSpec {
    pub field: FormField,
    pub required: bool,
}

/// Who a form's leads go to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum Assignee {
    User(i64),
    /// The department's active members in turn.
    Department(i64),
    /// The user or department named was removed: leads come in unassigned and every
    /// administrator hears of them. Never the result of validation.
    Nobody,
}

/// A web origin, `scheme://host[:port]`: lower-cased, the scheme's default port left out, so
/// that equal origins compare equal as text.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Origin(String);

impl Origin {
    /// An origin as an administrator types it or a browser sends it in `Origin`: nothing after
    /// the port but an optional `/`.
    pub fn parse(s: &str) -> Option<Origin> {
        let s = s.trim();
        let (scheme, rest) = s.split_once("://")?;
        let authority = rest.strip_suffix('/').unwrap_or(rest);
        if authority.contains(['/', '?', '#', '@']) {
            return None;
        }
        Origin::build(scheme, authority)
    }

    /// The origin of a full URL (a `Referer`); credentials in it are ignored.
    pub fn of_url(url: &str) -> Option<Origin> {
        let (scheme, rest) = url.trim().split_once("://")?;
        let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        let authority = &rest[..end];
        let authority = authority.rsplit_once('@').map_or(authority, |(_, a)| a);
        Origin::build(scheme, authority)
    }

    fn build(scheme: &str, authority: &str) -> Option<Origin> {
        let scheme = scheme.to_ascii_lowercase();
        let default_port = match scheme.as_str() {
            "http" => 80,
            "https" => 443,
            _ => return None,
        };
        let authority = authority.to_ascii_lowercase();
        let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
            let (addr, after) = v6.split_once(']')?;
            if addr.is_empty() || !addr.chars().all(|c| c.is_ascii_hexdigit() || c == ':') {
                return None;
            }
            (format!("[{addr}]"), after.strip_prefix(':'))
        } else {
            let (host, port) = match authority.split_once(':') {
                Some((h, p)) => (h, Some(p)),
                None => (authority.as_str(), None),
            };
            // Browsers send host names in punycode; other characters never match anything.
            let valid = !host.is_empty()
                && host
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
                && !host.starts_with('.')
                && !host.contains("..");
            if !valid {
                return None;
            }
            (host.to_string(), port)
        };
        let port = match port {
            None => None,
            Some(p) => {
                let n: u16 = p
                    .parse()
                    .ok()
                    .filter(|_| p.chars().all(|c| c.is_ascii_digit()))?;
                (n != default_port).then_some(n)
            }
        };
        Some(Origin(match port {
            Some(p) => format!("{scheme}://{host}:{p}"),
            None => format!("{scheme}://{host}"),
        }))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Where a browser's request comes from: its `Origin` header, else its `Referer`'s origin.
    /// `Origin: null` (sandboxed frames, privacy modes) is no origin.
    pub fn of_request(origin: Option<&str>, referer: Option<&str>) -> Option<Origin> {
        match origin.map(str::trim).filter(|o| !o.is_empty()) {
            Some(o) => Origin::parse(o),
            None => referer.and_then(Origin::of_url),
        }
    }
}

/// A lead form as the administrator fills it in.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LeadFormInput {
    pub name: String,
    pub fields: Vec<FieldSpec>,
    pub pipeline_id: Option<i64>,
    pub responsible_id: Option<i64>,
    pub department_id: Option<i64>,
    /// Allowed origins, separated by new lines, spaces or commas.
    pub origins: String,
    pub redirect_url: String,
    pub active: bool,
}

/// A checked lead form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeadFormDraft {
    pub name: String,
    pub fields: Vec<FieldSpec>,
    pub pipeline_id: Option<i64>,
    pub assignee: Assignee,
    pub origins: Vec<Origin>,
    pub redirect_url: String,
    pub active: bool,
}

/// An absolute http(s) URL of reasonable length, or why not.
fn check_url(url: &str) -> std::result::Result<(), &'static str> {
    if url.chars().count() > MAX_URL_CHARS {
        return Err("error-too-long");
    }
    let plain = !url.chars().any(|c| c.is_whitespace() || c.is_control());
    if plain && Origin::of_url(url).is_some() {
        Ok(())
    } else {
        Err("error-url-invalid")
    }
}

impl LeadFormInput {
    pub fn validate(&self) -> Result<LeadFormDraft> {
        let mut e = FieldErrors::new();
        let name = party::line(&mut e, "name", &self.name, true);
        let mut fields: Vec<FieldSpec> = Vec::new();
        for f in &self.fields {
            if !fields.iter().any(|g| g.field == f.field) {
                fields.push(*f);
            }
        }
        if !fields
            .iter()
            .any(|f| matches!(f.field, FormField::Phone | FormField::Email))
        {
            // A lead nobody can call or write back to is of no use.
            e.add("fields", "error-lead-form-contact-field");
        }
        let assignee = match (self.responsible_id, self.department_id) {
            (Some(u), None) => Some(Assignee::User(u)),
            (None, Some(d)) => Some(Assignee::Department(d)),
            _ => {
                e.add("assignee", "error-lead-form-assignee");
                None
            }
        };
        let mut origins: Vec<Origin> = Vec::new();
        for o in self
            .origins
            .split(|c: char| c.is_whitespace() || c == ',')
            .filter(|o| !o.is_empty())
        {
            match Origin::parse(o) {
                Some(o) if !origins.contains(&o) => origins.push(o),
                Some(_) => {}
                None => {
                    e.add("origins", "error-origin-invalid");
                    break;
                }
            }
        }
        if origins.len() > MAX_ORIGINS {
            e.add("origins", "error-origins-too-many");
        }
        let redirect_url = self.redirect_url.trim().to_string();
        if !redirect_url.is_empty()
            && let Err(code) = check_url(&redirect_url)
        {
            e.add("redirect_url", code);
        }
        match assignee {
            Some(assignee) if e.is_empty() => Ok(LeadFormDraft {
                name,
                fields,
                pipeline_id: self.pipeline_id,
                assignee,
                origins,
                redirect_url,
                active: self.active,
            }),
            _ => Err(Error::Invalid(e)),
        }
    }
}

/// A stored lead form. Its secret token is not here: only its hash is stored, and the store
/// keeps that to itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LeadForm {
    pub id: i64,
    /// The public part of the form's address, `/f/{key}`.
    pub key: String,
    pub name: String,
    pub fields: Vec<FieldSpec>,
    pub pipeline_id: Option<i64>,
    pub assignee: Assignee,
    pub origins: Vec<Origin>,
    pub redirect_url: String,
    pub active: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl LeadForm {
    pub fn allows(&self, origin: &Origin) -> bool {
        self.origins.contains(origin)
    }

    /// The form's settings as the edit form shows them.
    pub fn to_input(&self) -> LeadFormInput {
        let (responsible_id, department_id) = match self.assignee {
            Assignee::User(u) => (Some(u), None),
            Assignee::Department(d) => (None, Some(d)),
            Assignee::Nobody => (None, None),
        };
        LeadFormInput {
            name: self.name.clone(),
            fields: self.fields.clone(),
            pipeline_id: self.pipeline_id,
            responsible_id,
            department_id,
            origins: self
                .origins
                .iter()
                .map(|o| o.as_str())
                .collect::<Vec<_>>()
                .join("\n"),
            redirect_url: self.redirect_url.clone(),
            active: self.active,
        }
    }

    /// The lead a posted form makes. `values` are the posted inputs by name; fields the form
    /// does not show are ignored. The shown fields are checked (required, e-mail and phone
    /// format, length) with messages under the inputs' names; the page URL (else `referer`)
    /// and the UTM tags are cut to size.
    pub fn lead_draft(
        &self,
        values: &BTreeMap<String, String>,
        referer: Option<&str>,
        region: Region,
    ) -> Result<LeadDraft> {
        let mut e = FieldErrors::new();
        let get = |k: &str| values.get(k).map_or("", |v| v.trim());
        let cut = |s: &str, n: usize| s.chars().take(n).collect::<String>();
        let mut input = LeadInput {
            title: self.name.clone(),
            source: "web_form".into(),
            ..Default::default()
        };
        for spec in &self.fields {
            let name = spec.field.as_str();
            let v = get(name);
            if v.is_empty() {
                if spec.required {
                    e.add(name, "error-required");
                }
                continue;
            }
            match spec.field {
                FormField::Phone => {
                    if let Err(code) = Phone::parse(v, region) {
                        e.add(name, code);
                    }
                }
                FormField::Email => {
                    if let Err(code) = Email::parse(v) {
                        e.add(name, code);
                    }
                }
                _ => {}
            }
            let v = v.to_string();
            match spec.field {
                FormField::Name => input.name = v,
                FormField::Phone => input.phone = v,
                FormField::Email => input.email = v,
                FormField::Company => input.company_name = v,
                FormField::Message => input.message = v,
            }
        }
        let page_url = match get("page_url") {
            "" => referer.unwrap_or("").trim(),
            given => given,
        };
        // Only web addresses: anything else is not a page the visitor was on.
        let plain = !page_url
            .chars()
            .any(|c| c.is_whitespace() || c.is_control());
        input.page_url = if plain && Origin::of_url(page_url).is_some() {
            cut(page_url, MAX_URL_CHARS)
        } else {
            String::new()
        };
        let [s, m, c, t, n] = UTM_FIELDS.map(|k| cut(&squish(get(k)), MAX_LINE_CHARS));
        (
            input.utm_source,
            input.utm_medium,
            input.utm_campaign,
            input.utm_term,
            input.utm_content,
        ) = (s, m, c, t, n);
        match input.validate(region) {
            Ok(d) if e.is_empty() => Ok(d),
            Ok(_) => Err(Error::Invalid(e)),
            Err(Error::Invalid(more)) => {
                for fe in more.iter() {
                    let field = if fe.field == "company_name" {
                        "company"
                    } else {
                        fe.field.as_str()
                    };
                    if e.get(field).is_none() {
                        e.add(field, fe.code);
                    }
                }
                Err(Error::Invalid(e))
            }
            Err(other) => Err(other),
        }
    }
}

/// Who gets the next lead of a department: the first member after the one who got the last,
/// in id order, starting over at the end. `members` are the active ones, in any order.
pub fn next_in_turn(members: &[i64], last: Option<i64>) -> Option<i64> {
    let mut sorted = members.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    let after = last.and_then(|l| sorted.iter().copied().find(|&m| m > l));
    after.or_else(|| sorted.first().copied())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ru() -> Region {
        "RU".parse().unwrap()
    }

    fn form(fields: &[(FormField, bool)]) -> LeadForm {
        LeadForm {
            id: 1,
            key: "k".into(),
            name: "Site: callback".into(),
            fields: fields
                .iter()
                .map(|&(field, required)| FieldSpec { field, required })
                .collect(),
            pipeline_id: None,
            assignee: Assignee::User(1),
            origins: vec![Origin::parse("https://example.com").unwrap()],
            redirect_url: String::new(),
            active: true,
            created_at: Utc::now(),
            updated_at: Utc::now(),
        }
    }

    fn values(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn origins_compare_by_scheme_host_and_port() {
        let o = |s| Origin::parse(s).map(|o| o.0);
        assert_eq!(
            o("HTTPS://Example.com/"),
            Some("https://example.com".into())
        );
        assert_eq!(
            o("https://example.com:443"),
            Some("https://example.com".into())
        );
        assert_eq!(
            o("http://example.com:8080"),
            Some("http://example.com:8080".into())
        );
        assert_eq!(o("http://[::1]:3000"), Some("http://[::1]:3000".into()));
        for bad in [
            "example.com",
            "ftp://example.com",
            "https://example.com/path",
            "https://user@example.com",
            "https://",
            "https://exa mple.com",
            "https://example.com:99999",
            "https://example.com:+1",
            "null",
        ] {
            assert_eq!(o(bad), None, "{bad}");
        }
        assert_ne!(o("http://example.com"), o("https://example.com"));
        assert_ne!(o("https://www.example.com"), o("https://example.com"));
        assert_eq!(
            Origin::of_url("https://u:p@Example.com:443/a/b?c#d").map(|o| o.0),
            Some("https://example.com".into())
        );
    }

    #[test]
    fn the_origin_header_wins_over_the_referer() {
        let r = Origin::of_request(Some("https://a.com"), Some("https://b.com/x"));
        assert_eq!(r.map(|o| o.0), Some("https://a.com".into()));
        let r = Origin::of_request(None, Some("https://b.com/x"));
        assert_eq!(r.map(|o| o.0), Some("https://b.com".into()));
        assert_eq!(
            Origin::of_request(Some("null"), Some("https://b.com")),
            None
        );
        assert_eq!(Origin::of_request(None, None), None);
    }

    #[test]
    fn a_form_needs_a_name_a_contact_field_and_one_assignee() {
        let Err(Error::Invalid(e)) = LeadFormInput {
            fields: vec![FieldSpec {
                field: FormField::Message,
                required: true,
            }],
            responsible_id: Some(1),
            department_id: Some(2),
            origins: "https://a.com, nonsense".into(),
            redirect_url: "javascript:alert(1)".into(),
            ..Default::default()
        }
        .validate() else {
            panic!("expected invalid")
        };
        assert_eq!(e.get("name"), Some("error-required"));
        assert_eq!(e.get("fields"), Some("error-lead-form-contact-field"));
        assert_eq!(e.get("assignee"), Some("error-lead-form-assignee"));
        assert_eq!(e.get("origins"), Some("error-origin-invalid"));
        assert_eq!(e.get("redirect_url"), Some("error-url-invalid"));

        let d = LeadFormInput {
            name: " Callback ".into(),
            fields: vec![
                FieldSpec {
                    field: FormField::Phone,
                    required: true,
                },
                FieldSpec {
                    field: FormField::Phone,
                    required: false,
                },
            ],
            department_id: Some(2),
            origins: "https://a.com\nhttps://A.com/ https://www.a.com".into(),
            redirect_url: "https://a.com/thanks".into(),
            active: true,
            ..Default::default()
        }
        .validate()
        .unwrap();
        assert_eq!(d.name, "Callback");
        assert_eq!(d.fields.len(), 1);
        assert_eq!(d.assignee, Assignee::Department(2));
        assert_eq!(d.origins.len(), 2);
    }

    #[test]
    fn a_post_becomes_a_web_form_lead() {
        let f = form(&[
            (FormField::Name, false),
            (FormField::Phone, true),
            (FormField::Company, false),
        ]);
        let d = f
            .lead_draft(
                &values(&[
                    ("name", " Анна "),
                    ("phone", "8 (495) 123-45-67"),
                    ("email", "ignored@example.com"),
                    ("company", "ООО Окна"),
                    ("utm_source", "yandex"),
                    ("utm_campaign", &"x".repeat(500)),
                ]),
                Some("https://example.com/contacts?utm_source=yandex"),
                ru(),
            )
            .unwrap();
        assert_eq!(d.title, "Site: callback");
        assert_eq!(d.source, "web_form");
        assert_eq!(d.name, "Анна");
        assert_eq!(d.phone_e164.as_deref(), Some("+74951234567"));
        assert_eq!(d.email, "", "a field the form does not show is ignored");
        assert_eq!(d.company_name, "ООО Окна");
        assert_eq!(d.utm[0], "yandex");
        assert_eq!(d.utm[2].chars().count(), MAX_LINE_CHARS);
        assert_eq!(d.page_url, "https://example.com/contacts?utm_source=yandex");
    }

    #[test]
    fn bad_posts_name_their_fields() {
        let f = form(&[
            (FormField::Email, true),
            (FormField::Phone, false),
            (FormField::Message, false),
        ]);
        let Err(Error::Invalid(e)) = f.lead_draft(
            &values(&[
                ("email", "not-an-email"),
                ("phone", "call me"),
                ("message", &"m".repeat(20_000)),
                ("page_url", "javascript:alert(1)"),
            ]),
            None,
            ru(),
        ) else {
            panic!("expected invalid")
        };
        assert_eq!(e.get("email"), Some("error-email-invalid"));
        assert_eq!(e.get("phone"), Some("error-phone-invalid"));
        assert_eq!(e.get("message"), Some("error-too-long"));
        let Err(Error::Invalid(e)) = f.lead_draft(&values(&[]), None, ru()) else {
            panic!("expected invalid")
        };
        assert_eq!(e.get("email"), Some("error-required"));
        let d = f
            .lead_draft(
                &values(&[("email", "a@b.co"), ("page_url", "javascript:x")]),
                None,
                ru(),
            )
            .unwrap();
        assert_eq!(d.page_url, "", "only web addresses are kept as the page");
    }

    #[test]
    fn turns_go_round_the_members_in_id_order() {
        assert_eq!(next_in_turn(&[], None), None);
        assert_eq!(next_in_turn(&[7, 3, 5], None), Some(3));
        assert_eq!(next_in_turn(&[7, 3, 5], Some(3)), Some(5));
        assert_eq!(next_in_turn(&[7, 3, 5], Some(5)), Some(7));
        assert_eq!(next_in_turn(&[7, 3, 5], Some(7)), Some(3));
        // The last one left the department: the turn goes on from where they stood.
        assert_eq!(next_in_turn(&[3, 7], Some(5)), Some(7));
    }
}
