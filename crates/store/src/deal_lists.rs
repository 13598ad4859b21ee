//! Deal lists and the kanban board: filters, orders, per-stage counts and totals, and columns
//! that load more cards on demand — all inside the actor's scope.

use std::collections::HashMap;

use chrono::{Duration, NaiveDate, NaiveDateTime, Utc};
use crm_core::{
    Action, Actor, BoardColumn, DealCursor, DealFilter, DealPosition, DealRow, DealSort, ListQuery,
    ObjectKind, Page, Pipeline, Scope, Stage, StageKind, pipeline::BOARD_CLOSED_DAYS,
};
use diesel::prelude::*;
use diesel::sql_types::BigInt;

use crate::conn::{Db, DbConn, Store};
use crate::deals::currency_of;
use crate::error::StoreResult;
use crate::parties::{self, in_order};
use crate::pipelines;
use crate::schema::{companies, contacts, deal_tags, deal_totals, deals};
use crate::scope::{deals_for, visible};

/// Narrows the boxed deals query `$q` by the filter `$f`.
macro_rules! narrowed {
    ($q:expr, $f:expr) => {{
        let (mut q, f) = ($q, $f);
        if let Some(p) = f.pipeline_id {
            q = q.filter(deals::pipeline_id.eq(p));
        }
        if let Some(s) = f.stage_id {
            q = q.filter(deals::stage_id.eq(s));
        }
        if let Some(r) = f.responsible_id {
            q = q.filter(deals::responsible_id.eq(r));
        }
        if let Some(min) = f.min_amount {
            q = q.filter(deals::amount.ge(min));
        }
        if let Some(max) = f.max_amount {
            q = q.filter(deals::amount.le(max));
        }
        if let Some(tag) = &f.tag {
            q = q.filter(
                deals::id.eq_any(
                    deal_tags::table
                        .filter(deal_tags::name_lower.eq(tag.to_lowercase()))
                        .select(deal_tags::deal_id),
                ),
            );
        }
        if let Some(state) = f.state {
            q = q.filter(deals::state.eq(state.as_str()));
        }
        q
    }};
}

/// The deals the actor may see, narrowed by `f`.
fn filtered(actor: &Actor, f: &DealFilter) -> deals::BoxedQuery<'static, Db> {
    narrowed!(deals_for(actor, Action::View), f)
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = deals)]
struct RowRecord {
    id: i64,
    title: String,
    pipeline_id: i64,
    stage_id: i64,
    amount: i64,
    currency: String,
    responsible_id: Option<i64>,
    contact_id: Option<i64>,
    company_id: Option<i64>,
    expected_close: Option<NaiveDate>,
    version: i64,
    updated_at: NaiveDateTime,
}

/// Completes a page of rows with stage, client and user names in a fixed number of queries.
fn rows_of(
    conn: &mut DbConn,
    pipelines: &[Pipeline],
    rows: Vec<RowRecord>,
) -> StoreResult<Vec<DealRow>> {
    let company_ids: Vec<i64> = rows.iter().filter_map(|r| r.company_id).collect();
    let contact_ids: Vec<i64> = rows
        .iter()
        .filter(|r| r.company_id.is_none())
        .filter_map(|r| r.contact_id)
        .collect();
    let company_names: HashMap<i64, String> = if company_ids.is_empty() {
        HashMap::new()
    } else {
        companies::table
            .filter(companies::id.eq_any(&company_ids))
            .select((companies::id, companies::name))
            .load::<(i64, String)>(conn)?
            .into_iter()
            .collect()
    };
    let contact_names: HashMap<i64, String> = if contact_ids.is_empty() {
        HashMap::new()
    } else {
        contacts::table
            .filter(contacts::id.eq_any(&contact_ids))
            .select((contacts::id, contacts::name))
            .load::<(i64, String)>(conn)?
            .into_iter()
            .collect()
    };
    let users = parties::user_names(conn, rows.iter().map(|r| r.responsible_id))?;
    rows.into_iter()
        .map(|r| {
            let currency = currency_of(r.id, &r.currency)?;
            let pipeline = pipelines.iter().find(|p| p.id == r.pipeline_id);
            let stage = pipeline.and_then(|p| p.stage(r.stage_id));
            let client = match (r.company_id, r.contact_id) {
                (Some(c), _) => company_names.get(&c).cloned(),
                (None, Some(c)) => contact_names.get(&c).cloned(),
                (None, None) => None,
            };
            Ok(DealRow {
                id: r.id,
                title: r.title,
                pipeline_name: pipeline.map(|p| p.name.clone()).unwrap_or_default(),
                stage_name: stage.map(|s| s.name.clone()).unwrap_or_default(),
                stage_color: stage.map(|s| s.color.clone()).unwrap_or_default(),
                stage_kind: stage.map_or(StageKind::Open, |s| s.kind),
                amount: r.amount,
                amount_text: currency.plain(r.amount),
                currency,
                client,
                responsible_name: r.responsible_id.and_then(|u| users.get(&u).cloned()),
                expected_close: r.expected_close,
                version: r.version,
                updated_at: r.updated_at.and_utc(),
            })
        })
        .collect()
}

