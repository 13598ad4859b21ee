//! The endpoints every kind of record shares: list or search, read, create, partial update,
//! delete, written once over [`Record`].

use actix_web::http::header::LOCATION;
use actix_web::{HttpResponse, web};

use crate::api::{ApiError, ListBody, ListParams};
use crate::auth::ApiUser;
use crate::pages::blocking;
use crate::records::{Listed, Record};
use crate::state::AppState;

pub async fn list<R: Listed>(
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
    let draft = R::validate(&body, &state)?;
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
    let draft = R::validate(&R::patch(body.into_inner(), &current), &state)?;
    let record = blocking(move || R::update(&state.store, &a, id, &draft)).await?;
    Ok(HttpResponse::Ok().json(record))
}

pub async fn delete<R: Record>(
    state: web::Data<AppState>,
    user: ApiUser,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let (a, id, st) = (user.0.actor(), id.into_inner(), state.clone());
    let files = blocking(move || R::delete(&st.store, &a, id)).await?;
    crate::files::remove(&state.files, &files);
    Ok(HttpResponse::NoContent().finish())
}
