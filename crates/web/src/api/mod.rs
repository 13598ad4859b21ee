//! The REST API (`/api/v1`): the same store operations as the pages, authenticated with API
//! tokens, answering JSON — errors as `{"error": {"code", "message", "fields"}}`.

pub mod guard;
pub mod openapi;
pub mod records;
pub mod sales;
pub mod work;

use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use actix_web::http::header::RETRY_AFTER;
use actix_web::{HttpResponse, ResponseError};
use crm_core::{Cursor, Error as DomainError, ListQuery, Page, SortKey};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::{IntoParams, ToSchema};

use crate::error::WebError;
use crate::i18n;

/// API messages are in English: integrations parse codes, people read logs.
const API_LANG: &str = "en";

/// A [`WebError`] that answers as JSON.
#[derive(Debug)]
pub struct ApiError(pub WebError);

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl<E: Into<WebError>> From<E> for ApiError {
    fn from(e: E) -> Self {
        ApiError(e.into())
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match &self.0 {
            WebError::SignIn { .. } => StatusCode::UNAUTHORIZED,
            other => other.status_code(),
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let WebError::Internal(cause) = &self.0 {
            tracing::error!(%cause, "API request failed");
        }
        let fields = match &self.0 {
            WebError::Domain(DomainError::Invalid(errors)) => {
                let mut map = BTreeMap::new();
                for e in errors.iter() {
                    map.entry(e.field.clone())
                        .or_insert_with(|| i18n::translate(API_LANG, e.code, &[]));
                }
                Some(map)
            }
            _ => None,
        };
        let message = match &self.0 {
            WebError::BadRequest(detail) => detail.clone(),
            other => i18n::translate(API_LANG, other.message_key(), &[]),
        };
        let mut body = json!({ "code": self.0.code(), "message": message });
        if let Some(fields) = fields {
            body["fields"] = json!(fields);
        }
        let mut res = HttpResponse::build(self.status_code());
        if let WebError::RateLimited { retry_after } = &self.0 {
            res.insert_header((RETRY_AFTER, retry_after.to_string()));
        }
        res.json(json!({ "error": body }))
    }
}

/// A JSON error body for a status with no richer cause (unknown route, payload too large...).
pub fn error_body(
    status: StatusCode,
    key: &str,
    fields: Option<BTreeMap<String, String>>,
    request_id: &str,
) -> HttpResponse {
    let code = match status {
        StatusCode::NOT_FOUND | StatusCode::METHOD_NOT_ALLOWED => "not_found",
        StatusCode::UNAUTHORIZED => "unauthorized",
        StatusCode::FORBIDDEN => "forbidden",
        StatusCode::PAYLOAD_TOO_LARGE => "payload_too_large",
        s if s.is_client_error() => "bad_request",
        _ => "internal",
    };
    let mut body = json!({
        "code": code,
        "message": i18n::translate(API_LANG, key, &[]),
        "request_id": request_id,
    });
    if let Some(f) = fields {
        body["fields"] = json!(f);
    }
    HttpResponse::build(status).json(json!({ "error": body }))
}

/// Query parameters of the list endpoints.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// Search text; when present, the answer is the search results (one page).
    pub q: Option<String>,
    /// Page number, from 1.
    pub page: Option<u32>,
    /// Items per page.
    pub per_page: Option<u32>,
    /// The `next_cursor` of the previous answer: the page after it (instead of `page`).
    pub cursor: Option<String>,
    /// Items per answer (default 50, at most 200); `per_page` is the same.
    pub limit: Option<u32>,
    /// name (default), created or updated.
    pub sort: Option<String>,
    /// Newest or last first.
    pub desc: Option<bool>,
    /// Only cards with this tag.
    pub tag: Option<String>,
    /// Only cards this user is responsible for.
    pub responsible_id: Option<i64>,
}

impl ListParams {
    pub fn query(&self) -> Result<ListQuery, ApiError> {
        let sort = match self.sort.as_deref() {
            None => SortKey::default(),
            Some(s) => SortKey::parse(s).ok_or_else(|| {
                WebError::BadRequest(format!("unknown sort {s:?}: use name, created or updated"))
            })?,
        };
        Ok(ListQuery {
            page: self.page.unwrap_or(1),
            per_page: self
                .limit
                .or(self.per_page)
                .unwrap_or(crm_core::listing::DEFAULT_PER_PAGE),
            sort,
            desc: self.desc.unwrap_or(false),
            tag: self.tag.clone(),
            responsible_id: self.responsible_id,
        }
        .normalized())
    }
}

/// The `cursor` of a list request, checked: one this API made, for the list's order `q`,
/// and not together with `page`.
pub fn cursor_of(
    token: Option<&str>,
    page: Option<u32>,
    q: &ListQuery,
) -> Result<Option<Cursor>, ApiError> {
    let Some(token) = token else {
        return Ok(None);
    };
    let bad = |what: &str| ApiError(WebError::BadRequest(what.to_string()));
    if page.is_some() {
        return Err(bad("send page or cursor, not both"));
    }
    let c = Cursor::decode(token).ok_or_else(|| bad("cursor must be a next_cursor of this API"))?;
    if !c.fits(q.sort, q.desc) {
        return Err(bad("cursor was made for another sort order"));
    }
    Ok(Some(c))
}

/// A page of results as the API returns it.
#[derive(Serialize, ToSchema)]
pub struct ListBody<T> {
    pub items: Vec<T>,
    pub page: u32,
    pub per_page: u32,
    pub has_next: bool,
    /// Lists with cursors: the `cursor` of the next page, null on the last. Absent from
    /// lists paged by `page` only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<Option<String>>,
}

impl<T> ListBody<T> {
    /// A page of a list with cursors.
    pub fn with_cursor(p: Page<T>, next: Option<Cursor>) -> ListBody<T> {
        ListBody::with_token(p, next.map(|c| c.encode()))
    }

    /// A page of a list with cursors, given the next page's token.
    pub fn with_token(p: Page<T>, next: Option<String>) -> ListBody<T> {
        ListBody {
            items: p.items,
            page: p.page,
            per_page: p.per_page,
            has_next: p.has_next,
            next_cursor: Some(next),
        }
    }
}
