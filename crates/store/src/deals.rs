//! Deals: create, read, update, move between stages, edit line items, delete — each scoped by
//! the acting user, audited, and guarded by a version number so that two people editing the
//! same deal never mix their changes silently.

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveDateTime, Utc};
use crm_core::{
    Action, Actor, CardRef, Currency, Deal, DealDraft, Error, Line, LineDraft, Pipeline, SaleKind,
    Stage, StageChange, StageKind, text,
};
use diesel::prelude::*;

use crate::audit;
use crate::conn::{DbConn, Store};
use crate::error::{StoreError, StoreResult};
use crate::parties;
use crate::pipelines;
use crate::schema::{
    companies, contacts, deal_lines, deal_stage_changes, deal_tags, deals, leads, lost_reasons,
    products, stages,
};
use crate::scope::{self, companies_for, contacts_for, deals_for};
use crate::users::check_responsible;

#[derive(Queryable, Selectable)]
#[diesel(table_name = deals)]
pub(crate) struct DealRecord {
    pub id: i64,
    pub title: String,
    pub pipeline_id: i64,
    pub stage_id: i64,
    pub amount: i64,
    pub currency: String,
    pub probability: Option<i32>,
    pub responsible_id: Option<i64>,
    pub deal_type: String,
    pub source: String,
    pub expected_close: Option<NaiveDate>,
    pub contact_id: Option<i64>,
    pub company_id: Option<i64>,
    pub visible_to_all: bool,
    pub lost_reason_id: Option<i64>,
    pub closed_at: Option<NaiveDateTime>,
    pub notes: String,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

pub(crate) fn currency_of(id: i64, code: &str) -> StoreResult<Currency> {
    Currency::parse(code)
        .map_err(|_| StoreError::Config(format!("deal {id} has currency {code:?}")))
}

/// The pipeline and stage a deal goes to: the given ones, or the first pipeline and its first
/// open stage. A stage of another pipeline is refused.
fn placement(
    conn: &mut DbConn,
    pipeline_id: Option<i64>,
    stage_id: Option<i64>,
) -> StoreResult<(Pipeline, Stage)> {
    let pipeline = match pipeline_id {
        Some(id) => pipelines::load(conn, id)
            .map_err(|_| Error::invalid("pipeline_id", "error-pipeline-not-found"))?,
        None => pipelines::load_all(conn)?
            .into_iter()
            .next()
            .ok_or(Error::invalid("pipeline_id", "error-pipeline-not-found"))?,
    };
    let stage = match stage_id {
        Some(s) => pipeline
            .stage(s)
            .cloned()
            .ok_or(Error::invalid("stage_id", "error-stage-not-in-pipeline"))?,
        None => pipeline
            .first_open()
            .cloned()
            .ok_or(Error::invalid("stage_id", "error-stage-not-in-pipeline"))?,
    };
    Ok((pipeline, stage))
}

/// The contact and company must exist and be visible to the actor.
fn check_links(
    conn: &mut DbConn,
    actor: &Actor,
    contact_id: Option<i64>,
    company_id: Option<i64>,
) -> StoreResult<()> {
    if let Some(id) = contact_id {
        let seen: Option<i64> = contacts_for(actor, Action::View)
            .filter(contacts::id.eq(id))
            .select(contacts::id)
            .first(conn)
            .optional()?;
        if seen.is_none() {
            return Err(Error::invalid("contact_id", "error-contact-not-found").into());
        }
    }
    if let Some(id) = company_id {
        let seen: Option<i64> = companies_for(actor, Action::View)
            .filter(companies::id.eq(id))
            .select(companies::id)
            .first(conn)
            .optional()?;
        if seen.is_none() {
            return Err(Error::invalid("company_id", "error-company-not-found").into());
        }
    }
    Ok(())
}

/// A lost deal needs a reason from the list; other deals carry none.
fn lost_reason(
    conn: &mut DbConn,
    kind: StageKind,
    reason: Option<i64>,
) -> StoreResult<Option<i64>> {
    if kind != StageKind::Lost {
        return Ok(None);
    }
    let Some(id) = reason else {
        return Err(Error::invalid("lost_reason_id", "error-lost-reason-required").into());
    };
    let found: Option<i64> = lost_reasons::table
        .find(id)
        .select(lost_reasons::id)
        .first(conn)
        .optional()?;
    match found {
        Some(id) => Ok(Some(id)),
        None => Err(Error::invalid("lost_reason_id", "error-lost-reason-required").into()),
    }
}

/// Fills in the names of lines that only name a product; refuses unknown products.
fn resolve_lines(conn: &mut DbConn, lines: &[LineDraft]) -> StoreResult<Vec<LineDraft>> {
    let ids: Vec<i64> = lines.iter().filter_map(|l| l.product_id).collect();
    let names: HashMap<i64, String> = if ids.is_empty() {
        HashMap::new()
    } else {
        products::table
            .filter(products::id.eq_any(&ids))
            .select((products::id, products::name))
            .load::<(i64, String)>(conn)?
            .into_iter()
            .collect()
    };
    let mut out = Vec::with_capacity(lines.len());
    for (i, l) in lines.iter().enumerate() {
        let mut l = l.clone();
        if let Some(pid) = l.product_id {
            match names.get(&pid) {
                Some(n) if l.name.is_empty() => l.name = n.clone(),
                Some(_) => {}
                None => {
                    return Err(Error::invalid(
                        &format!("lines[{i}].product_id"),
                        "error-product-not-found",
                    )
                    .into());
                }
            }
        }
        out.push(l);
    }
    Ok(out)
}

fn write_lines(conn: &mut DbConn, deal_id: i64, lines: &[LineDraft]) -> StoreResult<()> {
    diesel::delete(deal_lines::table.filter(deal_lines::deal_id.eq(deal_id))).execute(conn)?;
    for (i, l) in lines.iter().enumerate() {
        diesel::insert_into(deal_lines::table)
            .values((
                deal_lines::deal_id.eq(deal_id),
                deal_lines::position.eq(i32::try_from(i).unwrap_or(i32::MAX)),
                deal_lines::product_id.eq(l.product_id),
                deal_lines::name.eq(&l.name),
                deal_lines::quantity_milli.eq(l.quantity_milli),
                deal_lines::unit_price.eq(l.unit_price),
                deal_lines::discount_bp.eq(l.discount_bp),
                deal_lines::total.eq(l.total),
            ))
            .execute(conn)?;
    }
    Ok(())
}

fn write_tags(conn: &mut DbConn, deal_id: i64, tags: &[String]) -> StoreResult<()> {
    diesel::delete(deal_tags::table.filter(deal_tags::deal_id.eq(deal_id))).execute(conn)?;
    for t in tags {
        diesel::insert_into(deal_tags::table)
            .values((
                deal_tags::deal_id.eq(deal_id),
                deal_tags::name.eq(t),
                deal_tags::name_lower.eq(t.to_lowercase()),
            ))
            .execute(conn)?;
    }
    Ok(())
}

pub(crate) fn record_move(
    conn: &mut DbConn,
    actor: &Actor,
    deal_id: i64,
    from: Option<i64>,
    to: i64,
    at: NaiveDateTime,
) -> StoreResult<()> {
    diesel::insert_into(deal_stage_changes::table)
        .values((
            deal_stage_changes::deal_id.eq(deal_id),
            deal_stage_changes::from_stage_id.eq(from),
            deal_stage_changes::to_stage_id.eq(to),
            deal_stage_changes::user_id.eq(actor.user_id()),
            deal_stage_changes::at.eq(at),
        ))
        .execute(conn)?;
    if let Some(from) = from {
        let names: Vec<(i64, String)> = stages::table
            .filter(stages::id.eq_any([from, to]))
            .select((stages::id, stages::name))
            .load(conn)?;
        let name = |id: i64| names.iter().find(|n| n.0 == id).map(|n| n.1.clone());
        let data = serde_json::json!({"from": name(from), "to": name(to)});
        crate::activities::event(conn, actor, CardRef::Deal(deal_id), "stage_changed", data)?;
    }
    Ok(())
}

/// Finds a deal the actor may `action`; "not found" when they may not even see it.
fn check_access(conn: &mut DbConn, actor: &Actor, id: i64, action: Action) -> StoreResult<()> {
    scope::check_access!(conn, deals_for, deals, actor, id, action)
}

/// Whether a won deal was its client's first sale or a repeat one.
fn sale_kind(conn: &mut DbConn, r: &DealRecord) -> StoreResult<Option<SaleKind>> {
    let Some(closed) = r.closed_at else {
        return Ok(None);
    };
    let mut q = deals::table
        .filter(deals::state.eq(StageKind::Won.as_str()))
        .filter(
            deals::closed_at
                .lt(closed)
                .or(deals::closed_at.eq(closed).and(deals::id.lt(r.id))),
        )
        .into_boxed();
    q = match (r.company_id, r.contact_id) {
        (Some(c), _) => q.filter(deals::company_id.eq(c)),
        (None, Some(c)) => q.filter(deals::contact_id.eq(c)),
        (None, None) => return Ok(None),
    };
    let earlier: i64 = q.count().get_result(conn)?;
    Ok(Some(if earlier == 0 {
        SaleKind::NewCustomer
    } else {
        SaleKind::Repeat { nth: earlier + 1 }
    }))
}

pub(crate) fn load(conn: &mut DbConn, actor: &Actor, id: i64) -> StoreResult<Deal> {
    let r: DealRecord = deals_for(actor, Action::View)
        .filter(deals::id.eq(id))
        .select(DealRecord::as_select())
        .first(conn)?;
    let currency = currency_of(r.id, &r.currency)?;
    let pipeline = pipelines::load(conn, r.pipeline_id)?;
    let stage = match pipeline.stage(r.stage_id) {
        Some(s) => s.clone(),
        None => stages::table
            .find(r.stage_id)
            .select((
                stages::id,
                stages::pipeline_id,
                stages::name,
                stages::position,
                stages::probability,
                stages::color,
                stages::kind,
            ))
            .first::<(i64, i64, String, i32, i32, String, String)>(conn)
            .map(
                |(id, pipeline_id, name, position, probability, color, kind)| Stage {
                    id,
                    pipeline_id,
                    name,
                    position,
                    probability,
                    color,
                    kind: StageKind::parse(&kind).unwrap_or(StageKind::Open),
                },
            )?,
    };
    let contact_name: Option<String> = match r.contact_id {
        Some(c) => contacts::table
            .find(c)
            .select(contacts::name)
            .first(conn)
            .optional()?,
        None => None,
    };
    let company_name: Option<String> = match r.company_id {
        Some(c) => companies::table
            .find(c)
            .select(companies::name)
            .first(conn)
            .optional()?,
        None => None,
    };
    let lost_reason: Option<String> = match r.lost_reason_id {
        Some(l) => lost_reasons::table
            .find(l)
            .select(lost_reasons::name)
            .first(conn)
            .optional()?,
        None => None,
    };
    let names = parties::user_names(conn, [r.responsible_id])?;
    let tags: Vec<String> = deal_tags::table
        .filter(deal_tags::deal_id.eq(r.id))
        .order(deal_tags::id)
        .select(deal_tags::name)
        .load(conn)?;
    type LineRow = (i64, Option<i64>, String, i64, i64, i64, i64);
    let lines: Vec<LineRow> = deal_lines::table
        .filter(deal_lines::deal_id.eq(r.id))
        .order(deal_lines::position)
        .select((
            deal_lines::id,
            deal_lines::product_id,
            deal_lines::name,
            deal_lines::quantity_milli,
            deal_lines::unit_price,
            deal_lines::discount_bp,
            deal_lines::total,
        ))
        .load(conn)?;
    let lead_id: Option<i64> = leads::table
        .filter(leads::deal_id.eq(r.id))
        .select(leads::id)
        .first(conn)
        .optional()?;
    let sale = if stage.kind == StageKind::Won {
        sale_kind(conn, &r)?
    } else {
        None
    };
    Ok(Deal {
        id: r.id,
        title: r.title,
        pipeline_id: r.pipeline_id,
        pipeline_name: pipeline.name,
        stage_id: r.stage_id,
        stage_name: stage.name,
        stage_color: stage.color,
        stage_kind: stage.kind,
        amount: r.amount,
        amount_text: currency.plain(r.amount),
        currency,
        probability: r.probability.unwrap_or(stage.probability),
        probability_override: r.probability,
        responsible_name: r.responsible_id.and_then(|u| names.get(&u).cloned()),
        responsible_id: r.responsible_id,
        deal_type: r.deal_type,
        source: r.source,
        expected_close: r.expected_close,
        contact_id: r.contact_id,
        contact_name,
        company_id: r.company_id,
        company_name,
        visible_to_all: r.visible_to_all,
        lost_reason_id: r.lost_reason_id,
        lost_reason,
        closed_at: r.closed_at.map(|t| t.and_utc()),
        sale,
        lead_id,
        tags,
        notes: r.notes,
        lines: lines
            .into_iter()
            .map(
                |(id, product_id, name, quantity_milli, unit_price, discount_bp, total)| {
                    Line::from_draft(
                        id,
                        LineDraft {
                            product_id,
                            name,
                            quantity_milli,
                            unit_price,
                            discount_bp,
                            total,
                        },
                        currency,
                    )
                },
            )
            .collect(),
        version: r.version,
        created_at: r.created_at.and_utc(),
        updated_at: r.updated_at.and_utc(),
    })
}

#[derive(AsChangeset)]
#[diesel(table_name = deals)]
#[diesel(treat_none_as_null = true)]
struct DealChanges<'a> {
    title: &'a str,
    sort_title: String,
    pipeline_id: i64,
    stage_id: i64,
    state: &'static str,
    amount: i64,
    currency: &'static str,
    probability: Option<i32>,
    responsible_id: Option<i64>,
    deal_type: &'a str,
    source: &'a str,
    expected_close: Option<NaiveDate>,
    contact_id: Option<i64>,
    company_id: Option<i64>,
    visible_to_all: bool,
    lost_reason_id: Option<i64>,
    closed_at: Option<NaiveDateTime>,
    notes: &'a str,
    updated_at: NaiveDateTime,
}

