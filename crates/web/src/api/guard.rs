//! What every `/api/v1` request passes before its handler: the token is looked up once, the
//! caller's rate is limited (per token, or per client address without a valid token), a
//! `read` token is kept from writing, and a POST with an `Idempotency-Key` runs once — a retry
//! gets the first answer again.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::http::header::{CONTENT_TYPE, HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::web::{Bytes, BytesMut};
use actix_web::{HttpMessage, HttpResponse, ResponseError, web};
use chrono::Utc;
use crm_store::{IdempotencyStart, StoredAnswer};
use futures_util::StreamExt;
use sha2::{Digest, Sha256};

use crate::api::ApiError;
use crate::auth::{self, ApiAuthenticated};
use crate::error::WebError;
use crate::pages::blocking;
use crate::state::AppState;
use crate::throttle::ApiCaller;

pub const IDEMPOTENCY_KEY: &str = "idempotency-key";
pub const IDEMPOTENT_REPLAYED: &str = "idempotent-replayed";

/// The middleware on the `/api/v1` scope.
pub async fn guard(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let Some(state) = req.app_data::<web::Data<AppState>>().cloned() else {
        return Ok(refuse(
            req,
            WebError::Internal("application state missing".into()),
        ));
    };
    let found = match auth::authenticate_api(req.request()).await {
        Ok(found) => found,
        Err(e) => return Ok(refuse(req, e)),
    };
    req.extensions_mut().insert(ApiAuthenticated(found.clone()));
    let caller = match &found {
        Some(t) => ApiCaller::Token(t.id),
        None => ApiCaller::Address(state.client_ip(req.request())),
    };
    if let Err(wait) = state.api_throttle.check(&caller) {
        return Ok(refuse(req, WebError::rate_limited(wait)));
    }
    // Without a valid token the handler's `ApiUser` answers 401 (and an unknown path 404).
    let Some(token) = found else {
        return next
            .call(req)
            .await
            .map(ServiceResponse::map_into_boxed_body);
    };
    if let Err(e) = auth::check_scope(&token, req.method()) {
        return Ok(refuse(req, e));
    }
    let key = req
        .headers()
        .get(IDEMPOTENCY_KEY)
        .map(|v| v.to_str().map(str::to_string));
    match key {
        Some(key) if req.method() == actix_web::http::Method::POST => {
            let Some(key) = key.ok().filter(|k| crm_core::api::idempotency_key_valid(k)) else {
                return Ok(refuse(
                    req,
                    WebError::BadRequest(
                        "Idempotency-Key must be 1 to 255 printable ASCII characters".into(),
                    ),
                ));
            };
            idempotent(req, next, &state, token.user.id, key).await
        }
        _ => next
            .call(req)
            .await
            .map(ServiceResponse::map_into_boxed_body),
    }
}

