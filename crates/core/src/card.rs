//! A reference to one card — a contact, company, deal or lead — that activities, tasks and
//! notifications hang on.

use serde::{Deserialize, Serialize};

use crate::actor::ObjectKind;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind", content = "id", rename_all = "lowercase")]
pub enum CardRef {
    Contact(i64),
    Company(i64),
    Deal(i64),
    Lead(i64),
}

impl CardRef {
    /// `contact`, `company`, `deal`, `lead`: as in URLs' query strings and the API.
    pub fn parse(kind: &str, id: i64) -> Option<CardRef> {
        match kind {
            "contact" => Some(CardRef::Contact(id)),
            "company" => Some(CardRef::Company(id)),
            "deal" => Some(CardRef::Deal(id)),
            "lead" => Some(CardRef::Lead(id)),
            _ => None,
        }
    }

    /// A card as a form or query string names it: its kind and its id as text.
    pub fn from_text(kind: &str, id: &str) -> Option<CardRef> {
        CardRef::parse(kind.trim(), id.trim().parse().ok()?)
    }

    pub fn kind(&self) -> &'static str {
        match self {
            CardRef::Contact(_) => "contact",
            CardRef::Company(_) => "company",
            CardRef::Deal(_) => "deal",
            CardRef::Lead(_) => "lead",
        }
    }

    pub fn id(&self) -> i64 {
        match *self {
            CardRef::Contact(id) | CardRef::Company(id) | CardRef::Deal(id) | CardRef::Lead(id) => {
                id
            }
        }
    }

    pub fn object_kind(&self) -> ObjectKind {
        match self {
            CardRef::Contact(_) => ObjectKind::Contact,
            CardRef::Company(_) => ObjectKind::Company,
            CardRef::Deal(_) => ObjectKind::Deal,
            CardRef::Lead(_) => ObjectKind::Lead,
        }
    }

    /// The card's page.
    pub fn path(&self) -> String {
        let section = match self {
            CardRef::Contact(_) => "contacts",
            CardRef::Company(_) => "companies",
            CardRef::Deal(_) => "deals",
            CardRef::Lead(_) => "leads",
        };
        format!("/{section}/{}", self.id())
    }
}

/// A card with the name it is shown by.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CardLabel {
    #[serde(flatten)]
    pub card: CardRef,
    pub title: String,
}
