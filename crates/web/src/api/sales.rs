//! The sales endpoints beyond plain create/read/update/delete: filtered lists of deals, leads
//! and products, moving a deal, its stage history, converting a lead, and pipelines with their
//! stages and lost reasons.

use actix_web::http::header::LOCATION;
use actix_web::{HttpResponse, web};
use crm_core::{
    DealFilter, DealInput, DealSort, LeadStatus, Link, ListQuery, Part, PipelineInput, StageInput,
    StageKind, money,
};
use serde::Deserialize;

use crate::api::{ApiError, ListBody};
use crate::auth::ApiUser;
use crate::error::WebError;
use crate::pages::blocking;
use crate::state::AppState;

fn page_of(page: Option<u32>, per_page: Option<u32>) -> ListQuery {
    ListQuery {
        page: page.unwrap_or(1),
        per_page: per_page.unwrap_or(crm_core::listing::DEFAULT_PER_PAGE),
        ..Default::default()
    }
    .normalized()
}

fn body<T: serde::Serialize>(p: crm_core::Page<T>) -> ListBody<T> {
    ListBody {
        items: p.items,
        page: p.page,
        per_page: p.per_page,
        has_next: p.has_next,
    }
}

/// Query parameters of `GET /api/v1/deals`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DealParams {
    pub pipeline_id: Option<i64>,
    pub stage_id: Option<i64>,
    /// open, won or lost.
    pub state: Option<String>,
    pub responsible_id: Option<i64>,
    /// Decimals in the installation's currency.
    pub min_amount: Option<String>,
    pub max_amount: Option<String>,
    pub tag: Option<String>,
    /// updated (default), created, title, amount or expected_close.
    pub sort: Option<String>,
    pub desc: Option<bool>,
    pub page: Option<u32>,
    pub per_page: Option<u32>,
}

pub async fn list_deals(
    state: web::Data<AppState>,
    user: ApiUser,
    params: web::Query<DealParams>,
) -> Result<HttpResponse, ApiError> {
    let p = params.into_inner();
    let bad = |what: &str| WebError::BadRequest(what.to_string());
    let amount = |v: &Option<String>, name: &str| -> Result<Option<i64>, WebError> {
        v.as_deref()
            .map(|s| {
                money::parse_decimal(s, state.currency.exponent(), money::MAX_MINOR)
                    .map_err(|_| bad(&format!("{name} must be a non-negative decimal")))
            })
            .transpose()
    };
    let filter = DealFilter {
        pipeline_id: p.pipeline_id,
        stage_id: p.stage_id,
        responsible_id: p.responsible_id,
        min_amount: amount(&p.min_amount, "min_amount")?,
        max_amount: amount(&p.max_amount, "max_amount")?,
        tag: p.tag.clone(),
        state: match p.state.as_deref() {
            None => None,
            Some(s) => {
                Some(StageKind::parse(s).ok_or_else(|| bad("state must be open, won or lost"))?)
            }
        },
    };
    let sort = match p.sort.as_deref() {
        None => DealSort::Updated,
        Some(s) => DealSort::parse(s)
            .ok_or_else(|| bad("sort must be updated, created, title, amount or expected_close"))?,
    };
    let desc = p.desc.unwrap_or(sort == DealSort::Updated);
    let q = page_of(p.page, p.per_page);
    let a = user.0.actor();
    let page = blocking(move || state.store.list_deals(&a, &filter, sort, desc, &q)).await?;
    Ok(HttpResponse::Ok().json(body(page)))
}

/// Body of `POST /api/v1/deals/{id}/move`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MoveBody {
    pub stage_id: i64,
    /// The version the client saw; a stale one answers 409.
    #[serde(default)]
    pub version: Option<i64>,
    #[serde(default)]
    pub lost_reason_id: Option<i64>,
}

pub async fn move_deal(
    state: web::Data<AppState>,
    user: ApiUser,
    id: web::Path<i64>,
    body: web::Json<MoveBody>,
) -> Result<HttpResponse, ApiError> {
    let (a, id, b) = (user.0.actor(), id.into_inner(), body.into_inner());
    let deal = blocking(move || {
        state
            .store
            .move_deal(&a, id, b.stage_id, b.version, b.lost_reason_id)
    })
    .await?;
    Ok(HttpResponse::Ok().json(deal))
}

