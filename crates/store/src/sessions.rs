//! Server-side sessions and API tokens. Only SHA-256 hashes of the secrets are stored, so a
//! copy of the database signs nobody in.

use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use crm_core::{Actor, ApiToken, Error, TokenScope, User};
use diesel::prelude::*;
use serde_json::json;

use crate::audit;
use crate::conn::Store;
use crate::error::{StoreError, StoreResult};
use crate::schema::{api_tokens, sessions, users};
use crate::users::UserRecord;

/// A live session and its user.
#[derive(Debug, Clone)]
pub struct SessionInfo {
    pub user: User,
    pub csrf_token: String,
    pub expires_at: DateTime<Utc>,
    /// How many of the user's notifications are unread (the bell on every page).
    pub unread: i64,
}

/// A live API token presented with a request: who it acts as and what it may do.
#[derive(Debug, Clone)]
pub struct TokenAuth {
    pub id: i64,
    pub user: User,
    pub scope: TokenScope,
    pub last_used_at: Option<DateTime<Utc>>,
}

impl Store {
    pub fn create_session(
        &self,
        user_id: i64,
        token_hash: &str,
        csrf_token: &str,
        lifetime: Duration,
    ) -> StoreResult<()> {
        let now = Utc::now().naive_utc();
        self.write(|conn| {
            // Sign-in is a good moment to sweep expired sessions; the index makes it cheap.
            diesel::delete(sessions::table.filter(sessions::expires_at.lt(now))).execute(conn)?;
            diesel::insert_into(sessions::table)
                .values((
                    sessions::token_hash.eq(token_hash),
                    sessions::user_id.eq(user_id),
                    sessions::csrf_token.eq(csrf_token),
                    sessions::created_at.eq(now),
                    sessions::expires_at.eq(now + lifetime),
                ))
                .execute(conn)?;
            Ok(())
        })
    }

    /// The session with this token hash, if it is live and its user active.
    pub fn session(&self, token_hash: &str) -> StoreResult<Option<SessionInfo>> {
        let now: NaiveDateTime = Utc::now().naive_utc();
        let mut conn = self.conn()?;
        let found: Option<(UserRecord, String, NaiveDateTime)> = sessions::table
            .inner_join(users::table)
            .filter(sessions::token_hash.eq(token_hash))
            .filter(sessions::expires_at.gt(now))
            .filter(users::active.eq(true))
            .select((
                UserRecord::as_select(),
                sessions::csrf_token,
                sessions::expires_at,
            ))
            .first(&mut *conn)
            .optional()?;
        let Some((u, csrf_token, expires)) = found else {
            return Ok(None);
        };
        let unread = crate::schema::notifications::table
            .filter(crate::schema::notifications::user_id.eq(u.id()))
            .filter(crate::schema::notifications::read_at.is_null())
            .count()
            .get_result::<i64>(&mut *conn)?;
        Ok(Some(SessionInfo {
            user: User::try_from(u)?,
            csrf_token,
            expires_at: expires.and_utc(),
            unread,
        }))
    }

    pub fn delete_session(&self, token_hash: &str) -> StoreResult<()> {
        self.write(|conn| {
            diesel::delete(sessions::table.filter(sessions::token_hash.eq(token_hash)))
                .execute(conn)?;
            Ok(())
        })
    }

    /// Stores a new `write` API token's hash for `user_id` (what tokens could always do).
    pub fn create_api_token(&self, user_id: i64, name: &str, token_hash: &str) -> StoreResult<()> {
        self.create_scoped_api_token(
            &Actor::system(),
            user_id,
            name,
            token_hash,
            TokenScope::Write,
        )
        .map(|_| ())
    }

    /// Stores a new API token's hash for `user_id`, made by `actor` (the user or an admin);
    /// returns its id.
    pub fn create_scoped_api_token(
        &self,
        actor: &Actor,
        user_id: i64,
        name: &str,
        token_hash: &str,
        scope: TokenScope,
    ) -> StoreResult<i64> {
        if !may_manage_token(actor, user_id) {
            return Err(Error::Forbidden.into());
        }
        let name = crm_core::api::token_name(name)?;
        self.write(|conn| {
            let id: i64 = diesel::insert_into(api_tokens::table)
                .values((
                    api_tokens::token_hash.eq(token_hash),
                    api_tokens::user_id.eq(user_id),
                    api_tokens::name.eq(&name),
                    api_tokens::scope.eq(scope.as_str()),
                    api_tokens::created_at.eq(Utc::now().naive_utc()),
                ))
                .returning(api_tokens::id)
                .get_result(conn)?;
            audit::record(
                conn,
                actor,
                "create",
                "api_token",
                id,
                json!({"user_id": user_id, "name": name, "scope": scope.as_str()}),
            )?;
            Ok(id)
        })
    }

    /// The active user owning the live (not revoked) API token with this hash.
    pub fn api_token_user(&self, token_hash: &str) -> StoreResult<Option<User>> {
        Ok(self.api_token(token_hash)?.map(|t| t.user))
    }

