//! Server-side sessions and API tokens. Only SHA-256 hashes of the secrets are stored, so a
//! copy of the database signs nobody in.

use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use crm_core::User;
use diesel::prelude::*;

use crate::conn::Store;
use crate::error::StoreResult;
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

    /// Stores a new API token's hash for `user_id`.
    pub fn create_api_token(&self, user_id: i64, name: &str, token_hash: &str) -> StoreResult<()> {
        self.write(|conn| {
            diesel::insert_into(api_tokens::table)
                .values((
                    api_tokens::token_hash.eq(token_hash),
                    api_tokens::user_id.eq(user_id),
                    api_tokens::name.eq(name),
                    api_tokens::created_at.eq(Utc::now().naive_utc()),
                ))
                .execute(conn)?;
            Ok(())
        })
    }

    /// The active user owning the API token with this hash.
    pub fn api_token_user(&self, token_hash: &str) -> StoreResult<Option<User>> {
        let mut conn = self.conn()?;
        let found: Option<UserRecord> = api_tokens::table
            .inner_join(users::table)
            .filter(api_tokens::token_hash.eq(token_hash))
            .filter(users::active.eq(true))
            .select(UserRecord::as_select())
            .first(&mut *conn)
            .optional()?;
        found.map(User::try_from).transpose()
    }
}
