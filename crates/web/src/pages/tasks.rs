//! Tasks: "my tasks" (or my department's), a task's page with its comments, the task form,
//! and done / reopen / delete.

use actix_web::{HttpRequest, HttpResponse, web};
use chrono::Utc;
use crm_core::task::REMIND_CHOICES;
use crm_core::{CardRef, FieldErrors, Task, TaskInput, TaskOwner, Zone};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::auth::Session;
use crate::error::WebError;
use crate::pages::forms::{actor, field_errors};
use crate::pages::{CsrfForm, Page, blocking, redirect_with_flash, referer_path, when};
use crate::state::AppState;

/// A task as the pages show it.
pub fn view(zone: Zone, t: &Task) -> Value {
    let now = Utc::now();
    json!({
        "id": t.id,
        "title": t.title,
        "description": t.description,
        "due": t.due_at.map(|d| when(zone, d)),
        "overdue": t.is_overdue(now),
        "remind": t.remind_at.map(|d| when(zone, d)),
        "repeat_days": t.repeat_days,
        "repeat_until": t.repeat_until.map(|d| d.to_string()),
        "assignee_name": t.assignee_name,
        "author_name": t.author_name,
        "card": t.card.as_ref().map(|c| json!({"url": c.card.path(), "title": c.title})),
        "done_at": t.done_at.map(|d| when(zone, d)),
        "created_at": when(zone, t.created_at),
    })
}

#[derive(Deserialize)]
pub struct ListParams {
    #[serde(default)]
    who: String,
    /// Show up to SECTION_MORE tasks per section instead of SECTION_PAGE.
    #[serde(default)]
    more: bool,
}

pub async fn list(
    state: web::Data<AppState>,
    req: HttpRequest,
    session: Session,
    params: web::Query<ListParams>,
) -> Result<HttpResponse, WebError> {
    let (st, a, me, zone) = (
        state.clone(),
        actor(&session),
        session.user.id,
        session.zone,
    );
    let department = params.who == "department";
    let limit = if params.more {
        crm_core::task::SECTION_MORE
    } else {
        crm_core::task::SECTION_PAGE
    };
    let (sections, is_head) = blocking(move || {
        let owner = if department {
            TaskOwner::DepartmentOf(me)
        } else {
            TaskOwner::User(me)
        };
        Ok((
            st.store.task_sections(&a, owner, zone, Utc::now(), limit)?,
            st.store.is_head(me)?,
        ))
    })
    .await?;
    let views = |v: &[Task]| v.iter().map(|t| view(zone, t)).collect::<Vec<_>>();
    let mut page = Page::new(&state, &req, Some(&session), "tasks");
    page.insert("who", if department { "department" } else { "me" })
        .insert("is_head", &is_head)
        .insert("more", &sections.more)
        .insert("showing_more", &params.more)
        .insert(
            "sections",
            &json!({
                "overdue": views(&sections.overdue),
                "today": views(&sections.today),
                "upcoming": views(&sections.upcoming),
                "undated": views(&sections.undated),
            }),
        );
    page.render(&state, "tasks/list.html")
}

/// The task form as posted.
#[derive(Deserialize)]
pub struct TaskForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    assignee_id: String,
    #[serde(default)]
    due_at: String,
    #[serde(default)]
    remind_before: String,
    #[serde(default)]
    repeat_days: String,
    #[serde(default)]
    repeat_until: String,
    #[serde(default)]
    card_kind: String,
    #[serde(default)]
    card_id: String,
}

impl TaskForm {
    fn input(&self) -> TaskInput {
        TaskInput {
            title: self.title.clone(),
            description: self.description.clone(),
            assignee_id: self.assignee_id.clone(),
            due_at: self.due_at.clone(),
            remind_before: self.remind_before.clone(),
            repeat_days: self.repeat_days.clone(),
            repeat_until: self.repeat_until.clone(),
            card_kind: self.card_kind.clone(),
            card_id: self.card_id.clone(),
        }
    }
}