/// Loads the rows of `ids` in that order.
fn rows_by_id(conn: &mut DbConn, pipelines: &[Pipeline], ids: &[i64]) -> StoreResult<Vec<DealRow>> {
    let rows: Vec<RowRecord> = deals::table
        .filter(deals::id.eq_any(ids))
        .select(RowRecord::as_select())
        .load(conn)?;
    rows_of(conn, pipelines, in_order(rows, ids, |r| r.id))
}

/// The ids of one board column's cards: newest change first, or for a closed column (`since`
/// set) the deals closed since then, latest close first.
fn column_ids(
    conn: &mut DbConn,
    actor: &Actor,
    f: &DealFilter,
    stage_id: i64,
    since: Option<NaiveDateTime>,
    offset: i64,
    limit: i64,
) -> StoreResult<Vec<i64>> {
    let mut f = f.clone();
    f.stage_id = Some(stage_id);
    let q = filtered(actor, &f);
    let q = match since {
        Some(t) => q
            .filter(deals::closed_at.ge(t))
            .order((deals::closed_at.desc(), deals::id.desc())),
        None => q.order((deals::updated_at.desc(), deals::id.desc())),
    };
    Ok(q.select(deals::id).offset(offset).limit(limit).load(conn)?)
}

/// Since when the board's closed columns count deals: the start of the day
/// [`BOARD_CLOSED_DAYS`] ago (UTC), so that cards and the per-day totals agree.
fn closed_since() -> NaiveDateTime {
    (Utc::now().date_naive() - Duration::days(BOARD_CLOSED_DAYS)).and_time(chrono::NaiveTime::MIN)
}

/// The close day the totals table gives open deals.
fn not_closed() -> NaiveDate {
    NaiveDate::from_ymd_opt(1, 1, 1).unwrap_or(NaiveDate::MIN)
}

/// Board totals `(stage, currency, count, sum)` from the trigger-kept totals table: a few
/// rows per stage, whatever the number of deals. Serves every board without amount or tag
/// filters (the scope and the responsible filter are columns of the table).
fn kept_totals(
    conn: &mut DbConn,
    actor: &Actor,
    pipeline: &Pipeline,
    responsible: Option<i64>,
    since: NaiveDateTime,
) -> StoreResult<Vec<(i64, String, i64, i64)>> {
    use diesel::IntoSql as _;
    let (open, closed): (Vec<i64>, Vec<i64>) = {
        let (o, c): (Vec<&Stage>, Vec<&Stage>) =
            pipeline.stages.iter().partition(|s| !s.kind.is_closed());
        (
            o.iter().map(|s| s.id).collect(),
            c.iter().map(|s| s.id).collect(),
        )
    };
    let mut q = deal_totals::table
        .group_by((deal_totals::stage_id, deal_totals::currency))
        .select((
            deal_totals::stage_id,
            deal_totals::currency,
            diesel::dsl::sql::<BigInt>("CAST(COALESCE(SUM(deals), 0) AS BIGINT)"),
            diesel::dsl::sql::<BigInt>("CAST(COALESCE(SUM(amount), 0) AS BIGINT)"),
        ))
        .into_boxed()
        // Groups whose deals all moved away stay behind with zeros.
        .filter(deal_totals::deals.gt(0))
        .filter(
            deal_totals::stage_id
                .eq_any(open)
                .and(deal_totals::closed_on.eq(not_closed()))
                .or(deal_totals::stage_id
                    .eq_any(closed)
                    .and(deal_totals::closed_on.ge(since.date()))),
        );
    q = match actor.scope(ObjectKind::Deal, Action::View) {
        Scope::All => q,
        Scope::OwnOrPublic(uid) => q.filter(
            deal_totals::responsible_key
                .eq(uid)
                .or(deal_totals::visible_to_all.eq(true)),
        ),
        Scope::Own(uid) => q.filter(deal_totals::responsible_key.eq(uid)),
        Scope::None => q.filter(false.into_sql::<diesel::sql_types::Bool>()),
    };
    if let Some(r) = responsible {
        q = q.filter(deal_totals::responsible_key.eq(r));
    }
    Ok(q.load(conn)?)
}

