//! The permission policy as SQL: one function per object kind turns the actor's [`Scope`] into a
//! filter. Every list, card, search and export query starts from these, so no path can see more
//! than the policy allows.

use crm_core::{Action, Actor, ObjectKind, Scope};
use diesel::prelude::*;

use crate::conn::Db;
use crate::schema::{companies, contacts};

/// The contacts `actor` may apply `action` to.
pub(crate) fn contacts_for(actor: &Actor, action: Action) -> contacts::BoxedQuery<'static, Db> {
    let q = contacts::table.into_boxed();
    match actor.scope(ObjectKind::Contact, action) {
        Scope::All => q,
        Scope::OwnOrPublic(uid) => q.filter(
            contacts::responsible_id
                .eq(uid)
                .or(contacts::visible_to_all.eq(true)),
        ),
        Scope::Own(uid) => q.filter(contacts::responsible_id.eq(uid)),
    }
}

/// The companies `actor` may apply `action` to.
pub(crate) fn companies_for(actor: &Actor, action: Action) -> companies::BoxedQuery<'static, Db> {
    let q = companies::table.into_boxed();
    match actor.scope(ObjectKind::Company, action) {
        Scope::All => q,
        Scope::OwnOrPublic(uid) => q.filter(
            companies::responsible_id
                .eq(uid)
                .or(companies::visible_to_all.eq(true)),
        ),
        Scope::Own(uid) => q.filter(companies::responsible_id.eq(uid)),
    }
}

/// `(user id, public records allowed, everything allowed)` of the actor's view scope, for
/// [`visible!`]: one expression shape whatever the scope, so that it can filter joined queries.
pub(crate) fn view_flags(actor: &Actor, kind: ObjectKind) -> (i64, bool, bool) {
    match actor.scope(kind, Action::View) {
        Scope::All => (-1, false, true),
        Scope::OwnOrPublic(uid) => (uid, true, false),
        Scope::Own(uid) => (uid, false, false),
    }
}

/// The view scope as a filter on `$table` (contacts or companies) inside a joined query. Lists
/// use the boxed functions above, which give the planner a simpler predicate.
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
