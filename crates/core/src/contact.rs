//! Contacts: the people a company deals with.

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::email::Email;
use crate::error::{FieldErrors, Result};
use crate::party;
use crate::phone::{Phone, Region};

/// A contact as typed in a form or sent to the API, before any check.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ContactInput {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub position: String,
    #[serde(default)]
    pub company_id: Option<i64>,
    #[serde(default)]
    pub phones: Vec<String>,
    #[serde(default)]
    pub emails: Vec<String>,
    /// `YYYY-MM-DD`, or empty.
    #[serde(default)]
    pub birthday: Option<String>,
    #[serde(default)]
    pub address: String,
    #[serde(default)]
    pub messengers: String,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub responsible_id: Option<i64>,
    #[serde(default)]
    pub visible_to_all: bool,
    #[serde(default)]
    pub notes: String,
}

/// A checked contact, ready to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactDraft {
    pub name: String,
    pub position: String,
    pub company_id: Option<i64>,
    pub phones: Vec<Phone>,
    pub emails: Vec<Email>,
    pub birthday: Option<NaiveDate>,
    pub address: String,
    pub messengers: String,
    pub tags: Vec<String>,
    pub responsible_id: Option<i64>,
    pub visible_to_all: bool,
    pub notes: String,
}

impl ContactInput {
    /// Checks every field and reports all problems at once.
    pub fn validate(&self, region: Region) -> Result<ContactDraft> {
        let mut e = FieldErrors::new();
        let birthday = match self.birthday.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(s) => match NaiveDate::parse_from_str(s, "%Y-%m-%d") {
                Ok(d) if d <= Utc::now().date_naive() && d.year_ce().1 >= 1900 => Some(d),
                Ok(_) => {
                    e.add("birthday", "error-date-out-of-range");
                    None
                }
                Err(_) => {
                    e.add("birthday", "error-date-invalid");
                    None
                }
            },
        };
        let draft = ContactDraft {
            name: party::line(&mut e, "name", &self.name, true),
            position: party::line(&mut e, "position", &self.position, false),
            company_id: self.company_id,
            phones: party::phones(&mut e, &self.phones, region),
            emails: party::emails(&mut e, &self.emails),
            birthday,
            address: party::line(&mut e, "address", &self.address, false),
            messengers: party::line(&mut e, "messengers", &self.messengers, false),
            tags: party::tags(&mut e, &self.tags),
            responsible_id: self.responsible_id,
            visible_to_all: self.visible_to_all,
            notes: party::note(&mut e, "notes", &self.notes),
        };
        e.into_result(draft)
    }
}

/// A stored contact as its readers see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Contact {
    pub id: i64,
    pub name: String,
    pub position: String,
    pub company_id: Option<i64>,
    pub company_name: Option<String>,
    pub phones: Vec<Phone>,
    pub emails: Vec<Email>,
    pub birthday: Option<NaiveDate>,
    pub address: String,
    pub messengers: String,
    pub tags: Vec<String>,
    pub responsible_id: Option<i64>,
    pub responsible_name: Option<String>,
    pub visible_to_all: bool,
    pub notes: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Contact {
    /// The contact as an input again, for an edit form or a partial update.
    pub fn to_input(&self) -> ContactInput {
        ContactInput {
            name: self.name.clone(),
            position: self.position.clone(),
            company_id: self.company_id,
            phones: self.phones.iter().map(|p| p.raw().to_string()).collect(),
            emails: self.emails.iter().map(|e| e.raw().to_string()).collect(),
            birthday: self.birthday.map(|d| d.format("%Y-%m-%d").to_string()),
            address: self.address.clone(),
            messengers: self.messengers.clone(),
            tags: self.tags.clone(),
            responsible_id: self.responsible_id,
            visible_to_all: self.visible_to_all,
            notes: self.notes.clone(),
        }
    }
}

