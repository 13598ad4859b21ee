#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The webhook outbox — deliveries queued with the change that causes them, claimed under a
//! lease, retried, given up — on SQLite and (with CRM_TEST_POSTGRES_URL) PostgreSQL alike.

use chrono::{DateTime, Duration, Utc};
use crm_core::webhook::{Attempt, DeliveryStatus, SubscriptionInput};
use crm_core::{
    Actor, CompanyInput, ContactInput, Conversion, Currency, DealInput, Error, LeadInput, Part,
    Region, Role, StageKind, TaskInput, UserDraft, Zone,
};
use crm_store::testing::TestStore;
use crm_store::{ClaimedDelivery, JobOutcome, Store, StoreError};
use serde_json::Value;

fn ru() -> Region {
    "RU".parse().unwrap()
}

fn user(store: &Store, email: &str, role: Role) -> Actor {
    let d = UserDraft::new(email, email, role, "en").unwrap();
    store
        .create_user(&Actor::system(), &d, "hash")
        .unwrap()
        .actor()
}

fn subscribe(s: &Store, a: &Actor, events: &[&str], active: bool) -> i64 {
    let draft = SubscriptionInput {
        url: "https://hooks.example.com/crm".into(),
        events: events.iter().map(|e| e.to_string()).collect(),
        active,
        allow_private_network: false,
        description: String::new(),
    }
    .validate()
    .unwrap();
    s.create_webhook(a, &draft).unwrap().id
}

/// Every delivery due by `at`, claimed by `worker`, with its body parsed.
fn claim_all(s: &Store, worker: &str, at: DateTime<Utc>) -> Vec<(ClaimedDelivery, Value)> {
    let mut out = Vec::new();
    loop {
        let claimed = s.claim_webhook_deliveries(worker, 100, at).unwrap();
        if claimed.is_empty() {
            return out;
        }
        for c in claimed {
            let body: Value = serde_json::from_str(&c.body).unwrap();
            out.push((c, body));
        }
    }
}

fn failed_with(status: u16) -> Attempt {
    Attempt {
        http_status: Some(status),
        duration_ms: 3,
        error: format!("HTTP {status}"),
        response: "nope".into(),
        refused: false,
    }
}

