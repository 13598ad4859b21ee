//! One error type at the HTTP edge. Each kind maps to a status; pages get an error page in the
//! user's language (rendered by [`crate::pages::error_page`]), the API a JSON body. Anything
//! unexpected is logged with the request id and shown as a generic 500 — never a stack trace
//! or SQL.

use actix_web::http::StatusCode;
use actix_web::http::header::{CONTENT_TYPE, LOCATION, RETRY_AFTER};
use actix_web::{HttpResponse, ResponseError};
use crm_core::Error as DomainError;
use crm_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum WebError {
    #[error(transparent)]
    Domain(DomainError),
    /// A page needs a signed-in user; carries where to come back to.
    #[error("sign-in required")]
    SignIn { next: String },
    /// The API needs a valid token.
    #[error("unauthorized")]
    Unauthorized,
    #[error("CSRF token missing or wrong")]
    Csrf,
    #[error("bad request: {0}")]
    BadRequest(String),
    #[error("payload too large")]
    TooLarge,
    #[error("internal error: {0}")]
    Internal(String),
    /// The API token's scope does not allow this method (a `read` token writing).
    #[error("the token's scope does not allow this")]
    InsufficientScope,
    /// Too many API requests: try again after this many seconds.
    #[error("rate limited")]
    RateLimited { retry_after: u64 },
    /// An idempotency key was sent again with a different request.
    #[error("idempotency key reused for another request")]
    IdempotencyKeyReused,
    /// The first request with this idempotency key has not finished yet.
    #[error("idempotency key in progress")]
    IdempotencyKeyInProgress,
}

impl From<StoreError> for WebError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Domain(d) => WebError::Domain(d),
            other => WebError::Internal(other.to_string()),
        }
    }
}

impl From<DomainError> for WebError {
    fn from(e: DomainError) -> Self {
        WebError::Domain(e)
    }
}

impl From<actix_web::error::BlockingError> for WebError {
    fn from(e: actix_web::error::BlockingError) -> Self {
        WebError::Internal(e.to_string())
    }
}

impl WebError {
    /// The translation key of the message shown to people.
    pub fn message_key(&self) -> &'static str {
        match self {
            WebError::Domain(DomainError::NotFound) => "error-not-found",
            WebError::Domain(DomainError::Forbidden) => "error-forbidden",
            WebError::Domain(DomainError::Invalid(_)) => "error-bad-request",
            WebError::Domain(DomainError::Conflict(key)) => key,
            WebError::SignIn { .. } | WebError::Unauthorized => "error-unauthorized",
            WebError::Csrf => "error-csrf",
            WebError::BadRequest(_) => "error-bad-request",
            WebError::TooLarge => "error-payload-too-large",
            WebError::Internal(_) => "error-internal",
            WebError::InsufficientScope => "error-insufficient-scope",
            WebError::RateLimited { .. } => "error-rate-limited",
            WebError::IdempotencyKeyReused => "error-idempotency-key-reused",
            WebError::IdempotencyKeyInProgress => "error-idempotency-key-in-progress",
        }
    }

    /// Seconds to wait before trying again, for a refusal that has them (`Retry-After`).
    /// Over a rate limit, to be tried again after `wait` (whole seconds, at least one).
    pub fn rate_limited(wait: std::time::Duration) -> WebError {
        let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
        WebError::RateLimited {
            retry_after: seconds.max(1),
        }
    }

    pub fn retry_after(&self) -> Option<u64> {
        match self {
            WebError::RateLimited { retry_after } => Some(*retry_after),
            _ => None,
        }
    }

    /// A short machine-readable code for API clients.
    pub fn code(&self) -> &'static str {
        match self {
            WebError::Domain(DomainError::NotFound) => "not_found",
            WebError::Domain(DomainError::Forbidden) => "forbidden",
            WebError::Domain(DomainError::Invalid(_)) => "invalid",
            WebError::Domain(DomainError::Conflict(_)) => "conflict",
            WebError::SignIn { .. } | WebError::Unauthorized => "unauthorized",
            WebError::Csrf => "csrf",
            WebError::BadRequest(_) => "bad_request",
            WebError::TooLarge => "payload_too_large",
            WebError::Internal(_) => "internal",
            WebError::InsufficientScope => "insufficient_scope",
            WebError::RateLimited { .. } => "rate_limited",
            WebError::IdempotencyKeyReused => "idempotency_key_reused",
            WebError::IdempotencyKeyInProgress => "idempotency_key_in_progress",
        }
    }
}

/// Marks a response as an error page still to be rendered in the user's language.
#[derive(Debug, Clone, Copy)]
pub struct PendingErrorPage(pub &'static str);

impl ResponseError for WebError {
    fn status_code(&self) -> StatusCode {
        match self {
            WebError::Domain(DomainError::NotFound) => StatusCode::NOT_FOUND,
            WebError::Domain(DomainError::Forbidden)
            | WebError::Csrf
            | WebError::InsufficientScope => StatusCode::FORBIDDEN,
            WebError::Domain(DomainError::Invalid(_)) => StatusCode::UNPROCESSABLE_ENTITY,
            WebError::Domain(DomainError::Conflict(_)) => StatusCode::CONFLICT,
            WebError::SignIn { .. } => StatusCode::SEE_OTHER,
            WebError::Unauthorized => StatusCode::UNAUTHORIZED,
            WebError::BadRequest(_) => StatusCode::BAD_REQUEST,
            WebError::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            WebError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
            WebError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            WebError::IdempotencyKeyReused => StatusCode::UNPROCESSABLE_ENTITY,
            WebError::IdempotencyKeyInProgress => StatusCode::CONFLICT,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let WebError::SignIn { next } = self {
            let target = if next.is_empty() || next == "/" {
                "/login".to_string()
            } else {
                format!(
                    "/login?{}",
                    serde_urlencoded::to_string([("next", next)]).unwrap_or_default()
                )
            };
            return HttpResponse::SeeOther()
                .insert_header((LOCATION, target))
                .finish();
        }
        if let WebError::Internal(cause) = self {
            tracing::error!(%cause, "request failed");
        }
        let mut res = HttpResponse::build(self.status_code());
        res.insert_header((CONTENT_TYPE, "text/plain; charset=utf-8"));
        if let Some(s) = self.retry_after() {
            res.insert_header((RETRY_AFTER, s));
        }
        let mut res = res.body(self.code());
        res.extensions_mut()
            .insert(PendingErrorPage(self.message_key()));
        res
    }
}
