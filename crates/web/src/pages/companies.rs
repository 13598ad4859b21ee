//! Company pages: the company form, its card's contact persons, and the company picker of the
//! contact form (the shared card pages are in `cards`).

use actix_web::{HttpRequest, HttpResponse, web};
use crm_core::{Actor, Company, CompanyDraft, CompanyInput, FieldErrors, party};
use crm_store::{Store, StoreResult};
use serde::{Deserialize, Serialize};

use crate::auth::Session;
use crate::error::WebError;
use crate::pages::blocking;
use crate::pages::cards::{self, CardPages};
use crate::pages::forms::{actor, checked, optional_id};
use crate::records::Companies;
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
pub struct FormView {
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

pub async fn new(
    state: web::Data<AppState>,
    req: HttpRequest,
    session: Session,
) -> Result<HttpResponse, WebError> {
    let view = FormView {
        responsible_id: Some(session.user.id),
        ..Default::default()
    };
    cards::new_form::<Companies>(&state, &req, &session, &view).await
}

fn draft_of(state: &AppState, form: &CompanyForm) -> Result<CompanyDraft, FieldErrors> {
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

impl CardPages for Companies {
    type Form = CompanyForm;
    type View = FormView;

    fn csrf(form: &CompanyForm) -> &str {
        &form.csrf_token
    }
    fn confirmed(form: &CompanyForm) -> bool {
        checked(&form.confirm_duplicate)
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
    fn view_of(c: &Company) -> FormView {
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
    async fn draft(
        state: &web::Data<AppState>,
        _session: &Session,
        form: &CompanyForm,
    ) -> Result<Result<CompanyDraft, FieldErrors>, WebError> {
        Ok(draft_of(state, form))
    }
    /// A company's card lists its contact persons.
    fn card_extras(
        store: &Store,
        actor: &Actor,
        id: i64,
    ) -> StoreResult<Vec<(&'static str, serde_json::Value)>> {
        let people = store.company_people(actor, id)?;
        Ok(vec![
            ("people", serde_json::to_value(people).unwrap_or_default()),
            (
                "client_deals",
                cards::client_deals(store, actor, None, Some(id))?,
            ),
        ])
    }
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
