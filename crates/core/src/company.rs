//! Companies (counterparties): clients, suppliers, partners.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::contact::double_option;
use crate::email::Email;
use crate::error::{FieldErrors, Result};
use crate::party;
use crate::phone::{Phone, Region};

/// A company as typed in a form or sent to the API, before any check.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CompanyInput {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub industry: String,
    #[serde(default)]
    pub website: String,
    #[serde(default)]
    pub phones: Vec<String>,
    #[serde(default)]
    pub emails: Vec<String>,
    #[serde(default)]
    pub address: String,
    #[serde(default)]
    pub tax_id: String,
    #[serde(default)]
    pub bank_details: String,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub responsible_id: Option<i64>,
    #[serde(default)]
    pub visible_to_all: bool,
    #[serde(default)]
    pub notes: String,
}

/// A checked company, ready to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompanyDraft {
    pub name: String,
    pub industry: String,
    pub website: String,
    pub phones: Vec<Phone>,
    pub emails: Vec<Email>,
    pub address: String,
    pub tax_id: String,
    pub bank_details: String,
    pub tags: Vec<String>,
    pub responsible_id: Option<i64>,
    pub visible_to_all: bool,
    pub notes: String,
}

impl CompanyDraft {
    /// A company known only by its name, as a row of an import names it.
    pub fn named(name: &str, responsible_id: Option<i64>) -> Self {
        CompanyDraft {
            name: name.to_string(),
            industry: String::new(),
            website: String::new(),
            phones: Vec::new(),
            emails: Vec::new(),
            address: String::new(),
            tax_id: String::new(),
            bank_details: String::new(),
            tags: Vec::new(),
            responsible_id,
            visible_to_all: false,
            notes: String::new(),
        }
    }
}

impl CompanyInput {
    /// Checks every field and reports all problems at once.
    pub fn validate(&self, region: Region) -> Result<CompanyDraft> {
        let mut e = FieldErrors::new();
        let website = party::line(&mut e, "website", &self.website, false);
        if !website.is_empty() && (website.contains(' ') || !website.contains('.')) {
            e.add("website", "error-website-invalid");
        }
        let tax_id = party::line(&mut e, "tax_id", &self.tax_id, false);
        if !tax_id
            .chars()
            .all(|c| c.is_alphanumeric() || c == '-' || c == ' ')
        {
            e.add("tax_id", "error-tax-id-invalid");
        }
        let draft = CompanyDraft {
            name: party::line(&mut e, "name", &self.name, true),
            industry: party::line(&mut e, "industry", &self.industry, false),
            website,
            phones: party::phones(&mut e, &self.phones, region),
            emails: party::emails(&mut e, &self.emails),
            address: party::line(&mut e, "address", &self.address, false),
            tax_id,
            bank_details: party::note(&mut e, "bank_details", &self.bank_details),
            tags: party::tags(&mut e, &self.tags),
            responsible_id: self.responsible_id,
            visible_to_all: self.visible_to_all,
            notes: party::note(&mut e, "notes", &self.notes),
        };
        e.into_result(draft)
    }
}

/// A contact person as listed on a company's card.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ContactPerson {
    pub id: i64,
    pub name: String,
    pub position: String,
}

/// A stored company as its readers see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Company {
    pub id: i64,
    pub name: String,
    pub industry: String,
    pub website: String,
    pub phones: Vec<Phone>,
    pub emails: Vec<Email>,
    pub address: String,
    pub tax_id: String,
    pub bank_details: String,
    pub tags: Vec<String>,
    pub responsible_id: Option<i64>,
    pub responsible_name: Option<String>,
    pub visible_to_all: bool,
    pub notes: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Company {
    /// The company as an input again, for an edit form or a partial update.
    pub fn to_input(&self) -> CompanyInput {
        CompanyInput {
            name: self.name.clone(),
            industry: self.industry.clone(),
            website: self.website.clone(),
            phones: self.phones.iter().map(|p| p.raw().to_string()).collect(),
            emails: self.emails.iter().map(|e| e.raw().to_string()).collect(),
            address: self.address.clone(),
            tax_id: self.tax_id.clone(),
            bank_details: self.bank_details.clone(),
            tags: self.tags.clone(),
            responsible_id: self.responsible_id,
            visible_to_all: self.visible_to_all,
            notes: self.notes.clone(),
        }
    }
}

/// A partial update (API `PATCH`): absent fields keep their value.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CompanyPatch {
    pub name: Option<String>,
    pub industry: Option<String>,
    pub website: Option<String>,
    pub phones: Option<Vec<String>>,
    pub emails: Option<Vec<String>>,
    pub address: Option<String>,
    pub tax_id: Option<String>,
    pub bank_details: Option<String>,
    pub tags: Option<Vec<String>>,
    #[serde(default, with = "double_option")]
    pub responsible_id: Option<Option<i64>>,
    pub visible_to_all: Option<bool>,
    pub notes: Option<String>,
}

impl CompanyPatch {
    pub fn apply(self, mut to: CompanyInput) -> CompanyInput {
        macro_rules! set {
            ($($f:ident),*) => { $( if let Some(v) = self.$f { to.$f = v; } )* };
        }
        set!(
            name,
            industry,
            website,
            phones,
            emails,
            address,
            tax_id,
            bank_details,
            tags
        );
        set!(responsible_id, visible_to_all, notes);
        to
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn company_validation() {
        let ru: Region = "RU".parse().unwrap();
        let ok = CompanyInput {
            name: "ООО «Ромашка»".into(),
            website: "romashka.ru".into(),
            tax_id: "7701234567".into(),
            phones: vec!["+7 495 123-45-67".into()],
            ..Default::default()
        };
        assert!(ok.validate(ru).is_ok());
        let bad = CompanyInput {
            website: "not a site".into(),
            tax_id: "77<script>".into(),
            ..Default::default()
        };
        let Err(crate::Error::Invalid(e)) = bad.validate(ru) else {
            panic!("expected invalid")
        };
        assert_eq!(e.get("name"), Some("error-required"));
        assert_eq!(e.get("website"), Some("error-website-invalid"));
        assert_eq!(e.get("tax_id"), Some("error-tax-id-invalid"));
    }
}

/// A company as one line of a list or of search results.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CompanyRow {
    pub id: i64,
    pub name: String,
    pub industry: String,
    /// The first phone, as typed.
    pub phone: Option<String>,
    /// The first e-mail, as typed.
    pub email: Option<String>,
    pub tags: Vec<String>,
    pub responsible_name: Option<String>,
}