/// Creates a deal inside an open transaction (also used by lead conversion).
pub(crate) fn insert(conn: &mut DbConn, actor: &Actor, draft: &DealDraft) -> StoreResult<Deal> {
    let responsible = actor
        .responsible_for(draft.responsible_id)
        .map_err(|code| Error::invalid("responsible_id", code))?;
    check_responsible(conn, responsible)?;
    check_links(conn, actor, draft.contact_id, draft.company_id)?;
    let (pipeline, stage) = placement(conn, draft.pipeline_id, draft.stage_id)?;
    let reason = lost_reason(conn, stage.kind, draft.lost_reason_id)?;
    let lines = match &draft.lines {
        Some(l) => resolve_lines(conn, l)?,
        None => Vec::new(),
    };
    let amount = if lines.is_empty() {
        draft.amount
    } else {
        lines.iter().map(|l| l.total).sum()
    };
    let now = Utc::now().naive_utc();
    let id: i64 = diesel::insert_into(deals::table)
        .values((
            deals::title.eq(&draft.title),
            deals::sort_title.eq(text::fold(&draft.title)),
            deals::pipeline_id.eq(pipeline.id),
            deals::stage_id.eq(stage.id),
            deals::state.eq(stage.kind.as_str()),
            deals::amount.eq(amount),
            deals::currency.eq(draft.currency.code()),
            deals::probability.eq(draft.probability),
            deals::responsible_id.eq(responsible),
            deals::deal_type.eq(&draft.deal_type),
            deals::source.eq(&draft.source),
            deals::expected_close.eq(draft.expected_close),
            deals::contact_id.eq(draft.contact_id),
            deals::company_id.eq(draft.company_id),
            deals::visible_to_all.eq(draft.visible_to_all),
            deals::lost_reason_id.eq(reason),
            deals::closed_at.eq(stage.kind.is_closed().then_some(now)),
            deals::notes.eq(&draft.notes),
            deals::version.eq(1),
            deals::created_by.eq(actor.user_id()),
            deals::created_at.eq(now),
            deals::updated_at.eq(now),
        ))
        .returning(deals::id)
        .get_result(conn)?;
    write_lines(conn, id, &lines)?;
    write_tags(conn, id, &draft.tags)?;
    record_move(conn, actor, id, None, stage.id, now)?;
    let created = load(conn, actor, id)?;
    let card = CardRef::Deal(id);
    crate::activities::card_saved(
        conn,
        actor,
        card,
        None,
        created.responsible_id,
        &created.title,
    )?;
    audit::record(conn, actor, "create", "deal", id, audit::snapshot(&created))?;
    crate::webhooks::deal_saved(conn, None, &created)?;
    Ok(created)
}

