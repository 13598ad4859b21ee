//! List pages' query string: page, sort, direction and filters, parsed leniently (a bad value
//! falls back to the default rather than failing the page) and written back into links.

use crm_core::{ListQuery, SortKey};
use serde::{Deserialize, Serialize};

use crate::pages::Page;

#[derive(Debug, Default, Deserialize)]
pub struct ListParams {
    #[serde(default)]
    page: String,
    #[serde(default)]
    sort: String,
    #[serde(default)]
    desc: String,
    #[serde(default)]
    tag: String,
    #[serde(default)]
    responsible: String,
}

/// What a list link carries.
#[derive(Serialize)]
struct Link<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    page: Option<u32>,
    sort: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    desc: Option<u8>,
    #[serde(skip_serializing_if = "str::is_empty")]
    tag: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    responsible: Option<i64>,
}

impl ListParams {
    pub fn query(&self) -> ListQuery {
        ListQuery {
            page: self.page.trim().parse().unwrap_or(1),
            sort: SortKey::parse(self.sort.trim()).unwrap_or_default(),
            desc: matches!(self.desc.trim(), "1" | "true" | "on"),
            tag: Some(self.tag.clone()),
            responsible_id: self.responsible.trim().parse().ok(),
            ..ListQuery::default()
        }
        .normalized()
    }

    /// Puts the list's paging, sorting and filter links into the page.
    pub fn links(&self, page: &mut Page, base: &str, q: &ListQuery, has_next: bool) {
        let tag = self.tag.trim();
        let url = |p: u32, sort: SortKey, desc: bool| {
            let link = Link {
                page: (p > 1).then_some(p),
                sort: sort.as_str(),
                desc: desc.then_some(1),
                tag,
                responsible: q.responsible_id,
            };
            format!(
                "{base}?{}",
                serde_urlencoded::to_string(&link).unwrap_or_default()
            )
        };
        let sort_urls: std::collections::BTreeMap<&str, String> =
            [SortKey::Name, SortKey::Created, SortKey::Updated]
                .into_iter()
                .map(|s| (s.as_str(), url(1, s, s == q.sort && !q.desc)))
                .collect();
        let export = Link {
            page: None,
            sort: q.sort.as_str(),
            desc: None,
            tag,
            responsible: q.responsible_id,
        };
        page.insert(
            "export_query",
            &serde_urlencoded::to_string(&export).unwrap_or_default(),
        );
        page.insert("list_action", base)
            .insert("page", &q.page)
            .insert("has_prev", &(q.page > 1))
            .insert("has_next", &has_next)
            .insert(
                "prev_url",
                &url(q.page.saturating_sub(1).max(1), q.sort, q.desc),
            )
            .insert("next_url", &url(q.page + 1, q.sort, q.desc))
            .insert("sort", q.sort.as_str())
            .insert("desc", &q.desc)
            .insert("sort_urls", &sort_urls)
            .insert("filter_tag", tag)
            .insert("filter_responsible", &q.responsible_id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lenient_parsing() {
        let p = ListParams {
            page: "x".into(),
            sort: "created".into(),
            desc: "1".into(),
            tag: " VIP ".into(),
            responsible: "".into(),
        };
        let q = p.query();
        assert_eq!(q.page, 1);
        assert_eq!(q.sort, SortKey::Created);
        assert!(q.desc);
        assert_eq!(q.tag.as_deref(), Some("vip"));
        assert_eq!(q.responsible_id, None);
    }
}
