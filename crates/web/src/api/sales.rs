//! The sales endpoints beyond plain create/read/update/delete: filtered lists of deals, leads
//! and products, moving a deal, its stage history, converting a lead, and pipelines with their
//! stages and lost reasons.

use actix_web::http::header::LOCATION;
use actix_web::{HttpResponse, web};
use crm_core::{
    Deal, DealCursor, DealFilter, DealInput, DealRow, DealSort, Lead, LeadRow, LeadStatus, Link,
    ListQuery, Part, Pipeline, PipelineInput, Product, SortKey, Stage, StageChange, StageInput,
    StageKind, money,
};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use crate::api::openapi::{ConvertChoice, LostReason};
use crate::api::{ApiError, ListBody, cursor_of};
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

/// Query parameters of `GET /api/v1/deals`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DealParams {
    /// Only deals in this pipeline.
    pub pipeline_id: Option<i64>,
    /// Only deals at this stage.
    pub stage_id: Option<i64>,
    /// open, won or lost.
    pub state: Option<String>,
    /// Only deals this user is responsible for.
    pub responsible_id: Option<i64>,
    /// Decimals in the installation's currency.
    pub min_amount: Option<String>,
    /// Decimals in the installation's currency.
    pub max_amount: Option<String>,
    /// Only deals with this tag.
    pub tag: Option<String>,
    /// updated (default), created, title, amount or expected_close.
    pub sort: Option<String>,
    /// Descending order (default: true for updated, false otherwise).
    pub desc: Option<bool>,
    /// Page number, from 1.
    pub page: Option<u32>,
    /// Items per page.
    pub per_page: Option<u32>,
    /// The `next_cursor` of the previous answer: the page after it (instead of `page`), with
    /// the same filters, `sort` and `desc`.
    pub cursor: Option<String>,
    /// Items per answer (default 50, at most 200); `per_page` is the same.
    pub limit: Option<u32>,
}

/// List deals
///
/// Filtered by pipeline, stage, state, responsible, amount and tag. Ties in the sort value
/// are broken by id; deals without an expected close date come last in either direction.
#[utoipa::path(get, path = "/api/v1/deals", tag = "deals", operation_id = "list_deals",
    params(DealParams),
    responses((status = 200, description = "A page of deals.", body = ListBody<DealRow>)))]
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
    let q = page_of(p.page, p.limit.or(p.per_page));
    let after = deal_cursor_of(p.cursor.as_deref(), p.page, sort, desc)?;
    let a = user.0.actor();
    let (page, next) = blocking(move || {
        state
            .store
            .list_deals_after(&a, &filter, sort, desc, &q, after.as_ref())
    })
    .await?;
    Ok(HttpResponse::Ok().json(ListBody::with_token(page, next.map(|c| c.encode()))))
}

/// The `cursor` of a deal list request, checked like [`crate::api::cursor_of`]: one this API
/// made for deals in this order, and not together with `page`.
fn deal_cursor_of(
    token: Option<&str>,
    page: Option<u32>,
    sort: DealSort,
    desc: bool,
) -> Result<Option<DealCursor>, WebError> {
    let Some(token) = token else {
        return Ok(None);
    };
    let bad = |what: &str| WebError::BadRequest(what.to_string());
    if page.is_some() {
        return Err(bad("send page or cursor, not both"));
    }
    let c = DealCursor::decode(token)
        .ok_or_else(|| bad("cursor must be a next_cursor of this API's deal list"))?;
    if !c.fits(sort, desc) {
        return Err(bad("cursor was made for another sort order"));
    }
    Ok(Some(c))
}

/// Body of `POST /api/v1/deals/{id}/move`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MoveBody {
    pub stage_id: i64,
    /// The version the client saw; a stale one answers 409.
    #[serde(default)]
    pub version: Option<i64>,
    #[serde(default)]
    pub lost_reason_id: Option<i64>,
}

/// Move a deal to another stage
///
/// A lost stage needs `lost_reason_id`; a stale `version` answers 409.
#[utoipa::path(post, path = "/api/v1/deals/{id}/move", tag = "deals", operation_id = "move_deal",
    params(("id" = i64, Path, description = "The deal's id.")), request_body = MoveBody,
    responses((status = 200, description = "The deal at its new stage.", body = Deal)))]
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