#[test]
fn changes_queue_deliveries_for_the_subscriptions_that_want_them() {
    for t in TestStore::each() {
        let s = &t.store;
        let admin = user(s, "admin@example.com", Role::Admin);
        let manager = user(s, "m@example.com", Role::Manager);
        let everything = subscribe(s, &admin, &["*"], true);
        let won_only = subscribe(s, &admin, &["deal.won"], true);
        let paused = subscribe(s, &admin, &["*"], false);
        // Nobody but an administrator sees or changes subscriptions (they hold secrets).
        assert!(matches!(
            s.webhooks(&manager),
            Err(StoreError::Domain(Error::Forbidden))
        ));
        assert!(matches!(
            s.webhook_deliveries(&manager, everything),
            Err(StoreError::Domain(Error::Forbidden))
        ));

        let contact = ContactInput {
            name: "Анна Иванова".into(),
            ..Default::default()
        };
        let c = s
            .create_contact(&manager, &contact.validate(ru()).unwrap())
            .unwrap();
        let renamed = ContactInput {
            name: "Анна Петрова".into(),
            ..Default::default()
        };
        s.update_contact(&manager, c.id, &renamed.validate(ru()).unwrap())
            .unwrap();
        let company = CompanyInput {
            name: "ООО Ромашка".into(),
            ..Default::default()
        };
        s.create_company(&manager, &company.validate(ru()).unwrap())
            .unwrap();
        let lead = LeadInput {
            name: "Иван".into(),
            phone: "+7 495 123-45-67".into(),
            ..Default::default()
        };
        s.create_lead(&manager, &lead.validate(ru()).unwrap())
            .unwrap();
        let rub = Currency::parse("RUB").unwrap();
        let deal = DealInput {
            title: "Three windows".into(),
            amount: "300".into(),
            ..Default::default()
        };
        let d = s
            .create_deal(&manager, &deal.validate(rub).unwrap())
            .unwrap();
        let pipeline = s.pipeline(d.pipeline_id).unwrap();
        let won = pipeline
            .stages
            .iter()
            .find(|st| st.kind == StageKind::Won)
            .unwrap();
        s.move_deal(&manager, d.id, won.id, None, None).unwrap();

        let at = Utc::now() + Duration::seconds(1);
        let claimed = claim_all(s, "w", at);
        let to = |hook: i64| -> Vec<(String, Value)> {
            let mut v: Vec<_> = claimed
                .iter()
                .filter(|(c, _)| {
                    s.webhook_deliveries(&admin, hook)
                        .unwrap()
                        .iter()
                        .any(|d| d.id == c.id)
                })
                .map(|(c, b)| (c.event.clone(), b.clone()))
                .collect();
            v.sort_by_key(|(_, b)| b["id"].as_i64());
            v
        };
        let all = to(everything);
        let events: Vec<&str> = all.iter().map(|(e, _)| e.as_str()).collect();
        assert_eq!(
            events,
            [
                "contact.created",
                "contact.updated",
                "company.created",
                "lead.created",
                "deal.created",
                "deal.stage_changed",
                "deal.won"
            ],
            "{}",
            t.backend_name()
        );
        // The documented body: its id is the delivery's, data is the record as the API has it.
        for (event, body) in &all {
            assert_eq!(body["event"], event.as_str());
            let at = body["occurred_at"].as_str().unwrap();
            assert!(at.ends_with('Z'), "{at}");
            DateTime::parse_from_rfc3339(at).unwrap();
        }
        assert_eq!(all[0].1["data"]["name"], "Анна Иванова");
        assert_eq!(all[0].1["data"]["id"], c.id);
        assert_eq!(all[1].1["data"]["name"], "Анна Петрова");
        let moved = &all[5].1["data"];
        assert_eq!(moved["deal"]["id"], d.id);
        assert_eq!(moved["from"]["id"], d.stage_id);
        assert_eq!(moved["from"]["name"], d.stage_name.as_str());
        assert_eq!(moved["to"]["id"], won.id);
        assert_eq!(moved["to"]["name"], won.name.as_str());
        assert_eq!(all[6].1["data"]["stage_kind"], "won");

        let only = to(won_only);
        assert_eq!(only.len(), 1);
        assert_eq!(only[0].0, "deal.won");
        assert!(to(paused).is_empty());
        assert!(
            s.webhook_deliveries(&admin, paused).unwrap().is_empty(),
            "nothing is queued for a paused subscription"
        );
        // A claimed body signs the same bytes every time: its id matches the delivery.
        for (c, body) in &claimed {
            assert_eq!(body["id"], c.id);
        }
    }
}

#[test]
fn a_rolled_back_change_queues_nothing() {
    for t in TestStore::each() {
        let s = &t.store;
        let admin = user(s, "admin@example.com", Role::Admin);
        let hook = subscribe(s, &admin, &["*"], true);
        let lead = s
            .create_lead(
                &admin,
                &LeadInput {
                    name: "Иван Петров".into(),
                    company_name: "ООО Ромашка".into(),
                    ..Default::default()
                }
                .validate(ru())
                .unwrap(),
            )
            .unwrap();
        let before = s.webhook_deliveries(&admin, hook).unwrap();
        assert_eq!(before.len(), 1, "lead.created");
        // The contact and company are created (queuing their events), then the deal fails:
        // the whole conversion rolls back, its deliveries with it.
        let mut bad = DealInput {
            title: "Windows".into(),
            amount: "1".into(),
            ..Default::default()
        }
        .validate(Currency::parse("RUB").unwrap())
        .unwrap();
        bad.stage_id = Some(i64::MAX);
        let failed = s.convert_lead(
            &admin,
            lead.id,
            &Conversion {
                contact: Part::New(lead.contact_input().validate(ru()).unwrap()),
                company: Part::New(lead.company_input().validate(ru()).unwrap()),
                deal: Some(bad),
            },
        );
        assert!(failed.is_err());
        assert_eq!(
            s.webhook_deliveries(&admin, hook).unwrap(),
            before,
            "{}",
            t.backend_name()
        );
    }
}

