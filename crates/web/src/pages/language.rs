//! Switching the interface language, signed in (remembered on the account) or not (a cookie).

use actix_web::http::header::LOCATION;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use crate::auth::{self, CSRF_COOKIE, Session};
use crate::error::WebError;
use crate::i18n;
use crate::pages::{FLASH_COOKIE, LANG_COOKIE, blocking};
use crate::state::AppState;

#[derive(Deserialize)]
pub struct LanguageForm {
    #[serde(default)]
    lang: String,
    #[serde(default)]
    csrf_token: String,
}

pub async fn set(
    state: web::Data<AppState>,
    req: HttpRequest,
    session: Option<Session>,
    form: web::Form<LanguageForm>,
) -> Result<HttpResponse, WebError> {
    match &session {
        Some(s) => s.check_csrf(&form.csrf_token)?,
        None => {
            let cookie = req
                .cookie(CSRF_COOKIE)
                .map(|c| c.value().to_string())
                .unwrap_or_default();
            if !auth::same_secret(&cookie, &form.csrf_token) {
                return Err(WebError::Csrf);
            }
        }
    }
    let lang = i18n::language(&form.lang)
        .ok_or_else(|| WebError::BadRequest(format!("unknown language {:?}", form.lang)))?;
    if let Some(s) = session {
        let st = state.clone();
        blocking(move || st.store.set_locale(s.user.id, lang.code)).await?;
    }
    // Back to the page the switch was made on, if it was ours.
    let back = super::referer_path(&req).unwrap_or_else(|| "/contacts".into());
    let year = actix_web::cookie::time::Duration::days(365);
    Ok(HttpResponse::SeeOther()
        .insert_header((LOCATION, back))
        .cookie(auth::cookie(
            LANG_COOKIE,
            lang.code.to_string(),
            state.config.secure_cookies,
            Some(year),
        ))
        .cookie(auth::cookie(
            FLASH_COOKIE,
            "flash-language-changed".into(),
            state.config.secure_cookies,
            Some(actix_web::cookie::time::Duration::seconds(60)),
        ))
        .finish())
}
