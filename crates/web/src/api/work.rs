//! The API of the work around clients: timeline activities, tasks with their comments, and
//! the caller's notifications. Same store operations and permissions as the pages; times are
//! RFC 3339 (a time without an offset is read in the user's zone).

use actix_web::http::header::LOCATION;
use actix_web::{HttpResponse, web};
use chrono::Utc;
use crm_core::activity::TIMELINE_PAGE;
use crm_core::{Activity, ActivityInput, ActivityKind, CardRef, Task, TaskInput};
use serde::Deserialize;
use serde_json::{Value, json};
use utoipa::{IntoParams, ToSchema};

use crate::api::ApiError;
use crate::api::openapi::{
    CommentList, CompletedTask, Marked, NotificationList, TaskPage, TimelinePage,
};
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

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct TimelineParams {
    /// contact, company, deal or lead.
    card_kind: String,
    card_id: i64,
    /// Only activities of this kind: call, meeting, note, email, file or event.
    kind: Option<String>,
    /// The `next` cursor of the previous page.
    before: Option<String>,
    /// The `next_cursor` of the previous page (the same position, opaque).
    cursor: Option<String>,
    /// Most items to return (1 to 200).
    limit: Option<usize>,
}

/// A card's timeline
///
/// `GET /api/v1/activities?card_kind=contact&card_id=5`: newest first; a company's timeline
/// also shows its contacts' and deals'.
#[utoipa::path(get, path = "/api/v1/activities", tag = "activities", operation_id = "timeline",
    params(TimelineParams),
    responses((status = 200, description = "A page of the timeline.", body = TimelinePage)))]
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
    let from_cursor = match p.cursor.as_deref() {
        None => None,
        Some(c) => Some(
            crm_core::listing::unopaque(c).ok_or_else(|| bad("cursor must be a next_cursor"))?,
        ),
    };
    let before = match from_cursor.as_deref().or(p.before.as_deref()) {
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
    let next_cursor = next.as_deref().map(crm_core::listing::opaque);
    Ok(HttpResponse::Ok()
        .json(json!({"items": line.items, "next": next, "next_cursor": next_cursor})))
}

/// Body of `POST /api/v1/activities`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewActivity {
    /// contact, company, deal or lead.
    card_kind: String,
    card_id: i64,
    /// call, meeting, note or email.
    kind: String,
    /// RFC 3339; without an offset, in the user's zone. Default: now.
    occurred_at: Option<String>,
    /// Meetings: when it ends, RFC 3339.
    ends_at: Option<String>,
    /// Calls and e-mails: in or out.
    direction: Option<String>,
    /// Calls: minutes, `m:ss`, or whole seconds with an `s` suffix.
    duration: Option<String>,
    /// Calls: answered, no_answer, busy, voicemail or wrong_number.
    result: Option<String>,
    recording_url: Option<String>,
    subject: Option<String>,
    body: Option<String>,
}

/// Log an activity on a card
#[utoipa::path(post, path = "/api/v1/activities", tag = "activities", operation_id = "log_activity",
    request_body(content = NewActivity, example = json!({"card_kind": "contact", "card_id": 1,
        "kind": "call", "direction": "out", "duration": "5", "result": "answered",
        "body": "Agreed to send a quote."})),
    responses((status = 201, description = "The activity; the `Location` header names it.", body = Activity)))]
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

/// Read an activity
#[utoipa::path(get, path = "/api/v1/activities/{id}", tag = "activities",
    operation_id = "get_activity", params(("id" = i64, Path, description = "The activity's id.")),
    responses((status = 200, description = "The activity.", body = Activity)))]
pub async fn activity(
    state: web::Data<AppState>,
    user: ApiUser,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let (a, id) = (user.0.actor(), id.into_inner());
    let found = blocking(move || state.store.activity(&a, id)).await?;
    Ok(HttpResponse::Ok().json(found))
}

/// Delete an activity
///
/// With its attached files. System events cannot be deleted.
#[utoipa::path(delete, path = "/api/v1/activities/{id}", tag = "activities",
    operation_id = "delete_activity", params(("id" = i64, Path, description = "The activity's id.")),
    responses((status = 204, description = "Deleted.")))]
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

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct TaskParams {
    /// Whose tasks (default: the caller's).
    assignee_id: Option<i64>,
    /// Done tasks instead of open ones.
    done: Option<bool>,
    /// The last id of the previous page.
    after: Option<i64>,
    /// The `next_cursor` of the previous page (the same position, opaque).
    cursor: Option<String>,
    /// Most items to return (1 to 200).
    limit: Option<usize>,
}

/// List tasks
///
/// `GET /api/v1/tasks`: tasks by id, paged with `after` (the previous page's `next_after`).
#[utoipa::path(get, path = "/api/v1/tasks", tag = "tasks", operation_id = "list_tasks",
    params(TaskParams),
    responses((status = 200, description = "A page of tasks.", body = TaskPage)))]
pub async fn tasks(
    state: web::Data<AppState>,
    user: ApiUser,
    params: web::Query<TaskParams>,
) -> Result<HttpResponse, ApiError> {
    let p = params.into_inner();
    let (a, me) = (user.0.actor(), user.0.id);
    let limit = p.limit.unwrap_or(50).clamp(1, MAX_LIMIT);
    let after = match p.cursor.as_deref() {
        None => p.after,
        Some(c) => Some(
            crm_core::listing::unopaque(c)
                .and_then(|id| id.parse().ok())
                .ok_or_else(|| bad("cursor must be a next_cursor"))?,
        ),
    };
    let items = blocking(move || {
        state.store.list_tasks(
            &a,
            p.assignee_id.unwrap_or(me),
            p.done.unwrap_or(false),
            after,
            limit,
        )
    })
    .await?;
    let next_after = (items.len() == limit)
        .then(|| items.last().map(|t| t.id))
        .flatten();
    let next_cursor = next_after.map(|id| crm_core::listing::opaque(&id.to_string()));
    Ok(HttpResponse::Ok()
        .json(json!({"items": items, "next_after": next_after, "next_cursor": next_cursor})))
}