/// A deal's stage history
#[utoipa::path(get, path = "/api/v1/deals/{id}/history", tag = "deals",
    operation_id = "deal_history", params(("id" = i64, Path, description = "The deal's id.")),
    responses((status = 200, description = "Stage changes, oldest first.", body = Vec<StageChange>)))]
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
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct LeadParams {
    /// new, in_progress, converted or junk.
    pub status: Option<String>,
    /// Only leads this user is responsible for.
    pub responsible_id: Option<i64>,
    /// Page number, from 1.
    pub page: Option<u32>,
    /// Items per page.
    pub per_page: Option<u32>,
    /// The `next_cursor` of the previous answer (instead of `page`).
    pub cursor: Option<String>,
    /// Items per answer; `per_page` is the same.
    pub limit: Option<u32>,
}

/// List leads
#[utoipa::path(get, path = "/api/v1/leads", tag = "leads", operation_id = "list_leads",
    params(LeadParams),
    responses((status = 200, description = "A page of leads, newest first.", body = ListBody<LeadRow>)))]
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
    let mut q = page_of(p.page, p.limit.or(p.per_page));
    q.responsible_id = p.responsible_id;
    // Leads come newest first.
    (q.sort, q.desc) = (SortKey::Created, true);
    let after = cursor_of(p.cursor.as_deref(), p.page, &q)?;
    let a = user.0.actor();
    let (page, next) =
        blocking(move || state.store.list_leads_after(&a, status, &q, after.as_ref())).await?;
    Ok(HttpResponse::Ok().json(ListBody::with_cursor(page, next)))
}

/// Body of `POST /api/v1/leads/{id}/convert`: for contact and company `"new"`, `"none"` or an
/// existing card's id; a deal to open, if any.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConvertBody {
    #[schema(value_type = ConvertChoice)]
    pub contact: serde_json::Value,
    #[schema(value_type = ConvertChoice)]
    pub company: serde_json::Value,
    /// A deal to open for the client, if any.
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

/// Convert a lead
///
/// Into a new or existing contact and company, and optionally a new deal, in one transaction.
#[utoipa::path(post, path = "/api/v1/leads/{id}/convert", tag = "leads",
    operation_id = "convert_lead", params(("id" = i64, Path, description = "The lead's id.")), request_body = ConvertBody,
    responses((status = 200, description = "The lead, now converted.", body = Lead)))]
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
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ProductParams {
    /// First letters of words of the name or SKU: the suggestions, active products only.
    pub q: Option<String>,
    /// Page number, from 1.
    pub page: Option<u32>,
    /// Items per page.
    pub per_page: Option<u32>,
    /// The `next_cursor` of the previous answer (instead of `page`).
    pub cursor: Option<String>,
    /// Items per answer; `per_page` is the same.
    pub limit: Option<u32>,
}

/// List or search the product catalogue
#[utoipa::path(get, path = "/api/v1/products", tag = "products", operation_id = "list_products",
    params(ProductParams),
    responses((status = 200, description = "A page of products.", body = ListBody<Product>)))]
pub async fn list_products(
    state: web::Data<AppState>,
    _user: ApiUser,
    params: web::Query<ProductParams>,
) -> Result<HttpResponse, ApiError> {
    let p = params.into_inner();
    let q = page_of(p.page, p.limit.or(p.per_page));
    if let Some(text) = p.q {
        let limit = i64::from(q.per_page);
        let items = blocking(move || state.store.suggest_products(&text, limit)).await?;
        return Ok(HttpResponse::Ok().json(ListBody {
            items,
            page: 1,
            per_page: q.per_page,
            has_next: false,
            next_cursor: Some(None),
        }));
    }
    let after = cursor_of(p.cursor.as_deref(), p.page, &q)?;
    let (page, next) =
        blocking(move || state.store.list_products_after(&q, after.as_ref())).await?;
    Ok(HttpResponse::Ok().json(ListBody::with_cursor(page, next)))
}

/// List pipelines
#[utoipa::path(get, path = "/api/v1/pipelines", tag = "pipelines", operation_id = "list_pipelines",
    responses((status = 200, description = "Every pipeline with its stages, in order.", body = Vec<Pipeline>)))]
pub async fn list_pipelines(
    state: web::Data<AppState>,
    _user: ApiUser,
) -> Result<HttpResponse, ApiError> {
    let all = blocking(move || state.store.pipelines()).await?;
    Ok(HttpResponse::Ok().json(all))
}

