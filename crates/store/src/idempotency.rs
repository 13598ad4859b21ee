//! Idempotency keys of API requests: the first request with a key is marked as running, then
//! its answer is kept (for [`IDEMPOTENCY_KEEP_HOURS`]) so that a retry gets the same answer
//! instead of doing the work twice.

use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use crm_core::api::{IDEMPOTENCY_ABANDONED_MINUTES, IDEMPOTENCY_KEEP_HOURS};
use diesel::prelude::*;

use crate::conn::{DbConn, Store};
use crate::error::{StoreError, StoreResult};
use crate::schema::idempotency_keys;

/// The answer kept for a key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredAnswer {
    pub status: u16,
    pub content_type: String,
    pub body: String,
}

/// What to do with a request that carries an idempotency key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdempotencyStart {
    /// The key is new (or its earlier run was abandoned): the request runs, and its answer is
    /// then kept with [`Store::finish_idempotent`] or dropped with [`Store::abandon_idempotent`].
    Run,
    /// The same request was answered before: send this again, do nothing.
    Replay(StoredAnswer),
    /// The key was used for a different request.
    Mismatch,
    /// The first request with this key is still running.
    InProgress,
}

impl Store {
    /// Claims `key` of `user_id` for the request whose fingerprint is `request_hash`, or says
    /// why not.
    pub fn begin_idempotent(
        &self,
        user_id: i64,
        key: &str,
        request_hash: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<IdempotencyStart> {
        let started = self.write(|conn| {
            let found: Option<(String, Option<i32>, String, String, NaiveDateTime)> =
                idempotency_keys::table
                    .filter(idempotency_keys::user_id.eq(user_id))
                    .filter(idempotency_keys::idempotency_key.eq(key))
                    .select((
                        idempotency_keys::request_hash,
                        idempotency_keys::status,
                        idempotency_keys::content_type,
                        idempotency_keys::body,
                        idempotency_keys::created_at,
                    ))
                    .first(conn)
                    .optional()?;
            if let Some((hash, status, content_type, body, created)) = found {
                let created = created.and_utc();
                let expired = now - created >= Duration::hours(IDEMPOTENCY_KEEP_HOURS);
                let abandoned = status.is_none()
                    && now - created >= Duration::minutes(IDEMPOTENCY_ABANDONED_MINUTES);
                if !expired && !abandoned {
                    return Ok(match status {
                        _ if hash != request_hash => IdempotencyStart::Mismatch,
                        None => IdempotencyStart::InProgress,
                        Some(status) => IdempotencyStart::Replay(StoredAnswer {
                            status: u16::try_from(status).unwrap_or(500),
                            content_type,
                            body,
                        }),
                    });
                }
                delete_key(conn, user_id, key)?;
            }
            diesel::insert_into(idempotency_keys::table)
                .values((
                    idempotency_keys::user_id.eq(user_id),
                    idempotency_keys::idempotency_key.eq(key),
                    idempotency_keys::request_hash.eq(request_hash),
                    idempotency_keys::created_at.eq(now.naive_utc()),
                ))
                .execute(conn)?;
            Ok(IdempotencyStart::Run)
        });
        match started {
            // Two nodes (PostgreSQL) inserted the same key at once: the other one runs it.
            Err(StoreError::Domain(crm_core::Error::Conflict(_))) => {
                Ok(IdempotencyStart::InProgress)
            }
            other => other,
        }
    }

    /// Keeps the answer to the request that claimed `key`.
    pub fn finish_idempotent(
        &self,
        user_id: i64,
        key: &str,
        answer: &StoredAnswer,
    ) -> StoreResult<()> {
        self.write(|conn| {
            diesel::update(
                idempotency_keys::table
                    .filter(idempotency_keys::user_id.eq(user_id))
                    .filter(idempotency_keys::idempotency_key.eq(key)),
            )
            .set((
                idempotency_keys::status.eq(i32::from(answer.status)),
                idempotency_keys::content_type.eq(&answer.content_type),
                idempotency_keys::body.eq(&answer.body),
            ))
            .execute(conn)?;
            Ok(())
        })
    }

    /// Drops keys past the keep period; returns how many (the daily clean-up job does this).
    pub fn purge_idempotency(&self, now: DateTime<Utc>) -> StoreResult<usize> {
        self.write(|conn| purge(conn, now))
    }

    /// Forgets `key` (its request failed in a way the client may retry).
    pub fn abandon_idempotent(&self, user_id: i64, key: &str) -> StoreResult<()> {
        self.write(|conn| delete_key(conn, user_id, key))
    }
}

fn delete_key(conn: &mut DbConn, user_id: i64, key: &str) -> StoreResult<()> {
    diesel::delete(
        idempotency_keys::table
            .filter(idempotency_keys::user_id.eq(user_id))
            .filter(idempotency_keys::idempotency_key.eq(key)),
    )
    .execute(conn)?;
    Ok(())
}

/// Drops keys past the keep period (part of the daily clean-up job).
pub(crate) fn purge(conn: &mut DbConn, now: DateTime<Utc>) -> StoreResult<usize> {
    let before = (now - Duration::hours(IDEMPOTENCY_KEEP_HOURS)).naive_utc();
    Ok(
        diesel::delete(idempotency_keys::table.filter(idempotency_keys::created_at.lt(before)))
            .execute(conn)?,
    )
}