/// Create a task
#[utoipa::path(post, path = "/api/v1/tasks", tag = "tasks", operation_id = "create_task",
    request_body(content = TaskInput, example = json!({"title": "Call back about the quote",
        "due_at": "2030-05-17T10:00:00+03:00", "remind_before": 15, "card_kind": "contact",
        "card_id": 1})),
    responses((status = 201, description = "The new task; the `Location` header names it.", body = Task)))]
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

/// Read a task
#[utoipa::path(get, path = "/api/v1/tasks/{id}", tag = "tasks", operation_id = "get_task",
    params(("id" = i64, Path, description = "The task's id.")),
    responses((status = 200, description = "The task.", body = Task)))]
pub async fn task(
    state: web::Data<AppState>,
    user: ApiUser,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let (a, id) = (user.0.actor(), id.into_inner());
    let task = blocking(move || state.store.task(&a, id)).await?;
    Ok(HttpResponse::Ok().json(task))
}

/// Change a task
///
/// `PATCH /api/v1/tasks/{id}`: the fields given replace the task's (others stay).
#[utoipa::path(patch, path = "/api/v1/tasks/{id}", tag = "tasks", operation_id = "update_task",
    params(("id" = i64, Path, description = "The task's id.")), request_body = TaskInput,
    responses((status = 200, description = "The task as saved.", body = Task)))]
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

/// Delete a task
#[utoipa::path(delete, path = "/api/v1/tasks/{id}", tag = "tasks", operation_id = "delete_task",
    params(("id" = i64, Path, description = "The task's id.")),
    responses((status = 204, description = "Deleted.")))]
pub async fn delete_task(
    state: web::Data<AppState>,
    user: ApiUser,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let (a, id) = (user.0.actor(), id.into_inner());
    blocking(move || state.store.delete_task(&a, id)).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Body of `POST /api/v1/tasks/{id}/done` (optional).
#[derive(Deserialize, Default, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DoneBody {
    /// A repeating task stops repeating.
    #[serde(default)]
    stop: bool,
}

/// Mark a task done
///
/// `POST /api/v1/tasks/{id}/done`: the task, and the next occurrence of a repeating one.
#[utoipa::path(post, path = "/api/v1/tasks/{id}/done", tag = "tasks", operation_id = "complete_task",
    params(("id" = i64, Path, description = "The task's id.")), request_body(content = Option<DoneBody>),
    responses((status = 200, description = "The task, and the next occurrence if it repeats.", body = CompletedTask)))]
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

/// Reopen a done task
#[utoipa::path(post, path = "/api/v1/tasks/{id}/reopen", tag = "tasks", operation_id = "reopen_task",
    params(("id" = i64, Path, description = "The task's id.")),
    responses((status = 200, description = "The task, open again.", body = Task)))]
pub async fn reopen_task(
    state: web::Data<AppState>,
    user: ApiUser,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let (a, id) = (user.0.actor(), id.into_inner());
    let task = blocking(move || state.store.reopen_task(&a, id)).await?;
    Ok(HttpResponse::Ok().json(task))
}

/// A task's comments
#[utoipa::path(get, path = "/api/v1/tasks/{id}/comments", tag = "tasks",
    operation_id = "list_task_comments", params(("id" = i64, Path, description = "The task's id.")),
    responses((status = 200, description = "The comments, oldest first.", body = CommentList)))]
pub async fn comments(
    state: web::Data<AppState>,
    user: ApiUser,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let (a, id) = (user.0.actor(), id.into_inner());
    let items = blocking(move || state.store.task_comments(&a, id)).await?;
    Ok(HttpResponse::Ok().json(json!({ "items": items })))
}

/// Body of `POST /api/v1/tasks/{id}/comments`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CommentBody {
    body: String,
}

/// Comment on a task
#[utoipa::path(post, path = "/api/v1/tasks/{id}/comments", tag = "tasks",
    operation_id = "add_task_comment", params(("id" = i64, Path, description = "The task's id.")), request_body = CommentBody,
    responses((status = 201, description = "The task's comments, the new one last.", body = CommentList)))]
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

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct NotificationParams {
    /// Only notifications older than this id (the last id of the previous page).
    before: Option<i64>,
    /// Most items to return (1 to 200).
    limit: Option<usize>,
}

/// The caller's notifications
#[utoipa::path(get, path = "/api/v1/notifications", tag = "notifications",
    operation_id = "list_notifications", params(NotificationParams),
    responses((status = 200, description = "Newest first, with the unread count.", body = NotificationList)))]
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

/// Mark a notification read
#[utoipa::path(post, path = "/api/v1/notifications/{id}/read", tag = "notifications",
    operation_id = "read_notification", params(("id" = i64, Path, description = "The notification's id.")),
    responses((status = 204, description = "Marked read.")))]
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

/// Mark all the caller's notifications read
#[utoipa::path(post, path = "/api/v1/notifications/read-all", tag = "notifications",
    operation_id = "read_all_notifications",
    responses((status = 200, description = "How many were marked.", body = Marked)))]
pub async fn read_all_notifications(
    state: web::Data<AppState>,
    user: ApiUser,
) -> Result<HttpResponse, ApiError> {
    let a = user.0.actor();
    let n = blocking(move || state.store.mark_read(&a, None)).await?;
    Ok(HttpResponse::Ok().json(json!({ "marked": n })))
}
