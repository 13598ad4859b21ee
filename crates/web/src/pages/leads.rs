//! Lead pages: the list by status, the lead form, quick status changes, and conversion into a
//! contact, a company and a deal after a look at the cards that already exist.

use actix_web::{HttpRequest, HttpResponse, web};
use crm_core::{
    Conversion, DealInput, FieldErrors, Lead, LeadDraft, LeadInput, LeadStatus, Link, ListQuery,
    Part, deal::SOURCES,
};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::auth::Session;
use crate::error::WebError;
use crate::pages::cards::{self, CardPages};
use crate::pages::forms::{self, actor, optional_id};
use crate::pages::products::pager;
use crate::pages::{Page, blocking, redirect_with_flash};
use crate::records::Leads;
use crate::state::AppState;

#[derive(Debug, Default, Deserialize)]
pub struct LeadForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    source: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    company_name: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    message: String,
    #[serde(default)]
    utm_source: String,
    #[serde(default)]
    utm_medium: String,
    #[serde(default)]
    utm_campaign: String,
    #[serde(default)]
    utm_term: String,
    #[serde(default)]
    utm_content: String,
    #[serde(default)]
    page_url: String,
    #[serde(default)]
    responsible_id: String,
}

#[derive(Debug, Default, Serialize)]
pub struct FormView {
    title: String,
    source: String,
    status: String,
    name: String,
    company_name: String,
    phone: String,
    email: String,
    message: String,
    utm_source: String,
    utm_medium: String,
    utm_campaign: String,
    utm_term: String,
    utm_content: String,
    page_url: String,
    responsible_id: Option<i64>,
}

#[derive(Deserialize)]
pub struct ListParams {
    #[serde(default)]
    status: String,
    #[serde(default)]
    page: String,
}

pub async fn list(
    state: web::Data<AppState>,
    req: HttpRequest,
    session: Session,
    params: web::Query<ListParams>,
) -> Result<HttpResponse, WebError> {
    let status = LeadStatus::parse(params.status.trim());
    let q = ListQuery {
        page: params.page.trim().parse().unwrap_or(1),
        ..Default::default()
    }
    .normalized();
    let (st, a, query) = (state.clone(), actor(&session), q.clone());
    let found = blocking(move || st.store.list_leads(&a, status, &query)).await?;
    let has_next = found.has_next;
    let rows: Vec<serde_json::Value> = rows_view(session.zone, found.items)?;
    let base = match status {
        Some(s) => format!("/leads?status={}", s.as_str()),
        None => "/leads".to_string(),
    };
    let mut page = Page::new(&state, &req, Some(&session), "leads");
    pager(&mut page, &base, q.page, has_next);
    page.insert("rows", &rows)
        .insert("filter_status", status.map_or("", |s| s.as_str()))
        .insert("statuses", &LeadStatus::ALL.map(|s| s.as_str()))
        .insert("new_url", "/leads/new");
    page.render(&state, "leads/list.html")
}

fn rows_view(
    zone: crm_core::Zone,
    rows: Vec<crm_core::LeadRow>,
) -> Result<Vec<serde_json::Value>, WebError> {
    rows.into_iter()
        .map(|r| {
            let mut v = serde_json::to_value(&r).map_err(|e| WebError::Internal(e.to_string()))?;
            v["created_at"] = super::when(zone, r.created_at).into();
            Ok(v)
        })
        .collect()
}

pub async fn new(
    state: web::Data<AppState>,
    req: HttpRequest,
    session: Session,
) -> Result<HttpResponse, WebError> {
    let view = FormView {
        source: "manual".into(),
        responsible_id: Some(session.user.id),
        ..Default::default()
    };
    cards::new_form::<Leads>(&state, &req, &session, &view).await
}

#[derive(Deserialize)]
pub struct StatusForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    status: String,
}

/// `POST /leads/{id}/status`: take a lead into work or mark it junk in one click.
pub async fn set_status(
    state: web::Data<AppState>,
    session: Session,
    id: web::Path<i64>,
    form: web::Form<StatusForm>,
) -> Result<HttpResponse, WebError> {
    session.check_csrf(&form.csrf_token)?;
    let (st, a, id) = (state.clone(), actor(&session), id.into_inner());
    let mut input = blocking(move || st.store.lead(&a, id)).await?.to_input();
    input.status = form.status.clone();
    let draft = input.validate(state.region)?;
    let (st, a) = (state.clone(), actor(&session));
    blocking(move || st.store.update_lead(&a, id, &draft)).await?;
    Ok(redirect_with_flash(
        &state,
        &format!("/leads/{id}"),
        "flash-lead-updated",
    ))
}

#[derive(Debug, Default, Deserialize)]
pub struct ConvertForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    contact: String,
    #[serde(default)]
    company: String,
    #[serde(default)]
    create_deal: Option<String>,
    #[serde(default)]
    deal_title: String,
    #[serde(default)]
    stage_id: String,
    #[serde(default)]
    amount: String,
    #[serde(default)]
    currency: String,
}

#[derive(Debug, Serialize)]
struct ConvertView {
    contact: String,
    company: String,
    create_deal: bool,
    deal_title: String,
    stage_id: Option<i64>,
    amount: String,
    currency: String,
}