/// Board totals counted from the deals themselves, for filters the totals table cannot
/// answer (amount range, tag). Grouped queries are boxed after grouping, hence the scope as
/// an expression; the sum is cast so that both backends return a 64-bit integer.
fn counted_totals(
    conn: &mut DbConn,
    actor: &Actor,
    pipeline: &Pipeline,
    f: &DealFilter,
    since: NaiveDateTime,
) -> StoreResult<Vec<(i64, String, i64, i64)>> {
    let (open, closed): (Vec<&Stage>, Vec<&Stage>) =
        pipeline.stages.iter().partition(|s| !s.kind.is_closed());
    let grouped = |stages: &[&Stage]| {
        let ids: Vec<i64> = stages.iter().map(|s| s.id).collect();
        deals::table
            .group_by((deals::stage_id, deals::currency))
            .select((
                deals::stage_id,
                deals::currency,
                diesel::dsl::count_star(),
                diesel::dsl::sql::<BigInt>("CAST(COALESCE(SUM(amount), 0) AS BIGINT)"),
            ))
            .into_boxed()
            .filter(visible!(deals, actor, ObjectKind::Deal))
            .filter(deals::stage_id.eq_any(ids))
    };
    // "No close time" lets the open columns read the index in group order.
    let mut sums: Vec<(i64, String, i64, i64)> =
        narrowed!(grouped(&open).filter(deals::closed_at.is_null()), f).load(conn)?;
    let recent: Vec<(i64, String, i64, i64)> =
        narrowed!(grouped(&closed).filter(deals::closed_at.ge(since)), f).load(conn)?;
    sums.extend(recent);
    Ok(sums)
}

/// A deal list's order, the same on both backends: the id breaks ties, so paging never
/// skips or repeats a deal, and deals without an expected close date come last in either
/// direction (SQLite would put NULLs first when ascending, PostgreSQL last).
fn ordered(
    query: deals::BoxedQuery<'static, Db>,
    sort: DealSort,
    desc: bool,
) -> deals::BoxedQuery<'static, Db> {
    match (sort, desc) {
        (DealSort::Updated, false) => query.order((deals::updated_at.asc(), deals::id.asc())),
        (DealSort::Updated, true) => query.order((deals::updated_at.desc(), deals::id.desc())),
        (DealSort::Created, false) => query.order((deals::created_at.asc(), deals::id.asc())),
        (DealSort::Created, true) => query.order((deals::created_at.desc(), deals::id.desc())),
        (DealSort::Title, false) => query.order((deals::sort_title.asc(), deals::id.asc())),
        (DealSort::Title, true) => query.order((deals::sort_title.desc(), deals::id.desc())),
        (DealSort::Amount, false) => query.order((deals::amount.asc(), deals::id.asc())),
        (DealSort::Amount, true) => query.order((deals::amount.desc(), deals::id.desc())),
        (DealSort::ExpectedClose, false) => query.order((
            deals::expected_close.is_null().asc(),
            deals::expected_close.asc(),
            deals::id.asc(),
        )),
        (DealSort::ExpectedClose, true) => query.order((
            deals::expected_close.is_null().asc(),
            deals::expected_close.desc(),
            deals::id.desc(),
        )),
    }
}

/// `query` (ordered by [`ordered`] in the cursor's order) narrowed to the deals after the
/// cursor: a keyset page, as fast deep in the list as at its start.
fn following(
    query: deals::BoxedQuery<'static, Db>,
    c: &DealCursor,
) -> deals::BoxedQuery<'static, Db> {
    let id = c.id;
    // Ties on the sort value continue by id, in the list's direction. The bound alone
    // (`<=`/`>=`) as well lets SQLite start the page at the cursor in the order's index.
    macro_rules! after {
        ($column:expr, $value:expr) => {{
            let v = $value;
            if c.desc {
                query.filter($column.le(v.clone())).filter(
                    $column
                        .lt(v.clone())
                        .or($column.eq(v).and(deals::id.lt(id))),
                )
            } else {
                query.filter($column.ge(v.clone())).filter(
                    $column
                        .gt(v.clone())
                        .or($column.eq(v).and(deals::id.gt(id))),
                )
            }
        }};
    }
    match &c.position {
        DealPosition::Updated(t) => after!(deals::updated_at, *t),
        DealPosition::Created(t) => after!(deals::created_at, *t),
        DealPosition::Title(t) => after!(deals::sort_title, t.clone()),
        DealPosition::Amount(a) => after!(deals::amount, *a),
        // Undated deals follow every dated one; a comparison with NULL is never true, so
        // they need their own term.
        DealPosition::ExpectedClose(Some(d)) => {
            let (d, undated) = (*d, deals::expected_close.is_null());
            if c.desc {
                query.filter(
                    deals::expected_close
                        .lt(d)
                        .or(deals::expected_close.eq(d).and(deals::id.lt(id)))
                        .or(undated),
                )
            } else {
                query.filter(
                    deals::expected_close
                        .gt(d)
                        .or(deals::expected_close.eq(d).and(deals::id.gt(id)))
                        .or(undated),
                )
            }
        }
        DealPosition::ExpectedClose(None) => {
            let undated = query.filter(deals::expected_close.is_null());
            if c.desc {
                undated.filter(deals::id.lt(id))
            } else {
                undated.filter(deals::id.gt(id))
            }
        }
    }
}