/// Refuses when deal `id` is no longer at version `expected` (someone saved it meanwhile);
/// otherwise bumps the version. `None` skips the check: the last write wins.
fn check_version(conn: &mut DbConn, id: i64, expected: Option<i64>) -> StoreResult<()> {
    let Some(v) = expected else {
        return Ok(());
    };
    // The conditional update takes the row lock, so on PostgreSQL a concurrent writer waits
    // and then sees the new version; SQLite writes are serialised already.
    let n = diesel::update(
        deals::table
            .filter(deals::id.eq(id))
            .filter(deals::version.eq(v)),
    )
    .set(deals::version.eq(deals::version + 1))
    .execute(conn)?;
    if n == 0 {
        return Err(Error::Conflict("error-deal-changed").into());
    }
    Ok(())
}

impl Store {
    /// One deal with its lines, if the actor may see it.
    pub fn deal(&self, actor: &Actor, id: i64) -> StoreResult<Deal> {
        self.read(|conn| load(conn, actor, id))
    }

    pub fn create_deal(&self, actor: &Actor, draft: &DealDraft) -> StoreResult<Deal> {
        self.write(|conn| insert(conn, actor, draft))
    }

    /// Saves a whole deal. A stale `draft.version` is refused with "the deal changed"; lines
    /// are replaced only when the draft carries them.
    pub fn update_deal(&self, actor: &Actor, id: i64, draft: &DealDraft) -> StoreResult<Deal> {
        let responsible = actor
            .responsible_for(draft.responsible_id)
            .map_err(|code| Error::invalid("responsible_id", code))?;
        self.write(|conn| {
            check_access(conn, actor, id, Action::Edit)?;
            check_version(conn, id, draft.version)?;
            let before = load(conn, actor, id)?;
            check_responsible(conn, responsible)?;
            // A link the user cannot see may stay as it was; new links must be visible.
            check_links(
                conn,
                actor,
                draft.contact_id.filter(|c| Some(*c) != before.contact_id),
                draft.company_id.filter(|c| Some(*c) != before.company_id),
            )?;
            let (pipeline, stage) = placement(conn, draft.pipeline_id, draft.stage_id)?;
            let reason = lost_reason(conn, stage.kind, draft.lost_reason_id)?;
            let lines = match &draft.lines {
                Some(l) => Some(resolve_lines(conn, l)?),
                None => None,
            };
            let has_lines = match &lines {
                Some(l) => !l.is_empty(),
                None => !before.lines.is_empty(),
            };
            if has_lines && draft.currency != before.currency && lines.is_none() {
                return Err(Error::invalid("currency", "error-currency-has-lines").into());
            }
            let amount = match (&lines, has_lines) {
                (Some(l), true) => l.iter().map(|l| l.total).sum(),
                (None, true) => before.lines.iter().map(|l| l.total).sum(),
                _ => draft.amount,
            };
            let now = Utc::now().naive_utc();
            let moved = stage.id != before.stage_id;
            let closed_at = match (stage.kind.is_closed(), moved, before.closed_at) {
                (false, _, _) => None,
                (true, false, Some(t)) => Some(t.naive_utc()),
                (true, _, _) => Some(now),
            };
            diesel::update(deals::table.find(id))
                .set((
                    DealChanges {
                        title: &draft.title,
                        sort_title: text::fold(&draft.title),
                        pipeline_id: pipeline.id,
                        stage_id: stage.id,
                        state: stage.kind.as_str(),
                        amount,
                        currency: draft.currency.code(),
                        probability: draft.probability,
                        responsible_id: responsible,
                        deal_type: &draft.deal_type,
                        source: &draft.source,
                        expected_close: draft.expected_close,
                        contact_id: draft.contact_id,
                        company_id: draft.company_id,
                        visible_to_all: draft.visible_to_all,
                        lost_reason_id: reason,
                        closed_at,
                        notes: &draft.notes,
                        updated_at: now,
                    },
                    deals::version.eq(deals::version + i64::from(draft.version.is_none())),
                ))
                .execute(conn)?;
            if let Some(l) = &lines {
                write_lines(conn, id, l)?;
            }
            write_tags(conn, id, &draft.tags)?;
            if moved {
                record_move(conn, actor, id, Some(before.stage_id), stage.id, now)?;
            }
            let after = load(conn, actor, id)?;
            let (card, was) = (CardRef::Deal(id), Some(before.responsible_id));
            crate::activities::card_saved(
                conn,
                actor,
                card,
                was,
                after.responsible_id,
                &after.title,
            )?;
            audit::record(
                conn,
                actor,
                "update",
                "deal",
                id,
                audit::diff(&before, &after),
            )?;
            crate::webhooks::deal_saved(conn, Some(&before), &after)?;
            Ok(after)
        })
    }

