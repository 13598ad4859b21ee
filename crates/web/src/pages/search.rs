//! The search results page behind the search box on every page.

use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use crate::auth::Session;
use crate::error::WebError;
use crate::pages::forms::actor;
use crate::pages::{Page, blocking};
use crate::state::AppState;

/// Results shown per kind.
const LIMIT: i64 = 20;

#[derive(Deserialize)]
pub struct SearchParams {
    #[serde(default)]
    q: String,
}

pub async fn search(
    state: web::Data<AppState>,
    req: HttpRequest,
    session: Session,
    params: web::Query<SearchParams>,
) -> Result<HttpResponse, WebError> {
    let q: String = params.into_inner().q.chars().take(200).collect();
    let too_short = !crm_store::searchable(&q);
    let (st, a, needle) = (state.clone(), actor(&session), q.clone());
    let found = blocking(move || st.store.search(&a, &needle, LIMIT)).await?;
    let mut page = Page::new(&state, &req, Some(&session), "search");
    page.insert("q", &q)
        .insert("too_short", &too_short)
        .insert("contacts", &found.contacts)
        .insert("companies", &found.companies);
    page.render(&state, "search.html")
}