/// Runs a POST once per key: claims the key, runs the handler and keeps its answer (unless
/// it is a 5xx, which the client may retry), or answers from what is kept.
async fn idempotent(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
    state: &web::Data<AppState>,
    user_id: i64,
    key: String,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let limit = state.config.max_body_bytes.min(crate::MAX_FORM_BYTES);
    let body = match read_body(&mut req, limit).await {
        Ok(body) => body,
        Err(e) => return Ok(refuse(req, e)),
    };
    let fingerprint = fingerprint(
        req.method().as_str(),
        req.uri()
            .path_and_query()
            .map_or(req.path(), |p| p.as_str()),
        &body,
    );
    // The handler reads the body we have just read.
    req.set_payload(actix_web::dev::Payload::from(body));
    let (st, k) = (state.clone(), key.clone());
    let start = blocking(move || {
        st.store
            .begin_idempotent(user_id, &k, &fingerprint, Utc::now())
    });
    match start.await {
        Err(e) => Ok(refuse(req, e)),
        Ok(IdempotencyStart::Mismatch) => Ok(refuse(req, WebError::IdempotencyKeyReused)),
        Ok(IdempotencyStart::InProgress) => Ok(refuse(req, WebError::IdempotencyKeyInProgress)),
        Ok(IdempotencyStart::Replay(answer)) => {
            let status =
                StatusCode::from_u16(answer.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let res = HttpResponse::build(status)
                .insert_header((CONTENT_TYPE, answer.content_type))
                .insert_header((
                    HeaderName::from_static(IDEMPOTENT_REPLAYED),
                    HeaderValue::from_static("true"),
                ))
                .body(answer.body);
            Ok(req.into_response(res))
        }
        Ok(IdempotencyStart::Run) => match next.call(req).await {
            Ok(res) if !res.status().is_server_error() => keep(res, state, user_id, &key).await,
            other => {
                release(state, user_id, &key).await;
                other.map(ServiceResponse::map_into_boxed_body)
            }
        },
    }
}

/// Stores the handler's answer for the key and passes it on.
async fn keep(
    res: ServiceResponse<impl MessageBody + 'static>,
    state: &web::Data<AppState>,
    user_id: i64,
    key: &str,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let (req, res) = res.into_parts();
    let (head, body) = res.into_parts();
    let Ok(bytes) = actix_web::body::to_bytes(body).await else {
        release(state, user_id, key).await;
        return Err(ApiError(WebError::Internal(
            "cannot read the answer to keep it".into(),
        ))
        .into());
    };
    // API answers are JSON text; anything else is passed on without being kept.
    let kept = match std::str::from_utf8(&bytes) {
        Ok(text) => {
            let answer = StoredAnswer {
                status: head.status().as_u16(),
                content_type: head
                    .headers()
                    .get(CONTENT_TYPE)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("")
                    .to_string(),
                body: text.to_string(),
            };
            let (st, k) = (state.clone(), key.to_string());
            blocking(move || st.store.finish_idempotent(user_id, &k, &answer)).await
        }
        Err(_) => Err(WebError::Internal("the answer is not text".into())),
    };
    if let Err(e) = kept {
        tracing::warn!(error = %e, "cannot keep an idempotent answer");
        release(state, user_id, key).await;
    }
    Ok(ServiceResponse::new(
        req,
        head.set_body(BoxBody::new(bytes)),
    ))
}

/// Forgets the key of a request that failed in a way the client may retry.
async fn release(state: &web::Data<AppState>, user_id: i64, key: &str) {
    let (st, k) = (state.clone(), key.to_string());
    if let Err(e) = blocking(move || st.store.abandon_idempotent(user_id, &k)).await {
        tracing::warn!(error = %e, "cannot release an idempotency key");
    }
}

/// The request body, up to `limit` bytes.
async fn read_body(req: &mut ServiceRequest, limit: usize) -> Result<Bytes, WebError> {
    let mut payload = req.take_payload();
    let mut body = BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| WebError::BadRequest(e.to_string()))?;
        if body.len() + chunk.len() > limit {
            return Err(WebError::TooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

/// What makes two requests "the same": method, path with query, and body.
fn fingerprint(method: &str, path: &str, body: &[u8]) -> String {
    let mut h = Sha256::new();
    h.update(method.as_bytes());
    h.update(b"\n");
    h.update(path.as_bytes());
    h.update(b"\n");
    h.update(body);
    hex::encode(h.finalize())
}

fn refuse(req: ServiceRequest, e: WebError) -> ServiceResponse<BoxBody> {
    req.into_response(ApiError(e).error_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_tell_requests_apart() {
        let a = fingerprint("POST", "/api/v1/contacts", b"{}");
        assert_eq!(a, fingerprint("POST", "/api/v1/contacts", b"{}"));
        assert_ne!(a, fingerprint("POST", "/api/v1/companies", b"{}"));
        assert_ne!(a, fingerprint("POST", "/api/v1/contacts", b"{ }"));
    }
}