    /// Moves a deal to another stage of its pipeline (the board's drag and drop, the card's
    /// stage selector). A lost stage needs a reason.
    pub fn move_deal(
        &self,
        actor: &Actor,
        id: i64,
        stage_id: i64,
        version: Option<i64>,
        reason: Option<i64>,
    ) -> StoreResult<Deal> {
        self.write(|conn| {
            check_access(conn, actor, id, Action::Edit)?;
            let before = load(conn, actor, id)?;
            let (_, stage) = placement(conn, Some(before.pipeline_id), Some(stage_id))?;
            let reason = lost_reason(conn, stage.kind, reason)?;
            // A drop where the card already is changes nothing, not even the version.
            if stage.id == before.stage_id && reason == before.lost_reason_id {
                return Ok(before);
            }
            check_version(conn, id, version)?;
            let now = Utc::now().naive_utc();
            diesel::update(deals::table.find(id))
                .set((
                    deals::stage_id.eq(stage.id),
                    deals::state.eq(stage.kind.as_str()),
                    deals::lost_reason_id.eq(reason),
                    deals::closed_at.eq(stage.kind.is_closed().then_some(now)),
                    deals::updated_at.eq(now),
                    deals::version.eq(deals::version + i64::from(version.is_none())),
                ))
                .execute(conn)?;
            if stage.id != before.stage_id {
                record_move(conn, actor, id, Some(before.stage_id), stage.id, now)?;
            }
            let after = load(conn, actor, id)?;
            audit::record(
                conn,
                actor,
                "update",
                "deal",
                id,
                audit::diff(&before, &after),
            )?;
            crate::webhooks::deal_saved(conn, Some(&before), &after)?;
            Ok(after)
        })
    }