/// A partial update (API `PATCH`): absent fields keep their value; `null` clears an optional one.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ContactPatch {
    pub name: Option<String>,
    pub position: Option<String>,
    #[serde(default, with = "double_option")]
    pub company_id: Option<Option<i64>>,
    pub phones: Option<Vec<String>>,
    pub emails: Option<Vec<String>>,
    #[serde(default, with = "double_option")]
    pub birthday: Option<Option<String>>,
    pub address: Option<String>,
    pub messengers: Option<String>,
    pub tags: Option<Vec<String>>,
    #[serde(default, with = "double_option")]
    pub responsible_id: Option<Option<i64>>,
    pub visible_to_all: Option<bool>,
    pub notes: Option<String>,
}

impl ContactPatch {
    pub fn apply(self, mut to: ContactInput) -> ContactInput {
        macro_rules! set {
            ($($f:ident),*) => { $( if let Some(v) = self.$f { to.$f = v; } )* };
        }
        set!(
            name, position, company_id, phones, emails, birthday, address, messengers, tags
        );
        set!(responsible_id, visible_to_all, notes);
        to
    }
}

/// Serde helper telling "absent" (outer `None`) from "null" (`Some(None)`).
pub(crate) mod double_option {
    use serde::{Deserialize, Deserializer};

    pub fn deserialize<'de, T, D>(d: D) -> Result<Option<Option<T>>, D::Error>
    where
        T: Deserialize<'de>,
        D: Deserializer<'de>,
    {
        Option::<T>::deserialize(d).map(Some)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ru() -> Region {
        "RU".parse().unwrap()
    }

    #[test]
    fn valid_input_becomes_a_draft() {
        let input = ContactInput {
            name: " Анна  Петрова ".into(),
            phones: vec!["8 (495) 123-45-67".into()],
            emails: vec!["Anna@Example.ru".into()],
            birthday: Some("1990-05-17".into()),
            tags: vec!["VIP".into()],
            ..Default::default()
        };
        let d = input.validate(ru()).unwrap();
        assert_eq!(d.name, "Анна Петрова");
        assert_eq!(d.phones[0].e164(), "+74951234567");
        assert_eq!(d.emails[0].lower(), "anna@example.ru");
        assert_eq!(d.birthday, NaiveDate::from_ymd_opt(1990, 5, 17));
    }

    #[test]
    fn all_problems_are_reported_at_once() {
        let input = ContactInput {
            name: "".into(),
            phones: vec!["abc".into()],
            emails: vec!["nope".into()],
            birthday: Some("17.05.1990".into()),
            position: "x".repeat(300),
            ..Default::default()
        };
        let Err(crate::Error::Invalid(e)) = input.validate(ru()) else {
            panic!("expected invalid")
        };
        assert_eq!(e.get("name"), Some("error-required"));
        assert_eq!(e.get("phones"), Some("error-phone-invalid"));
        assert_eq!(e.get("emails"), Some("error-email-invalid"));
        assert_eq!(e.get("birthday"), Some("error-date-invalid"));
        assert_eq!(e.get("position"), Some("error-too-long"));
    }

    #[test]
    fn future_birthday_is_refused() {
        let input = ContactInput {
            name: "A".into(),
            birthday: Some("2999-01-01".into()),
            ..Default::default()
        };
        assert!(input.validate(ru()).is_err());
    }

    #[test]
    fn patch_keeps_absent_and_clears_null() {
        let base = ContactInput {
            name: "A".into(),
            company_id: Some(3),
            position: "CEO".into(),
            ..Default::default()
        };
        let patch: ContactPatch =
            serde_json::from_str(r#"{"name": "B", "company_id": null}"#).unwrap();
        let out = patch.apply(base);
        assert_eq!(out.name, "B");
        assert_eq!(out.company_id, None);
        assert_eq!(out.position, "CEO");
        assert!(serde_json::from_str::<ContactPatch>(r#"{"nmae": "B"}"#).is_err());
    }
}

/// A contact as one line of a list or of search results.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ContactRow {
    pub id: i64,
    pub name: String,
    pub position: String,
    pub company_id: Option<i64>,
    pub company_name: Option<String>,
    /// The first phone, as typed.
    pub phone: Option<String>,
    /// The first e-mail, as typed.
    pub email: Option<String>,
    pub tags: Vec<String>,
    pub responsible_name: Option<String>,
}
