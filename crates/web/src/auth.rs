//! Who is asking: passwords (argon2id), server-side sessions behind an HttpOnly cookie, API
//! tokens, and CSRF tokens. Secrets are random 256-bit values; only their SHA-256 is stored.

use std::future::Future;
use std::pin::Pin;

use actix_web::cookie::{Cookie, SameSite, time::Duration as CookieDuration};
use actix_web::dev::Payload;
use actix_web::http::Method;
use actix_web::http::header::AUTHORIZATION;
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};
use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use chrono::Utc;
use crm_core::User;
use crm_store::TokenAuth;
use sha2::{Digest, Sha256};

use crate::error::WebError;
use crate::state::AppState;

pub const SESSION_COOKIE: &str = "crm_session";
/// The pre-sign-in CSRF cookie (double-submit), for the login and language forms.
pub const CSRF_COOKIE: &str = "crm_csrf";

/// Hashes a password with argon2id and a random salt, as a PHC string.
pub fn hash_password(password: &str) -> Result<String, String> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| format!("cannot hash password: {e}"))
}

/// Checks a password against a stored PHC string; a malformed hash never matches.
pub fn verify_password(password: &str, hash: &str) -> bool {
    Argon2::default()
        .verify_password(password.as_bytes(), hash)
        .is_ok()
}

/// A fresh random secret, hex-encoded.
pub fn new_secret() -> String {
    let mut bytes = [0u8; 32];
    // getrandom fails only without an OS entropy source; then nothing secure can be made.
    if getrandom::fill(&mut bytes).is_err() {
        tracing::error!("no entropy source: refusing to issue a predictable secret");
        return String::new();
    }
    hex::encode(bytes)
}

/// What is stored for a secret.
pub fn secret_hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// Compares two secrets in time independent of where they differ.
pub fn same_secret(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    a.len() == b.len()
        && !a.is_empty()
        && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// A cookie with the project's defaults: HttpOnly, SameSite=Lax, whole site.
pub fn cookie(
    name: &'static str,
    value: String,
    secure: bool,
    max_age: Option<CookieDuration>,
) -> Cookie<'static> {
    let mut c = Cookie::build(name, value)
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(secure)
        .finish();
    if let Some(age) = max_age {
        c.set_max_age(age);
    }
    c
}

/// A cookie that tells the browser to forget `name`.
pub fn removal(name: &'static str) -> Cookie<'static> {
    let mut c = Cookie::build(name, "").path("/").finish();
    c.make_removal();
    c
}

/// The signed-in user of a page request, with the session's CSRF token.
#[derive(Debug, Clone)]
pub struct Session {
    pub user: User,
    pub csrf_token: String,
    pub token_hash: String,
    /// The zone the user reads and types times in.
    pub zone: crm_core::Zone,
    /// Unread notifications when the request came in.
    pub unread: i64,
}

impl Session {
    /// Rejects a form whose token is not this session's.
    pub fn check_csrf(&self, submitted: &str) -> Result<(), WebError> {
        if same_secret(&self.csrf_token, submitted) {
            Ok(())
        } else {
            Err(WebError::Csrf)
        }
    }
}

fn state(req: &HttpRequest) -> Result<web::Data<AppState>, WebError> {
    req.app_data::<web::Data<AppState>>()
        .cloned()
        .ok_or_else(|| WebError::Internal("application state missing".into()))
}

impl FromRequest for Session {
    type Error = WebError;
    type Future = Pin<Box<dyn Future<Output = Result<Session, WebError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            // Only GET pages come back after signing in; a form posted without a session returns
            // to where it was shown from.
            let next = if req.method() == actix_web::http::Method::GET {
                req.uri()
                    .path_and_query()
                    .map(|p| p.to_string())
                    .unwrap_or_default()
            } else {
                String::new()
            };
            let Some(token) = req.cookie(SESSION_COOKIE).map(|c| c.value().to_string()) else {
                return Err(WebError::SignIn { next });
            };
            if let Some(s) = req.extensions().get::<Session>() {
                return Ok(s.clone());
            }
            let state = state(&req)?;
            let token_hash = secret_hash(&token);
            let lookup = token_hash.clone();
            let st = state.clone();
            let found = web::block(move || st.store.session(&lookup)).await??;
            let Some(info) = found else {
                return Err(WebError::SignIn { next });
            };
            tracing::Span::current().record("user", info.user.id);
            let session = Session {
                zone: state.store.user_zone(&info.user),
                user: info.user,
                csrf_token: info.csrf_token,
                token_hash,
                unread: info.unread,
            };
            req.extensions_mut().insert(session.clone());
            Ok(session)
        })
    }
}

/// The user behind an API request's `Authorization: Bearer` token. Extracting it answers 401
/// without a live token and 403 (`insufficient_scope`) when the token's scope does not allow
/// the request's method.
#[derive(Debug, Clone)]
pub struct ApiUser(pub User);

/// The API guard's finding about a request's token, kept in the request's extensions so the
/// handler's [`ApiUser`] does not look it up again.
#[derive(Debug, Clone)]
pub struct ApiAuthenticated(pub Option<TokenAuth>);

/// The live token of an API request, if it has one; notes its use (once a minute at most).
pub async fn authenticate_api(req: &HttpRequest) -> Result<Option<TokenAuth>, WebError> {
    if let Some(found) = req.extensions().get::<ApiAuthenticated>() {
        return Ok(found.0.clone());
    }
    let header = req
        .headers()
        .get(AUTHORIZATION)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("");
    let Some(token) = header
        .strip_prefix("Bearer ")
        .map(str::trim)
        .filter(|t| !t.is_empty())
    else {
        return Ok(None);
    };
    let state = state(req)?;
    let hash = secret_hash(token);
    let st = state.clone();
    let found = web::block(move || st.store.api_token(&hash)).await??;
    if let Some(auth) = &found {
        tracing::Span::current().record("user", auth.user.id);
        let now = Utc::now();
        if crm_core::api::last_use_due(auth.last_used_at, now) {
            let id = auth.id;
            // A failure to note the use must not fail the request it was noted for.
            match web::block(move || state.store.touch_api_token(id, now)).await {
                Ok(Ok(())) => {}
                Ok(Err(e)) => tracing::warn!(error = %e, "cannot note an API token's use"),
                Err(e) => tracing::warn!(error = %e, "cannot note an API token's use"),
            }
        }
    }
    Ok(found)
}

/// Refuses a request the token's scope does not cover.
pub fn check_scope(auth: &TokenAuth, method: &Method) -> Result<(), WebError> {
    if auth.scope.allows(method.as_str()) {
        Ok(())
    } else {
        Err(WebError::InsufficientScope)
    }
}

impl FromRequest for ApiUser {
    type Error = crate::api::ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<ApiUser, crate::api::ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let Some(auth) = authenticate_api(&req).await? else {
                return Err(WebError::Unauthorized.into());
            };
            check_scope(&auth, req.method())?;
            Ok(ApiUser(auth.user))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_hash_and_verify() {
        let h = hash_password("correct horse battery").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("correct horse battery", &h));
        assert!(!verify_password("wrong", &h));
        assert!(!verify_password("x", "not a hash"));
    }

    #[test]
    fn secrets_are_random_and_compared_whole() {
        let a = new_secret();
        assert_eq!(a.len(), 64);
        assert_ne!(a, new_secret());
        assert!(same_secret(&a, &a.clone()));
        assert!(!same_secret(&a, &a[..63]));
        assert!(!same_secret("", ""));
        assert_eq!(secret_hash("x").len(), 64);
    }
}