    /// Replaces a deal's line items; the amount becomes their sum.
    pub fn set_deal_lines(
        &self,
        actor: &Actor,
        id: i64,
        version: Option<i64>,
        lines: &[LineDraft],
    ) -> StoreResult<Deal> {
        self.write(|conn| {
            check_access(conn, actor, id, Action::Edit)?;
            check_version(conn, id, version)?;
            let before = load(conn, actor, id)?;
            let lines = resolve_lines(conn, lines)?;
            let amount = if lines.is_empty() {
                before.amount
            } else {
                lines.iter().map(|l| l.total).sum()
            };
            write_lines(conn, id, &lines)?;
            diesel::update(deals::table.find(id))
                .set((
                    deals::amount.eq(amount),
                    deals::updated_at.eq(Utc::now().naive_utc()),
                    deals::version.eq(deals::version + i64::from(version.is_none())),
                ))
                .execute(conn)?;
            let after = load(conn, actor, id)?;
            audit::record(
                conn,
                actor,
                "update",
                "deal",
                id,
                audit::diff(&before, &after),
            )?;
            crate::webhooks::deal_saved(conn, Some(&before), &after)?;
            Ok(after)
        })
    }

    /// Deletes the card with its timeline; returns the storage keys of the files attached there,
    /// for the caller to remove once the transaction has committed.
    pub fn delete_deal(&self, actor: &Actor, id: i64) -> StoreResult<Vec<String>> {
        self.write(|conn| {
            check_access(conn, actor, id, Action::Delete)?;
            let before = load(conn, actor, id)?;
            diesel::update(leads::table.filter(leads::deal_id.eq(id)))
                .set(leads::deal_id.eq(None::<i64>))
                .execute(conn)?;
            diesel::delete(deal_lines::table.filter(deal_lines::deal_id.eq(id))).execute(conn)?;
            diesel::delete(deal_tags::table.filter(deal_tags::deal_id.eq(id))).execute(conn)?;
            diesel::delete(deal_stage_changes::table.filter(deal_stage_changes::deal_id.eq(id)))
                .execute(conn)?;
            let files = crate::activities::forget(conn, CardRef::Deal(id))?;
            diesel::delete(deals::table.find(id)).execute(conn)?;
            audit::record(conn, actor, "delete", "deal", id, audit::snapshot(&before))?;
            Ok(files)
        })
    }

