//! What activities and tasks need to know of the card they hang on: whether the actor may see
//! it, what it is called, and which cards above it (a deal's contact and company) share its
//! timeline.

use crm_core::{Action, Actor, CardLabel, CardRef};
use diesel::prelude::*;

use crate::conn::DbConn;
use crate::error::StoreResult;
use crate::schema::{companies, contacts, deals, leads};
use crate::scope::{check_access, companies_for, contacts_for, deals_for, leads_for};

/// The cards an activity on `card` is filed under, as (contact, company, deal, lead).
pub(crate) type Links = (Option<i64>, Option<i64>, Option<i64>, Option<i64>);

/// Refuses unless the actor may `action` the card ("not found" if they may not even see it).
pub(crate) fn check(
    conn: &mut DbConn,
    actor: &Actor,
    card: CardRef,
    action: Action,
) -> StoreResult<()> {
    match card {
        CardRef::Contact(id) => check_access!(conn, contacts_for, contacts, actor, id, action),
        CardRef::Company(id) => check_access!(conn, companies_for, companies, actor, id, action),
        CardRef::Deal(id) => check_access!(conn, deals_for, deals, actor, id, action),
        CardRef::Lead(id) => check_access!(conn, leads_for, leads, actor, id, action),
    }
}

/// The card and the cards above it: a contact's company; a deal's contact and company.
pub(crate) fn links(conn: &mut DbConn, card: CardRef) -> StoreResult<Links> {
    Ok(match card {
        CardRef::Contact(id) => {
            let company: Option<i64> = contacts::table
                .find(id)
                .select(contacts::company_id)
                .first(conn)?;
            (Some(id), company, None, None)
        }
        CardRef::Company(id) => (None, Some(id), None, None),
        CardRef::Deal(id) => {
            let (contact, company): (Option<i64>, Option<i64>) = deals::table
                .find(id)
                .select((deals::contact_id, deals::company_id))
                .first(conn)?;
            (contact, company, Some(id), None)
        }
        CardRef::Lead(id) => (None, None, None, Some(id)),
    })
}

/// The card's name as lists show it; `None` if it is gone.
pub(crate) fn title(conn: &mut DbConn, card: CardRef) -> StoreResult<Option<String>> {
    Ok(match card {
        CardRef::Contact(id) => contacts::table
            .find(id)
            .select(contacts::name)
            .first(conn)
            .optional()?,
        CardRef::Company(id) => companies::table
            .find(id)
            .select(companies::name)
            .first(conn)
            .optional()?,
        CardRef::Deal(id) => deals::table
            .find(id)
            .select(deals::title)
            .first(conn)
            .optional()?,
        CardRef::Lead(id) => leads::table
            .find(id)
            .select(leads::title)
            .first(conn)
            .optional()?,
    })
}

/// The card each task row points at (the most specific one set), with its name: one query
/// per kind of card, not one per row.
pub(crate) fn labels(conn: &mut DbConn, rows: &[Links]) -> StoreResult<Vec<Option<CardLabel>>> {
    use std::collections::HashMap;
    let refs: Vec<Option<CardRef>> = rows
        .iter()
        .map(|l| match *l {
            (_, _, Some(d), _) => Some(CardRef::Deal(d)),
            (_, _, _, Some(l)) => Some(CardRef::Lead(l)),
            (Some(c), _, _, _) => Some(CardRef::Contact(c)),
            (_, Some(c), _, _) => Some(CardRef::Company(c)),
            _ => None,
        })
        .collect();
    let ids = |kind: &str| -> Vec<i64> {
        refs.iter()
            .flatten()
            .filter(|r| r.kind() == kind)
            .map(|r| r.id())
            .collect()
    };
    let mut names: HashMap<CardRef, String> = HashMap::new();
    // One query per kind that occurs (none at all for rows without a card).
    let wanted = ids("contact");
    if !wanted.is_empty() {
        let found: Vec<(i64, String)> = contacts::table
            .filter(contacts::id.eq_any(wanted))
            .select((contacts::id, contacts::name))
            .load(conn)?;
        names.extend(found.into_iter().map(|(id, n)| (CardRef::Contact(id), n)));
    }
    let wanted = ids("company");
    if !wanted.is_empty() {
        let found: Vec<(i64, String)> = companies::table
            .filter(companies::id.eq_any(wanted))
            .select((companies::id, companies::name))
            .load(conn)?;
        names.extend(found.into_iter().map(|(id, n)| (CardRef::Company(id), n)));
    }
    let wanted = ids("deal");
    if !wanted.is_empty() {
        let found: Vec<(i64, String)> = deals::table
            .filter(deals::id.eq_any(wanted))
            .select((deals::id, deals::title))
            .load(conn)?;
        names.extend(found.into_iter().map(|(id, n)| (CardRef::Deal(id), n)));
    }
    let wanted = ids("lead");
    if !wanted.is_empty() {
        let found: Vec<(i64, String)> = leads::table
            .filter(leads::id.eq_any(wanted))
            .select((leads::id, leads::title))
            .load(conn)?;
        names.extend(found.into_iter().map(|(id, n)| (CardRef::Lead(id), n)));
    }
    Ok(refs
        .into_iter()
        .map(|r| {
            let card = r?;
            names.get(&card).map(|title| CardLabel {
                card,
                title: title.clone(),
            })
        })
        .collect())
}
