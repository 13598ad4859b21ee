//! List pages' filters (tag, responsible) and orders, applied the same way to any table of
//! cards (contacts, companies), by page or after a cursor.

use chrono::NaiveDateTime;
use crm_core::{Cursor, ListQuery, SortKey};

use crate::error::StoreResult;

/// `$query` of `$table`, whose tags are the rows of `tags` with `tags.$owner` set, narrowed
/// by the list query `$q`'s filters (tag, responsible), unordered. A tag filter is read the way
/// `$plan` (a [`TagPlan`]) says; without one, [`TagPlan::Collect`].
macro_rules! filtered {
    ($query:expr, $table:ident, $owner:ident, $q:expr) => {
        $crate::listing::filtered!(
            $query,
            $table,
            $owner,
            $q,
            $crate::listing::TagPlan::Collect
        )
    };
    ($query:expr, $table:ident, $owner:ident, $q:expr, $plan:expr) => {{
        use $crate::schema::tags;
        let mut query = $query;
        if let Some(tag) = &$q.tag {
            // "Owner set" lets the index of this owner kind answer alone.
            let tagged = tags::table
                .filter(tags::name_lower.eq(tag.clone()))
                .filter(tags::$owner.is_not_null())
                .select(tags::$owner);
            query = match $plan {
                $crate::listing::TagPlan::Collect => {
                    query.filter($table::id.nullable().eq_any(tagged))
                }
                // A correlated test cannot lead the plan, so the list's order index does and
                // each of its rows costs one probe of the tag index. `LIMIT 1` keeps SQLite from
                // turning the test into a join, which would first read every tagged row.
                $crate::listing::TagPlan::Walk => query.filter(diesel::dsl::exists(
                    tags::table
                        .filter(tags::$owner.eq($table::id.nullable()))
                        .filter(tags::name_lower.eq(tag.clone()))
                        .select(tags::id)
                        .limit(1),
                )),
            };
        }
        if let Some(r) = $q.responsible_id {
            query = query.filter($table::responsible_id.eq(r));
        }
        query
    }};
}
pub(crate) use filtered;