async fn convert_page(
    state: &web::Data<AppState>,
    req: &HttpRequest,
    session: &Session,
    lead: &Lead,
    form: Option<ConvertView>,
    errors: &FieldErrors,
) -> Result<HttpResponse, WebError> {
    let (st, a, l) = (state.clone(), actor(session), lead.clone());
    let (matches, pipelines) =
        blocking(move || Ok((st.store.lead_matches(&a, &l)?, st.store.pipelines()?))).await?;
    let form = form.unwrap_or_else(|| {
        let first = |kind: &str| {
            matches
                .visible
                .iter()
                .find(|m| m.kind == kind)
                .map(|m| m.id.to_string())
        };
        ConvertView {
            contact: first("contact").unwrap_or_else(|| "new".into()),
            company: first("company").unwrap_or_else(|| {
                if lead.company_name.is_empty() {
                    "none".into()
                } else {
                    "new".into()
                }
            }),
            create_deal: true,
            deal_title: lead.title.clone(),
            // A lead from a website form starts in the form's pipeline.
            stage_id: lead
                .pipeline_id
                .and_then(|id| pipelines.iter().find(|p| p.id == id))
                .or(pipelines.first())
                .and_then(|p| p.first_open())
                .map(|s| s.id),
            amount: String::new(),
            currency: state.currency.code().to_string(),
        }
    });
    let mut page = Page::new(state, req, Some(session), "leads");
    page.insert("lead", &lead_view(session.zone, lead)?)
        .insert("action", &format!("/leads/{}/convert", lead.id))
        .insert("matches", &matches.visible)
        .insert("hidden_matches", &matches.hidden)
        .insert("form", &form)
        .insert("pipelines", &pipelines)
        .errors(errors);
    page.render(state, "leads/convert.html")
}

/// A lead as templates show it: times in the installation's zone.
fn lead_view(zone: crm_core::Zone, lead: &Lead) -> Result<serde_json::Value, WebError> {
    let mut v = serde_json::to_value(lead).map_err(|e| WebError::Internal(e.to_string()))?;
    v["created_at"] = super::when(zone, lead.created_at).into();
    v["updated_at"] = super::when(zone, lead.updated_at).into();
    v["converted_at"] = lead.converted_at.map(|t| super::when(zone, t)).into();
    Ok(v)
}

pub async fn convert_form(
    state: web::Data<AppState>,
    req: HttpRequest,
    session: Session,
    id: web::Path<i64>,
) -> Result<HttpResponse, WebError> {
    let (st, a, id) = (state.clone(), actor(&session), id.into_inner());
    let lead = blocking(move || st.store.lead(&a, id)).await?;
    if lead.status == LeadStatus::Converted {
        return Err(crm_core::Error::Conflict("error-lead-converted").into());
    }
    convert_page(&state, &req, &session, &lead, None, &FieldErrors::new()).await
}

pub async fn convert(
    state: web::Data<AppState>,
    req: HttpRequest,
    session: Session,
    id: web::Path<i64>,
    form: web::Form<ConvertForm>,
) -> Result<HttpResponse, WebError> {
    session.check_csrf(&form.csrf_token)?;
    let (st, a, id) = (state.clone(), actor(&session), id.into_inner());
    let (lead, pipelines) =
        blocking(move || Ok((st.store.lead(&a, id)?, st.store.pipelines()?))).await?;
    let mut errors = FieldErrors::new();
    let stage_id = optional_id(&mut errors, "stage_id", &form.stage_id);
    let conversion = conversion_of(&state, &lead, &form, &pipelines, stage_id, &mut errors);
    let echo = ConvertView {
        contact: form.contact.clone(),
        company: form.company.clone(),
        create_deal: forms::checked(&form.create_deal),
        deal_title: form.deal_title.clone(),
        stage_id,
        amount: form.amount.clone(),
        currency: form.currency.clone(),
    };
    let conversion = match conversion {
        Some(c) if errors.is_empty() => c,
        _ => return convert_page(&state, &req, &session, &lead, Some(echo), &errors).await,
    };
    let (st, a) = (state.clone(), actor(&session));
    match blocking(move || st.store.convert_lead(&a, id, &conversion)).await {
        Ok(done) => {
            let to = match (done.deal_id, done.contact_id) {
                (Some(d), _) => format!("/deals/{d}"),
                (None, Some(c)) => format!("/contacts/{c}"),
                (None, None) => format!("/leads/{id}"),
            };
            Ok(redirect_with_flash(&state, &to, "flash-lead-converted"))
        }
        Err(e) => {
            let errors = forms::field_errors(e)?;
            convert_page(&state, &req, &session, &lead, Some(echo), &errors).await
        }
    }
}

