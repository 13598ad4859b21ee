//! The API of the work around clients: timeline activities, tasks with their comments, and
//! the caller's notifications. Same store operations and permissions as the pages; times are
//! RFC 3339 (a time without an offset is read in the user's zone).

use actix_web::http::header::LOCATION;
use actix_web::{HttpResponse, web};
use chrono::Utc;
use crm_core::activity::TIMELINE_PAGE;
use crm_core::{ActivityInput, ActivityKind, CardRef, TaskInput};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::api::ApiError;
use crate::auth::ApiUser;
use crate::error::WebError;
use crate::pages::blocking;
use crate::state::AppState;

/// Most items one list call returns.
const MAX_LIMIT: usize = 200;

fn bad(what: &str) -> ApiError {
    ApiError(WebError::BadRequest(what.to_string()))
}

fn card_of(kind: &str, id: i64) -> Result<CardRef, ApiError> {
    CardRef::parse(kind, id).ok_or_else(|| bad("card_kind must be contact, company, deal or lead"))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TimelineParams {
    card_kind: String,
    card_id: i64,
    kind: Option<String>,
    /// The `next` cursor of the previous page.
    before: Option<String>,
    limit: Option<usize>,
}

/// `GET /api/v1/activities?card_kind=contact&card_id=5`: a card's timeline, newest first.
pub async fn timeline(
    state: web::Data<AppState>,
    user: ApiUser,
    params: web::Query<TimelineParams>,
) -> Result<HttpResponse, ApiError> {
    let p = params.into_inner();
    let card = card_of(&p.card_kind, p.card_id)?;
    let kind = match p.kind.as_deref() {
        None => None,
        Some(k) => Some(ActivityKind::parse(k).ok_or_else(|| bad("unknown activity kind"))?),
    };
    let before = match p.before.as_deref() {
        None => None,
        Some(c) => Some(
            crate::pages::timeline::cursor(c)
                .ok_or_else(|| bad("before must be a cursor from `next`"))?,
        ),
    };
    let limit = p.limit.unwrap_or(TIMELINE_PAGE).clamp(1, MAX_LIMIT);
    let a = user.0.actor();
    let line = blocking(move || state.store.timeline(&a, card, kind, before, limit)).await?;
    let next = line
        .next
        .map(|(t, id)| format!("{}_{id}", t.timestamp_micros()));
    Ok(HttpResponse::Ok().json(json!({"items": line.items, "next": next})))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewActivity {
    card_kind: String,
    card_id: i64,
    kind: String,
    occurred_at: Option<String>,
    ends_at: Option<String>,
    direction: Option<String>,
    duration: Option<String>,
    result: Option<String>,
    recording_url: Option<String>,
    subject: Option<String>,
    body: Option<String>,
}

pub async fn log(
    state: web::Data<AppState>,
    user: ApiUser,
    body: web::Json<NewActivity>,
) -> Result<HttpResponse, ApiError> {
    let b = body.into_inner();
    let card = card_of(&b.card_kind, b.card_id)?;
    let input = ActivityInput {
        kind: b.kind,
        occurred_at: b.occurred_at,
        ends_at: b.ends_at,
        direction: b.direction,
        duration: b.duration,
        result: b.result,
        recording_url: b.recording_url,
        subject: b.subject,
        body: b.body,
    };
    let zone = state.store.user_zone(&user.0);
    let draft = input.validate(zone, Utc::now())?;
    let a = user.0.actor();
    let logged = blocking(move || state.store.log_activity(&a, card, &draft)).await?;
    Ok(HttpResponse::Created()
        .insert_header((LOCATION, format!("/api/v1/activities/{}", logged.id)))
        .json(logged))
}

pub async fn activity(
    state: web::Data<AppState>,
    user: ApiUser,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let (a, id) = (user.0.actor(), id.into_inner());
    let found = blocking(move || state.store.activity(&a, id)).await?;
    Ok(HttpResponse::Ok().json(found))
}

pub async fn delete_activity(
    state: web::Data<AppState>,
    user: ApiUser,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let (a, id, st) = (user.0.actor(), id.into_inner(), state.clone());
    let keys = blocking(move || st.store.delete_activity(&a, id)).await?;
    crate::files::remove(&state.files, &keys);
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TaskParams {
    /// Whose tasks (default: the caller's).
    assignee_id: Option<i64>,
    /// Done tasks instead of open ones.
    done: Option<bool>,
    /// The last id of the previous page.
    after: Option<i64>,
    limit: Option<usize>,
}

/// `GET /api/v1/tasks`: tasks by id, paged with `after`.
pub async fn tasks(
    state: web::Data<AppState>,
    user: ApiUser,
    params: web::Query<TaskParams>,
) -> Result<HttpResponse, ApiError> {
    let p = params.into_inner();
    let (a, me) = (user.0.actor(), user.0.id);
    let limit = p.limit.unwrap_or(50).clamp(1, MAX_LIMIT);
    let items = blocking(move || {
        state.store.list_tasks(
            &a,
            p.assignee_id.unwrap_or(me),
            p.done.unwrap_or(false),
            p.after,
            limit,
        )
    })
    .await?;
    let next_after = (items.len() == limit)
        .then(|| items.last().map(|t| t.id))
        .flatten();
    Ok(HttpResponse::Ok().json(json!({"items": items, "next_after": next_after})))
}

pub async fn create_task(
    state: web::Data<AppState>,
    user: ApiUser,
    body: web::Json<TaskInput>,
) -> Result<HttpResponse, ApiError> {
    let zone = state.store.user_zone(&user.0);
    let draft = body.validate(zone)?;
    let a = user.0.actor();
    let task = blocking(move || state.store.create_task(&a, &draft)).await?;
    Ok(HttpResponse::Created()
        .insert_header((LOCATION, format!("/api/v1/tasks/{}", task.id)))
        .json(task))
}

pub async fn task(
    state: web::Data<AppState>,
    user: ApiUser,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let (a, id) = (user.0.actor(), id.into_inner());
    let task = blocking(move || state.store.task(&a, id)).await?;
    Ok(HttpResponse::Ok().json(task))
}

/// `PATCH /api/v1/tasks/{id}`: the fields given replace the task's (others stay).
pub async fn update_task(
    state: web::Data<AppState>,
    user: ApiUser,
    id: web::Path<i64>,
    body: web::Json<serde_json::Map<String, Value>>,
) -> Result<HttpResponse, ApiError> {
    let (a, id) = (user.0.actor(), id.into_inner());
    let zone = state.store.user_zone(&user.0);
    let st = state.clone();
    let current = blocking(move || st.store.task(&a, id)).await?;
    let mut merged = serde_json::to_value(current.as_input(zone))
        .map_err(|e| WebError::Internal(e.to_string()))?;
    for (k, v) in body.into_inner() {
        merged[k] = v;
    }
    let input: TaskInput = serde_json::from_value(merged).map_err(|e| bad(&e.to_string()))?;
    let draft = input.validate(zone)?;
    let task = blocking(move || state.store.update_task(&a, id, &draft)).await?;
    Ok(HttpResponse::Ok().json(task))
}

pub async fn delete_task(
    state: web::Data<AppState>,
    user: ApiUser,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let (a, id) = (user.0.actor(), id.into_inner());
    blocking(move || state.store.delete_task(&a, id)).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct DoneBody {
    /// A repeating task stops repeating.
    #[serde(default)]
    stop: bool,
}

/// `POST /api/v1/tasks/{id}/done`: the task, and the next occurrence of a repeating one.
pub async fn complete_task(
    state: web::Data<AppState>,
    user: ApiUser,
    id: web::Path<i64>,
    body: Option<web::Json<DoneBody>>,
) -> Result<HttpResponse, ApiError> {
    let (a, id) = (user.0.actor(), id.into_inner());
    let stop = body.is_some_and(|b| b.stop);
    let (task, next) = blocking(move || state.store.complete_task(&a, id, stop)).await?;
    Ok(HttpResponse::Ok().json(json!({"task": task, "next": next})))
}

pub async fn reopen_task(
    state: web::Data<AppState>,
    user: ApiUser,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let (a, id) = (user.0.actor(), id.into_inner());
    let task = blocking(move || state.store.reopen_task(&a, id)).await?;
    Ok(HttpResponse::Ok().json(task))
}

pub async fn comments(
    state: web::Data<AppState>,
    user: ApiUser,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let (a, id) = (user.0.actor(), id.into_inner());
    let items = blocking(move || state.store.task_comments(&a, id)).await?;
    Ok(HttpResponse::Ok().json(json!({ "items": items })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CommentBody {
    body: String,
}

pub async fn add_comment(
    state: web::Data<AppState>,
    user: ApiUser,
    id: web::Path<i64>,
    body: web::Json<CommentBody>,
) -> Result<HttpResponse, ApiError> {
    let (a, id) = (user.0.actor(), id.into_inner());
    let items = blocking(move || {
        state.store.add_task_comment(&a, id, &body.body)?;
        state.store.task_comments(&a, id)
    })
    .await?;
    Ok(HttpResponse::Created().json(json!({ "items": items })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NotificationParams {
    before: Option<i64>,
    limit: Option<usize>,
}

pub async fn notifications(
    state: web::Data<AppState>,
    user: ApiUser,
    params: web::Query<NotificationParams>,
) -> Result<HttpResponse, ApiError> {
    let (a, uid) = (user.0.actor(), user.0.id);
    let limit = params.limit.unwrap_or(50).clamp(1, MAX_LIMIT);
    let before = params.before;
    let lang = crate::i18n::language(&user.0.locale).map_or("en", |l| l.code);
    let (items, unread) = blocking(move || {
        Ok((
            state.store.notifications(&a, before, limit)?,
            state.store.unread_notifications(uid)?.0,
        ))
    })
    .await?;
    let items: Vec<Value> = items
        .iter()
        .map(|n| {
            let mut v = json!(n);
            v["text"] = crate::pages::notifications::text(lang, n).into();
            v
        })
        .collect();
    Ok(HttpResponse::Ok().json(json!({"items": items, "unread": unread})))
}

pub async fn read_notification(
    state: web::Data<AppState>,
    user: ApiUser,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let (a, id) = (user.0.actor(), id.into_inner());
    blocking(move || {
        state.store.notification(&a, id)?;
        state.store.mark_read(&a, Some(id))
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

pub async fn read_all_notifications(
    state: web::Data<AppState>,
    user: ApiUser,
) -> Result<HttpResponse, ApiError> {
    let a = user.0.actor();
    let n = blocking(move || state.store.mark_read(&a, None)).await?;
    Ok(HttpResponse::Ok().json(json!({ "marked": n })))
}
