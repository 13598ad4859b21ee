//! The catalogue of goods and services that deals' line items pick from.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::{FieldErrors, Result};
use crate::money::{self, Currency, MAX_MINOR};
use crate::party;

/// A product as typed in a form or sent to the API.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ProductInput {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub sku: String,
    #[serde(default)]
    pub unit: String,
    /// A decimal in the currency's units: `"1500.00"` (a JSON number is accepted too).
    #[serde(default, deserialize_with = "money::text_or_number")]
    pub price: String,
    #[serde(default)]
    pub currency: String,
    #[serde(default)]
    pub category: String,
    #[serde(default = "yes")]
    pub active: bool,
}

fn yes() -> bool {
    true
}

impl Default for ProductInput {
    fn default() -> Self {
        ProductInput {
            name: String::new(),
            sku: String::new(),
            unit: String::new(),
            price: String::new(),
            currency: String::new(),
            category: String::new(),
            active: true,
        }
    }
}

/// A checked product.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProductDraft {
    pub name: String,
    pub sku: String,
    pub unit: String,
    pub price: i64,
    pub currency: Currency,
    pub category: String,
    pub active: bool,
}

impl ProductInput {
    pub fn validate(&self) -> Result<ProductDraft> {
        let mut e = FieldErrors::new();
        let currency = Currency::parse(&self.currency).unwrap_or_else(|code| {
            e.add("currency", code);
            Currency::USD
        });
        let price = if self.price.trim().is_empty() {
            0
        } else {
            money::parse_decimal(&self.price, currency.exponent(), MAX_MINOR).unwrap_or_else(
                |code| {
                    e.add("price", code);
                    0
                },
            )
        };
        let draft = ProductDraft {
            name: party::line(&mut e, "name", &self.name, true),
            sku: party::line(&mut e, "sku", &self.sku, false),
            unit: party::line(&mut e, "unit", &self.unit, false),
            price,
            currency,
            category: party::line(&mut e, "category", &self.category, false),
            active: self.active,
        };
        e.into_result(draft)
    }
}

/// A stored product.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Product {
    pub id: i64,
    pub name: String,
    pub sku: String,
    pub unit: String,
    /// Minor units of `currency`.
    pub price: i64,
    /// The price as a plain decimal (`"1500.00"`).
    pub price_text: String,
    pub currency: Currency,
    pub category: String,
    pub active: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Product {
    pub fn to_input(&self) -> ProductInput {
        ProductInput {
            name: self.name.clone(),
            sku: self.sku.clone(),
            unit: self.unit.clone(),
            price: self.price_text.clone(),
            currency: self.currency.code().to_string(),
            category: self.category.clone(),
            active: self.active,
        }
    }
}

/// A partial update (API `PATCH`).
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ProductPatch {
    pub name: Option<String>,
    pub sku: Option<String>,
    pub unit: Option<String>,
    #[serde(default, deserialize_with = "some_text_or_number")]
    pub price: Option<String>,
    pub currency: Option<String>,
    pub category: Option<String>,
    pub active: Option<bool>,
}

pub(crate) fn some_text_or_number<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> std::result::Result<Option<String>, D::Error> {
    money::text_or_number(d).map(Some)
}

impl ProductPatch {
    pub fn apply(self, mut to: ProductInput) -> ProductInput {
        macro_rules! set {
            ($($f:ident),*) => { $( if let Some(v) = self.$f { to.$f = v; } )* };
        }
        set!(name, sku, unit, price, currency, category, active);
        to
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn products_are_checked() {
        let ok = ProductInput {
            name: " Window  PVC ".into(),
            price: "1 500,50".into(),
            currency: "rub".into(),
            ..Default::default()
        }
        .validate()
        .unwrap();
        assert_eq!((ok.name.as_str(), ok.price), ("Window PVC", 150_050));
        let Err(crate::Error::Invalid(e)) = ProductInput {
            name: "".into(),
            price: "-3".into(),
            currency: "ZZZ".into(),
            ..Default::default()
        }
        .validate() else {
            panic!("expected invalid")
        };
        assert_eq!(e.get("name"), Some("error-required"));
        assert_eq!(e.get("price"), Some("error-number-negative"));
        assert_eq!(e.get("currency"), Some("error-currency-unknown"));
    }

    #[test]
    fn prices_may_be_json_numbers() {
        let p: ProductInput =
            serde_json::from_str(r#"{"name":"A","price":12.5,"currency":"EUR"}"#).unwrap();
        assert_eq!(p.validate().unwrap().price, 1250);
    }
}