#[test]
fn a_delivery_is_leased_retried_and_settled_once() {
    for t in TestStore::each() {
        let s = &t.store;
        let admin = user(s, "admin@example.com", Role::Admin);
        let hook = subscribe(s, &admin, &["contact.created"], true);
        let id = s.send_test_webhook(&admin, hook).unwrap();
        let t0 = Utc::now() + Duration::seconds(1);

        let first = s.claim_webhook_deliveries("a", 10, t0).unwrap();
        assert_eq!(first.len(), 1);
        assert_eq!((first[0].id, first[0].attempts), (id, 1));
        assert_eq!(first[0].event, "webhook.test");
        assert!(first[0].secret.starts_with("whsec_"));
        // Held by "a": another node gets nothing, even when asked at the same moment.
        assert!(s.claim_webhook_deliveries("b", 10, t0).unwrap().is_empty());

        let status = s
            .settle_webhook_delivery("a", &first[0], t0, &failed_with(500))
            .unwrap();
        assert_eq!(status, Some(DeliveryStatus::Pending));
        let d = &s.webhook_deliveries(&admin, hook).unwrap()[0];
        assert_eq!(
            (d.attempts, d.http_status, d.error.as_str()),
            (1, Some(500), "HTTP 500")
        );
        assert_eq!(
            d.next_attempt_at.unwrap().timestamp(),
            (t0 + Duration::minutes(1)).timestamp()
        );

        // Not before the back-off has passed.
        let t1 = t0 + Duration::seconds(30);
        assert!(s.claim_webhook_deliveries("b", 10, t1).unwrap().is_empty());
        let t2 = t0 + Duration::seconds(61);
        let second = s.claim_webhook_deliveries("b", 10, t2).unwrap();
        assert_eq!(second.len(), 1);
        assert_eq!(second[0].attempts, 2);
        assert_eq!(second[0].body, first[0].body, "the same bytes every time");
        // "a" no longer holds it: its late report is dropped.
        assert_eq!(
            s.settle_webhook_delivery("a", &first[0], t2, &failed_with(502))
                .unwrap(),
            None
        );
        let ok = Attempt {
            http_status: Some(200),
            duration_ms: 12,
            ..Attempt::default()
        };
        assert_eq!(
            s.settle_webhook_delivery("b", &second[0], t2, &ok).unwrap(),
            Some(DeliveryStatus::Delivered)
        );
        let d = &s.webhook_deliveries(&admin, hook).unwrap()[0];
        assert_eq!(d.status, DeliveryStatus::Delivered);
        assert_eq!(
            (d.attempts, d.http_status, d.next_attempt_at),
            (2, Some(200), None)
        );
        assert!(
            s.claim_webhook_deliveries("a", 10, t2 + Duration::days(1))
                .unwrap()
                .is_empty()
        );

        // A receiver that never answers 2xx: given up after the eighth attempt.
        let id = s.send_test_webhook(&admin, hook).unwrap();
        let mut at = t2;
        for n in 1..=8 {
            let c = s.claim_webhook_deliveries("a", 10, at).unwrap();
            assert_eq!(c.len(), 1, "attempt {n}");
            assert_eq!(c[0].attempts, n);
            let status = s
                .settle_webhook_delivery("a", &c[0], at, &failed_with(503))
                .unwrap();
            let expected = if n < 8 {
                DeliveryStatus::Pending
            } else {
                DeliveryStatus::Failed
            };
            assert_eq!(status, Some(expected));
            at += Duration::hours(13);
        }
        assert!(s.claim_webhook_deliveries("a", 10, at).unwrap().is_empty());
        let d = s
            .webhook_deliveries(&admin, hook)
            .unwrap()
            .into_iter()
            .find(|d| d.id == id)
            .unwrap();
        assert_eq!((d.status, d.attempts), (DeliveryStatus::Failed, 8));

        // A refused address is final at once.
        s.send_test_webhook(&admin, hook).unwrap();
        let c = s.claim_webhook_deliveries("a", 10, at).unwrap();
        let refused = Attempt {
            refused: true,
            error: "refused".into(),
            ..Attempt::default()
        };
        assert_eq!(
            s.settle_webhook_delivery("a", &c[0], at, &refused).unwrap(),
            Some(DeliveryStatus::Refused)
        );
        assert!(
            s.claim_webhook_deliveries("a", 10, at + Duration::days(2))
                .unwrap()
                .is_empty()
        );

        // Deleting the subscription takes its deliveries along.
        s.delete_webhook(&admin, hook).unwrap();
        assert!(s.webhooks(&admin).unwrap().is_empty());
    }
}

