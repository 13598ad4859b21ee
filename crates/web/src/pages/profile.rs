//! The user's own settings: interface language and time zone, and their API tokens.

use actix_web::http::header::CACHE_CONTROL;
use actix_web::{HttpRequest, HttpResponse, web};
use crm_core::{ApiToken, FieldErrors, TokenScope};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::auth::{self, Session};
use crate::error::WebError;
use crate::i18n::{self, LANGUAGES};
use crate::pages::{CsrfForm, Page, blocking, redirect_with_flash, when};
use crate::state::AppState;

#[derive(Deserialize)]
pub struct ProfileForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    locale: String,
    #[serde(default)]
    time_zone: String,
}

#[derive(Deserialize)]
pub struct TokenForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    scope: String,
}

/// A token as the profile lists it, times in the user's zone.
#[derive(Serialize)]
struct TokenView {
    id: i64,
    name: String,
    scope: &'static str,
    created: String,
    last_used: Option<String>,
    revoked: Option<String>,
}

/// The token part of the page: the list, the form (with what was typed and its errors), and a
/// secret just made (shown this once).
#[derive(Default)]
struct TokenSection {
    form_name: String,
    form_scope: String,
    errors: FieldErrors,
    secret: Option<String>,
}

fn token_views(session: &Session, tokens: Vec<ApiToken>) -> Vec<TokenView> {
    tokens
        .into_iter()
        .map(|t| TokenView {
            id: t.id,
            name: t.name,
            scope: t.scope.as_str(),
            created: when(session.zone, t.created_at),
            last_used: t.last_used_at.map(|at| when(session.zone, at)),
            revoked: t.revoked_at.map(|at| when(session.zone, at)),
        })
        .collect()
}

async fn render(
    state: &web::Data<AppState>,
    req: &HttpRequest,
    session: &Session,
    (locale, time_zone, errors): (&str, &str, &FieldErrors),
    section: TokenSection,
) -> Result<HttpResponse, WebError> {
    let (st, a, uid) = (state.clone(), session.user.actor(), session.user.id);
    let tokens = blocking(move || st.store.api_tokens(&a, Some(uid))).await?;
    let zones: Vec<&str> = chrono_tz::TZ_VARIANTS.iter().map(|z| z.name()).collect();
    let mut page = Page::new(state, req, Some(session), "profile");
    let token_errors: std::collections::BTreeMap<&str, &str> = section
        .errors
        .iter()
        .map(|e| (e.field.as_str(), e.code))
        .collect();
    page.insert("form", &json!({"locale": locale, "time_zone": time_zone}))
        .insert("locales", LANGUAGES)
        .insert("zones", &zones)
        .insert("default_zone", state.time_zone.name())
        .insert("tokens", &token_views(session, tokens))
        .insert(
            "token_form",
            &json!({"name": section.form_name, "scope": section.form_scope}),
        )
        .insert("token_errors", &token_errors)
        .insert("new_token", &section.secret)
        .errors(errors);
    if !section.errors.is_empty() {
        page.status(actix_web::http::StatusCode::UNPROCESSABLE_ENTITY);
    }
    let mut res = page.render(state, "profile.html")?;
    if section.secret.is_some() {
        // The secret is on this page once: no cache may keep it.
        res.headers_mut().insert(
            CACHE_CONTROL,
            actix_web::http::header::HeaderValue::from_static("no-store"),
        );
    }
    Ok(res)
}

pub async fn show(
    state: web::Data<AppState>,
    req: HttpRequest,
    session: Session,
) -> Result<HttpResponse, WebError> {
    let (locale, zone) = (session.user.locale.clone(), session.user.time_zone.clone());
    let current = (locale.as_str(), zone.as_str(), &FieldErrors::new());
    render(&state, &req, &session, current, TokenSection::default()).await
}

pub async fn save(
    state: web::Data<AppState>,
    req: HttpRequest,
    session: Session,
    form: web::Form<ProfileForm>,
) -> Result<HttpResponse, WebError> {
    session.check_csrf(&form.csrf_token)?;
    let mut errors = FieldErrors::new();
    let lang = i18n::language(&form.locale);
    if lang.is_none() {
        errors.add("locale", "error-locale-unknown");
    }
    let zone = form.time_zone.trim().to_string();
    if !zone.is_empty() && crm_core::Zone::parse(&zone).is_none() {
        errors.add("time_zone", "error-time-zone-unknown");
    }
    let Some(lang) = lang.filter(|_| errors.is_empty()) else {
        let typed = (form.locale.as_str(), zone.as_str(), &errors);
        return render(&state, &req, &session, typed, TokenSection::default()).await;
    };
    let (st, a, uid) = (state.clone(), session.user.actor(), session.user.id);
    blocking(move || {
        st.store.set_locale(uid, lang.code)?;
        st.store.set_time_zone(&a, uid, &zone)
    })
    .await?;
    Ok(redirect_with_flash(
        &state,
        "/profile",
        "flash-profile-saved",
    ))
}

/// `POST /profile/tokens`: makes a token for the signed-in user and shows its secret once,
/// on this answer (never again: only its hash is kept).
pub async fn create_token(
    state: web::Data<AppState>,
    req: HttpRequest,
    session: Session,
    form: web::Form<TokenForm>,
) -> Result<HttpResponse, WebError> {
    session.check_csrf(&form.csrf_token)?;
    let mut errors = FieldErrors::new();
    let name = match crm_core::api::token_name(&form.name) {
        Ok(name) => Some(name),
        Err(crm_core::Error::Invalid(e)) => {
            for f in e.iter() {
                errors.add("token_name", f.code);
            }
            None
        }
        Err(other) => return Err(other.into()),
    };
    let scope = TokenScope::parse(&form.scope);
    if scope.is_none() {
        errors.add("token_scope", "error-token-scope");
    }
    let (locale, zone) = (session.user.locale.clone(), session.user.time_zone.clone());
    let current = (locale.as_str(), zone.as_str(), &FieldErrors::new());
    let (Some(name), Some(scope)) = (name, scope) else {
        let section = TokenSection {
            form_name: form.name.clone(),
            form_scope: form.scope.clone(),
            errors,
            secret: None,
        };
        return render(&state, &req, &session, current, section).await;
    };
    let secret = auth::new_secret();
    if secret.is_empty() {
        return Err(WebError::Internal("no entropy source for a token".into()));
    }
    let hash = auth::secret_hash(&secret);
    let (st, a, uid) = (state.clone(), session.user.actor(), session.user.id);
    blocking(move || {
        st.store
            .create_scoped_api_token(&a, uid, &name, &hash, scope)
    })
    .await?;
    let section = TokenSection {
        secret: Some(secret),
        ..TokenSection::default()
    };
    render(&state, &req, &session, current, section).await
}

/// `POST /profile/tokens/{id}/revoke`: the signed-in user revokes one of their own tokens.
pub async fn revoke_token(
    state: web::Data<AppState>,
    session: Session,
    id: web::Path<i64>,
    form: web::Form<CsrfForm>,
) -> Result<HttpResponse, WebError> {
    session.check_csrf(&form.csrf_token)?;
    let (st, a, uid, id) = (state.clone(), session.user.actor(), session.user.id, *id);
    blocking(move || {
        // On this page a user manages their own tokens, administrators included.
        if !st
            .store
            .api_tokens(&a, Some(uid))?
            .iter()
            .any(|t| t.id == id)
        {
            return Err(crm_core::Error::NotFound.into());
        }
        st.store.revoke_api_token(&a, id)
    })
    .await?;
    Ok(redirect_with_flash(
        &state,
        "/profile",
        "flash-token-revoked",
    ))
}
