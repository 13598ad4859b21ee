//! Notifications: written in the transaction of what caused them; read by the bell, the list
//! and the live stream. After a transaction that notified commits, the store's notice counter
//! moves on, so open streams in this process look at once (other nodes' streams poll).

use std::cell::Cell;

use chrono::{NaiveDateTime, Utc};
use crm_core::{Actor, Error, Notice, Notification};
use diesel::prelude::*;

use crate::conn::{DbConn, Store};
use crate::error::StoreResult;
use crate::schema::notifications;

thread_local! {
    /// Set by [`notify`] inside a write transaction; [`Store::write`] reads it after commit.
    pub(crate) static NOTIFIED: Cell<bool> = const { Cell::new(false) };
}

/// Sends `notice` as part of the current transaction. A notice with a key that was sent
/// before is dropped (the savepoint keeps the transaction usable on PostgreSQL).
pub(crate) fn notify(conn: &mut DbConn, notice: &Notice) -> StoreResult<()> {
    let args = serde_json::Value::Object(notice.args.clone()).to_string();
    let inserted = conn.transaction(|c| {
        diesel::insert_into(notifications::table)
            .values((
                notifications::user_id.eq(notice.user_id),
                notifications::kind.eq(notice.kind.as_str()),
                notifications::args.eq(&args),
                notifications::link.eq(&notice.link),
                notifications::once_key.eq(notice.once_key.as_deref()),
                notifications::created_at.eq(Utc::now().naive_utc()),
            ))
            .execute(c)
    });
    match inserted {
        Ok(_) => {
            NOTIFIED.with(|n| n.set(true));
            Ok(())
        }
        Err(diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            _,
        )) if notice.once_key.is_some() => Ok(()),
        Err(e) => Err(e.into()),
    }
}

#[derive(Queryable)]
struct NotificationRecord {
    id: i64,
    kind: String,
    args: String,
    link: String,
    created_at: NaiveDateTime,
    read_at: Option<NaiveDateTime>,
}

impl From<NotificationRecord> for Notification {
    fn from(r: NotificationRecord) -> Notification {
        let args = match serde_json::from_str(&r.args) {
            Ok(serde_json::Value::Object(m)) => m,
            _ => serde_json::Map::new(),
        };
        Notification {
            id: r.id,
            kind: r.kind,
            args,
            link: r.link,
            created_at: r.created_at.and_utc(),
            read_at: r.read_at.map(|t| t.and_utc()),
        }
    }
}

fn me(actor: &Actor) -> StoreResult<i64> {
    actor.user_id().ok_or_else(|| Error::Forbidden.into())
}

impl Store {
    /// The actor's notifications, newest first, `limit` of them older than `before` (an id).
    pub fn notifications(
        &self,
        actor: &Actor,
        before: Option<i64>,
        limit: usize,
    ) -> StoreResult<Vec<Notification>> {
        let uid = me(actor)?;
        self.read(|conn| {
            let mut q = notifications::table
                .filter(notifications::user_id.eq(uid))
                .into_boxed();
            if let Some(b) = before {
                q = q.filter(notifications::id.lt(b));
            }
            Ok(q.order(notifications::id.desc())
                .limit(limit as i64)
                .select((
                    notifications::id,
                    notifications::kind,
                    notifications::args,
                    notifications::link,
                    notifications::created_at,
                    notifications::read_at,
                ))
                .load::<NotificationRecord>(conn)?
                .into_iter()
                .map(Notification::from)
                .collect())
        })
    }

    /// How many of the actor's notifications are unread, and the newest one's id.
    pub fn unread_notifications(&self, user_id: i64) -> StoreResult<(i64, Option<i64>)> {
        self.read(|conn| {
            let count = notifications::table
                .filter(notifications::user_id.eq(user_id))
                .filter(notifications::read_at.is_null())
                .count()
                .get_result::<i64>(conn)?;
            let newest = notifications::table
                .filter(notifications::user_id.eq(user_id))
                .select(diesel::dsl::max(notifications::id))
                .first::<Option<i64>>(conn)?;
            Ok((count, newest))
        })
    }

    /// One notification of the actor's.
    pub fn notification(&self, actor: &Actor, id: i64) -> StoreResult<Notification> {
        let uid = me(actor)?;
        self.read(|conn| {
            Ok(notifications::table
                .filter(notifications::id.eq(id))
                .filter(notifications::user_id.eq(uid))
                .select((
                    notifications::id,
                    notifications::kind,
                    notifications::args,
                    notifications::link,
                    notifications::created_at,
                    notifications::read_at,
                ))
                .first::<NotificationRecord>(conn)?
                .into())
        })
    }

    /// Marks one notification read (`Some(id)`) or all of them; returns how many changed.
    pub fn mark_read(&self, actor: &Actor, id: Option<i64>) -> StoreResult<usize> {
        let uid = me(actor)?;
        self.write(|conn| {
            let mut q = diesel::update(notifications::table)
                .filter(notifications::user_id.eq(uid))
                .filter(notifications::read_at.is_null())
                .into_boxed();
            if let Some(id) = id {
                q = q.filter(notifications::id.eq(id));
            }
            let n = q
                .set(notifications::read_at.eq(Utc::now().naive_utc()))
                .execute(conn)?;
            // Reading changes the count other open pages show.
            crate::notifications::NOTIFIED.with(|f| f.set(true));
            Ok(n)
        })
    }

    /// Moves on whenever a transaction that notified commits in this process.
    pub fn notice_generation(&self) -> u64 {
        self.notices.load(std::sync::atomic::Ordering::Acquire)
    }
}