/// The sort keys of one listed deal: id, updated, created, title, amount, expected close.
type SortKeys = (
    i64,
    NaiveDateTime,
    NaiveDateTime,
    String,
    i64,
    Option<NaiveDate>,
);

/// The cursor after the deal with these keys, in this order.
fn cursor_after(k: &SortKeys, sort: DealSort, desc: bool) -> DealCursor {
    let position = match sort {
        DealSort::Updated => DealPosition::Updated(k.1),
        DealSort::Created => DealPosition::Created(k.2),
        DealSort::Title => DealPosition::Title(k.3.clone()),
        DealSort::Amount => DealPosition::Amount(k.4),
        DealSort::ExpectedClose => DealPosition::ExpectedClose(k.5),
    };
    DealCursor {
        position,
        desc,
        id: k.0,
    }
}

impl Store {
    /// One page of the deals the actor may see.
    pub fn list_deals(
        &self,
        actor: &Actor,
        f: &DealFilter,
        sort: DealSort,
        desc: bool,
        page: &ListQuery,
    ) -> StoreResult<Page<DealRow>> {
        let q = page.clone().normalized();
        self.read(|conn| {
            let ids: Vec<i64> = ordered(filtered(actor, f), sort, desc)
                .select(deals::id)
                .offset(q.offset())
                .limit(q.limit_plus_one())
                .load(conn)?;
            let all = pipelines::load_all(conn)?;
            Ok(Page::from_rows(rows_by_id(conn, &all, &ids)?, &q))
        })
    }

    /// A keyset page of the deals the actor may see, in the same order as [`Store::list_deals`]:
    /// the page after cursor `after` (or the query's page without one), and the cursor of the
    /// next page if there is one. A cursor of another order is the caller's to refuse.
    pub fn list_deals_after(
        &self,
        actor: &Actor,
        f: &DealFilter,
        sort: DealSort,
        desc: bool,
        page: &ListQuery,
        after: Option<&DealCursor>,
    ) -> StoreResult<(Page<DealRow>, Option<DealCursor>)> {
        let q = page.clone().normalized();
        self.read(|conn| {
            let mut query = ordered(filtered(actor, f), sort, desc);
            if let Some(c) = after {
                query = following(query, c);
            }
            let keys: Vec<SortKeys> = query
                .select((
                    deals::id,
                    deals::updated_at,
                    deals::created_at,
                    deals::sort_title,
                    deals::amount,
                    deals::expected_close,
                ))
                .offset(if after.is_some() { 0 } else { q.offset() })
                .limit(q.limit_plus_one())
                .load(conn)?;
            let has_next = keys.len() > q.per_page as usize;
            let keys = &keys[..keys.len().min(q.per_page as usize)];
            let next = keys
                .last()
                .filter(|_| has_next)
                .map(|k| cursor_after(k, sort, desc));
            let ids: Vec<i64> = keys.iter().map(|k| k.0).collect();
            let all = pipelines::load_all(conn)?;
            let page = Page {
                items: rows_by_id(conn, &all, &ids)?,
                page: q.page,
                per_page: q.per_page,
                has_next,
            };
            Ok((page, next))
        })
    }

