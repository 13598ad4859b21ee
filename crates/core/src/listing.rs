//! Paging, sorting and filtering of list pages and API lists.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Serialize;

/// Largest page a client may ask for.
pub const MAX_PER_PAGE: u32 = 200;
pub const DEFAULT_PER_PAGE: u32 = 50;

/// The column a list is sorted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortKey {
    #[default]
    Name,
    Created,
    Updated,
}

impl SortKey {
    pub fn parse(s: &str) -> Option<SortKey> {
        match s {
            "name" => Some(SortKey::Name),
            "created" => Some(SortKey::Created),
            "updated" => Some(SortKey::Updated),
            _ => None,
        }
    }

    pub fn as_str(&self) -> &'static str {
        match self {
            SortKey::Name => "name",
            SortKey::Created => "created",
            SortKey::Updated => "updated",
        }
    }
}

/// Which page of which records, in what order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListQuery {
    /// 1-based.
    pub page: u32,
    pub per_page: u32,
    pub sort: SortKey,
    pub desc: bool,
    /// Only records with this tag (case-insensitive).
    pub tag: Option<String>,
    /// Only records this user is responsible for.
    pub responsible_id: Option<i64>,
}

impl Default for ListQuery {
    fn default() -> Self {
        ListQuery {
            page: 1,
            per_page: DEFAULT_PER_PAGE,
            sort: SortKey::Name,
            desc: false,
            tag: None,
            responsible_id: None,
        }
    }
}

impl ListQuery {
    /// Clamps page and size into range, so no request can ask for a huge or negative page.
    pub fn normalized(mut self) -> Self {
        self.page = self.page.clamp(1, 1_000_000);
        self.per_page = self.per_page.clamp(1, MAX_PER_PAGE);
        self.tag = self
            .tag
            .map(|t| t.trim().to_lowercase())
            .filter(|t| !t.is_empty());
        self
    }

    pub fn offset(&self) -> i64 {
        i64::from(self.page.saturating_sub(1)) * i64::from(self.per_page)
    }

    /// Fetch one row more than shown, to learn whether there is a next page without counting
    /// the whole table (a count over a million rows costs more than the page itself).
    pub fn limit_plus_one(&self) -> i64 {
        i64::from(self.per_page) + 1
    }
}

/// One page of results.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub page: u32,
    pub per_page: u32,
    pub has_next: bool,
}

impl<T> Page<T> {
    /// Builds a page from `limit_plus_one` rows.
    pub fn from_rows(mut rows: Vec<T>, q: &ListQuery) -> Page<T> {
        let has_next = rows.len() > q.per_page as usize;
        rows.truncate(q.per_page as usize);
        Page {
            items: rows,
            page: q.page,
            per_page: q.per_page,
            has_next,
        }
    }
}

/// A position in a list as an opaque cursor token (URL-safe base64), for lists whose own
/// position is simpler than a [`Cursor`] (tasks by id, a timeline by time and id).
pub fn opaque(raw: &str) -> String {
    URL_SAFE_NO_PAD.encode(raw)
}

/// The position inside a token made by [`opaque`].
pub fn unopaque(token: &str) -> Option<String> {
    String::from_utf8(URL_SAFE_NO_PAD.decode(token.trim()).ok()?).ok()
}

/// Where a keyset page of an API list continues: after the row with this sort value and id,
/// in this order. Clients get it as an opaque token (`next_cursor`) and send it back as
/// `cursor`; it is refused with a list of another order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    pub sort: SortKey,
    pub desc: bool,
    /// The last row's sort value as text (a name, or a time as `YYYY-MM-DDTHH:MM:SS.f`).
    pub value: String,
    pub id: i64,
}

impl Cursor {
    /// The opaque token: base64 (URL-safe) of the order, the sort value and the id.
    pub fn encode(&self) -> String {
        let raw = serde_json::json!([self.sort.as_str(), self.desc, self.value, self.id]);
        opaque(&raw.to_string())
    }

    /// Reads a token made by [`Cursor::encode`]; None for anything else.
    pub fn decode(token: &str) -> Option<Cursor> {
        let raw = unopaque(token)?;
        let (sort, desc, value, id): (String, bool, String, i64) =
            serde_json::from_str(&raw).ok()?;
        Some(Cursor {
            sort: SortKey::parse(&sort)?,
            desc,
            value,
            id,
        })
    }

    /// Whether this cursor continues a list in this order.
    pub fn fits(&self, sort: SortKey, desc: bool) -> bool {
        self.sort == sort && self.desc == desc
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_and_pages() {
        let q = ListQuery {
            page: 0,
            per_page: 10_000,
            tag: Some("  VIP ".into()),
            ..Default::default()
        }
        .normalized();
        assert_eq!((q.page, q.per_page), (1, MAX_PER_PAGE));
        assert_eq!(q.tag.as_deref(), Some("vip"));
        let q = ListQuery {
            page: 3,
            per_page: 2,
            ..Default::default()
        };
        assert_eq!(q.offset(), 4);
        let p = Page::from_rows(vec![1, 2, 3], &q);
        assert!(p.has_next);
        assert_eq!(p.items, vec![1, 2]);
    }

    #[test]
    fn cursors_round_trip_and_refuse_junk() {
        let c = Cursor {
            sort: SortKey::Name,
            desc: true,
            value: "анна \"quoted\"".into(),
            id: 42,
        };
        let token = c.encode();
        assert!(
            token
                .chars()
                .all(|ch| ch.is_ascii_alphanumeric() || ch == '-' || ch == '_')
        );
        assert_eq!(Cursor::decode(&token), Some(c.clone()));
        assert!(c.fits(SortKey::Name, true));
        assert!(!c.fits(SortKey::Name, false));
        assert!(!c.fits(SortKey::Created, true));
        assert_eq!(Cursor::decode("not a cursor"), None);
        assert_eq!(
            Cursor::decode(&URL_SAFE_NO_PAD.encode("[\"size\",false,\"x\",1]")),
            None
        );
    }
}