/// `filtered!` in the list's order (`$plan` as there).
macro_rules! listed {
    ($query:expr, $table:ident, $owner:ident, $q:expr, $plan:expr) => {{
        use crm_core::SortKey;
        let query = $crate::listing::filtered!($query, $table, $owner, $q, $plan);
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
                    // Each page also gets the bound alone (`>=`/`<=`), which the OR hides from
                    // SQLite: with it, the page starts at the cursor in the order's index
                    // instead of walking the index from its start.
                    (SortKey::Name, false) => {
                        Ok(query.filter($table::sort_name.ge(c.value.clone())).filter(
                            $table::sort_name
                                .gt(c.value.clone())
                                .or($table::sort_name.eq(c.value.clone()).and($table::id.gt(id))),
                        ))
                    }
                    (SortKey::Name, true) => {
                        Ok(query.filter($table::sort_name.le(c.value.clone())).filter(
                            $table::sort_name
                                .lt(c.value.clone())
                                .or($table::sort_name.eq(c.value.clone()).and($table::id.lt(id))),
                        ))
                    }
                    (SortKey::Created, desc) => $crate::listing::cursor_time(&c.value).map(|t| {
                        if desc {
                            query.filter($table::created_at.le(t)).filter(
                                $table::created_at
                                    .lt(t)
                                    .or($table::created_at.eq(t).and($table::id.lt(id))),
                            )
                        } else {
                            query.filter($table::created_at.ge(t)).filter(
                                $table::created_at
                                    .gt(t)
                                    .or($table::created_at.eq(t).and($table::id.gt(id))),
                            )
                        }
                    }),
                    (SortKey::Updated, desc) => $crate::listing::cursor_time(&c.value).map(|t| {
                        if desc {
                            query.filter($table::updated_at.le(t)).filter(
                                $table::updated_at
                                    .lt(t)
                                    .or($table::updated_at.eq(t).and($table::id.lt(id))),
                            )
                        } else {
                            query.filter($table::updated_at.ge(t)).filter(
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

/// How a list reads its tag filter. Both give the same rows in the same order; which is
/// cheaper depends on how many rows carry the tag. PostgreSQL's planner weighs both ways from
/// its statistics whatever the query's shape, SQLite's starts from the tagged rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TagPlan {
    /// Collect the tagged rows, then sort them: the cost grows with the rows that carry the
    /// tag. Best for rare tags.
    Collect,
    /// Walk the list's order index and keep the tagged rows until the page is full: the cost
    /// grows with the rows passed over, about the rows read × all rows / tagged rows. Best
    /// for common tags.
    Walk,
}

/// The records a tag filter runs on.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Tagged {
    Contacts,
    Companies,
}

/// The cheaper [`TagPlan`] for a page of `q` that reads `rows` rows (the offset included).
///
/// Walking is chosen on SQLite only, for an actor who sees every record of the kind and no
/// responsible filter: rows hidden from the actor would be passed over as well, so the walk's
/// cost would no longer be bounded by the estimate, while collecting never costs more than the
/// tagged rows. With n rows in the table, collecting reads the t tagged ones and walking about
/// rows × n / t, so the walk wins once t ≥ √(rows × n). Both counts come from indexes: the
/// highest id (an upper bound of n) and the tag's √(rows × n)-th row, if there is one.
pub(crate) fn tag_plan(
    conn: &mut crate::conn::DbConn,
    actor: &crm_core::Actor,
    of: Tagged,
    q: &ListQuery,
    rows: i64,
) -> StoreResult<TagPlan> {
    use crate::schema::{companies, contacts, tags};
    use crm_core::{Action, ObjectKind, Scope};
    use diesel::dsl::max;
    use diesel::prelude::*;

    let Some(tag) = q.tag.as_deref() else {
        return Ok(TagPlan::Collect);
    };
    let kind = match of {
        Tagged::Contacts => ObjectKind::Contact,
        Tagged::Companies => ObjectKind::Company,
    };
    if !matches!(conn, crate::conn::DbConn::Sqlite(_))
        || q.responsible_id.is_some()
        || !matches!(actor.scope(kind, Action::View), Scope::All)
    {
        return Ok(TagPlan::Collect);
    }
    let last: Option<i64> = match of {
        Tagged::Contacts => contacts::table.select(max(contacts::id)).first(conn)?,
        Tagged::Companies => companies::table.select(max(companies::id)).first(conn)?,
    };
    let enough = ((rows.max(1) as f64) * (last.unwrap_or(0).max(0) as f64))
        .sqrt()
        .ceil() as i64;
    if enough < 1 {
        return Ok(TagPlan::Collect);
    }
    let named = tags::table
        .filter(tags::name_lower.eq(tag))
        .into_boxed::<crate::conn::Db>();
    let nth: Option<i64> = match of {
        Tagged::Contacts => named.filter(tags::contact_id.is_not_null()),
        Tagged::Companies => named.filter(tags::company_id.is_not_null()),
    }
    .select(tags::id)
    .offset(enough - 1)
    .limit(1)
    .first(conn)
    .optional()?;
    Ok(if nth.is_some() {
        TagPlan::Walk
    } else {
        TagPlan::Collect
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use crm_core::{Actor, ContactInput, ListQuery, Role, UserDraft};

    use super::{TagPlan, Tagged, tag_plan};
    use crate::conn::Backend;
    use crate::testing::TestStore;

    #[test]
    fn a_common_tag_walks_the_list_order_on_sqlite_and_a_rare_one_is_collected() {
        for t in TestStore::each() {
            let s = &t.store;
            let admin = Actor::system();
            let d = UserDraft::new("m@example.com", "M", Role::Manager, "en").unwrap();
            let m = s.create_user(&admin, &d, "hash").unwrap().actor();
            // 30 of 40 contacts carry "VIP", one "rare"; no company has a tag.
            for i in 0..40 {
                let tags = match i % 4 {
                    3 if i == 3 => vec!["rare".to_string()],
                    3 => Vec::new(),
                    _ => vec!["VIP".to_string()],
                };
                let input = ContactInput {
                    name: format!("C {i}"),
                    tags,
                    ..Default::default()
                };
                s.create_contact(&admin, &input.validate("RU".parse().unwrap()).unwrap())
                    .unwrap();
            }
            let q = |tag: &str| {
                ListQuery {
                    tag: Some(tag.into()),
                    per_page: 5,
                    ..Default::default()
                }
                .normalized()
            };
            let mut conn = s.conn().unwrap();
            let mut plan = |actor: &Actor, of, q: &ListQuery, rows| {
                tag_plan(&mut conn, actor, of, q, rows).unwrap()
            };
            let walk = if s.backend() == Backend::Sqlite {
                TagPlan::Walk
            } else {
                TagPlan::Collect
            };
            // A first page reads 6 rows: √(6 × 40) < 16 ≤ 30 tagged.
            assert_eq!(plan(&admin, Tagged::Contacts, &q("vip"), 6), walk);
            // Page 200 reads 1,001: √(1,001 × 40) > 200.
            assert_eq!(
                plan(&admin, Tagged::Contacts, &q("vip"), 1001),
                TagPlan::Collect
            );
            assert_eq!(
                plan(&admin, Tagged::Contacts, &q("rare"), 6),
                TagPlan::Collect
            );
            assert_eq!(
                plan(&admin, Tagged::Companies, &q("vip"), 6),
                TagPlan::Collect
            );
            assert_eq!(
                plan(&m, Tagged::Contacts, &q("vip"), 6),
                TagPlan::Collect,
                "a reader who sees part of the records"
            );
            let mine = ListQuery {
                responsible_id: m.user_id(),
                ..q("vip")
            };
            assert_eq!(plan(&admin, Tagged::Contacts, &mine, 6), TagPlan::Collect);
            let untagged = ListQuery {
                tag: None,
                ..q("vip")
            };
            assert_eq!(
                plan(&admin, Tagged::Contacts, &untagged, 6),
                TagPlan::Collect
            );
        }
    }
}