    /// The live (not revoked) API token with this hash, if its user is active.
    pub fn api_token(&self, token_hash: &str) -> StoreResult<Option<TokenAuth>> {
        let mut conn = self.conn()?;
        let found: Option<(UserRecord, i64, String, Option<NaiveDateTime>)> = api_tokens::table
            .inner_join(users::table)
            .filter(api_tokens::token_hash.eq(token_hash))
            .filter(api_tokens::revoked_at.is_null())
            .filter(users::active.eq(true))
            .select((
                UserRecord::as_select(),
                api_tokens::id,
                api_tokens::scope,
                api_tokens::last_used_at,
            ))
            .first(&mut *conn)
            .optional()?;
        let Some((u, id, scope, last_used)) = found else {
            return Ok(None);
        };
        Ok(Some(TokenAuth {
            id,
            user: User::try_from(u)?,
            scope: parse_scope(id, &scope)?,
            last_used_at: last_used.map(|t| t.and_utc()),
        }))
    }

    /// Notes that token `id` was used at `now`, unless a use less than a minute before is on
    /// record already (the condition holds across app nodes, so a busy token writes once a
    /// minute at most).
    pub fn touch_api_token(&self, id: i64, now: DateTime<Utc>) -> StoreResult<()> {
        let since = (now - Duration::seconds(crm_core::api::LAST_USED_EVERY_SECONDS)).naive_utc();
        self.write(|conn| {
            diesel::update(
                api_tokens::table.filter(api_tokens::id.eq(id)).filter(
                    api_tokens::last_used_at
                        .is_null()
                        .or(api_tokens::last_used_at.le(since)),
                ),
            )
            .set(api_tokens::last_used_at.eq(now.naive_utc()))
            .execute(conn)?;
            Ok(())
        })
    }

    /// API tokens, newest first: one user's, or (admins only) everyone's.
    pub fn api_tokens(&self, actor: &Actor, user_id: Option<i64>) -> StoreResult<Vec<ApiToken>> {
        match user_id {
            Some(u) if may_manage_token(actor, u) => {}
            _ if actor.is_admin() => {}
            _ => return Err(Error::Forbidden.into()),
        }
        self.read(|conn| {
            let mut q = api_tokens::table.inner_join(users::table).into_boxed();
            if let Some(u) = user_id {
                q = q.filter(api_tokens::user_id.eq(u));
            }
            let rows: Vec<TokenRecord> = q
                .order(api_tokens::id.desc())
                .select(TokenRecord::as_select())
                .load(conn)?;
            rows.into_iter().map(ApiToken::try_from).collect()
        })
    }

    /// Revokes token `id`: from now on it answers 401. The owner or an admin may; to anyone
    /// else the token does not exist. Revoking twice keeps the first time.
    pub fn revoke_api_token(&self, actor: &Actor, id: i64) -> StoreResult<ApiToken> {
        self.write(|conn| {
            let owner: Option<i64> = api_tokens::table
                .filter(api_tokens::id.eq(id))
                .select(api_tokens::user_id)
                .first(conn)
                .optional()?;
            if !owner.is_some_and(|o| may_manage_token(actor, o)) {
                return Err(Error::NotFound.into());
            }
            let now = Utc::now().naive_utc();
            let changed = diesel::update(
                api_tokens::table
                    .filter(api_tokens::id.eq(id))
                    .filter(api_tokens::revoked_at.is_null()),
            )
            .set(api_tokens::revoked_at.eq(now))
            .execute(conn)?;
            if changed > 0 {
                audit::record(conn, actor, "revoke", "api_token", id, json!({}))?;
            }
            let row: TokenRecord = api_tokens::table
                .inner_join(users::table)
                .filter(api_tokens::id.eq(id))
                .select(TokenRecord::as_select())
                .first(conn)?;
            ApiToken::try_from(row)
        })
    }
}

/// A token may be managed by its owner and by administrators (and the system, the CLI).
fn may_manage_token(actor: &Actor, owner: i64) -> bool {
    actor.is_admin() || actor.user_id() == Some(owner)
}

fn parse_scope(id: i64, scope: &str) -> StoreResult<TokenScope> {
    TokenScope::parse(scope)
        .ok_or_else(|| StoreError::Config(format!("API token {id} has unknown scope {scope:?}")))
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = api_tokens)]
struct TokenRecord {
    id: i64,
    user_id: i64,
    #[diesel(select_expression = users::email)]
    user_email: String,
    name: String,
    scope: String,
    created_at: NaiveDateTime,
    last_used_at: Option<NaiveDateTime>,
    revoked_at: Option<NaiveDateTime>,
}

impl TryFrom<TokenRecord> for ApiToken {
    type Error = StoreError;

    fn try_from(r: TokenRecord) -> StoreResult<ApiToken> {
        Ok(ApiToken {
            scope: parse_scope(r.id, &r.scope)?,
            id: r.id,
            user_id: r.user_id,
            user_email: r.user_email,
            name: r.name,
            created_at: r.created_at.and_utc(),
            last_used_at: r.last_used_at.map(|t| t.and_utc()),
            revoked_at: r.revoked_at.map(|t| t.and_utc()),
        })
    }
}