    /// A deal's stage changes, oldest first.
    pub fn deal_history(&self, actor: &Actor, id: i64) -> StoreResult<Vec<StageChange>> {
        self.read(|conn| {
            check_access(conn, actor, id, Action::View)?;
            let rows: Vec<(Option<i64>, i64, Option<i64>, NaiveDateTime)> =
                deal_stage_changes::table
                    .filter(deal_stage_changes::deal_id.eq(id))
                    .order((deal_stage_changes::at, deal_stage_changes::id))
                    .select((
                        deal_stage_changes::from_stage_id,
                        deal_stage_changes::to_stage_id,
                        deal_stage_changes::user_id,
                        deal_stage_changes::at,
                    ))
                    .limit(1_000)
                    .load(conn)?;
            let stage_ids: Vec<i64> = rows
                .iter()
                .flat_map(|(f, t, _, _)| [*f, Some(*t)])
                .flatten()
                .collect();
            let names: HashMap<i64, String> = stages::table
                .filter(stages::id.eq_any(&stage_ids))
                .select((stages::id, stages::name))
                .load::<(i64, String)>(conn)?
                .into_iter()
                .collect();
            let users = parties::user_names(conn, rows.iter().map(|r| r.2))?;
            Ok(rows
                .into_iter()
                .map(|(from, to, user, at)| StageChange {
                    from_stage: from.and_then(|f| names.get(&f).cloned()),
                    to_stage: names.get(&to).cloned().unwrap_or_default(),
                    user_name: user.and_then(|u| users.get(&u).cloned()),
                    at: at.and_utc(),
                })
                .collect())
        })
    }
}
