//! Signing in and out.

use actix_web::http::StatusCode;
use actix_web::http::header::LOCATION;
use actix_web::{HttpMessage, HttpRequest, HttpResponse, web};
use serde::Deserialize;

use crate::auth::{self, CSRF_COOKIE, SESSION_COOKIE, Session};
use crate::error::WebError;
use crate::pages::{CsrfForm, Page, blocking};
use crate::state::AppState;

#[derive(Deserialize)]
pub struct LoginQuery {
    #[serde(default)]
    next: String,
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    next: String,
}

/// Only local paths may be returned to after signing in (no open redirect).
fn safe_next(next: &str) -> &str {
    if super::is_local_path(next) {
        next
    } else {
        "/contacts"
    }
}

fn login_page(
    state: &AppState,
    req: &HttpRequest,
    email: &str,
    next: &str,
    error: Option<&str>,
    status: StatusCode,
) -> Result<HttpResponse, WebError> {
    let mut page = Page::new(state, req, None, "");
    page.insert("email", email)
        .insert("next", next)
        .status(status);
    if let Some(e) = error {
        page.insert("error", e);
    }
    page.render(state, "login.html")
}

pub async fn show(
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<LoginQuery>,
    session: Option<Session>,
) -> Result<HttpResponse, WebError> {
    if session.is_some() {
        return Ok(HttpResponse::SeeOther()
            .insert_header((LOCATION, safe_next(&query.next).to_string()))
            .finish());
    }
    login_page(&state, &req, "", &query.next, None, StatusCode::OK)
}

pub async fn submit(
    state: web::Data<AppState>,
    req: HttpRequest,
    form: web::Form<LoginForm>,
) -> Result<HttpResponse, WebError> {
    let form = form.into_inner();
    let cookie_token = req
        .cookie(CSRF_COOKIE)
        .map(|c| c.value().to_string())
        .unwrap_or_default();
    if !auth::same_secret(&cookie_token, &form.csrf_token) {
        return login_page(
            &state,
            &req,
            &form.email,
            &form.next,
            Some("error-csrf"),
            StatusCode::FORBIDDEN,
        );
    }
    if !state.throttle.allow(&form.email, state.client_ip(&req)) {
        tracing::warn!(email = %form.email, "sign-in throttled");
        return login_page(
            &state,
            &req,
            &form.email,
            &form.next,
            Some("error-login-throttled"),
            StatusCode::TOO_MANY_REQUESTS,
        );
    }
    let st = state.clone();
    let email = form.email.clone();
    let found = blocking(move || st.store.user_for_login(&email)).await?;
    let password = form.password.clone();
    // Hash even for unknown e-mails, so timing does not tell which addresses have accounts.
    let (user, ok) = web::block(move || match found {
        Some((user, hash)) => {
            let ok = user.active && auth::verify_password(&password, &hash);
            (Some(user), ok)
        }
        None => {
            let _ = auth::verify_password(&password, &DUMMY_HASH);
            (None, false)
        }
    })
    .await?;
    let Some(user) = user.filter(|_| ok) else {
        tracing::info!(email = %form.email, "sign-in failed");
        return login_page(
            &state,
            &req,
            &form.email,
            &form.next,
            Some("error-login-failed"),
            StatusCode::UNAUTHORIZED,
        );
    };
    // A new session id at every sign-in: a token planted before it is worth nothing.
    let token = auth::new_secret();
    let csrf = auth::new_secret();
    if token.is_empty() || csrf.is_empty() {
        return Err(WebError::Internal("no entropy for a session".into()));
    }
    let (hash, st) = (auth::secret_hash(&token), state.clone());
    let hours = i64::from(state.config.session_hours.max(1));
    let uid = user.id;
    blocking(move || {
        st.store
            .create_session(uid, &hash, &csrf, chrono::Duration::hours(hours))
    })
    .await?;
    tracing::info!(user = uid, "signed in");
    Ok(HttpResponse::SeeOther()
        .insert_header((LOCATION, safe_next(&form.next).to_string()))
        .cookie(auth::cookie(
            SESSION_COOKIE,
            token,
            state.config.secure_cookies,
            Some(actix_web::cookie::time::Duration::hours(hours)),
        ))
        .cookie(auth::removal(CSRF_COOKIE))
        .finish())
}

pub async fn logout(
    state: web::Data<AppState>,
    req: HttpRequest,
    session: Session,
    form: web::Form<CsrfForm>,
) -> Result<HttpResponse, WebError> {
    session.check_csrf(&form.csrf_token)?;
    let hash = session.token_hash.clone();
    let st = state.clone();
    blocking(move || st.store.delete_session(&hash)).await?;
    req.extensions_mut().remove::<Session>();
    Ok(HttpResponse::SeeOther()
        .insert_header((LOCATION, "/login"))
        .cookie(auth::removal(SESSION_COOKIE))
        .finish())
}

/// A real argon2id hash, checked against when the e-mail is unknown so that both paths cost
/// the same.
static DUMMY_HASH: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| auth::hash_password(&auth::new_secret()).unwrap_or_default());

#[cfg(test)]
mod tests {
    #[test]
    fn next_must_be_local() {
        use super::safe_next;
        assert_eq!(safe_next("/contacts/5"), "/contacts/5");
        assert_eq!(safe_next("//evil.example"), "/contacts");
        assert_eq!(safe_next("https://evil.example"), "/contacts");
        assert_eq!(safe_next(""), "/contacts");
    }
}
