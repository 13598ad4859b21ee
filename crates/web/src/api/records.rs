//! The endpoints every kind of record shares: list or search, read, create, partial update,
//! delete. Each kind says how it maps onto the store in a [`Record`] implementation.

use actix_web::http::header::LOCATION;
use actix_web::{HttpResponse, web};
use crm_core::{Actor, ListQuery, Page, Region};
use crm_store::{Store, StoreResult};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::api::{ApiError, ListBody, ListParams};
use crate::auth::ApiUser;
use crate::pages::blocking;
use crate::state::AppState;

/// A kind of record served under `/api/v1/{PATH}`.
pub trait Record: 'static {
    const PATH: &'static str;
    /// The full body of a create.
    type Input: DeserializeOwned + Send + 'static;
    /// The body of a partial update.
    type Patch: DeserializeOwned + Send + 'static;
    type Draft: Send + 'static;
    type Full: Serialize + Send + 'static;
    type Row: Serialize + Send + 'static;

    fn validate(input: &Self::Input, region: Region) -> crm_core::Result<Self::Draft>;
    fn patch(patch: Self::Patch, current: &Self::Full) -> Self::Input;
    fn id(record: &Self::Full) -> i64;
    fn list(store: &Store, actor: &Actor, q: &ListQuery) -> StoreResult<Page<Self::Row>>;
    fn search(store: &Store, actor: &Actor, text: &str, limit: i64) -> StoreResult<Vec<Self::Row>>;
    fn get(store: &Store, actor: &Actor, id: i64) -> StoreResult<Self::Full>;
    fn create(store: &Store, actor: &Actor, draft: &Self::Draft) -> StoreResult<Self::Full>;
    fn update(
        store: &Store,
        actor: &Actor,
        id: i64,
        draft: &Self::Draft,
    ) -> StoreResult<Self::Full>;
    fn delete(store: &Store, actor: &Actor, id: i64) -> StoreResult<()>;
}

pub async fn list<R: Record>(
    state: web::Data<AppState>,
    user: ApiUser,
    params: web::Query<ListParams>,
) -> Result<HttpResponse, ApiError> {
    let q = params.query()?;
    let a = user.0.actor();
    let body = match params.into_inner().q {
        Some(text) => {
            let limit = i64::from(q.per_page);
            let items = blocking(move || R::search(&state.store, &a, &text, limit)).await?;
            ListBody {
                items,
                page: 1,
                per_page: q.per_page,
                has_next: false,
            }
        }
        None => {
            let p = blocking(move || R::list(&state.store, &a, &q)).await?;
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

pub async fn get<R: Record>(
    state: web::Data<AppState>,
    user: ApiUser,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let (a, id) = (user.0.actor(), id.into_inner());
    let record = blocking(move || R::get(&state.store, &a, id)).await?;
    Ok(HttpResponse::Ok().json(record))
}

pub async fn create<R: Record>(
    state: web::Data<AppState>,
    user: ApiUser,
    body: web::Json<R::Input>,
) -> Result<HttpResponse, ApiError> {
    let draft = R::validate(&body, state.region)?;
    let a = user.0.actor();
    let record = blocking(move || R::create(&state.store, &a, &draft)).await?;
    Ok(HttpResponse::Created()
        .insert_header((LOCATION, format!("/api/v1/{}/{}", R::PATH, R::id(&record))))
        .json(record))
}

pub async fn update<R: Record>(
    state: web::Data<AppState>,
    user: ApiUser,
    id: web::Path<i64>,
    body: web::Json<R::Patch>,
) -> Result<HttpResponse, ApiError> {
    let (a, id) = (user.0.actor(), id.into_inner());
    let st = state.clone();
    let current = blocking(move || R::get(&st.store, &a, id)).await?;
    let draft = R::validate(&R::patch(body.into_inner(), &current), state.region)?;
    let record = blocking(move || R::update(&state.store, &a, id, &draft)).await?;
    Ok(HttpResponse::Ok().json(record))
}

pub async fn delete<R: Record>(
    state: web::Data<AppState>,
    user: ApiUser,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let (a, id) = (user.0.actor(), id.into_inner());
    blocking(move || R::delete(&state.store, &a, id)).await?;
    Ok(HttpResponse::NoContent().finish())
}
