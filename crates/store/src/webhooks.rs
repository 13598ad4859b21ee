//! Webhooks: the administrators' subscriptions and the outbox of deliveries. A change queues its
//! deliveries in its own transaction (so a rolled-back change sends nothing and a committed one
//! is never lost); the worker claims due ones under a lease (`FOR UPDATE SKIP LOCKED` on
//! PostgreSQL, the single writer on SQLite), sends them with no transaction open, and records
//! the outcome only if the lease is still its own — so two nodes never send one delivery at
//! the same time.

use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use crm_core::webhook::{
    self, Attempt, Delivery, DeliveryStatus, Event, EventFilter, KEEP_DAYS, LEASE_SECONDS,
    Subscription, SubscriptionDraft,
};
use crm_core::{Actor, Deal};
use diesel::prelude::*;
use rand::Rng;

use crate::audit;
use crate::conn::{DbConn, Store};
use crate::error::{StoreError, StoreResult};
use crate::schema::{webhook_deliveries as deliveries, webhooks};
use crate::scope::admin_only;

/// Deliveries an administrator sees per subscription.
pub const SHOWN_DELIVERIES: i64 = 50;

const PENDING: &str = "pending";

#[derive(Queryable, Selectable)]
#[diesel(table_name = webhooks)]
struct WebhookRecord {
    id: i64,
    url: String,
    events: String,
    active: bool,
    allow_private_network: bool,
    description: String,
    secret: String,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

impl From<WebhookRecord> for Subscription {
    fn from(r: WebhookRecord) -> Self {
        Subscription {
            id: r.id,
            url: r.url,
            events: EventFilter::from_db(&r.events),
            active: r.active,
            allow_private_network: r.allow_private_network,
            description: r.description,
            secret: r.secret,
            created_at: r.created_at.and_utc(),
            updated_at: r.updated_at.and_utc(),
        }
    }
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = deliveries)]
struct DeliveryRecord {
    id: i64,
    webhook_id: i64,
    event: String,
    status: String,
    attempts: i32,
    occurred_at: NaiveDateTime,
    last_attempt_at: Option<NaiveDateTime>,
    http_status: Option<i32>,
    duration_ms: Option<i64>,
    error: String,
    response: String,
    next_attempt_at: Option<NaiveDateTime>,
}

impl TryFrom<DeliveryRecord> for Delivery {
    type Error = StoreError;

    fn try_from(r: DeliveryRecord) -> StoreResult<Delivery> {
        let status = DeliveryStatus::parse(&r.status).ok_or_else(|| {
            StoreError::Config(format!("delivery {} has status {:?}", r.id, r.status))
        })?;
        Ok(Delivery {
            id: r.id,
            subscription_id: r.webhook_id,
            event: r.event,
            status,
            attempts: r.attempts,
            occurred_at: r.occurred_at.and_utc(),
            last_attempt_at: r.last_attempt_at.map(|t| t.and_utc()),
            http_status: r.http_status,
            duration_ms: r.duration_ms,
            error: r.error,
            response: r.response,
            next_attempt_at: r.next_attempt_at.map(|t| t.and_utc()),
        })
    }
}

/// A delivery a worker holds: everything needed to send it without the database.
#[derive(Debug, Clone)]
pub struct ClaimedDelivery {
    pub id: i64,
    pub event: String,
    pub url: String,
    pub secret: String,
    pub allow_private_network: bool,
    /// The request body, the same bytes on every attempt.
    pub body: String,
    /// Including this one.
    pub attempts: i32,
}

/// Queues `event` for every active subscription that wants it, in the caller's transaction.
/// Without subscriptions this costs one read of a tiny table.
pub(crate) fn queue(
    conn: &mut DbConn,
    event: Event,
    data: &impl serde::Serialize,
) -> StoreResult<()> {
    let subscribed: Vec<(i64, String)> = webhooks::table
        .filter(webhooks::active.eq(true))
        .select((webhooks::id, webhooks::events))
        .load(conn)?;
    let targets: Vec<i64> = subscribed
        .into_iter()
        .filter(|(_, events)| EventFilter::from_db(events).matches(event))
        .map(|(id, _)| id)
        .collect();
    if targets.is_empty() {
        return Ok(());
    }
    let data = serde_json::to_string(data).map_err(|e| StoreError::Config(e.to_string()))?;
    for id in targets {
        insert_delivery(conn, id, event, &data)?;
    }
    Ok(())
}

