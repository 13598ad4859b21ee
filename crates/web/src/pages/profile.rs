//! The user's own settings: interface language and time zone.

use actix_web::{HttpRequest, HttpResponse, web};
use crm_core::FieldErrors;
use serde::Deserialize;
use serde_json::json;

use crate::auth::Session;
use crate::error::WebError;
use crate::i18n::{self, LANGUAGES};
use crate::pages::{Page, blocking, redirect_with_flash};
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

fn render(
    state: &AppState,
    req: &HttpRequest,
    session: &Session,
    locale: &str,
    time_zone: &str,
    errors: &FieldErrors,
) -> Result<HttpResponse, WebError> {
    let zones: Vec<&str> = chrono_tz::TZ_VARIANTS.iter().map(|z| z.name()).collect();
    let mut page = Page::new(state, req, Some(session), "profile");
    page.insert("form", &json!({"locale": locale, "time_zone": time_zone}))
        .insert("locales", LANGUAGES)
        .insert("zones", &zones)
        .insert("default_zone", state.time_zone.name())
        .errors(errors);
    page.render(state, "profile.html")
}

pub async fn show(
    state: web::Data<AppState>,
    req: HttpRequest,
    session: Session,
) -> Result<HttpResponse, WebError> {
    let (locale, zone) = (session.user.locale.clone(), session.user.time_zone.clone());
    render(&state, &req, &session, &locale, &zone, &FieldErrors::new())
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
        return render(&state, &req, &session, &form.locale, &zone, &errors);
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
