//! The permission policy as SQL: one function per object kind turns the actor's [`Scope`] into a
//! filter. Every list, card, search and export query starts from these, so no path can see more
//! than the policy allows.

use crm_core::{Action, Actor, Error, ObjectKind, Scope};
use diesel::prelude::*;

use crate::conn::Db;
use crate::error::StoreResult;
use crate::schema::{companies, contacts, deals, leads};

/// The scope as a filter on a boxed query of `$table`, which has `responsible_id` and
/// `visible_to_all`.
macro_rules! scoped {
    ($table:ident, $scope:expr) => {{
        use diesel::IntoSql as _;
        let q = $table::table.into_boxed();
        match $scope {
            Scope::All => q,
            Scope::OwnOrPublic(uid) => q.filter(
                $table::responsible_id
                    .eq(uid)
                    .or($table::visible_to_all.eq(true)),
            ),
            Scope::Own(uid) => q.filter($table::responsible_id.eq(uid)),
            Scope::None => q.filter(false.into_sql::<diesel::sql_types::Bool>()),
        }
    }};
}

/// The contacts `actor` may apply `action` to.
pub(crate) fn contacts_for(actor: &Actor, action: Action) -> contacts::BoxedQuery<'static, Db> {
    scoped!(contacts, actor.scope(ObjectKind::Contact, action))
}

/// The companies `actor` may apply `action` to.
pub(crate) fn companies_for(actor: &Actor, action: Action) -> companies::BoxedQuery<'static, Db> {
    scoped!(companies, actor.scope(ObjectKind::Company, action))
}

/// The deals `actor` may apply `action` to.
pub(crate) fn deals_for(actor: &Actor, action: Action) -> deals::BoxedQuery<'static, Db> {
    scoped!(deals, actor.scope(ObjectKind::Deal, action))
}

/// The leads `actor` may apply `action` to. Leads are never public: "own or public" is own.
pub(crate) fn leads_for(actor: &Actor, action: Action) -> leads::BoxedQuery<'static, Db> {
    use diesel::IntoSql as _;
    let q = leads::table.into_boxed();
    match actor.scope(ObjectKind::Lead, action) {
        Scope::All => q,
        Scope::OwnOrPublic(uid) | Scope::Own(uid) => q.filter(leads::responsible_id.eq(uid)),
        Scope::None => q.filter(false.into_sql::<diesel::sql_types::Bool>()),
    }
}

/// Refuses unless the actor may `action` every record of `kind` (catalogue, pipelines).
/// Settings and whole-base operations (webhooks, website forms, imports) are for
/// administrators only.
pub(crate) fn admin_only(actor: &Actor) -> StoreResult<()> {
    if actor.is_admin() {
        Ok(())
    } else {
        Err(Error::Forbidden.into())
    }
}

pub(crate) fn check_all(actor: &Actor, kind: ObjectKind, action: Action) -> StoreResult<()> {
    match actor.scope(kind, action) {
        Scope::All => Ok(()),
        _ => Err(Error::Forbidden.into()),
    }
}

/// `(user id, public records allowed, everything allowed)` of the actor's view scope, for
/// [`visible!`]: one expression shape whatever the scope, so that it can filter joined queries.
pub(crate) fn view_flags(actor: &Actor, kind: ObjectKind) -> (i64, bool, bool) {
    match actor.scope(kind, Action::View) {
        Scope::All => (-1, false, true),
        Scope::OwnOrPublic(uid) => (uid, true, false),
        Scope::Own(uid) => (uid, false, false),
        Scope::None => (-1, false, false),
    }
}

/// The view scope as a filter on `$table` (contacts, companies or deals) inside a joined
/// query. Lists use the boxed functions above, which give the planner a simpler predicate.
macro_rules! visible {
    ($table:ident, $actor:expr, $kind:expr) => {{
        use diesel::IntoSql as _;
        let (uid, public, all) = $crate::scope::view_flags($actor, $kind);
        $table::responsible_id
            .eq(uid)
            .or($table::visible_to_all
                .eq(true)
                .and(public.into_sql::<diesel::sql_types::Bool>()))
            .or(all.into_sql::<diesel::sql_types::Bool>())
    }};
}
pub(crate) use visible;

/// Checks that the actor may `$action` record `$id` of `$table`, whose scoped query is
/// `$scoped(actor, action)`: "forbidden" when they see it but may not, "not found" when they
/// may not even see it (so that ids leak nothing).
macro_rules! check_access {
    ($conn:expr, $scoped:ident, $table:ident, $actor:expr, $id:expr, $action:expr) => {{
        let mut id_of = |action| {
            $scoped($actor, action)
                .filter($table::id.eq($id))
                .select($table::id)
                .first::<i64>($conn)
                .optional()
        };
        if id_of($action)?.is_some() {
            Ok(())
        } else if id_of(crm_core::Action::View)?.is_some() {
            Err(crm_core::Error::Forbidden.into())
        } else {
            Err(crm_core::Error::NotFound.into())
        }
    }};
}
pub(crate) use check_access;
