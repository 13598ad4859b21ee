//! Demo timelines and tasks for `crm demo --activities N --tasks M`: calls, notes, e-mails and
//! meetings over the last three years, a few clients with long histories (as real key accounts
//! have), and tasks around today, most of the past ones done.

use chrono::{Duration, NaiveDateTime, Utc};
use crm_store::{BulkActivity, BulkTask};
use rand::Rng;
use rand::rngs::StdRng;

/// The share of activities that go to the busiest few clients, and how many those are.
const KEY_ACCOUNT_SHARE: f64 = 0.01;
const KEY_ACCOUNTS: usize = 10;

const SUBJECTS: &[&str] = &[
    "Quote for the second floor",
    "Delivery date",
    "Invoice question",
    "Коммерческое предложение",
    "Замер окон",
    "Contract renewal",
    "Оплата по счёту",
    "Product demo",
];
const NOTES: &[&str] = &[
    "Asked to call back after lunch.",
    "Wants a discount for a yearly order.",
    "Перезвонить в четверг, уточнить размеры.",
    "Sent the price list; waiting for feedback.",
    "Клиент доволен монтажом, просит счёт.",
    "Decision maker is on holiday until Monday.",
];
const TASKS: &[&str] = &[
    "Call back",
    "Send the contract",
    "Перезвонить клиенту",
    "Prepare a quote",
    "Выставить счёт",
    "Check the payment",
];

fn pick<'a>(rng: &mut StdRng, list: &'a [&'a str]) -> &'a str {
    list[rng.random_range(0..list.len())]
}

fn contact(rng: &mut StdRng, contacts: &[i64]) -> i64 {
    let key = contacts.len().min(KEY_ACCOUNTS);
    if rng.random_bool(KEY_ACCOUNT_SHARE) && key > 0 {
        contacts[rng.random_range(0..key)]
    } else {
        contacts[rng.random_range(0..contacts.len())]
    }
}

fn ago(rng: &mut StdRng, now: NaiveDateTime, max_days: i64) -> NaiveDateTime {
    now - Duration::seconds(rng.random_range(0..max_days * 86_400))
}

pub fn activity(rng: &mut StdRng, contacts: &[i64], owners: &[i64]) -> BulkActivity {
    let now = Utc::now().naive_utc();
    let author = Some(owners[rng.random_range(0..owners.len())]);
    let roll = rng.random_range(0..100);
    let (kind, direction, duration, result) = match roll {
        0..45 => (
            "call",
            if rng.random_bool(0.6) { "out" } else { "in" },
            Some(rng.random_range(10..1800)),
            ["answered", "answered", "no_answer", "busy", "voicemail"][rng.random_range(0..5)],
        ),
        45..70 => ("note", "", None, ""),
        70..88 => (
            "email",
            if rng.random_bool(0.5) { "out" } else { "in" },
            None,
            "",
        ),
        _ => ("meeting", "", None, ""),
    };
    BulkActivity {
        contact_id: contact(rng, contacts),
        kind,
        occurred_at: ago(rng, now, 3 * 365),
        author_id: author,
        direction,
        duration_s: duration,
        result,
        subject: if matches!(kind, "email" | "meeting") {
            pick(rng, SUBJECTS).to_string()
        } else {
            String::new()
        },
        body: pick(rng, NOTES).to_string(),
    }
}

pub fn task(rng: &mut StdRng, contacts: &[i64], owners: &[i64]) -> BulkTask {
    let now = Utc::now().naive_utc();
    let due = now + Duration::minutes(rng.random_range(-60 * 24 * 60..60 * 24 * 60));
    let created = due - Duration::days(rng.random_range(1..30));
    // Most tasks in the past are done; a few stay overdue.
    let done = (due < now && rng.random_bool(0.9))
        .then(|| due + Duration::minutes(rng.random_range(-600..600)));
    BulkTask {
        title: pick(rng, TASKS).to_string(),
        assignee_id: Some(owners[rng.random_range(0..owners.len())]),
        author_id: Some(owners[rng.random_range(0..owners.len())]),
        due_at: rng.random_bool(0.95).then_some(due),
        contact_id: (!contacts.is_empty() && rng.random_bool(0.8)).then(|| contact(rng, contacts)),
        done_at: done,
        created_at: created.min(now),
    }
}
