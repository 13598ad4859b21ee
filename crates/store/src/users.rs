//! Staff accounts.

use chrono::{NaiveDateTime, Utc};
use crm_core::{Actor, Error, Role, User, UserDraft};
use diesel::prelude::*;

use crate::audit;
use crate::conn::{DbConn, Store};
use crate::error::{StoreError, StoreResult};
use crate::schema::{sessions, users};

#[derive(Queryable, Selectable)]
#[diesel(table_name = users)]
pub(crate) struct UserRecord {
    id: i64,
    email: String,
    name: String,
    role: String,
    active: bool,
    locale: String,
    created_at: NaiveDateTime,
    time_zone: String,
}

impl UserRecord {
    pub(crate) fn id(&self) -> i64 {
        self.id
    }
}

impl TryFrom<UserRecord> for User {
    type Error = StoreError;

    fn try_from(r: UserRecord) -> StoreResult<User> {
        let role = Role::parse(&r.role).ok_or_else(|| {
            StoreError::Config(format!("user {} has unknown role {:?}", r.id, r.role))
        })?;
        Ok(User {
            id: r.id,
            email: r.email,
            name: r.name,
            role,
            active: r.active,
            locale: r.locale,
            created_at: r.created_at.and_utc(),
            time_zone: r.time_zone,
        })
    }
}

/// A responsible user must exist and be active.
pub(crate) fn check_responsible(conn: &mut DbConn, responsible: Option<i64>) -> StoreResult<()> {
    if let Some(uid) = responsible {
        let found: Option<i64> = users::table
            .filter(users::id.eq(uid))
            .filter(users::active.eq(true))
            .select(users::id)
            .first(conn)
            .optional()?;
        if found.is_none() {
            return Err(Error::invalid("responsible", "error-not-found").into());
        }
    }
    Ok(())
}

impl Store {
    /// Adds a user; the e-mail must be new (case-insensitively).
    pub fn create_user(
        &self,
        actor: &Actor,
        draft: &UserDraft,
        password_hash: &str,
    ) -> StoreResult<User> {
        if !actor.is_admin() {
            return Err(Error::Forbidden.into());
        }
        self.write(|conn| {
            let taken: Option<i64> = users::table
                .filter(users::email_lower.eq(draft.email.lower()))
                .select(users::id)
                .first(conn)
                .optional()?;
            if taken.is_some() {
                return Err(Error::invalid("email", "error-email-taken").into());
            }
            let now = Utc::now().naive_utc();
            let id: i64 = diesel::insert_into(users::table)
                .values((
                    users::email.eq(draft.email.raw()),
                    users::email_lower.eq(draft.email.lower()),
                    users::name.eq(&draft.name),
                    users::role.eq(draft.role.as_str()),
                    users::password_hash.eq(password_hash),
                    users::active.eq(true),
                    users::locale.eq(&draft.locale),
                    users::created_at.eq(now),
                    users::updated_at.eq(now),
                ))
                .returning(users::id)
                .get_result(conn)?;
            let user = load(conn, id)?;
            audit::record(conn, actor, "create", "user", id, audit::snapshot(&user))?;
            Ok(user)
        })
    }

    /// Every user, by name.
    pub fn users(&self) -> StoreResult<Vec<User>> {
        self.read(|conn| {
            users::table
                .order((users::name, users::id))
                .select(UserRecord::as_select())
                .load::<UserRecord>(conn)?
                .into_iter()
                .map(User::try_from)
                .collect()
        })
    }

    pub fn user(&self, id: i64) -> StoreResult<User> {
        self.read(|conn| load(conn, id))
    }

    /// The user with this e-mail and their password hash, for signing in.
    pub fn user_for_login(&self, email: &str) -> StoreResult<Option<(User, String)>> {
        let lower = email.trim().to_lowercase();
        self.read(|conn| {
            let found: Option<(UserRecord, String)> = users::table
                .filter(users::email_lower.eq(lower))
                .select((UserRecord::as_select(), users::password_hash))
                .first(conn)
                .optional()?;
            found.map(|(r, h)| Ok((User::try_from(r)?, h))).transpose()
        })
    }

    /// Sets a new password hash and signs the user out everywhere.
    pub fn set_password(
        &self,
        actor: &Actor,
        user_id: i64,
        password_hash: &str,
    ) -> StoreResult<()> {
        if !actor.is_admin() && actor.user_id() != Some(user_id) {
            return Err(Error::Forbidden.into());
        }
        self.write(|conn| {
            let n = diesel::update(users::table.find(user_id))
                .set((
                    users::password_hash.eq(password_hash),
                    users::updated_at.eq(Utc::now().naive_utc()),
                ))
                .execute(conn)?;
            if n == 0 {
                return Err(Error::NotFound.into());
            }
            diesel::delete(sessions::table.filter(sessions::user_id.eq(user_id))).execute(conn)?;
            audit::record(
                conn,
                actor,
                "password",
                "user",
                user_id,
                serde_json::Value::Null,
            )
        })
    }

    /// Sets a user's time zone (empty: the installation's); the user or an administrator.
    pub fn set_time_zone(&self, actor: &Actor, user_id: i64, zone: &str) -> StoreResult<()> {
        if !actor.is_admin() && actor.user_id() != Some(user_id) {
            return Err(Error::Forbidden.into());
        }
        if !zone.is_empty() && crm_core::Zone::parse(zone).is_none() {
            return Err(Error::invalid("time_zone", "error-time-zone-unknown").into());
        }
        self.write(|conn| {
            let n = diesel::update(users::table.find(user_id))
                .set((
                    users::time_zone.eq(zone),
                    users::updated_at.eq(Utc::now().naive_utc()),
                ))
                .execute(conn)?;
            if n == 0 {
                return Err(Error::NotFound.into());
            }
            Ok(())
        })
    }

    /// The zone a user reads and types times in.
    pub fn user_zone(&self, user: &User) -> crm_core::Zone {
        crm_core::Zone::parse(&user.time_zone).unwrap_or(self.default_zone())
    }

    /// Remembers the interface language a user picked.
    pub fn set_locale(&self, user_id: i64, locale: &str) -> StoreResult<()> {
        self.write(|conn| {
            diesel::update(users::table.find(user_id))
                .set(users::locale.eq(locale))
                .execute(conn)?;
            Ok(())
        })
    }
}

pub(crate) fn load(conn: &mut DbConn, id: i64) -> StoreResult<User> {
    users::table
        .find(id)
        .select(UserRecord::as_select())
        .first::<UserRecord>(conn)?
        .try_into()
}
