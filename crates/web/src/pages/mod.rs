//! Server-rendered pages: the context every page shares, rendering, flash messages and the
//! error page. Handlers per area live in the submodules.

pub mod activities;
pub mod api_docs;
pub mod attachments;
pub mod board;
pub mod calendar;
pub mod cards;
pub mod companies;
pub mod contacts;
pub mod deal_filters;
pub mod deals;
pub mod exports;
pub mod forms;
pub mod imports;
pub mod language;
pub mod lead_forms;
pub mod leads;
pub mod listing;
pub mod login;
pub mod notifications;
pub mod pipelines;
pub mod products;
pub mod profile;
pub mod search;
pub mod tasks;
pub mod timeline;
pub mod webhooks;

use std::collections::BTreeMap;

use actix_web::dev::ServiceResponse;
use actix_web::http::StatusCode;
use actix_web::http::header::{CONTENT_TYPE, HeaderValue, LOCATION};
use actix_web::middleware::ErrorHandlerResponse;
use actix_web::{HttpMessage, HttpRequest, HttpResponse, web};
use crm_core::FieldErrors;
use serde::Serialize;

use crate::auth::{self, CSRF_COOKIE, Session};
use crate::error::{PendingErrorPage, WebError};
use crate::i18n::{self, DEFAULT_LANGUAGE, LANGUAGES};
use crate::state::AppState;

pub const LANG_COOKIE: &str = "crm_lang";
pub const FLASH_COOKIE: &str = "crm_flash";

/// Flash messages a redirect may ask the next page to show (anything else is ignored).
const FLASHES: &[&str] = &[
    "flash-contact-created",
    "flash-contact-updated",
    "flash-contact-deleted",
    "flash-company-created",
    "flash-company-updated",
    "flash-company-deleted",
    "flash-language-changed",
    "flash-deal-created",
    "flash-deal-updated",
    "flash-deal-deleted",
    "flash-deal-moved",
    "flash-lines-saved",
    "flash-lead-created",
    "flash-lead-updated",
    "flash-lead-deleted",
    "flash-lead-converted",
    "flash-product-created",
    "flash-product-updated",
    "flash-product-deleted",
    "flash-pipeline-created",
    "flash-pipeline-updated",
    "flash-pipeline-deleted",
    "flash-stage-saved",
    "flash-stage-deleted",
    "flash-lost-reason-saved",
    "flash-activity-logged",
    "flash-activity-deleted",
    "flash-files-attached",
    "flash-task-saved",
    "flash-task-done",
    "flash-task-reopened",
    "flash-task-deleted",
    "flash-comment-added",
    "flash-notifications-read",
    "flash-profile-saved",
    "flash-webhook-created",
    "flash-webhook-updated",
    "flash-webhook-deleted",
    "flash-webhook-secret-rotated",
    "flash-webhook-test-queued",
    "flash-token-revoked",
    "import-flash-uploaded",
    "import-flash-queued",
    "import-flash-cancelled",
    "import-error-too-large",
    "import-error-unreadable",
    "flash-lead-form-saved",
    "flash-lead-form-deleted",
    // Refusals after a redirect (uploads, comments).
    "error-upload-empty",
    "error-upload-too-large",
    "error-upload-type-mismatch",
    "error-upload-no-file",
    "error-upload-name-invalid",
    "error-required",
    "error-too-long",
];

/// The interface language: the user's choice, else the language cookie, else the browser's.
pub fn language_of(req: &HttpRequest, session: Option<&Session>) -> &'static str {
    if let Some(l) = session.and_then(|s| i18n::language(&s.user.locale)) {
        return l.code;
    }
    if let Some(l) = req
        .cookie(LANG_COOKIE)
        .and_then(|c| i18n::language(c.value()))
    {
        return l.code;
    }
    req.headers()
        .get("accept-language")
        .and_then(|h| h.to_str().ok())
        .map_or(DEFAULT_LANGUAGE, i18n::from_accept_language)
}

/// The user as templates see it.
#[derive(Serialize)]
struct UserView<'a> {
    id: i64,
    name: &'a str,
    email: &'a str,
    role: &'static str,
}

