//! Logging calls, meetings, notes and e-mails on a card, and removing them. The card's
//! timeline holds the quick forms; a form with mistakes comes back on a page of its own.

use actix_web::{HttpRequest, HttpResponse, web};
use chrono::Utc;
use crm_core::{ActivityInput, CardRef, FieldErrors};
use serde::Deserialize;
use serde_json::json;

use crate::auth::Session;
use crate::error::WebError;
use crate::files;
use crate::pages::forms::{actor, field_errors};
use crate::pages::{CsrfForm, Page, blocking, redirect_with_flash};
use crate::state::AppState;

#[derive(Deserialize)]
pub struct ActivityForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    card_kind: String,
    #[serde(default)]
    card_id: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    occurred_at: String,
    #[serde(default)]
    ends_at: String,
    #[serde(default)]
    direction: String,
    #[serde(default)]
    duration: String,
    #[serde(default)]
    result: String,
    #[serde(default)]
    recording_url: String,
    #[serde(default)]
    subject: String,
    #[serde(default)]
    body: String,
}

impl ActivityForm {
    fn card(&self) -> Option<CardRef> {
        CardRef::from_text(&self.card_kind, &self.card_id)
    }

    fn input(&self) -> ActivityInput {
        let some = |s: &String| Some(s.clone());
        ActivityInput {
            kind: self.kind.clone(),
            occurred_at: some(&self.occurred_at),
            ends_at: some(&self.ends_at),
            direction: some(&self.direction),
            duration: some(&self.duration),
            result: some(&self.result),
            recording_url: some(&self.recording_url),
            subject: some(&self.subject),
            body: some(&self.body),
        }
    }
}

async fn form_page(
    state: &web::Data<AppState>,
    req: &HttpRequest,
    session: &Session,
    card: CardRef,
    form: serde_json::Value,
    errors: &FieldErrors,
) -> Result<HttpResponse, WebError> {
    let (st, a) = (state.clone(), actor(session));
    let label = blocking(move || st.store.card_label(&a, card)).await?;
    let mut page = Page::new(state, req, Some(session), card.kind());
    page.insert(
        "card",
        &json!({"kind": card.kind(), "id": card.id(), "title": label.title, "url": card.path()}),
    )
    .insert("form", &form)
    .errors(errors);
    page.render(state, "activities/form.html")
}

#[derive(Deserialize)]
pub struct NewParams {
    #[serde(default)]
    card_kind: String,
    #[serde(default)]
    card_id: String,
    #[serde(default)]
    kind: String,
}

/// `GET /activities/new?card_kind=contact&card_id=5&kind=call`: the form on a page of its own,
/// opened with the time and the card filled in.
pub async fn new(
    state: web::Data<AppState>,
    req: HttpRequest,
    session: Session,
    params: web::Query<NewParams>,
) -> Result<HttpResponse, WebError> {
    let card = CardRef::from_text(&params.card_kind, &params.card_id)
        .ok_or(WebError::Domain(crm_core::Error::NotFound))?;
    let kind = crm_core::ActivityKind::parse(&params.kind)
        .filter(|k| crm_core::ActivityKind::LOGGED.contains(k))
        .map_or("call", |k| k.as_str());
    let now = session
        .zone
        .local(Utc::now())
        .format("%Y-%m-%dT%H:%M")
        .to_string();
    let form = json!({"kind": kind, "occurred_at": now, "direction": "out"});
    form_page(&state, &req, &session, card, form, &FieldErrors::new()).await
}

pub async fn create(
    state: web::Data<AppState>,
    req: HttpRequest,
    session: Session,
    form: web::Form<ActivityForm>,
) -> Result<HttpResponse, WebError> {
    session.check_csrf(&form.csrf_token)?;
    let card = form
        .card()
        .ok_or(WebError::Domain(crm_core::Error::NotFound))?;
    let echo = json!({
        "kind": form.kind, "occurred_at": form.occurred_at, "ends_at": form.ends_at,
        "direction": form.direction, "duration": form.duration, "result": form.result,
        "recording_url": form.recording_url, "subject": form.subject, "body": form.body,
    });
    let draft = match form.input().validate(session.zone, Utc::now()) {
        Ok(d) => d,
        Err(e) => {
            let errors = field_errors(e.into())?;
            return form_page(&state, &req, &session, card, echo, &errors).await;
        }
    };
    let (st, a) = (state.clone(), actor(&session));
    blocking(move || st.store.log_activity(&a, card, &draft)).await?;
    Ok(redirect_with_flash(
        &state,
        &format!("{}#timeline", card.path()),
        "flash-activity-logged",
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
    let (home, keys) = blocking(move || {
        let home = st.store.activity(&a, id)?.home;
        Ok((home, st.store.delete_activity(&a, id)?))
    })
    .await?;
    files::remove(&state.files, &keys);
    Ok(redirect_with_flash(
        &state,
        &format!("{}#timeline", home.path()),
        "flash-activity-deleted",
    ))
}
