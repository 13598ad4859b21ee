//! Contact pages: the contact form and its checks (the shared card pages are in `cards`).

use actix_web::{HttpRequest, HttpResponse, web};
use crm_core::{Contact, ContactDraft, ContactInput, FieldErrors, party};
use serde::{Deserialize, Serialize};

use crate::auth::Session;
use crate::error::WebError;
use crate::pages::blocking;
use crate::pages::cards::{self, CardPages};
use crate::pages::forms::{self, actor, checked, optional_id};
use crate::records::Contacts;
use crate::state::AppState;

/// The contact form as posted: every field as text.
#[derive(Debug, Default, Deserialize)]
pub struct ContactForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    position: String,
    #[serde(default)]
    company: String,
    #[serde(default)]
    phones: String,
    #[serde(default)]
    emails: String,
    #[serde(default)]
    birthday: String,
    #[serde(default)]
    address: String,
    #[serde(default)]
    messengers: String,
    #[serde(default)]
    tags: String,
    #[serde(default)]
    responsible_id: String,
    #[serde(default)]
    visible_to_all: Option<String>,
    #[serde(default)]
    notes: String,
    #[serde(default)]
    confirm_duplicate: Option<String>,
}

/// The values the form template shows.
#[derive(Debug, Default, Serialize)]
pub struct FormView {
    name: String,
    position: String,
    company: String,
    phones: String,
    emails: String,
    birthday: String,
    address: String,
    messengers: String,
    tags: String,
    responsible_id: Option<i64>,
    visible_to_all: bool,
    notes: String,
}

#[derive(Deserialize)]
pub struct NewParams {
    #[serde(default)]
    company_id: Option<i64>,
}

pub async fn new(
    state: web::Data<AppState>,
    req: HttpRequest,
    session: Session,
    params: web::Query<NewParams>,
) -> Result<HttpResponse, WebError> {
    let mut view = FormView {
        responsible_id: Some(session.user.id),
        ..Default::default()
    };
    if let Some(cid) = params.company_id {
        let (st, a) = (state.clone(), actor(&session));
        if let Ok(co) = blocking(move || st.store.company(&a, cid)).await {
            view.company = co.name;
        }
    }
    cards::new_form::<Contacts>(&state, &req, &session, &view).await
}

/// Turns the posted form into a checked draft, collecting every problem on the way.
async fn draft_of(
    state: &web::Data<AppState>,
    session: &Session,
    form: &ContactForm,
) -> Result<Result<ContactDraft, FieldErrors>, WebError> {
    let mut errors = FieldErrors::new();
    let responsible_id = optional_id(&mut errors, "responsible", &form.responsible_id);
    let company_id = super::companies::resolve(state, session, &form.company, &mut errors).await?;
    let input = ContactInput {
        name: form.name.clone(),
        position: form.position.clone(),
        company_id,
        phones: party::split_list(&form.phones),
        emails: party::split_list(&form.emails),
        birthday: Some(form.birthday.clone()),
        address: form.address.clone(),
        messengers: form.messengers.clone(),
        tags: party::split_list(&form.tags),
        responsible_id,
        visible_to_all: checked(&form.visible_to_all),
        notes: form.notes.clone(),
    };
    match input.validate(state.region) {
        Ok(d) if errors.is_empty() => Ok(Ok(d)),
        Ok(_) => Ok(Err(errors)),
        Err(e) => {
            errors.merge(forms::field_errors(e.into())?);
            Ok(Err(errors))
        }
    }
}

impl CardPages for Contacts {
    type Form = ContactForm;
    type View = FormView;

    fn card_extras(
        store: &crm_store::Store,
        actor: &crm_core::Actor,
        id: i64,
    ) -> crm_store::StoreResult<Vec<(&'static str, serde_json::Value)>> {
        Ok(vec![(
            "client_deals",
            cards::client_deals(store, actor, Some(id), None)?,
        )])
    }

    fn csrf(form: &ContactForm) -> &str {
        &form.csrf_token
    }
    fn confirmed(form: &ContactForm) -> bool {
        checked(&form.confirm_duplicate)
    }
    fn echo(f: &ContactForm) -> FormView {
        FormView {
            name: f.name.clone(),
            position: f.position.clone(),
            company: f.company.clone(),
            phones: f.phones.clone(),
            emails: f.emails.clone(),
            birthday: f.birthday.clone(),
            address: f.address.clone(),
            messengers: f.messengers.clone(),
            tags: f.tags.clone(),
            responsible_id: f.responsible_id.trim().parse().ok(),
            visible_to_all: checked(&f.visible_to_all),
            notes: f.notes.clone(),
        }
    }
    fn view_of(c: &Contact) -> FormView {
        FormView {
            name: c.name.clone(),
            position: c.position.clone(),
            company: c.company_name.clone().unwrap_or_default(),
            phones: c
                .phones
                .iter()
                .map(|p| p.raw())
                .collect::<Vec<_>>()
                .join("\n"),
            emails: c
                .emails
                .iter()
                .map(|e| e.raw())
                .collect::<Vec<_>>()
                .join("\n"),
            birthday: c.birthday.map(|d| d.to_string()).unwrap_or_default(),
            address: c.address.clone(),
            messengers: c.messengers.clone(),
            tags: c.tags.join(", "),
            responsible_id: c.responsible_id,
            visible_to_all: c.visible_to_all,
            notes: c.notes.clone(),
        }
    }
    async fn draft(
        state: &web::Data<AppState>,
        session: &Session,
        form: &ContactForm,
    ) -> Result<Result<ContactDraft, FieldErrors>, WebError> {
        draft_of(state, session, form).await
    }
}

/// How a contact is written in a picker: its name and id, so that namesakes stay apart.
pub fn pick_label(name: &str, id: i64) -> String {
    format!("{name} #{id}")
}

/// The contact a picker field names: "Name #id" as suggested, or a name that only one
/// visible contact has. Anything else is a field error.
pub async fn resolve(
    state: &web::Data<AppState>,
    session: &Session,
    text: &str,
    errors: &mut FieldErrors,
) -> Result<Option<i64>, WebError> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let by_id = text
        .rsplit_once(" #")
        .and_then(|(_, id)| id.parse::<i64>().ok());
    let (st, a, t) = (state.clone(), actor(session), text.to_string());
    let found = blocking(move || match by_id {
        Some(id) => Ok(st.store.contact(&a, id).ok().map(|c| c.id)),
        None => st.store.contact_by_name(&a, &t),
    })
    .await?;
    if found.is_none() {
        errors.add("contact", "error-contact-not-found");
    }
    Ok(found)
}

#[derive(Deserialize)]
pub struct SuggestParams {
    #[serde(default)]
    q: String,
}

/// `GET /contacts/suggest?q=`: contacts for pickers, as `[{id, name}]`.
pub async fn suggest(
    state: web::Data<AppState>,
    session: Session,
    params: web::Query<SuggestParams>,
) -> Result<HttpResponse, WebError> {
    let (st, a, q) = (state.clone(), actor(&session), params.into_inner().q);
    let found = blocking(move || st.store.search(&a, &q, 10)).await?;
    let out: Vec<serde_json::Value> = found
        .contacts
        .into_iter()
        .map(|c| serde_json::json!({"id": c.id, "name": pick_label(&c.name, c.id)}))
        .collect();
    Ok(HttpResponse::Ok().json(out))
}
