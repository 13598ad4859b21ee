//! Webhook settings for administrators: subscriptions (address, events, signing secret, the
//! private-network allowance), a test event on request, and each one's latest deliveries.

use actix_web::{HttpRequest, HttpResponse, web};
use crm_core::webhook::{Delivery, Event, Subscription, SubscriptionInput};
use crm_core::{FieldErrors, Zone};
use serde::Serialize;

use crate::auth::Session;
use crate::error::WebError;
use crate::pages::forms::{self, actor};
use crate::pages::pipelines::admin_only;
use crate::pages::{CsrfForm, Page, blocking, redirect_with_flash, when};
use crate::state::AppState;

/// A checkbox of the events list.
#[derive(Serialize)]
struct EventOption {
    name: &'static str,
    checked: bool,
}

fn event_options(chosen: &[String]) -> Vec<EventOption> {
    std::iter::once("*")
        .chain(Event::ALL.iter().map(Event::as_str))
        .map(|name| EventOption {
            name,
            checked: chosen.iter().any(|c| c == name),
        })
        .collect()
}

/// The form's values as the template shows them.
#[derive(Serialize)]
struct FormView<'a> {
    url: &'a str,
    description: &'a str,
    active: bool,
    allow_private_network: bool,
}

/// A delivery as the page shows it: times in the reader's zone.
#[derive(Serialize)]
struct DeliveryView {
    #[serde(flatten)]
    delivery: Delivery,
    occurred: String,
    last_attempt: Option<String>,
    next_attempt: Option<String>,
}

fn delivery_views(zone: Zone, deliveries: Vec<Delivery>) -> Vec<DeliveryView> {
    deliveries
        .into_iter()
        .map(|d| DeliveryView {
            occurred: when(zone, d.occurred_at),
            last_attempt: d.last_attempt_at.map(|t| when(zone, t)),
            next_attempt: d.next_attempt_at.map(|t| when(zone, t)),
            delivery: d,
        })
        .collect()
}

/// The submitted form: repeated `events` fields, so read as pairs.
fn read_form(fields: &[(String, String)]) -> (String, SubscriptionInput) {
    let mut csrf = String::new();
    let mut input = SubscriptionInput::default();
    for (k, v) in fields {
        match k.as_str() {
            "csrf_token" => csrf = v.clone(),
            "url" => input.url = v.clone(),
            "description" => input.description = v.clone(),
            "events" => input.events.push(v.clone()),
            "active" => input.active = forms::checked(&Some(v.clone())),
            "allow_private_network" => {
                input.allow_private_network = forms::checked(&Some(v.clone()))
            }
            _ => {}
        }
    }
    (csrf, input)
}

/// The new-subscription form, or a subscription's page (form, secret, actions, deliveries).
async fn form_page(
    state: &web::Data<AppState>,
    req: &HttpRequest,
    session: &Session,
    id: Option<i64>,
    input: &SubscriptionInput,
    errors: &FieldErrors,
) -> Result<HttpResponse, WebError> {
    let (sub, deliveries) = match id {
        Some(id) => {
            let (st, a) = (state.clone(), actor(session));
            let (sub, deliveries) = blocking(move || {
                Ok((
                    st.store.webhook(&a, id)?,
                    st.store.webhook_deliveries(&a, id)?,
                ))
            })
            .await?;
            (Some(sub), delivery_views(session.zone, deliveries))
        }
        None => (None, Vec::new()),
    };
    let mut page = Page::new(state, req, Some(session), "webhooks");
    page.insert("subscription", &sub)
        .insert("deliveries", &deliveries);
    page.insert(
        "form",
        &FormView {
            url: &input.url,
            description: &input.description,
            active: input.active,
            allow_private_network: input.allow_private_network,
        },
    )
    .insert("events", &event_options(&input.events))
    .insert("error_fields", &["url", "events", "description"])
    .errors(errors);
    page.render(state, "webhooks/form.html")
}

/// `GET /webhooks`
pub async fn list(
    state: web::Data<AppState>,
    req: HttpRequest,
    session: Session,
) -> Result<HttpResponse, WebError> {
    admin_only(&session)?;
    let (st, a) = (state.clone(), actor(&session));
    let subs: Vec<Subscription> = blocking(move || st.store.webhooks(&a)).await?;
    let mut page = Page::new(&state, &req, Some(&session), "webhooks");
    page.insert("subscriptions", &subs);
    page.render(&state, "webhooks/list.html")
}