/// Renders the form for a new task (`id` none) or an existing one.
async fn form_page(
    state: &web::Data<AppState>,
    req: &HttpRequest,
    session: &Session,
    id: Option<i64>,
    input: &TaskInput,
    errors: &FieldErrors,
) -> Result<HttpResponse, WebError> {
    let card = CardRef::from_text(&input.card_kind, &input.card_id);
    let (st, a) = (state.clone(), actor(session));
    let (users, label) = blocking(move || {
        let label = match card {
            Some(c) => st.store.card_label(&a, c).ok(),
            None => None,
        };
        Ok((st.store.users()?, label))
    })
    .await?;
    let users: Vec<Value> = users
        .iter()
        .filter(|u| u.active)
        .map(|u| json!({"id": u.id, "name": u.name}))
        .collect();
    let mut page = Page::new(state, req, Some(session), "tasks");
    page.insert("form", input)
        .insert(
            "card",
            &label.map(|l| json!({"url": l.card.path(), "title": l.title})),
        )
        .insert("users", &users)
        .insert("remind_choices", REMIND_CHOICES)
        .insert(
            "action",
            &id.map_or_else(|| "/tasks".to_string(), |id| format!("/tasks/{id}")),
        )
        .insert("task_id", &id)
        .errors(errors);
    page.render(state, "tasks/form.html")
}

#[derive(Deserialize)]
pub struct NewParams {
    #[serde(default)]
    card_kind: String,
    #[serde(default)]
    card_id: String,
}

pub async fn new(
    state: web::Data<AppState>,
    req: HttpRequest,
    session: Session,
    params: web::Query<NewParams>,
) -> Result<HttpResponse, WebError> {
    let input = TaskInput {
        card_kind: params.card_kind.clone(),
        card_id: params.card_id.clone(),
        ..Default::default()
    };
    form_page(&state, &req, &session, None, &input, &FieldErrors::new()).await
}

/// Where a saved task leads: back to its card, or to the task.
fn after_save(task: &Task) -> String {
    match &task.card {
        Some(c) => format!("{}#timeline", c.card.path()),
        None => format!("/tasks/{}", task.id),
    }
}

pub async fn create(
    state: web::Data<AppState>,
    req: HttpRequest,
    session: Session,
    form: web::Form<TaskForm>,
) -> Result<HttpResponse, WebError> {
    session.check_csrf(&form.csrf_token)?;
    save(state, req, session, None, form.input()).await
}

pub async fn update(
    state: web::Data<AppState>,
    req: HttpRequest,
    session: Session,
    id: web::Path<i64>,
    form: web::Form<TaskForm>,
) -> Result<HttpResponse, WebError> {
    session.check_csrf(&form.csrf_token)?;
    save(state, req, session, Some(id.into_inner()), form.input()).await
}

async fn save(
    state: web::Data<AppState>,
    req: HttpRequest,
    session: Session,
    id: Option<i64>,
    input: TaskInput,
) -> Result<HttpResponse, WebError> {
    let draft = match input.validate(session.zone) {
        Ok(d) => d,
        Err(e) => {
            let errors = field_errors(e.into())?;
            return form_page(&state, &req, &session, id, &input, &errors).await;
        }
    };
    let (st, a) = (state.clone(), actor(&session));
    let saved = blocking(move || match id {
        Some(id) => st.store.update_task(&a, id, &draft),
        None => st.store.create_task(&a, &draft),
    })
    .await;
    match saved {
        Ok(task) => Ok(redirect_with_flash(
            &state,
            &after_save(&task),
            "flash-task-saved",
        )),
        Err(e) => {
            let errors = field_errors(e)?;
            form_page(&state, &req, &session, id, &input, &errors).await
        }
    }
}

