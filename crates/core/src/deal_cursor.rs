//! Where a keyset page of the deal list continues. Deals sort by keys of several types, one
//! of them optional (the expected close date), so their cursor carries a typed position
//! rather than the text value of a [`crate::Cursor`].

use chrono::{NaiveDate, NaiveDateTime};
use serde_json::{Value, json};

use crate::deal::DealSort;
use crate::listing::{opaque, unopaque};

/// Times in a cursor: every digit of the fraction, so `=` finds the stored value again.
const TIME: &str = "%Y-%m-%dT%H:%M:%S%.f";
const DATE: &str = "%Y-%m-%d";
/// Marks a deal cursor's token, so that a token of another list never reads as one.
const KIND: &str = "deals";

/// The sort value of the last deal of a page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DealPosition {
    Updated(NaiveDateTime),
    Created(NaiveDateTime),
    /// The folded title the list sorts by.
    Title(String),
    /// Minor units.
    Amount(i64),
    /// `None`: no expected close date. Such deals come after every dated deal, in either
    /// direction, on every backend.
    ExpectedClose(Option<NaiveDate>),
}

impl DealPosition {
    pub fn sort(&self) -> DealSort {
        match self {
            DealPosition::Updated(_) => DealSort::Updated,
            DealPosition::Created(_) => DealSort::Created,
            DealPosition::Title(_) => DealSort::Title,
            DealPosition::Amount(_) => DealSort::Amount,
            DealPosition::ExpectedClose(_) => DealSort::ExpectedClose,
        }
    }

    fn to_json(&self) -> Value {
        match self {
            DealPosition::Updated(t) | DealPosition::Created(t) => {
                json!(t.format(TIME).to_string())
            }
            DealPosition::Title(s) => json!(s),
            DealPosition::Amount(a) => json!(a),
            DealPosition::ExpectedClose(d) => json!(d.map(|d| d.format(DATE).to_string())),
        }
    }

    fn from_json(sort: DealSort, v: &Value) -> Option<DealPosition> {
        let time = |v: &Value| NaiveDateTime::parse_from_str(v.as_str()?, TIME).ok();
        Some(match sort {
            DealSort::Updated => DealPosition::Updated(time(v)?),
            DealSort::Created => DealPosition::Created(time(v)?),
            DealSort::Title => DealPosition::Title(v.as_str()?.to_string()),
            DealSort::Amount => DealPosition::Amount(v.as_i64()?),
            DealSort::ExpectedClose => DealPosition::ExpectedClose(match v {
                Value::Null => None,
                other => Some(NaiveDate::parse_from_str(other.as_str()?, DATE).ok()?),
            }),
        })
    }
}

/// Where a keyset page of the deal list continues: after the deal with this sort value and
/// id, in this direction. Clients get it as an opaque token (`next_cursor`) and send it back
/// as `cursor`; it is refused with a list of another order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DealCursor {
    pub position: DealPosition,
    pub desc: bool,
    pub id: i64,
}

impl DealCursor {
    pub fn sort(&self) -> DealSort {
        self.position.sort()
    }

    /// Whether this cursor continues a list in this order.
    pub fn fits(&self, sort: DealSort, desc: bool) -> bool {
        self.sort() == sort && self.desc == desc
    }

    /// The opaque token: URL-safe base64 of the list, the order, the sort value and the id.
    pub fn encode(&self) -> String {
        let raw = json!([
            KIND,
            self.sort().as_str(),
            self.desc,
            self.position.to_json(),
            self.id
        ]);
        opaque(&raw.to_string())
    }

    /// Reads a token made by [`DealCursor::encode`]; None for anything else.
    pub fn decode(token: &str) -> Option<DealCursor> {
        let raw = unopaque(token)?;
        let (kind, sort, desc, value, id): (String, String, bool, Value, i64) =
            serde_json::from_str(&raw).ok()?;
        if kind != KIND {
            return None;
        }
        Some(DealCursor {
            position: DealPosition::from_json(DealSort::parse(&sort)?, &value)?,
            desc,
            id,
        })
    }
}

#[cfg(test)]
mod tests {
    use chrono::Timelike as _;

    use super::*;

    #[test]
    fn every_position_round_trips() {
        let t = NaiveDate::from_ymd_opt(2026, 11, 27)
            .unwrap()
            .and_hms_micro_opt(9, 30, 1, 123_456)
            .unwrap();
        let d = NaiveDate::from_ymd_opt(2027, 1, 31).unwrap();
        for position in [
            DealPosition::Updated(t),
            DealPosition::Created(t.with_nanosecond(0).unwrap()),
            DealPosition::Title("окна \"пвх\"".into()),
            DealPosition::Amount(-5),
            DealPosition::ExpectedClose(Some(d)),
            DealPosition::ExpectedClose(None),
        ] {
            let c = DealCursor {
                position,
                desc: true,
                id: 42,
            };
            let token = c.encode();
            assert!(
                token
                    .chars()
                    .all(|ch| ch.is_ascii_alphanumeric() || ch == '-' || ch == '_')
            );
            assert_eq!(DealCursor::decode(&token), Some(c.clone()));
            assert!(c.fits(c.sort(), true));
            assert!(!c.fits(c.sort(), false));
        }
    }

    #[test]
    fn refuses_junk_and_other_lists_tokens() {
        let contacts = crate::Cursor {
            sort: crate::SortKey::Name,
            desc: false,
            value: "anna".into(),
            id: 1,
        };
        assert_eq!(DealCursor::decode(&contacts.encode()), None);
        for raw in [
            r#"["deals","amount",false,"ten",1]"#,
            r#"["deals","updated",false,"yesterday",1]"#,
            r#"["deals","expected_close",false,"2026-13-01",1]"#,
            r#"["deals","size",false,1,1]"#,
            r#"["leads","amount",false,1,1]"#,
        ] {
            assert_eq!(DealCursor::decode(&opaque(raw)), None, "{raw}");
        }
        assert_eq!(DealCursor::decode("not a cursor"), None);
    }
}
