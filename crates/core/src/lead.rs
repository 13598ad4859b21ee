//! Leads: unqualified requests from any channel, kept as given until a manager converts them
//! into a contact, a company and a deal — or marks them junk.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::company::{CompanyDraft, CompanyInput};
use crate::contact::{ContactDraft, ContactInput, double_option};
use crate::deal;
use crate::email::Email;
use crate::error::{FieldErrors, Result};
use crate::party;
use crate::phone::{Phone, Region};

/// Where a lead is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum LeadStatus {
    New,
    InProgress,
    Converted,
    Junk,
}

impl LeadStatus {
    pub const ALL: [LeadStatus; 4] = [
        LeadStatus::New,
        LeadStatus::InProgress,
        LeadStatus::Converted,
        LeadStatus::Junk,
    ];

    pub fn as_str(&self) -> &'static str {
        match self {
            LeadStatus::New => "new",
            LeadStatus::InProgress => "in_progress",
            LeadStatus::Converted => "converted",
            LeadStatus::Junk => "junk",
        }
    }

    pub fn parse(s: &str) -> Option<LeadStatus> {
        LeadStatus::ALL.into_iter().find(|l| l.as_str() == s)
    }
}

/// A lead as typed or posted.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct LeadInput {
    /// What the request is about, e.g. "Quote for 3 windows".
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub source: String,
    /// Empty keeps the current status (a new lead is `new`). `converted` is set only by
    /// converting.
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub company_name: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub email: String,
    /// What was asked, as the client wrote it.
    #[serde(default)]
    pub message: String,
    #[serde(default)]
    pub utm_source: String,
    #[serde(default)]
    pub utm_medium: String,
    #[serde(default)]
    pub utm_campaign: String,
    #[serde(default)]
    pub utm_term: String,
    #[serde(default)]
    pub utm_content: String,
    #[serde(default)]
    pub page_url: String,
    #[serde(default)]
    pub responsible_id: Option<i64>,
}

/// A checked lead. The phone and e-mail are kept as given; their normalised forms are added
/// when they parse (a lead is never refused for a badly typed phone: no lead is lost).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeadDraft {
    pub title: String,
    pub source: String,
    pub status: Option<LeadStatus>,
    pub name: String,
    pub company_name: String,
    pub phone: String,
    pub phone_e164: Option<String>,
    pub email: String,
    pub email_lower: Option<String>,
    pub message: String,
    pub utm: [String; 5],
    pub page_url: String,
    pub responsible_id: Option<i64>,
}

impl LeadInput {
    pub fn validate(&self, region: Region) -> Result<LeadDraft> {
        let mut e = FieldErrors::new();
        let status = match self.status.trim() {
            "" => None,
            "converted" => {
                e.add("status", "error-lead-convert-instead");
                None
            }
            s => LeadStatus::parse(s).or_else(|| {
                e.add("status", "error-status-unknown");
                None
            }),
        };
        let phone = party::line(&mut e, "phone", &self.phone, false);
        let email = party::line(&mut e, "email", &self.email, false);
        let utm = [
            party::line(&mut e, "utm_source", &self.utm_source, false),
            party::line(&mut e, "utm_medium", &self.utm_medium, false),
            party::line(&mut e, "utm_campaign", &self.utm_campaign, false),
            party::line(&mut e, "utm_term", &self.utm_term, false),
            party::line(&mut e, "utm_content", &self.utm_content, false),
        ];
        let mut page_url = self.page_url.trim().to_string();
        if page_url.chars().count() > 2_000 {
            e.add("page_url", "error-too-long");
            page_url.clear();
        }
        let draft = LeadDraft {
            title: party::line(&mut e, "title", &self.title, false),
            source: if self.source.trim().is_empty() {
                "manual".into()
            } else {
                deal::source(&mut e, &self.source)
            },
            status,
            name: party::line(&mut e, "name", &self.name, false),
            company_name: party::line(&mut e, "company_name", &self.company_name, false),
            phone_e164: Phone::parse(&phone, region)
                .ok()
                .map(|p| p.e164().to_string()),
            phone,
            email_lower: Email::parse(&email).ok().map(|m| m.lower().to_string()),
            email,
            message: party::note(&mut e, "message", &self.message),
            utm,
            page_url,
            responsible_id: self.responsible_id,
        };
        if draft.title.is_empty()
            && draft.name.is_empty()
            && draft.phone.is_empty()
            && draft.email.is_empty()
            && draft.company_name.is_empty()
        {
            e.add("name", "error-lead-empty");
        }
        e.into_result(draft)
    }
}

impl LeadDraft {
    /// The title shown in lists: the one given, else who asked.
    pub fn display_title(&self) -> String {
        [
            &self.title,
            &self.name,
            &self.company_name,
            &self.phone,
            &self.email,
        ]
        .into_iter()
        .find(|s| !s.is_empty())
        .cloned()
        .unwrap_or_default()
    }
}