/// `GET /webhooks/new`
pub async fn new(
    state: web::Data<AppState>,
    req: HttpRequest,
    session: Session,
) -> Result<HttpResponse, WebError> {
    admin_only(&session)?;
    let input = SubscriptionInput {
        active: true,
        ..SubscriptionInput::default()
    };
    form_page(&state, &req, &session, None, &input, &FieldErrors::new()).await
}

/// `POST /webhooks`
pub async fn create(
    state: web::Data<AppState>,
    req: HttpRequest,
    session: Session,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, WebError> {
    admin_only(&session)?;
    let (csrf, input) = read_form(&form);
    session.check_csrf(&csrf)?;
    let draft = match input.validate() {
        Ok(d) => d,
        Err(e) => {
            let errors = forms::field_errors(e.into())?;
            return form_page(&state, &req, &session, None, &input, &errors).await;
        }
    };
    let (st, a) = (state.clone(), actor(&session));
    let sub = blocking(move || st.store.create_webhook(&a, &draft)).await?;
    Ok(redirect_with_flash(
        &state,
        &format!("/webhooks/{}", sub.id),
        "flash-webhook-created",
    ))
}

/// `GET /webhooks/{id}`
pub async fn edit(
    state: web::Data<AppState>,
    req: HttpRequest,
    session: Session,
    id: web::Path<i64>,
) -> Result<HttpResponse, WebError> {
    admin_only(&session)?;
    let (st, a, id) = (state.clone(), actor(&session), id.into_inner());
    let sub = blocking(move || st.store.webhook(&a, id)).await?;
    form_page(
        &state,
        &req,
        &session,
        Some(id),
        &sub.to_input(),
        &FieldErrors::new(),
    )
    .await
}

/// `POST /webhooks/{id}`
pub async fn update(
    state: web::Data<AppState>,
    req: HttpRequest,
    session: Session,
    id: web::Path<i64>,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, WebError> {
    admin_only(&session)?;
    let id = id.into_inner();
    let (csrf, input) = read_form(&form);
    session.check_csrf(&csrf)?;
    let draft = match input.validate() {
        Ok(d) => d,
        Err(e) => {
            let errors = forms::field_errors(e.into())?;
            return form_page(&state, &req, &session, Some(id), &input, &errors).await;
        }
    };
    let (st, a) = (state.clone(), actor(&session));
    blocking(move || st.store.update_webhook(&a, id, &draft)).await?;
    Ok(redirect_with_flash(
        &state,
        &format!("/webhooks/{id}"),
        "flash-webhook-updated",
    ))
}

/// `POST /webhooks/{id}/delete`
pub async fn delete(
    state: web::Data<AppState>,
    session: Session,
    id: web::Path<i64>,
    form: web::Form<CsrfForm>,
) -> Result<HttpResponse, WebError> {
    admin_only(&session)?;
    session.check_csrf(&form.csrf_token)?;
    let (st, a, id) = (state.clone(), actor(&session), id.into_inner());
    blocking(move || st.store.delete_webhook(&a, id)).await?;
    Ok(redirect_with_flash(
        &state,
        "/webhooks",
        "flash-webhook-deleted",
    ))
}

/// `POST /webhooks/{id}/rotate`: a new secret; the receiver must be given it.
pub async fn rotate(
    state: web::Data<AppState>,
    session: Session,
    id: web::Path<i64>,
    form: web::Form<CsrfForm>,
) -> Result<HttpResponse, WebError> {
    admin_only(&session)?;
    session.check_csrf(&form.csrf_token)?;
    let (st, a, id) = (state.clone(), actor(&session), id.into_inner());
    blocking(move || st.store.rotate_webhook_secret(&a, id)).await?;
    Ok(redirect_with_flash(
        &state,
        &format!("/webhooks/{id}"),
        "flash-webhook-secret-rotated",
    ))
}

/// `POST /webhooks/{id}/test`: queues a `webhook.test` event; the worker sends it.
pub async fn test(
    state: web::Data<AppState>,
    session: Session,
    id: web::Path<i64>,
    form: web::Form<CsrfForm>,
) -> Result<HttpResponse, WebError> {
    admin_only(&session)?;
    session.check_csrf(&form.csrf_token)?;
    let (st, a, id) = (state.clone(), actor(&session), id.into_inner());
    blocking(move || st.store.send_test_webhook(&a, id)).await?;
    Ok(redirect_with_flash(
        &state,
        &format!("/webhooks/{id}"),
        "flash-webhook-test-queued",
    ))
}