pub async fn deal_history(
    state: web::Data<AppState>,
    user: ApiUser,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let (a, id) = (user.0.actor(), id.into_inner());
    let history = blocking(move || state.store.deal_history(&a, id)).await?;
    Ok(HttpResponse::Ok().json(history))
}

/// Query parameters of `GET /api/v1/leads`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LeadParams {
    pub status: Option<String>,
    pub responsible_id: Option<i64>,
    pub page: Option<u32>,
    pub per_page: Option<u32>,
}

pub async fn list_leads(
    state: web::Data<AppState>,
    user: ApiUser,
    params: web::Query<LeadParams>,
) -> Result<HttpResponse, ApiError> {
    let p = params.into_inner();
    let status = match p.status.as_deref() {
        None => None,
        Some(s) => Some(LeadStatus::parse(s).ok_or_else(|| {
            WebError::BadRequest("status must be new, in_progress, converted or junk".into())
        })?),
    };
    let mut q = page_of(p.page, p.per_page);
    q.responsible_id = p.responsible_id;
    let a = user.0.actor();
    let page = blocking(move || state.store.list_leads(&a, status, &q)).await?;
    Ok(HttpResponse::Ok().json(body(page)))
}

/// Body of `POST /api/v1/leads/{id}/convert`: for contact and company `"new"`, `"none"` or an
/// existing card's id; a deal to open, if any.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConvertBody {
    pub contact: serde_json::Value,
    pub company: serde_json::Value,
    #[serde(default)]
    pub deal: Option<DealInput>,
}

fn link(field: &str, v: &serde_json::Value) -> Result<Link, WebError> {
    let parsed = match v {
        serde_json::Value::String(s) => Link::parse(s),
        serde_json::Value::Number(n) => n.as_i64().map(Link::Existing),
        _ => None,
    };
    parsed
        .ok_or_else(|| WebError::BadRequest(format!("{field} must be \"new\", \"none\" or an id")))
}

pub async fn convert_lead(
    state: web::Data<AppState>,
    user: ApiUser,
    id: web::Path<i64>,
    body: web::Json<ConvertBody>,
) -> Result<HttpResponse, ApiError> {
    let (a, id, b) = (user.0.actor(), id.into_inner(), body.into_inner());
    let st = state.clone();
    let lead = blocking(move || st.store.lead(&a, id)).await?;
    let contact = match link("contact", &b.contact)? {
        Link::New => Part::New(lead.contact_input().validate(state.region)?),
        Link::Existing(id) => Part::Existing(id),
        Link::Skip => Part::Skip,
    };
    let company = match link("company", &b.company)? {
        Link::New => Part::New(lead.company_input().validate(state.region)?),
        Link::Existing(id) => Part::Existing(id),
        Link::Skip => Part::Skip,
    };
    let deal = match b.deal {
        Some(d) => Some(d.validate(state.currency)?),
        None => None,
    };
    let conversion = crm_core::Conversion {
        contact,
        company,
        deal,
    };
    let done = blocking(move || state.store.convert_lead(&a, id, &conversion)).await?;
    Ok(HttpResponse::Ok().json(done))
}

/// Query parameters of `GET /api/v1/products`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProductParams {
    /// First letters of words of the name or SKU: the suggestions, active products only.
    pub q: Option<String>,
    pub page: Option<u32>,
    pub per_page: Option<u32>,
}

pub async fn list_products(
    state: web::Data<AppState>,
    _user: ApiUser,
    params: web::Query<ProductParams>,
) -> Result<HttpResponse, ApiError> {
    let p = params.into_inner();
    let q = page_of(p.page, p.per_page);
    if let Some(text) = p.q {
        let limit = i64::from(q.per_page);
        let items = blocking(move || state.store.suggest_products(&text, limit)).await?;
        return Ok(HttpResponse::Ok().json(ListBody {
            items,
            page: 1,
            per_page: q.per_page,
            has_next: false,
        }));
    }
    let page = blocking(move || state.store.list_products(&q)).await?;
    Ok(HttpResponse::Ok().json(body(page)))
}