fn insert_delivery(
    conn: &mut DbConn,
    webhook_id: i64,
    event: Event,
    data: &str,
) -> StoreResult<i64> {
    let now = Utc::now().naive_utc();
    Ok(diesel::insert_into(deliveries::table)
        .values((
            deliveries::webhook_id.eq(webhook_id),
            deliveries::event.eq(event.as_str()),
            deliveries::data.eq(data),
            deliveries::occurred_at.eq(now),
            deliveries::status.eq(PENDING),
            deliveries::next_attempt_at.eq(now),
            deliveries::created_at.eq(now),
        ))
        .returning(deliveries::id)
        .get_result(conn)?)
}

/// Queues what a deal's save announces (see [`webhook::deal_events`]).
pub(crate) fn deal_saved(
    conn: &mut DbConn,
    before: Option<&Deal>,
    after: &Deal,
) -> StoreResult<()> {
    for (event, data) in webhook::deal_events(before, after) {
        queue(conn, event, &data)?;
    }
    Ok(())
}

/// Drops settled deliveries past [`KEEP_DAYS`].
pub(crate) fn purge(conn: &mut DbConn, now: DateTime<Utc>) -> StoreResult<usize> {
    let before = (now - Duration::days(KEEP_DAYS)).naive_utc();
    Ok(diesel::delete(
        deliveries::table
            .filter(deliveries::status.ne(PENDING))
            .filter(deliveries::created_at.lt(before)),
    )
    .execute(conn)?)
}

/// A new signing secret: 32 random bytes from the thread's CSPRNG, in hex.
fn new_secret() -> String {
    let bytes: [u8; 32] = rand::rng().random();
    format!("whsec_{}", hex::encode(bytes))
}

fn load(conn: &mut DbConn, id: i64) -> StoreResult<Subscription> {
    Ok(webhooks::table
        .find(id)
        .select(WebhookRecord::as_select())
        .first(conn)?
        .into())
}

impl Store {
    /// Every subscription, oldest first. Administrators only.
    pub fn webhooks(&self, actor: &Actor) -> StoreResult<Vec<Subscription>> {
        admin_only(actor)?;
        self.read(|conn| {
            let rows: Vec<WebhookRecord> = webhooks::table
                .order(webhooks::id)
                .select(WebhookRecord::as_select())
                .load(conn)?;
            Ok(rows.into_iter().map(Subscription::from).collect())
        })
    }

    pub fn webhook(&self, actor: &Actor, id: i64) -> StoreResult<Subscription> {
        admin_only(actor)?;
        self.read(|conn| load(conn, id))
    }

    /// Adds a subscription with a fresh secret.
    pub fn create_webhook(
        &self,
        actor: &Actor,
        draft: &SubscriptionDraft,
    ) -> StoreResult<Subscription> {
        admin_only(actor)?;
        self.write(|conn| {
            let now = Utc::now().naive_utc();
            let id: i64 = diesel::insert_into(webhooks::table)
                .values((
                    webhooks::url.eq(&draft.url),
                    webhooks::events.eq(draft.events.to_db()),
                    webhooks::active.eq(draft.active),
                    webhooks::allow_private_network.eq(draft.allow_private_network),
                    webhooks::description.eq(&draft.description),
                    webhooks::secret.eq(new_secret()),
                    webhooks::created_by.eq(actor.user_id()),
                    webhooks::created_at.eq(now),
                    webhooks::updated_at.eq(now),
                ))
                .returning(webhooks::id)
                .get_result(conn)?;
            // The secret stays out of the audit log.
            audit::record(conn, actor, "create", "webhook", id, audit::snapshot(draft))?;
            load(conn, id)
        })
    }

