//! List pages' filters (tag, responsible) and orders, applied the same way to any table of
//! cards (contacts, companies), by page or after a cursor.

use chrono::NaiveDateTime;
use crm_core::{Cursor, ListQuery, SortKey};

use crate::error::StoreResult;

/// Applies the list query `$q`'s filters and order to the boxed query `$query` of `$table`,
/// whose tags are the rows of `tags` with `tags.$owner` set.
/// `$query` narrowed by the list's filters (tag, responsible), unordered.
macro_rules! filtered {
    ($query:expr, $table:ident, $owner:ident, $q:expr) => {{
        use $crate::schema::tags;
        let mut query = $query;
        if let Some(tag) = &$q.tag {
            query = query.filter(
                $table::id.nullable().eq_any(
                    tags::table
                        .filter(tags::name_lower.eq(tag.clone()))
                        .select(tags::$owner),
                ),
            );
        }
        if let Some(r) = $q.responsible_id {
            query = query.filter($table::responsible_id.eq(r));
        }
        query
    }};
}
pub(crate) use filtered;

macro_rules! listed {
    ($query:expr, $table:ident, $owner:ident, $q:expr) => {{
        use crm_core::SortKey;
        let query = $crate::listing::filtered!($query, $table, $owner, $q);
        // The id breaks ties, so paging never skips or repeats a row.
        match ($q.sort, $q.desc) {
            (SortKey::Name, false) => query.order(($table::sort_name.asc(), $table::id.asc())),
            (SortKey::Name, true) => query.order(($table::sort_name.desc(), $table::id.desc())),
            (SortKey::Created, false) => query.order(($table::created_at.asc(), $table::id.asc())),
            (SortKey::Created, true) => query.order(($table::created_at.desc(), $table::id.desc())),
            (SortKey::Updated, false) => query.order(($table::updated_at.asc(), $table::id.asc())),
            (SortKey::Updated, true) => query.order(($table::updated_at.desc(), $table::id.desc())),
        }
    }};
}
pub(crate) use listed;

/// `$query` (already ordered by `listed!`) narrowed to the rows after cursor `$after` of the
/// same order: a keyset page, as fast deep in the list as at its start. Evaluates to a
/// `StoreResult` (a cursor's time may not parse).
macro_rules! after_cursor {
    ($query:expr, $table:ident, $after:expr) => {{
        use crm_core::SortKey;
        let query = $query;
        match $after {
            None => Ok(query),
            Some(c) => {
                let id = c.id;
                match (c.sort, c.desc) {
                    (SortKey::Name, false) => Ok(query.filter(
                        $table::sort_name
                            .gt(c.value.clone())
                            .or($table::sort_name.eq(c.value.clone()).and($table::id.gt(id))),
                    )),
                    (SortKey::Name, true) => Ok(query.filter(
                        $table::sort_name
                            .lt(c.value.clone())
                            .or($table::sort_name.eq(c.value.clone()).and($table::id.lt(id))),
                    )),
                    (SortKey::Created, desc) => $crate::listing::cursor_time(&c.value).map(|t| {
                        if desc {
                            query.filter(
                                $table::created_at
                                    .lt(t)
                                    .or($table::created_at.eq(t).and($table::id.lt(id))),
                            )
                        } else {
                            query.filter(
                                $table::created_at
                                    .gt(t)
                                    .or($table::created_at.eq(t).and($table::id.gt(id))),
                            )
                        }
                    }),
                    (SortKey::Updated, desc) => $crate::listing::cursor_time(&c.value).map(|t| {
                        if desc {
                            query.filter(
                                $table::updated_at
                                    .lt(t)
                                    .or($table::updated_at.eq(t).and($table::id.lt(id))),
                            )
                        } else {
                            query.filter(
                                $table::updated_at
                                    .gt(t)
                                    .or($table::updated_at.eq(t).and($table::id.gt(id))),
                            )
                        }
                    }),
                }
            }
        }
    }};
}
pub(crate) use after_cursor;

/// The sort keys of one listed row: id, name, created, updated.
pub(crate) type RowKeys = (i64, String, NaiveDateTime, NaiveDateTime);

const CURSOR_TIME: &str = "%Y-%m-%dT%H:%M:%S%.f";

/// A cursor's time: exactly as stored (all its fraction), so `=` finds the row again.
pub(crate) fn cursor_time(value: &str) -> StoreResult<NaiveDateTime> {
    NaiveDateTime::parse_from_str(value, CURSOR_TIME)
        .map_err(|_| crm_core::Error::Invalid(bad_cursor()).into())
}

fn bad_cursor() -> crm_core::FieldErrors {
    let mut e = crm_core::FieldErrors::new();
    e.add("cursor", "error-cursor-invalid");
    e
}

/// Keeps the first `per_page` of `limit_plus_one` keys and makes the cursor after the last
/// one kept, if more follow.
pub(crate) fn keyset_page(
    mut keys: Vec<RowKeys>,
    q: &ListQuery,
) -> (Vec<i64>, bool, Option<Cursor>) {
    let has_next = keys.len() > q.per_page as usize;
    keys.truncate(q.per_page as usize);
    let next = keys
        .last()
        .filter(|_| has_next)
        .map(|(id, name, created, updated)| Cursor {
            sort: q.sort,
            desc: q.desc,
            value: match q.sort {
                SortKey::Name => name.clone(),
                SortKey::Created => created.format(CURSOR_TIME).to_string(),
                SortKey::Updated => updated.format(CURSOR_TIME).to_string(),
            },
            id: *id,
        });
    (keys.into_iter().map(|k| k.0).collect(), has_next, next)
}