    /// The next `limit` deals after id `after` that the actor may see and `f` passes, in id
    /// order, for an export.
    pub fn export_deals(
        &self,
        actor: &Actor,
        f: &DealFilter,
        after: i64,
        limit: usize,
    ) -> StoreResult<Vec<DealRow>> {
        self.read(|conn| {
            let rows: Vec<RowRecord> = filtered(actor, f)
                .filter(deals::id.gt(after))
                .order(deals::id)
                .limit(limit as i64)
                .select(RowRecord::as_select())
                .load(conn)?;
            let all = pipelines::load_all(conn)?;
            rows_of(conn, &all, rows)
        })
    }

    /// The board of a pipeline: a column per stage with its count, totals per currency and
    /// first `per_column` cards; won and lost columns hold the deals closed in the last
    /// [`BOARD_CLOSED_DAYS`] days.
    pub fn board(
        &self,
        actor: &Actor,
        pipeline_id: i64,
        f: &DealFilter,
        per_column: i64,
    ) -> StoreResult<(Pipeline, Vec<BoardColumn>)> {
        self.read(|conn| {
            let all = pipelines::load_all(conn)?;
            let pipeline = pipelines::load(conn, pipeline_id)?;
            let mut f = f.clone();
            f.pipeline_id = None;
            let since = closed_since();
            let sums = if f.min_amount.is_none() && f.max_amount.is_none() && f.tag.is_none() {
                kept_totals(conn, actor, &pipeline, f.responsible_id, since)?
            } else {
                counted_totals(conn, actor, &pipeline, &f, since)?
            };
            // Each column's ids, then every card's row in one batch.
            let mut column_cards = Vec::with_capacity(pipeline.stages.len());
            for stage in &pipeline.stages {
                let since = stage.kind.is_closed().then_some(since);
                let mut ids = column_ids(conn, actor, &f, stage.id, since, 0, per_column + 1)?;
                let has_more = ids.len() as i64 > per_column;
                ids.truncate(usize::try_from(per_column).unwrap_or(0));
                column_cards.push((ids, has_more));
            }
            let all_ids: Vec<i64> = column_cards
                .iter()
                .flat_map(|(ids, _)| ids.clone())
                .collect();
            let mut rows: HashMap<i64, DealRow> = rows_by_id(conn, &all, &all_ids)?
                .into_iter()
                .map(|r| (r.id, r))
                .collect();
            let mut columns = Vec::with_capacity(pipeline.stages.len());
            for (stage, (ids, has_more)) in pipeline.stages.iter().zip(column_cards) {
                let mut totals = Vec::new();
                let mut count = 0;
                for (sid, code, n, sum) in sums.iter().filter(|s| s.0 == stage.id) {
                    count += n;
                    totals.push((currency_of(*sid, code)?, *sum));
                }
                totals.sort_by_key(|t| std::cmp::Reverse(t.1));
                columns.push(BoardColumn {
                    stage: stage.clone(),
                    count,
                    totals,
                    cards: ids.iter().filter_map(|id| rows.remove(id)).collect(),
                    has_more,
                });
            }
            Ok((pipeline, columns))
        })
    }

    /// More cards of one board column, after the first `offset`.
    pub fn board_column(
        &self,
        actor: &Actor,
        stage_id: i64,
        f: &DealFilter,
        offset: i64,
        limit: i64,
    ) -> StoreResult<(Vec<DealRow>, bool)> {
        self.read(|conn| {
            let all = pipelines::load_all(conn)?;
            let closed = all
                .iter()
                .find_map(|p| p.stage(stage_id))
                .is_some_and(|s| s.kind.is_closed());
            let since = closed.then(closed_since);
            let mut ids = column_ids(conn, actor, f, stage_id, since, offset.max(0), limit + 1)?;
            let has_more = ids.len() as i64 > limit;
            ids.truncate(usize::try_from(limit).unwrap_or(0));
            Ok((rows_by_id(conn, &all, &ids)?, has_more))
        })
    }

    /// The deals of a contact or a company that the actor may see, newest first.
    pub fn client_deals(
        &self,
        actor: &Actor,
        contact_id: Option<i64>,
        company_id: Option<i64>,
    ) -> StoreResult<Vec<DealRow>> {
        self.read(|conn| {
            let mut q = deals_for(actor, Action::View);
            q = match (contact_id, company_id) {
                (Some(c), _) => q.filter(deals::contact_id.eq(c)),
                (None, Some(c)) => q.filter(deals::company_id.eq(c)),
                (None, None) => return Ok(Vec::new()),
            };
            let ids: Vec<i64> = q
                .order((deals::updated_at.desc(), deals::id.desc()))
                .select(deals::id)
                .limit(100)
                .load(conn)?;
            let all = pipelines::load_all(conn)?;
            rows_by_id(conn, &all, &ids)
        })
    }
}