    pub fn update_webhook(
        &self,
        actor: &Actor,
        id: i64,
        draft: &SubscriptionDraft,
    ) -> StoreResult<Subscription> {
        admin_only(actor)?;
        self.write(|conn| {
            let before = load(conn, id)?;
            diesel::update(webhooks::table.find(id))
                .set((
                    webhooks::url.eq(&draft.url),
                    webhooks::events.eq(draft.events.to_db()),
                    webhooks::active.eq(draft.active),
                    webhooks::allow_private_network.eq(draft.allow_private_network),
                    webhooks::description.eq(&draft.description),
                    webhooks::updated_at.eq(Utc::now().naive_utc()),
                ))
                .execute(conn)?;
            let after = load(conn, id)?;
            let changes = audit::diff(&before.to_draft(), &after.to_draft());
            audit::record(conn, actor, "update", "webhook", id, changes)?;
            Ok(after)
        })
    }

    /// Deletes a subscription with its deliveries (one being sent is then not recorded).
    pub fn delete_webhook(&self, actor: &Actor, id: i64) -> StoreResult<()> {
        admin_only(actor)?;
        self.write(|conn| {
            let before = load(conn, id)?;
            diesel::delete(deliveries::table.filter(deliveries::webhook_id.eq(id)))
                .execute(conn)?;
            diesel::delete(webhooks::table.find(id)).execute(conn)?;
            let snapshot = audit::snapshot(&before.to_draft());
            audit::record(conn, actor, "delete", "webhook", id, snapshot)?;
            Ok(())
        })
    }

    /// Replaces the signing secret; deliveries sent from now on use the new one.
    pub fn rotate_webhook_secret(&self, actor: &Actor, id: i64) -> StoreResult<Subscription> {
        admin_only(actor)?;
        self.write(|conn| {
            load(conn, id)?;
            diesel::update(webhooks::table.find(id))
                .set((
                    webhooks::secret.eq(new_secret()),
                    webhooks::updated_at.eq(Utc::now().naive_utc()),
                ))
                .execute(conn)?;
            let note = serde_json::json!({"secret": "rotated"});
            audit::record(conn, actor, "update", "webhook", id, note)?;
            load(conn, id)
        })
    }

    /// Queues a `webhook.test` delivery to one subscription, active or not; returns its id.
    pub fn send_test_webhook(&self, actor: &Actor, id: i64) -> StoreResult<i64> {
        admin_only(actor)?;
        self.write(|conn| {
            load(conn, id)?;
            let data = serde_json::json!({"subscription_id": id, "message": "test"});
            insert_delivery(conn, id, Event::Test, &data.to_string())
        })
    }

    /// A subscription's latest deliveries, newest first.
    pub fn webhook_deliveries(&self, actor: &Actor, id: i64) -> StoreResult<Vec<Delivery>> {
        admin_only(actor)?;
        self.read(|conn| {
            load(conn, id)?;
            let rows: Vec<DeliveryRecord> = deliveries::table
                .filter(deliveries::webhook_id.eq(id))
                .order(deliveries::id.desc())
                .limit(SHOWN_DELIVERIES)
                .select(DeliveryRecord::as_select())
                .load(conn)?;
            rows.into_iter().map(Delivery::try_from).collect()
        })
    }