#[test]
fn paused_subscriptions_hold_their_deliveries_and_secrets_rotate() {
    for t in TestStore::each() {
        let s = &t.store;
        let admin = user(s, "admin@example.com", Role::Admin);
        let hook = subscribe(s, &admin, &["company.created"], true);
        let company = CompanyInput {
            name: "Acme".into(),
            ..Default::default()
        };
        s.create_company(&admin, &company.validate(ru()).unwrap())
            .unwrap();
        let sub = s.webhook(&admin, hook).unwrap();
        let mut input = sub.to_input();
        input.active = false;
        s.update_webhook(&admin, hook, &input.validate().unwrap())
            .unwrap();
        let at = Utc::now() + Duration::seconds(1);
        assert!(
            s.claim_webhook_deliveries("w", 10, at).unwrap().is_empty(),
            "a paused subscription's deliveries wait"
        );
        // A test event goes out even so: it is how a receiver is tried before it is switched on.
        s.send_test_webhook(&admin, hook).unwrap();
        let c = s.claim_webhook_deliveries("w", 10, at).unwrap();
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].event, "webhook.test");

        let rotated = s.rotate_webhook_secret(&admin, hook).unwrap();
        assert_ne!(rotated.secret, sub.secret);
        assert_eq!(rotated.secret.len(), "whsec_".len() + 64);
        // The secret stays out of the audit log.
        let log = s.audit_entries(&admin, "webhook", hook).unwrap();
        assert_eq!(log.len(), 3);
        assert!(!serde_json::to_string(&log).unwrap().contains(&sub.secret));

        input.active = true;
        s.update_webhook(&admin, hook, &input.validate().unwrap())
            .unwrap();
        let c = s.claim_webhook_deliveries("w", 10, at).unwrap();
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].event, "company.created");
        assert_eq!(c[0].secret, rotated.secret, "sent with the current secret");
    }
}

#[test]
fn an_overdue_task_is_announced_by_its_job() {
    for t in TestStore::each() {
        let s = &t.store;
        let admin = user(s, "admin@example.com", Role::Admin);
        let hook = subscribe(s, &admin, &["task.overdue"], true);
        let due = Utc::now() + Duration::minutes(5);
        let input = TaskInput {
            title: "Call Ann back".into(),
            due_at: due.to_rfc3339(),
            ..Default::default()
        };
        let task = s
            .create_task(&admin, &input.validate(Zone::UTC).unwrap())
            .unwrap();
        assert!(s.webhook_deliveries(&admin, hook).unwrap().is_empty());
        let at = due + Duration::minutes(1);
        for j in s.claim_jobs("w", 100, at).unwrap() {
            assert_eq!(s.finish_job("w", &j, at).unwrap(), JobOutcome::Done);
        }
        let claimed = claim_all(s, "w", at);
        assert_eq!(claimed.len(), 1, "{}", t.backend_name());
        assert_eq!(claimed[0].0.event, "task.overdue");
        assert_eq!(claimed[0].1["data"]["id"], task.id);
        assert_eq!(claimed[0].1["data"]["title"], "Call Ann back");
    }
}