/// A page being put together: its template context and what the response must also carry.
pub struct Page {
    pub ctx: tera::Context,
    status: StatusCode,
    clear_flash: bool,
    set_csrf_cookie: Option<String>,
}

impl Page {
    /// The context every page shares. `nav` marks the current section.
    pub fn new(state: &AppState, req: &HttpRequest, session: Option<&Session>, nav: &str) -> Page {
        let lang = language_of(req, session);
        let mut ctx = tera::Context::new();
        ctx.insert("lang", lang);
        let rtl = i18n::language(lang).is_some_and(|l| l.rtl);
        ctx.insert("dir", if rtl { "rtl" } else { "ltr" });
        ctx.insert("css_url", &state.ui.asset_url("app.css"));
        ctx.insert("js_url", &state.ui.asset_url("app.js"));
        ctx.insert("languages", LANGUAGES);
        ctx.insert("nav", nav);
        ctx.insert("q", "");
        let mut set_csrf_cookie = None;
        match session {
            Some(s) => {
                ctx.insert("csrf_token", &s.csrf_token);
                ctx.insert("unread", &s.unread);
                // The export buttons follow the same rule as the export handlers.
                ctx.insert("can_export", &crm_core::export::allowed(&forms::actor(s)));
                ctx.insert(
                    "user",
                    &UserView {
                        id: s.user.id,
                        name: &s.user.name,
                        email: &s.user.email,
                        role: s.user.role.as_str(),
                    },
                );
            }
            None => {
                // Signed-out forms use a double-submit token: cookie and field must agree.
                let token = req
                    .cookie(CSRF_COOKIE)
                    .map(|c| c.value().to_string())
                    .filter(|v| v.len() == 64)
                    .unwrap_or_else(|| {
                        let t = auth::new_secret();
                        set_csrf_cookie = Some(t.clone());
                        t
                    });
                ctx.insert("csrf_token", &token);
            }
        }
        let flash = req
            .cookie(FLASH_COOKIE)
            .and_then(|c| FLASHES.iter().find(|f| **f == c.value()).copied());
        if let Some(f) = flash {
            ctx.insert("flash", f);
        }
        Page {
            ctx,
            status: StatusCode::OK,
            clear_flash: flash.is_some(),
            set_csrf_cookie,
        }
    }

    pub fn insert<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> &mut Self {
        self.ctx.insert(key, value);
        self
    }

    pub fn status(&mut self, status: StatusCode) -> &mut Self {
        self.status = status;
        self
    }

    /// Field errors as a map field -> translation key, for the form templates; a page that
    /// shows any answers 422.
    pub fn errors(&mut self, errors: &FieldErrors) -> &mut Self {
        let mut map: BTreeMap<&str, &str> = BTreeMap::new();
        for e in errors.iter() {
            map.entry(e.field.as_str()).or_insert(e.code);
        }
        self.ctx.insert("errors", &map);
        if !errors.is_empty() {
            self.status = StatusCode::UNPROCESSABLE_ENTITY;
        }
        self
    }

    pub fn render(&self, state: &AppState, template: &str) -> Result<HttpResponse, WebError> {
        let html = state
            .ui
            .render(template, &self.ctx)
            .map_err(|e| WebError::Internal(format!("template {template}: {e:?}")))?;
        let mut res = HttpResponse::build(self.status);
        res.insert_header((CONTENT_TYPE, "text/html; charset=utf-8"));
        if self.clear_flash {
            res.cookie(auth::removal(FLASH_COOKIE));
        }
        if let Some(token) = &self.set_csrf_cookie {
            res.cookie(auth::cookie(
                CSRF_COOKIE,
                token.clone(),
                state.config.secure_cookies,
                None,
            ));
        }
        Ok(res.body(html))
    }
}

/// A form that carries nothing but its CSRF token (sign-out, delete).
#[derive(serde::Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    pub csrf_token: String,
}

/// Post/Redirect/Get: a 303 to `to`, with a flash message for the page there.
pub fn redirect_with_flash(state: &AppState, to: &str, flash: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((LOCATION, to.to_string()))
        .cookie(auth::cookie(
            FLASH_COOKIE,
            flash.to_string(),
            state.config.secure_cookies,
            Some(actix_web::cookie::time::Duration::seconds(60)),
        ))
        .finish()
}