    /// Takes up to `limit` due deliveries for `worker` under a lease of [`LEASE_SECONDS`].
    /// Those of inactive subscriptions wait (test events excepted).
    pub fn claim_webhook_deliveries(
        &self,
        worker: &str,
        limit: usize,
        now: DateTime<Utc>,
    ) -> StoreResult<Vec<ClaimedDelivery>> {
        let now_n = now.naive_utc();
        let free = || {
            deliveries::status
                .eq(PENDING)
                .and(deliveries::next_attempt_at.le(now_n))
                .and(
                    deliveries::locked_until
                        .is_null()
                        .or(deliveries::locked_until.lt(now_n)),
                )
                .and(
                    deliveries::webhook_id
                        .eq_any(
                            webhooks::table
                                .filter(webhooks::active.eq(true))
                                .select(webhooks::id),
                        )
                        .or(deliveries::event.eq(Event::Test.as_str())),
                )
        };
        self.write(|conn| {
            let ids: Vec<i64> = match conn {
                // Rows another node is claiming right now are skipped, not waited for.
                DbConn::Pg(c) => deliveries::table
                    .filter(free())
                    .order(deliveries::next_attempt_at)
                    .limit(limit as i64)
                    .select(deliveries::id)
                    .for_update()
                    .skip_locked()
                    .load(c)?,
                DbConn::Sqlite(_) => deliveries::table
                    .filter(free())
                    .order(deliveries::next_attempt_at)
                    .limit(limit as i64)
                    .select(deliveries::id)
                    .load(conn)?,
            };
            if ids.is_empty() {
                return Ok(Vec::new());
            }
            type Claimed = (i64, i64, String, String, NaiveDateTime, i32);
            let rows: Vec<Claimed> = diesel::update(deliveries::table)
                .filter(deliveries::id.eq_any(&ids))
                .filter(free())
                .set((
                    deliveries::locked_by.eq(worker),
                    deliveries::locked_until
                        .eq((now + Duration::seconds(LEASE_SECONDS)).naive_utc()),
                    deliveries::attempts.eq(deliveries::attempts + 1),
                ))
                .returning((
                    deliveries::id,
                    deliveries::webhook_id,
                    deliveries::event,
                    deliveries::data,
                    deliveries::occurred_at,
                    deliveries::attempts,
                ))
                .get_results(conn)?;
            let hook_ids: Vec<i64> = rows.iter().map(|r| r.1).collect();
            let hooks: std::collections::HashMap<i64, (String, String, bool)> = webhooks::table
                .filter(webhooks::id.eq_any(&hook_ids))
                .select((
                    webhooks::id,
                    webhooks::url,
                    webhooks::secret,
                    webhooks::allow_private_network,
                ))
                .load::<(i64, String, String, bool)>(conn)?
                .into_iter()
                .map(|(id, url, secret, allow)| (id, (url, secret, allow)))
                .collect();
            let mut out = Vec::with_capacity(rows.len());
            for (id, hook, event, data, occurred_at, attempts) in rows {
                let Some((url, secret, allow)) = hooks.get(&hook) else {
                    continue;
                };
                let data: serde_json::Value =
                    serde_json::from_str(&data).unwrap_or(serde_json::Value::Null);
                out.push(ClaimedDelivery {
                    id,
                    body: webhook::body(id, &event, occurred_at.and_utc(), &data),
                    event,
                    url: url.clone(),
                    secret: secret.clone(),
                    allow_private_network: *allow,
                    attempts,
                });
            }
            Ok(out)
        })
    }

    /// Records how a claimed delivery's attempt went, as of `now`: delivered, refused, tried
    /// again later or given up. `None` if the lease was lost (another worker has it, or the
    /// subscription was deleted): nothing is written then.
    pub fn settle_webhook_delivery(
        &self,
        worker: &str,
        claimed: &ClaimedDelivery,
        now: DateTime<Utc>,
        attempt: &Attempt,
    ) -> StoreResult<Option<DeliveryStatus>> {
        let (status, next) = attempt.outcome(claimed.attempts, now);
        let n = self.write(|conn| {
            Ok(diesel::update(deliveries::table)
                .filter(deliveries::id.eq(claimed.id))
                .filter(deliveries::locked_by.eq(worker))
                .filter(deliveries::status.eq(PENDING))
                .set((
                    deliveries::status.eq(status.as_str()),
                    deliveries::next_attempt_at.eq(next.map(|t| t.naive_utc())),
                    deliveries::locked_by.eq(None::<String>),
                    deliveries::locked_until.eq(None::<NaiveDateTime>),
                    deliveries::last_attempt_at.eq(now.naive_utc()),
                    deliveries::http_status.eq(attempt.http_status.map(i32::from)),
                    deliveries::duration_ms.eq(attempt.duration_ms),
                    deliveries::error.eq(&attempt.error),
                    deliveries::response.eq(&attempt.response),
                ))
                .execute(conn)?)
        })?;
        Ok((n > 0).then_some(status))
    }
}