/// The checked conversion the form asks for; problems go into `errors` under the form's
/// field names.
fn conversion_of(
    state: &AppState,
    lead: &Lead,
    form: &ConvertForm,
    pipelines: &[crm_core::Pipeline],
    stage_id: Option<i64>,
    errors: &mut FieldErrors,
) -> Option<Conversion> {
    let mut bad = |field: &str, e: crm_core::Error| {
        if let crm_core::Error::Invalid(list) = e {
            for fe in list.iter() {
                errors.add(field, fe.code);
            }
        }
    };
    let contact = match Link::parse(&form.contact) {
        Some(Link::New) => match lead.contact_input().validate(state.region) {
            Ok(d) => Part::New(d),
            Err(e) => {
                bad("contact", e);
                Part::Skip
            }
        },
        Some(Link::Existing(id)) => Part::Existing(id),
        Some(Link::Skip) => Part::Skip,
        None => {
            bad(
                "contact",
                crm_core::Error::invalid("contact", "error-contact-not-found"),
            );
            Part::Skip
        }
    };
    let company = match Link::parse(&form.company) {
        Some(Link::New) => match lead.company_input().validate(state.region) {
            Ok(d) => Part::New(d),
            Err(e) => {
                bad("company", e);
                Part::Skip
            }
        },
        Some(Link::Existing(id)) => Part::Existing(id),
        Some(Link::Skip) => Part::Skip,
        None => {
            bad(
                "company",
                crm_core::Error::invalid("company", "error-company-not-found"),
            );
            Part::Skip
        }
    };
    let deal = if forms::checked(&form.create_deal) {
        let pipeline_id = stage_id.and_then(|s| {
            pipelines
                .iter()
                .find(|p| p.stage(s).is_some())
                .map(|p| p.id)
        });
        let input = DealInput {
            title: form.deal_title.clone(),
            pipeline_id,
            stage_id,
            amount: form.amount.clone(),
            currency: form.currency.clone(),
            responsible_id: lead.responsible_id,
            ..Default::default()
        };
        match input.validate(state.currency) {
            Ok(d) => Some(d),
            Err(crm_core::Error::Invalid(list)) => {
                for fe in list.iter() {
                    let field = if fe.field == "title" {
                        "deal_title"
                    } else {
                        fe.field.as_str()
                    };
                    errors.add(field, fe.code);
                }
                None
            }
            Err(_) => None,
        }
    } else {
        None
    };
    Some(Conversion {
        contact,
        company,
        deal,
    })
}

impl CardPages for Leads {
    type Form = LeadForm;
    type View = FormView;

    fn csrf(form: &LeadForm) -> &str {
        &form.csrf_token
    }
    fn confirmed(_form: &LeadForm) -> bool {
        true
    }
    fn echo(f: &LeadForm) -> FormView {
        FormView {
            title: f.title.clone(),
            source: f.source.clone(),
            status: f.status.clone(),
            name: f.name.clone(),
            company_name: f.company_name.clone(),
            phone: f.phone.clone(),
            email: f.email.clone(),
            message: f.message.clone(),
            utm_source: f.utm_source.clone(),
            utm_medium: f.utm_medium.clone(),
            utm_campaign: f.utm_campaign.clone(),
            utm_term: f.utm_term.clone(),
            utm_content: f.utm_content.clone(),
            page_url: f.page_url.clone(),
            responsible_id: f.responsible_id.trim().parse().ok(),
        }
    }
    fn view_of(l: &Lead) -> FormView {
        let i = l.to_input();
        FormView {
            title: i.title,
            source: i.source,
            status: l.status.as_str().to_string(),
            name: i.name,
            company_name: i.company_name,
            phone: i.phone,
            email: i.email,
            message: i.message,
            utm_source: i.utm_source,
            utm_medium: i.utm_medium,
            utm_campaign: i.utm_campaign,
            utm_term: i.utm_term,
            utm_content: i.utm_content,
            page_url: i.page_url,
            responsible_id: i.responsible_id,
        }
    }
    async fn form_extras(
        _state: &web::Data<AppState>,
        _session: &Session,
        id: Option<i64>,
    ) -> Result<Vec<(&'static str, serde_json::Value)>, WebError> {
        let statuses: &[&str] = if id.is_some() {
            &["new", "in_progress", "junk"]
        } else {
            &[]
        };
        Ok(vec![
            ("sources", json!(SOURCES)),
            ("statuses", json!(statuses)),
        ])
    }
    async fn draft(
        state: &web::Data<AppState>,
        _session: &Session,
        f: &LeadForm,
    ) -> Result<Result<LeadDraft, FieldErrors>, WebError> {
        let mut errors = FieldErrors::new();
        let responsible_id = optional_id(&mut errors, "responsible", &f.responsible_id);
        let input = LeadInput {
            title: f.title.clone(),
            source: f.source.clone(),
            // A converted lead's form shows no status; keep whatever it is.
            status: if f.status == "converted" {
                String::new()
            } else {
                f.status.clone()
            },
            name: f.name.clone(),
            company_name: f.company_name.clone(),
            phone: f.phone.clone(),
            email: f.email.clone(),
            message: f.message.clone(),
            utm_source: f.utm_source.clone(),
            utm_medium: f.utm_medium.clone(),
            utm_campaign: f.utm_campaign.clone(),
            utm_term: f.utm_term.clone(),
            utm_content: f.utm_content.clone(),
            page_url: f.page_url.clone(),
            responsible_id,
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
}
