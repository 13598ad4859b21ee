//! Contact pages: list, card, create, edit, delete.

use actix_web::{HttpRequest, HttpResponse, web};
use crm_core::{Action, Contact, ContactInput, FieldErrors, ObjectKind, party};
use crm_store::Duplicates;
use serde::{Deserialize, Serialize};

use crate::auth::Session;
use crate::error::WebError;
use crate::pages::forms::{self, actor, checked, optional_id};
use crate::pages::listing::ListParams;
use crate::pages::{CsrfForm, Page, blocking, redirect_with_flash};
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
struct FormView {
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

impl FormView {
    fn of(c: &Contact) -> FormView {
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
}

pub async fn list(
    state: web::Data<AppState>,
    req: HttpRequest,
    session: Session,
    params: web::Query<ListParams>,
) -> Result<HttpResponse, WebError> {
    let q = params.query();
    let (st, a, query) = (state.clone(), actor(&session), q.clone());
    let rows = blocking(move || st.store.list_contacts(&a, &query)).await?;
    let users = forms::responsible_options(&state, &session).await?;
    let mut page = Page::new(&state, &req, Some(&session), "contacts");
    params.links(&mut page, "/contacts", &q, rows.has_next);
    page.insert("rows", &rows.items).insert("users", &users);
    page.render(&state, "contacts/list.html")
}

pub async fn card(
    state: web::Data<AppState>,
    req: HttpRequest,
    session: Session,
    id: web::Path<i64>,
) -> Result<HttpResponse, WebError> {
    let (st, a, id) = (state.clone(), actor(&session), id.into_inner());
    let c = blocking(move || st.store.contact(&a, id)).await?;
    let a = actor(&session);
    let can = |action| {
        a.scope(ObjectKind::Contact, action)
            .allows(c.responsible_id, c.visible_to_all)
    };
    let mut view = serde_json::to_value(&c).map_err(|e| WebError::Internal(e.to_string()))?;
    view["created_at"] = super::when(c.created_at).into();
    view["updated_at"] = super::when(c.updated_at).into();
    let mut page = Page::new(&state, &req, Some(&session), "contacts");
    page.insert("contact", &view)
        .insert("can_edit", &can(Action::Edit))
        .insert("can_delete", &can(Action::Delete));
    page.render(&state, "contacts/card.html")
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
    form_page(
        &state,
        &req,
        &session,
        None,
        &view,
        &Duplicates::default(),
        &FieldErrors::new(),
    )
    .await
}

pub async fn edit(
    state: web::Data<AppState>,
    req: HttpRequest,
    session: Session,
    id: web::Path<i64>,
) -> Result<HttpResponse, WebError> {
    let (st, a, id) = (state.clone(), actor(&session), id.into_inner());
    let c = blocking(move || st.store.contact(&a, id)).await?;
    if !actor(&session)
        .scope(ObjectKind::Contact, Action::Edit)
        .allows(c.responsible_id, c.visible_to_all)
    {
        return Err(crm_core::Error::Forbidden.into());
    }
    form_page(
        &state,
        &req,
        &session,
        Some(id),
        &FormView::of(&c),
        &Duplicates::default(),
        &FieldErrors::new(),
    )
    .await
}

async fn form_page(
    state: &web::Data<AppState>,
    req: &HttpRequest,
    session: &Session,
    id: Option<i64>,
    view: &FormView,
    duplicates: &Duplicates,
    errors: &FieldErrors,
) -> Result<HttpResponse, WebError> {
    let users = forms::responsible_options(state, session).await?;
    let mut page = Page::new(state, req, Some(session), "contacts");
    let (action, cancel) = match id {
        Some(id) => (format!("/contacts/{id}"), format!("/contacts/{id}")),
        None => ("/contacts".to_string(), "/contacts".to_string()),
    };
    page.insert("is_new", &id.is_none())
        .insert("action", &action)
        .insert("cancel_url", &cancel)
        .insert("form", view);
    forms::decorate(&mut page, &users, duplicates, errors);
    page.render(state, "contacts/form.html")
}

/// Turns the posted form into a checked draft, collecting every problem on the way.
async fn draft_of(
    state: &web::Data<AppState>,
    session: &Session,
    form: &ContactForm,
) -> Result<Result<crm_core::ContactDraft, FieldErrors>, WebError> {
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

pub async fn create(
    state: web::Data<AppState>,
    req: HttpRequest,
    session: Session,
    form: web::Form<ContactForm>,
) -> Result<HttpResponse, WebError> {
    session.check_csrf(&form.csrf_token)?;
    let view = FormView::echo(&form);
    let draft = match draft_of(&state, &session, &form).await? {
        Ok(d) => d,
        Err(errors) => {
            return form_page(
                &state,
                &req,
                &session,
                None,
                &view,
                &Duplicates::default(),
                &errors,
            )
            .await;
        }
    };
    if !checked(&form.confirm_duplicate) {
        let (st, a, d) = (state.clone(), actor(&session), draft.clone());
        let dups = blocking(move || st.store.contact_duplicates(&a, &d, None)).await?;
        if !dups.is_empty() {
            return form_page(
                &state,
                &req,
                &session,
                None,
                &view,
                &dups,
                &FieldErrors::new(),
            )
            .await;
        }
    }
    let (st, a) = (state.clone(), actor(&session));
    match blocking(move || st.store.create_contact(&a, &draft)).await {
        Ok(c) => Ok(redirect_with_flash(
            &state,
            &format!("/contacts/{}", c.id),
            "flash-contact-created",
        )),
        Err(e) => {
            let errors = forms::field_errors(e)?;
            form_page(
                &state,
                &req,
                &session,
                None,
                &view,
                &Duplicates::default(),
                &errors,
            )
            .await
        }
    }
}

pub async fn update(
    state: web::Data<AppState>,
    req: HttpRequest,
    session: Session,
    id: web::Path<i64>,
    form: web::Form<ContactForm>,
) -> Result<HttpResponse, WebError> {
    session.check_csrf(&form.csrf_token)?;
    let id = id.into_inner();
    let view = FormView::echo(&form);
    let draft = match draft_of(&state, &session, &form).await? {
        Ok(d) => d,
        Err(errors) => {
            return form_page(
                &state,
                &req,
                &session,
                Some(id),
                &view,
                &Duplicates::default(),
                &errors,
            )
            .await;
        }
    };
    let (st, a) = (state.clone(), actor(&session));
    match blocking(move || st.store.update_contact(&a, id, &draft)).await {
        Ok(c) => Ok(redirect_with_flash(
            &state,
            &format!("/contacts/{}", c.id),
            "flash-contact-updated",
        )),
        Err(e) => {
            let errors = forms::field_errors(e)?;
            form_page(
                &state,
                &req,
                &session,
                Some(id),
                &view,
                &Duplicates::default(),
                &errors,
            )
            .await
        }
    }
}

pub async fn delete(
    state: web::Data<AppState>,
    session: Session,
    id: web::Path<i64>,
    form: web::Form<CsrfForm>,
) -> Result<HttpResponse, WebError> {
    session.check_csrf(&form.csrf_token)?;
    let (st, a, id) = (state.clone(), actor(&session), id.into_inner());
    blocking(move || st.store.delete_contact(&a, id)).await?;
    Ok(redirect_with_flash(
        &state,
        "/contacts",
        "flash-contact-deleted",
    ))
}