pub async fn card(
    state: web::Data<AppState>,
    req: HttpRequest,
    session: Session,
    id: web::Path<i64>,
) -> Result<HttpResponse, WebError> {
    let (st, a, id) = (state.clone(), actor(&session), id.into_inner());
    let (task, comments) =
        blocking(move || Ok((st.store.task(&a, id)?, st.store.task_comments(&a, id)?))).await?;
    let comments: Vec<Value> = comments
        .iter()
        .map(|c| {
            json!({
                "author_name": c.author_name,
                "body": c.body,
                "when": when(session.zone, c.created_at),
            })
        })
        .collect();
    let mut page = Page::new(&state, &req, Some(&session), "tasks");
    page.insert("task", &view(session.zone, &task))
        .insert("comments", &comments)
        // Whoever may see a task may work on it (assignee, author, head, admin).
        .insert("can_edit", &true);
    page.render(&state, "tasks/card.html")
}

pub async fn edit(
    state: web::Data<AppState>,
    req: HttpRequest,
    session: Session,
    id: web::Path<i64>,
) -> Result<HttpResponse, WebError> {
    let (st, a, id) = (state.clone(), actor(&session), id.into_inner());
    let task = blocking(move || st.store.task(&a, id)).await?;
    let input = task.as_input(session.zone);
    form_page(
        &state,
        &req,
        &session,
        Some(id),
        &input,
        &FieldErrors::new(),
    )
    .await
}

#[derive(Deserialize)]
pub struct DoneForm {
    #[serde(default)]
    csrf_token: String,
    /// Set: a repeating task stops repeating.
    #[serde(default)]
    stop: String,
}

pub async fn done(
    state: web::Data<AppState>,
    req: HttpRequest,
    session: Session,
    id: web::Path<i64>,
    form: web::Form<DoneForm>,
) -> Result<HttpResponse, WebError> {
    session.check_csrf(&form.csrf_token)?;
    let (st, a, id, stop) = (
        state.clone(),
        actor(&session),
        id.into_inner(),
        !form.stop.is_empty(),
    );
    let (task, next) = blocking(move || st.store.complete_task(&a, id, stop)).await?;
    let to = match next {
        Some(n) => format!("/tasks/{}", n.id),
        // One-click "done" from a list returns there.
        None => referer_path(&req).unwrap_or_else(|| format!("/tasks/{}", task.id)),
    };
    Ok(redirect_with_flash(&state, &to, "flash-task-done"))
}

pub async fn reopen(
    state: web::Data<AppState>,
    session: Session,
    id: web::Path<i64>,
    form: web::Form<CsrfForm>,
) -> Result<HttpResponse, WebError> {
    session.check_csrf(&form.csrf_token)?;
    let (st, a, id) = (state.clone(), actor(&session), id.into_inner());
    blocking(move || st.store.reopen_task(&a, id)).await?;
    Ok(redirect_with_flash(
        &state,
        &format!("/tasks/{id}"),
        "flash-task-reopened",
    ))
}

pub async fn delete(
    state: web::Data<AppState>,
    session: Session,
    id: web::Path<i64>,
    form: web::Form<CsrfForm>,
) -> Result<HttpResponse, WebError> {
    session.check_csrf(&form.csrf_token)?;
    let (st, a, id) = (state.clone(), actor(&session), id.into_inner());
    blocking(move || st.store.delete_task(&a, id)).await?;
    Ok(redirect_with_flash(&state, "/tasks", "flash-task-deleted"))
}

#[derive(Deserialize)]
pub struct CommentForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    body: String,
}

pub async fn comment(
    state: web::Data<AppState>,
    session: Session,
    id: web::Path<i64>,
    form: web::Form<CommentForm>,
) -> Result<HttpResponse, WebError> {
    session.check_csrf(&form.csrf_token)?;
    let (st, a, id, body) = (
        state.clone(),
        actor(&session),
        id.into_inner(),
        form.body.clone(),
    );
    let to = format!("/tasks/{id}");
    match blocking(move || st.store.add_task_comment(&a, id, &body)).await {
        Ok(()) => Ok(redirect_with_flash(&state, &to, "flash-comment-added")),
        // An empty or oversized comment: back to the task, saying why.
        Err(WebError::Domain(crm_core::Error::Invalid(e))) => {
            let key = e.iter().next().map_or("error-required", |f| f.code);
            Ok(redirect_with_flash(&state, &to, key))
        }
        Err(e) => Err(e),
    }
}