/// Read a pipeline
#[utoipa::path(get, path = "/api/v1/pipelines/{id}", tag = "pipelines",
    operation_id = "get_pipeline", params(("id" = i64, Path, description = "The pipeline's id.")),
    responses((status = 200, description = "The pipeline with its stages.", body = Pipeline)))]
pub async fn get_pipeline(
    state: web::Data<AppState>,
    _user: ApiUser,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let p = blocking(move || state.store.pipeline(id)).await?;
    Ok(HttpResponse::Ok().json(p))
}

/// Create a pipeline (administrators)
#[utoipa::path(post, path = "/api/v1/pipelines", tag = "pipelines",
    operation_id = "create_pipeline",
    request_body(content = PipelineInput, example = json!({"name": "Wholesale", "stages": [
        {"name": "Offer", "probability": 30, "color": "#3b82f6", "kind": "open"},
        {"name": "Won", "probability": 100, "color": "#16a34a", "kind": "won"},
        {"name": "Lost", "probability": 0, "color": "#9ca3af", "kind": "lost"}]})),
    responses((status = 201, description = "The new pipeline; the `Location` header names it.", body = Pipeline)))]
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

/// Body of `PATCH /api/v1/pipelines/{id}`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RenameBody {
    pub name: String,
}

/// Rename a pipeline (administrators)
#[utoipa::path(patch, path = "/api/v1/pipelines/{id}", tag = "pipelines",
    operation_id = "rename_pipeline", params(("id" = i64, Path, description = "The pipeline's id.")), request_body = RenameBody,
    responses((status = 200, description = "The renamed pipeline.", body = Pipeline)))]
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

/// Delete a pipeline (administrators)
///
/// Refused (409) while it holds deals, and for the last pipeline.
#[utoipa::path(delete, path = "/api/v1/pipelines/{id}", tag = "pipelines",
    operation_id = "delete_pipeline", params(("id" = i64, Path, description = "The pipeline's id.")),
    responses((status = 204, description = "Deleted.")))]
pub async fn delete_pipeline(
    state: web::Data<AppState>,
    user: ApiUser,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let (a, id) = (user.0.actor(), id.into_inner());
    blocking(move || state.store.delete_pipeline(&a, id)).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Add a stage to a pipeline (administrators)
#[utoipa::path(post, path = "/api/v1/pipelines/{id}/stages", tag = "pipelines",
    operation_id = "add_stage", params(("id" = i64, Path, description = "The pipeline's id.")), request_body = StageInput,
    responses((status = 201, description = "The new stage, last in its pipeline.", body = Stage)))]
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
#[derive(Debug, Deserialize, ToSchema)]
pub struct StageBody {
    #[serde(flatten)]
    pub stage: StageInput,
    /// The stage's new place in its pipeline, from 0.
    #[serde(default)]
    pub position: Option<usize>,
}

/// Change a stage (administrators)
#[utoipa::path(patch, path = "/api/v1/stages/{id}", tag = "pipelines",
    operation_id = "update_stage", params(("id" = i64, Path, description = "The stage's id.")), request_body = StageBody,
    responses((status = 200, description = "The stage as saved.", body = Stage)))]
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

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DeleteStageParams {
    /// Where the stage's deals go; required when it holds any (else 409).
    pub move_to: Option<i64>,
}

/// Delete a stage (administrators)
#[utoipa::path(delete, path = "/api/v1/stages/{id}", tag = "pipelines",
    operation_id = "delete_stage", params(("id" = i64, Path, description = "The stage's id."), DeleteStageParams),
    responses((status = 204, description = "Deleted; its deals moved to `move_to`.")))]
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

/// List the reasons a deal may be lost for
#[utoipa::path(get, path = "/api/v1/lost-reasons", tag = "pipelines",
    operation_id = "list_lost_reasons",
    responses((status = 200, description = "Every reason, retired ones too (`active` false).", body = Vec<LostReason>)))]
pub async fn lost_reasons(
    state: web::Data<AppState>,
    _user: ApiUser,
) -> Result<HttpResponse, ApiError> {
    let all = blocking(move || state.store.lost_reasons(true)).await?;
    Ok(HttpResponse::Ok().json(all))
}
