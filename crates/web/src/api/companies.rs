//! `/api/v1/companies`.

use actix_web::http::header::LOCATION;
use actix_web::{HttpResponse, web};
use crm_core::{CompanyInput, CompanyPatch};

use crate::api::{ApiError, ListBody, ListParams};
use crate::auth::ApiUser;
use crate::pages::blocking;
use crate::state::AppState;

pub async fn list(
    state: web::Data<AppState>,
    user: ApiUser,
    params: web::Query<ListParams>,
) -> Result<HttpResponse, ApiError> {
    let q = params.query()?;
    let a = user.0.actor();
    let st = state.clone();
    let body = match params.q.clone() {
        Some(text) => {
            let limit = i64::from(q.per_page);
            let found = blocking(move || st.store.search(&a, &text, limit)).await?;
            ListBody {
                items: found.companies,
                page: 1,
                per_page: q.per_page,
                has_next: false,
            }
        }
        None => {
            let p = blocking(move || st.store.list_companies(&a, &q)).await?;
            ListBody {
                items: p.items,
                page: p.page,
                per_page: p.per_page,
                has_next: p.has_next,
            }
        }
    };
    Ok(HttpResponse::Ok().json(body))
}

pub async fn get(
    state: web::Data<AppState>,
    user: ApiUser,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let (a, id) = (user.0.actor(), id.into_inner());
    let c = blocking(move || state.store.company(&a, id)).await?;
    Ok(HttpResponse::Ok().json(c))
}

pub async fn create(
    state: web::Data<AppState>,
    user: ApiUser,
    body: web::Json<CompanyInput>,
) -> Result<HttpResponse, ApiError> {
    let draft = body.validate(state.region)?;
    let a = user.0.actor();
    let c = blocking(move || state.store.create_company(&a, &draft)).await?;
    Ok(HttpResponse::Created()
        .insert_header((LOCATION, format!("/api/v1/companies/{}", c.id)))
        .json(c))
}

pub async fn update(
    state: web::Data<AppState>,
    user: ApiUser,
    id: web::Path<i64>,
    body: web::Json<CompanyPatch>,
) -> Result<HttpResponse, ApiError> {
    let (a, id) = (user.0.actor(), id.into_inner());
    let st = state.clone();
    let current = blocking(move || st.store.company(&a, id)).await?;
    let draft = body
        .into_inner()
        .apply(current.to_input())
        .validate(state.region)?;
    let c = blocking(move || state.store.update_company(&a, id, &draft)).await?;
    Ok(HttpResponse::Ok().json(c))
}

pub async fn delete(
    state: web::Data<AppState>,
    user: ApiUser,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let (a, id) = (user.0.actor(), id.into_inner());
    blocking(move || state.store.delete_company(&a, id)).await?;
    Ok(HttpResponse::NoContent().finish())
}
