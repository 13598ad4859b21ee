//! Company pages: list, card with its contact persons, create, edit, delete; and the company
//! picker of the contact form.

use actix_web::{HttpRequest, HttpResponse, web};
use crm_core::{Action, Company, CompanyInput, FieldErrors, ObjectKind, party};
use crm_store::Duplicates;
use serde::{Deserialize, Serialize};

use crate::auth::Session;
use crate::error::WebError;
use crate::pages::forms::{self, actor, checked, optional_id};
use crate::pages::listing::ListParams;
use crate::pages::{CsrfForm, Page, blocking, redirect_with_flash};
use crate::state::AppState;

/// The company form as posted: every field as text.
#[derive(Debug, Default, Deserialize)]
pub struct CompanyForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    industry: String,
    #[serde(default)]
    website: String,
    #[serde(default)]
    phones: String,
    #[serde(default)]
    emails: String,
    #[serde(default)]
    address: String,
    #[serde(default)]
    tax_id: String,
    #[serde(default)]
    bank_details: String,
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

#[derive(Debug, Default, Serialize)]
struct FormView {
    name: String,
    industry: String,
    website: String,
    phones: String,
    emails: String,
    address: String,
    tax_id: String,
    bank_details: String,
    tags: String,
    responsible_id: Option<i64>,
    visible_to_all: bool,
    notes: String,
}

impl FormView {
    fn of(c: &Company) -> FormView {
        FormView {
            name: c.name.clone(),
            industry: c.industry.clone(),
            website: c.website.clone(),
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
            address: c.address.clone(),
            tax_id: c.tax_id.clone(),
            bank_details: c.bank_details.clone(),
            tags: c.tags.join(", "),
            responsible_id: c.responsible_id,
            visible_to_all: c.visible_to_all,
            notes: c.notes.clone(),
        }
    }

    fn echo(f: &CompanyForm) -> FormView {
        FormView {
            name: f.name.clone(),
            industry: f.industry.clone(),
            website: f.website.clone(),
            phones: f.phones.clone(),
            emails: f.emails.clone(),
            address: f.address.clone(),
            tax_id: f.tax_id.clone(),
            bank_details: f.bank_details.clone(),
            tags: f.tags.clone(),
            responsible_id: f.responsible_id.trim().parse().ok(),
            visible_to_all: checked(&f.visible_to_all),
            notes: f.notes.clone(),
        }
    }
}

/// The company a contact form names, by its exact name among those the user sees.
pub async fn resolve(
    state: &web::Data<AppState>,
    session: &Session,
    name: &str,
    errors: &mut FieldErrors,
) -> Result<Option<i64>, WebError> {
    if name.trim().is_empty() {
        return Ok(None);
    }
    let (st, a, n) = (state.clone(), actor(session), name.to_string());
    let found = blocking(move || st.store.company_by_name(&a, &n)).await?;
    if found.is_none() {
        errors.add("company", "error-company-not-found");
    }
    Ok(found)
}

pub async fn list(
    state: web::Data<AppState>,
    req: HttpRequest,
    session: Session,
    params: web::Query<ListParams>,
) -> Result<HttpResponse, WebError> {
    let q = params.query();
    let (st, a, query) = (state.clone(), actor(&session), q.clone());
    let rows = blocking(move || st.store.list_companies(&a, &query)).await?;
    let users = forms::responsible_options(&state, &session).await?;
    let mut page = Page::new(&state, &req, Some(&session), "companies");
    params.links(&mut page, "/companies", &q, rows.has_next);
    page.insert("rows", &rows.items).insert("users", &users);
    page.render(&state, "companies/list.html")
}

pub async fn card(
    state: web::Data<AppState>,
    req: HttpRequest,
    session: Session,
    id: web::Path<i64>,
) -> Result<HttpResponse, WebError> {
    let (st, a, id) = (state.clone(), actor(&session), id.into_inner());
    let (c, people) =
        blocking(move || Ok((st.store.company(&a, id)?, st.store.company_people(&a, id)?))).await?;
    let a = actor(&session);
    let can = |action| {
        a.scope(ObjectKind::Company, action)
            .allows(c.responsible_id, c.visible_to_all)
    };
    let mut view = serde_json::to_value(&c).map_err(|e| WebError::Internal(e.to_string()))?;
    view["created_at"] = super::when(c.created_at).into();
    view["updated_at"] = super::when(c.updated_at).into();
    let mut page = Page::new(&state, &req, Some(&session), "companies");
    page.insert("company", &view)
        .insert("people", &people)
        .insert("can_edit", &can(Action::Edit))
        .insert("can_delete", &can(Action::Delete));
    page.render(&state, "companies/card.html")
}

