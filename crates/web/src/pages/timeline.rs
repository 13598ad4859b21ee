//! The timeline block of every card page: its entries (paged, filterable by kind), the forms to
//! log a call, a note, a meeting or an e-mail and to attach files, and the card's open tasks.

use chrono::{DateTime, Utc};
use crm_core::activity::TIMELINE_PAGE;
use crm_core::{Activity, ActivityKind, Actor, CardRef, Zone};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::auth::Session;
use crate::error::WebError;
use crate::pages::forms::actor;
use crate::pages::{Page, blocking, when};
use crate::state::AppState;

/// The timeline's part of a card page's query string.
#[derive(Debug, Default, Deserialize)]
pub struct TimelineParams {
    #[serde(default)]
    pub activity_kind: String,
    /// `MICROS_ID` of the last entry of the previous page.
    #[serde(default)]
    pub before: String,
}

/// Reads a `MICROS_ID` page cursor.
pub fn cursor(s: &str) -> Option<(DateTime<Utc>, i64)> {
    let (micros, id) = s.split_once('_')?;
    Some((
        DateTime::from_timestamp_micros(micros.parse().ok()?)?,
        id.parse().ok()?,
    ))
}

/// "4:30" for 270 seconds; hours when a call ran that long.
fn duration(s: i32) -> String {
    match (s / 3600, (s % 3600) / 60, s % 60) {
        (0, m, s) => format!("{m}:{s:02}"),
        (h, m, s) => format!("{h}:{m:02}:{s:02}"),
    }
}

/// A file size people read: 532 B, 14.2 KB, 3.1 MB.
pub fn size(bytes: i64) -> String {
    let b = bytes as f64;
    if bytes < 1024 {
        format!("{bytes} B")
    } else if b < 1024.0 * 1024.0 {
        format!("{:.1} KB", b / 1024.0)
    } else {
        format!("{:.1} MB", b / 1024.0 / 1024.0)
    }
}

fn image(content_type: &str) -> bool {
    matches!(
        content_type,
        "image/png" | "image/jpeg" | "image/gif" | "image/webp"
    )
}

fn item(zone: Zone, card: CardRef, a: &Activity, may_delete: bool) -> Value {
    json!({
        "id": a.id,
        "kind": a.kind.as_str(),
        "when": when(zone, a.occurred_at),
        "ends": a.ends_at.map(|t| when(zone, t)),
        "direction": a.direction.map(|d| d.as_str()),
        "duration": a.duration_s.map(duration),
        "result": a.result,
        "recording_url": a.recording_url,
        "subject": a.subject,
        "body": a.body,
        "event": a.event,
        "data": {"from": a.data.get("from"), "to": a.data.get("to")},
        "elsewhere": (a.home != card).then(|| json!({"url": a.home.path(), "kind": a.home.kind()})),
        "author_name": a.author_name,
        "attachments": a.attachments.iter().map(|f| json!({
            "id": f.id,
            "file_name": f.file_name,
            "size": size(f.size),
            "url": format!("/attachments/{}", f.id),
            "is_image": image(&f.content_type),
        })).collect::<Vec<_>>(),
        "can_delete": may_delete,
    })
}

/// Adds the timeline block's variables to a card page; the filter and page come from the
/// request's query string.
pub async fn extend(
    page: &mut Page,
    state: &AppState,
    req: &actix_web::HttpRequest,
    session: &Session,
    card: CardRef,
) -> Result<(), WebError> {
    let params = actix_web::web::Query::<TimelineParams>::from_query(req.query_string())
        .map(actix_web::web::Query::into_inner)
        .unwrap_or_default();
    let store = state.store.clone();
    let kind = ActivityKind::parse(&params.activity_kind);
    let before = cursor(&params.before);
    let a: Actor = actor(session);
    let (line, tasks, deletable) = blocking(move || {
        let line = store.timeline(&a, card, kind, before, TIMELINE_PAGE)?;
        let tasks = store.card_tasks(&a, card)?;
        let deletable: Vec<bool> = line
            .items
            .iter()
            .map(|i| store.may_delete_activity(&a, i))
            .collect();
        Ok((line, tasks, deletable))
    })
    .await?;
    let zone = session.zone;
    let url = card.path();
    let filter = kind.map_or("", |k| k.as_str());
    let next_url = line.next.map(|(t, id)| {
        let mut q = format!("{url}?before={}_{id}", t.timestamp_micros());
        if !filter.is_empty() {
            q.push_str(&format!("&activity_kind={filter}"));
        }
        q + "#timeline"
    });
    let items: Vec<Value> = line
        .items
        .iter()
        .zip(deletable)
        .map(|(a, d)| item(zone, card, a, d))
        .collect();
    let tasks: Vec<Value> = tasks
        .iter()
        .map(|t| {
            json!({
                "id": t.id,
                "title": t.title,
                "due": t.due_at.map(|d| when(zone, d)),
                "overdue": t.is_overdue(Utc::now()),
                "assignee_name": t.assignee_name,
            })
        })
        .collect();
    page.insert(
        "timeline_card",
        &json!({"kind": card.kind(), "id": card.id()}),
    )
    .insert("timeline_url", &url)
    .insert("activity_kind", filter)
    .insert("timeline", &json!({"items": items, "next_url": next_url}))
    .insert(
        "log_now",
        &zone.local(Utc::now()).format("%Y-%m-%dT%H:%M").to_string(),
    )
    .insert("card_tasks", &tasks)
    .insert(
        "upload_max_mb",
        &(state.config.max_body_bytes / (1024 * 1024)),
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_and_sizes_read_well() {
        assert_eq!(duration(270), "4:30");
        assert_eq!(duration(3725), "1:02:05");
        assert_eq!(size(532), "532 B");
        assert_eq!(size(14_540), "14.2 KB");
        let t = DateTime::from_timestamp_micros(1_800_000_000_123_456).unwrap();
        assert_eq!(
            cursor(&format!("{}_{}", t.timestamp_micros(), 7)),
            Some((t, 7))
        );
        assert_eq!(cursor("x_1"), None);
    }
}
