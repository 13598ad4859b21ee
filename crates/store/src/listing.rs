//! List pages' filters (tag, responsible) and orders, applied the same way to any table of
//! cards (contacts, companies).

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