/// A stored lead.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Lead {
    pub id: i64,
    pub title: String,
    pub source: String,
    pub status: LeadStatus,
    pub name: String,
    pub company_name: String,
    pub phone: String,
    pub phone_e164: Option<String>,
    pub email: String,
    pub message: String,
    pub utm_source: String,
    pub utm_medium: String,
    pub utm_campaign: String,
    pub utm_term: String,
    pub utm_content: String,
    pub page_url: String,
    pub responsible_id: Option<i64>,
    pub responsible_name: Option<String>,
    pub contact_id: Option<i64>,
    pub company_id: Option<i64>,
    pub deal_id: Option<i64>,
    /// The pipeline a deal opened from this lead goes to unless another is picked (set for
    /// leads from a website form that names one).
    pub pipeline_id: Option<i64>,
    pub converted_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Lead {
    /// A new contact from what the lead gave: the person's name (or whatever names the
    /// request), and the phone and e-mail when they are valid.
    pub fn contact_input(&self) -> ContactInput {
        let name = [
            &self.name,
            &self.company_name,
            &self.title,
            &self.phone,
            &self.email,
        ]
        .into_iter()
        .find(|s| !s.is_empty())
        .cloned()
        .unwrap_or_default();
        ContactInput {
            name,
            phones: self.phone_e164.iter().map(|_| self.phone.clone()).collect(),
            emails: Email::parse(&self.email)
                .ok()
                .map(|_| self.email.clone())
                .into_iter()
                .collect(),
            responsible_id: self.responsible_id,
            notes: self.message.clone(),
            ..Default::default()
        }
    }

    /// A new company named as the lead named it.
    pub fn company_input(&self) -> CompanyInput {
        CompanyInput {
            name: self.company_name.clone(),
            responsible_id: self.responsible_id,
            ..Default::default()
        }
    }

    pub fn to_input(&self) -> LeadInput {
        LeadInput {
            title: self.title.clone(),
            source: self.source.clone(),
            status: String::new(),
            name: self.name.clone(),
            company_name: self.company_name.clone(),
            phone: self.phone.clone(),
            email: self.email.clone(),
            message: self.message.clone(),
            utm_source: self.utm_source.clone(),
            utm_medium: self.utm_medium.clone(),
            utm_campaign: self.utm_campaign.clone(),
            utm_term: self.utm_term.clone(),
            utm_content: self.utm_content.clone(),
            page_url: self.page_url.clone(),
            responsible_id: self.responsible_id,
        }
    }
}

/// A partial update (API `PATCH`).
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct LeadPatch {
    pub title: Option<String>,
    pub source: Option<String>,
    pub status: Option<String>,
    pub name: Option<String>,
    pub company_name: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub message: Option<String>,
    pub utm_source: Option<String>,
    pub utm_medium: Option<String>,
    pub utm_campaign: Option<String>,
    pub utm_term: Option<String>,
    pub utm_content: Option<String>,
    pub page_url: Option<String>,
    #[serde(default, with = "double_option")]
    pub responsible_id: Option<Option<i64>>,
}

impl LeadPatch {
    pub fn apply(self, mut to: LeadInput) -> LeadInput {
        macro_rules! set {
            ($($f:ident),*) => { $( if let Some(v) = self.$f { to.$f = v; } )* };
        }
        set!(
            title,
            source,
            status,
            name,
            company_name,
            phone,
            email,
            message
        );
        set!(
            utm_source,
            utm_medium,
            utm_campaign,
            utm_term,
            utm_content,
            page_url
        );
        set!(responsible_id);
        to
    }
}

/// A lead as one line of a list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LeadRow {
    pub id: i64,
    pub title: String,
    pub source: String,
    pub status: LeadStatus,
    pub name: String,
    pub phone: String,
    pub email: String,
    pub responsible_name: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// What converting a lead should do with each part: make a new card, link an existing one,
/// or (for company and deal) make none.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Link {
    New,
    Existing(i64),
    Skip,
}

impl Link {
    /// `new`, `none`, or an id.
    pub fn parse(s: &str) -> Option<Link> {
        match s.trim() {
            "new" => Some(Link::New),
            "none" => Some(Link::Skip),
            id => id.parse().ok().map(Link::Existing),
        }
    }
}

/// One part of a conversion: a new card from the lead's data, an existing card, or none.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Part<D> {
    New(D),
    Existing(i64),
    Skip,
}

/// A checked conversion request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conversion {
    pub contact: Part<ContactDraft>,
    pub company: Part<CompanyDraft>,
    /// The deal to open, if any (its contact and company are set from the conversion).
    pub deal: Option<deal::DealDraft>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ru() -> Region {
        "RU".parse().unwrap()
    }

    #[test]
    fn leads_keep_what_was_given_and_normalise_what_parses() {
        let d = LeadInput {
            name: "Иван".into(),
            phone: "8 (495) 123-45-67".into(),
            email: "not an e-mail".into(),
            source: "web_form".into(),
            ..Default::default()
        }
        .validate(ru())
        .unwrap();
        assert_eq!(d.phone_e164.as_deref(), Some("+74951234567"));
        assert_eq!(d.email, "not an e-mail");
        assert_eq!(d.email_lower, None);
        assert_eq!(d.display_title(), "Иван");
    }

    #[test]
    fn empty_or_self_converted_leads_are_refused() {
        let Err(crate::Error::Invalid(e)) = LeadInput {
            status: "converted".into(),
            source: "pigeon".into(),
            ..Default::default()
        }
        .validate(ru()) else {
            panic!("expected invalid")
        };
        assert_eq!(e.get("name"), Some("error-lead-empty"));
        assert_eq!(e.get("status"), Some("error-lead-convert-instead"));
        assert_eq!(e.get("source"), Some("error-source-unknown"));
    }

    #[test]
    fn links_parse() {
        assert_eq!(Link::parse("new"), Some(Link::New));
        assert_eq!(Link::parse("42"), Some(Link::Existing(42)));
        assert_eq!(Link::parse("none"), Some(Link::Skip));
        assert_eq!(Link::parse("x"), None);
    }
}