pub async fn new(
    state: web::Data<AppState>,
    req: HttpRequest,
    session: Session,
) -> Result<HttpResponse, WebError> {
    let view = FormView {
        responsible_id: Some(session.user.id),
        ..Default::default()
    };
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
    let c = blocking(move || st.store.company(&a, id)).await?;
    if !actor(&session)
        .scope(ObjectKind::Company, Action::Edit)
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
    let mut page = Page::new(state, req, Some(session), "companies");
    let (action, cancel) = match id {
        Some(id) => (format!("/companies/{id}"), format!("/companies/{id}")),
        None => ("/companies".to_string(), "/companies".to_string()),
    };
    page.insert("is_new", &id.is_none())
        .insert("action", &action)
        .insert("cancel_url", &cancel)
        .insert("form", view);
    forms::decorate(&mut page, &users, duplicates, errors);
    page.render(state, "companies/form.html")
}

fn draft_of(state: &AppState, form: &CompanyForm) -> Result<crm_core::CompanyDraft, FieldErrors> {
    let mut errors = FieldErrors::new();
    let responsible_id = optional_id(&mut errors, "responsible", &form.responsible_id);
    let input = CompanyInput {
        name: form.name.clone(),
        industry: form.industry.clone(),
        website: form.website.clone(),
        phones: party::split_list(&form.phones),
        emails: party::split_list(&form.emails),
        address: form.address.clone(),
        tax_id: form.tax_id.clone(),
        bank_details: form.bank_details.clone(),
        tags: party::split_list(&form.tags),
        responsible_id,
        visible_to_all: checked(&form.visible_to_all),
        notes: form.notes.clone(),
    };
    match input.validate(state.region) {
        Ok(d) if errors.is_empty() => Ok(d),
        Ok(_) => Err(errors),
        Err(crm_core::Error::Invalid(e)) => {
            errors.merge(e);
            Err(errors)
        }
        Err(_) => Err(errors),
    }
}

pub async fn create(
    state: web::Data<AppState>,
    req: HttpRequest,
    session: Session,
    form: web::Form<CompanyForm>,
) -> Result<HttpResponse, WebError> {
    session.check_csrf(&form.csrf_token)?;
    let view = FormView::echo(&form);
    let draft = match draft_of(&state, &form) {
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
        let dups = blocking(move || st.store.company_duplicates(&a, &d, None)).await?;
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
    match blocking(move || st.store.create_company(&a, &draft)).await {
        Ok(c) => Ok(redirect_with_flash(
            &state,
            &format!("/companies/{}", c.id),
            "flash-company-created",
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
    form: web::Form<CompanyForm>,
) -> Result<HttpResponse, WebError> {
    session.check_csrf(&form.csrf_token)?;
    let id = id.into_inner();
    let view = FormView::echo(&form);
    let draft = match draft_of(&state, &form) {
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
    match blocking(move || st.store.update_company(&a, id, &draft)).await {
        Ok(c) => Ok(redirect_with_flash(
            &state,
            &format!("/companies/{}", c.id),
            "flash-company-updated",
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
    blocking(move || st.store.delete_company(&a, id)).await?;
    Ok(redirect_with_flash(
        &state,
        "/companies",
        "flash-company-deleted",
    ))
}

#[derive(Deserialize)]
pub struct SuggestParams {
    #[serde(default)]
    q: String,
}

#[derive(Serialize)]
struct Suggestion {
    id: i64,
    name: String,
}

/// Companies for the contact form's company field, as JSON.
pub async fn suggest(
    state: web::Data<AppState>,
    session: Session,
    params: web::Query<SuggestParams>,
) -> Result<HttpResponse, WebError> {
    let (st, a, q) = (state.clone(), actor(&session), params.into_inner().q);
    let found = blocking(move || st.store.suggest_companies(&a, &q, 10)).await?;
    let out: Vec<Suggestion> = found
        .into_iter()
        .map(|(id, name)| Suggestion { id, name })
        .collect();
    Ok(HttpResponse::Ok().json(out))
}