pub async fn list_pipelines(
    state: web::Data<AppState>,
    _user: ApiUser,
) -> Result<HttpResponse, ApiError> {
    let all = blocking(move || state.store.pipelines()).await?;
    Ok(HttpResponse::Ok().json(all))
}

pub async fn get_pipeline(
    state: web::Data<AppState>,
    _user: ApiUser,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let p = blocking(move || state.store.pipeline(id)).await?;
    Ok(HttpResponse::Ok().json(p))
}

pub async fn create_pipeline(
    state: web::Data<AppState>,
    user: ApiUser,
    body: web::Json<PipelineInput>,
) -> Result<HttpResponse, ApiError> {
    let draft = body.validate()?;
    let a = user.0.actor();
    let p = blocking(move || state.store.create_pipeline(&a, &draft)).await?;
    Ok(HttpResponse::Created()
        .insert_header((LOCATION, format!("/api/v1/pipelines/{}", p.id)))
        .json(p))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RenameBody {
    pub name: String,
}

pub async fn rename_pipeline(
    state: web::Data<AppState>,
    user: ApiUser,
    id: web::Path<i64>,
    body: web::Json<RenameBody>,
) -> Result<HttpResponse, ApiError> {
    let mut e = crm_core::FieldErrors::new();
    let name = crm_core::party::line(&mut e, "name", &body.name, true);
    e.into_result(())?;
    let (a, id) = (user.0.actor(), id.into_inner());
    let p = blocking(move || state.store.rename_pipeline(&a, id, &name)).await?;
    Ok(HttpResponse::Ok().json(p))
}

pub async fn delete_pipeline(
    state: web::Data<AppState>,
    user: ApiUser,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let (a, id) = (user.0.actor(), id.into_inner());
    blocking(move || state.store.delete_pipeline(&a, id)).await?;
    Ok(HttpResponse::NoContent().finish())
}

pub async fn add_stage(
    state: web::Data<AppState>,
    user: ApiUser,
    id: web::Path<i64>,
    body: web::Json<StageInput>,
) -> Result<HttpResponse, ApiError> {
    let stage = body.validate()?;
    let (a, id) = (user.0.actor(), id.into_inner());
    let s = blocking(move || state.store.add_stage(&a, id, &stage)).await?;
    Ok(HttpResponse::Created().json(s))
}

/// Body of `PATCH /api/v1/stages/{id}`: the stage's fields, and optionally its new place
/// (unknown fields are refused by the flattened stage).
#[derive(Debug, Deserialize)]
pub struct StageBody {
    #[serde(flatten)]
    pub stage: StageInput,
    #[serde(default)]
    pub position: Option<usize>,
}

pub async fn update_stage(
    state: web::Data<AppState>,
    user: ApiUser,
    id: web::Path<i64>,
    body: web::Json<StageBody>,
) -> Result<HttpResponse, ApiError> {
    let b = body.into_inner();
    let stage = b.stage.validate()?;
    let (a, id) = (user.0.actor(), id.into_inner());
    let s = blocking(move || {
        let s = state.store.update_stage(&a, id, &stage)?;
        if let Some(p) = b.position {
            state.store.move_stage(&a, id, p)?;
        }
        Ok(s)
    })
    .await?;
    Ok(HttpResponse::Ok().json(s))
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeleteStageParams {
    /// Where the stage's deals go; required when it holds any (else 409).
    pub move_to: Option<i64>,
}

pub async fn delete_stage(
    state: web::Data<AppState>,
    user: ApiUser,
    id: web::Path<i64>,
    params: web::Query<DeleteStageParams>,
) -> Result<HttpResponse, ApiError> {
    let (a, id, to) = (user.0.actor(), id.into_inner(), params.move_to);
    blocking(move || state.store.delete_stage(&a, id, to)).await?;
    Ok(HttpResponse::NoContent().finish())
}

pub async fn lost_reasons(
    state: web::Data<AppState>,
    _user: ApiUser,
) -> Result<HttpResponse, ApiError> {
    let all = blocking(move || state.store.lost_reasons(true)).await?;
    Ok(HttpResponse::Ok().json(all))
}