/// Whether `path` stays on this site (redirecting anywhere else would be an open redirect).
pub fn is_local_path(path: &str) -> bool {
    path.starts_with('/') && !path.starts_with("//") && !path.starts_with("/\\")
}

/// The path of the page a form was posted from, if it was one of ours.
pub fn referer_path(req: &HttpRequest) -> Option<String> {
    req.headers()
        .get(actix_web::http::header::REFERER)
        .and_then(|r| r.to_str().ok())
        .and_then(|r| r.find("://").map(|i| &r[i + 3..]))
        .and_then(|r| r.find('/').map(|i| r[i..].to_string()))
        .filter(|p| is_local_path(p))
}

/// Blocking store work off the async workers.
pub async fn blocking<T, F>(f: F) -> Result<T, WebError>
where
    F: FnOnce() -> Result<T, crm_store::StoreError> + Send + 'static,
    T: Send + 'static,
{
    Ok(web::block(f).await??)
}

/// The request id the logging middleware gave this request.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

/// Renders error responses as pages in the user's language (for pages) or JSON (for the API);
/// leaves responses that already have their own body alone (forms re-rendered with errors).
pub fn error_page<B>(res: ServiceResponse<B>) -> actix_web::Result<ErrorHandlerResponse<B>> {
    let pending = res
        .response()
        .extensions()
        .get::<PendingErrorPage>()
        .copied();
    let has_html = res
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html") || v.starts_with("application/json"));
    if pending.is_none() && has_html {
        return Ok(ErrorHandlerResponse::Response(res.map_into_left_body()));
    }
    let status = res.status();
    let key = pending.map_or_else(|| default_key(status), |p| p.0);
    let (req, _) = res.into_parts();
    let request_id = req
        .extensions()
        .get::<RequestId>()
        .map(|r| r.0.clone())
        .unwrap_or_default();
    let new = if req.path().starts_with("/api/") {
        crate::api::error_body(status, key, None, &request_id)
    } else {
        render_error(&req, status, key, &request_id)
    };
    Ok(ErrorHandlerResponse::Response(
        ServiceResponse::new(req, new).map_into_right_body(),
    ))
}

fn default_key(status: StatusCode) -> &'static str {
    match status {
        StatusCode::NOT_FOUND | StatusCode::METHOD_NOT_ALLOWED => "error-not-found",
        StatusCode::FORBIDDEN => "error-forbidden",
        StatusCode::PAYLOAD_TOO_LARGE => "error-payload-too-large",
        StatusCode::UNAUTHORIZED => "error-unauthorized",
        s if s.is_client_error() => "error-bad-request",
        _ => "error-internal",
    }
}

fn render_error(
    req: &HttpRequest,
    status: StatusCode,
    key: &str,
    request_id: &str,
) -> HttpResponse {
    let session = req.extensions().get::<Session>().cloned();
    let html = req.app_data::<web::Data<AppState>>().and_then(|state| {
        let mut page = Page::new(state, req, session.as_ref(), "");
        page.insert("status", &status.as_u16())
            .insert("message", key)
            .insert("request_id", request_id);
        state.ui.render("error.html", &page.ctx).ok()
    });
    let mut res = HttpResponse::build(status);
    match html {
        Some(html) => res
            .insert_header((
                CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=utf-8"),
            ))
            .body(html),
        None => res.body(i18n::translate(DEFAULT_LANGUAGE, key, &[])),
    }
}

/// A moment as shown on pages: in the reader's time zone, which the text names.
pub fn when(zone: crm_core::Zone, t: chrono::DateTime<chrono::Utc>) -> String {
    t.with_timezone(&zone.tz())
        .format("%Y-%m-%d %H:%M %Z")
        .to_string()
}

/// `/`: the contacts list for signed-in users, the sign-in page for everyone else.
pub async fn home(session: Option<Session>) -> HttpResponse {
    let to = if session.is_some() {
        "/contacts"
    } else {
        "/login"
    };
    HttpResponse::SeeOther()
        .insert_header((LOCATION, to))
        .finish()
}
