//! Imports of deals: each row a deal, placed in the pipeline and stage it names, linked to the
//! company it names (created once when there is none) and to an existing contact.

use std::collections::HashMap;

use crm_core::import_kinds::DealRow;
use crm_core::phone::reversed_digits;
use crm_core::{Actor, StageKind, text};
use diesel::prelude::*;

use crate::conn::DbConn;
use crate::error::StoreResult;
use crate::import_kinds::{Report, responsible_of, users_by_email};
use crate::imports::{Prepared, companies_named, now};
use crate::schema::{contacts, deals, emails, phones};

/// A contact named by a deal: its e-mail, its phone, or its exact name.
fn find_contacts(conn: &mut DbConn, named: &str, e164: Option<&str>) -> StoreResult<Vec<i64>> {
    let mut ids: Vec<i64> = if named.contains('@') {
        emails::table
            .filter(emails::lower.eq(named.to_lowercase()))
            .select(emails::contact_id)
            .load::<Option<i64>>(conn)?
            .into_iter()
            .flatten()
            .collect()
    } else if let Some(e164) = e164 {
        phones::table
            .filter(phones::digits_rev.eq(reversed_digits(e164)))
            .filter(phones::contact_id.is_not_null())
            .select(phones::contact_id)
            .load::<Option<i64>>(conn)?
            .into_iter()
            .flatten()
            .collect()
    } else {
        contacts::table
            .filter(contacts::sort_name.eq(text::fold(named)))
            .select(contacts::id)
            .load(conn)?
    };
    ids.sort_unstable();
    ids.dedup();
    Ok(ids)
}

/// Deals: placed in the pipeline and stage they name (the first pipeline and its first open
/// stage when they name none), linked to the company they name (created once when there is
/// none) and to an existing contact. Each row is a deal: deals have no key to match on.
pub(crate) fn write(
    conn: &mut DbConn,
    actor: &Actor,
    import_id: i64,
    r: &mut Report<'_>,
    rows: Vec<Prepared<DealRow>>,
) -> StoreResult<()> {
    let ok = || rows.iter().filter_map(|p| p.item.as_ref().ok());
    let users = users_by_email(conn, ok().filter_map(|d| d.responsible.as_deref()))?;
    let pipelines = crate::pipelines::load_all(conn)?;
    let company_ids = companies_named(
        conn,
        actor,
        import_id,
        r,
        ok().filter_map(|d| d.company.as_ref()),
    )?;
    let mut contact_ids: HashMap<String, Vec<i64>> = HashMap::new();
    for Prepared { row, item } in rows {
        let d = match item {
            Ok(d) => d,
            Err(problems) => {
                r.fail(row, &problems);
                continue;
            }
        };
        let pipeline = match &d.pipeline {
            None => pipelines.first(),
            Some(name) => {
                let f = text::fold(name);
                pipelines.iter().find(|p| text::fold(&p.name) == f)
            }
        };
        let Some(pipeline) = pipeline else {
            r.fail_field(row, "pipeline", "error-import-unknown-pipeline");
            continue;
        };
        let stage = match &d.stage {
            None => pipeline.first_open(),
            Some(name) => {
                let f = text::fold(name);
                pipeline.stages.iter().find(|s| text::fold(&s.name) == f)
            }
        };
        let Some(stage) = stage else {
            r.fail_field(row, "stage", "error-import-unknown-stage");
            continue;
        };
        if stage.kind == StageKind::Lost {
            // A lost deal needs its reason, which a file does not give.
            r.fail_field(row, "stage", "error-import-lost-stage");
            continue;
        }
        let Some(responsible) = responsible_of(r, row, d.responsible.as_ref(), &users, actor)
        else {
            continue;
        };
        let contact_id = match &d.contact {
            None => None,
            Some(named) => {
                if !contact_ids.contains_key(named) {
                    let found = find_contacts(conn, named, d.contact_e164.as_deref())?;
                    contact_ids.insert(named.clone(), found);
                }
                match contact_ids.get(named).map(Vec::as_slice) {
                    Some([id]) => Some(*id),
                    Some([]) | None => {
                        r.fail_field(row, "contact", "error-import-unknown-contact");
                        continue;
                    }
                    Some(_) => {
                        r.fail_field(row, "contact", "error-import-ambiguous-contact");
                        continue;
                    }
                }
            }
        };
        let company_id = d
            .company
            .as_ref()
            .and_then(|n| company_ids.get(&n.key).copied());
        let t = now();
        let draft = d.draft;
        let id: i64 = diesel::insert_into(deals::table)
            .values((
                deals::title.eq(&draft.title),
                deals::sort_title.eq(text::fold(&draft.title)),
                deals::pipeline_id.eq(pipeline.id),
                deals::stage_id.eq(stage.id),
                deals::state.eq(stage.kind.as_str()),
                deals::amount.eq(draft.amount),
                deals::currency.eq(draft.currency.code()),
                deals::responsible_id.eq(responsible),
                deals::deal_type.eq(&draft.deal_type),
                deals::source.eq(&draft.source),
                deals::expected_close.eq(draft.expected_close),
                deals::contact_id.eq(contact_id),
                deals::company_id.eq(company_id),
                deals::visible_to_all.eq(false),
                deals::closed_at.eq(stage.kind.is_closed().then_some(t)),
                deals::notes.eq(&draft.notes),
                deals::version.eq(1),
                deals::created_by.eq(actor.user_id()),
                deals::created_at.eq(t),
                deals::updated_at.eq(t),
                deals::import_id.eq(import_id),
            ))
            .returning(deals::id)
            .get_result(conn)?;
        // The stage history starts where the file put the deal.
        crate::deals::record_move(conn, actor, id, None, stage.id, t)?;
        r.counts.created += 1;
    }
    Ok(())
}
