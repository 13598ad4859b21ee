//! The public end of the website lead forms: `POST /f/{key}` from visitors' browsers on an
//! allowed site (form-encoded or JSON) or from another server with the form's token, and the
//! CORS preflight `OPTIONS /f/{key}`. There is no session here — no cookies, no CSRF token —
//! so the origin allow-list, the token, the honeypot and a per-address rate limit guard it.

use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, ResponseError, web};
use crm_core::lead_form::{HONEYPOT, MAX_BODY_BYTES};
use crm_core::{FieldErrors, LeadForm, Origin};
use futures_util::StreamExt;

use crate::api::ApiError;
use crate::auth;
use crate::error::WebError;
use crate::pages::{blocking, language_of};
use crate::state::AppState;

fn header(req: &HttpRequest, name: header::HeaderName) -> Option<&str> {
    req.headers().get(name).and_then(|h| h.to_str().ok())
}

/// How to answer this request: JSON or a page, and the origin to allow to read the answer.
struct Answer {
    json: bool,
    lang: &'static str,
    cors: Option<Origin>,
    /// Where the visitor's "back" link leads: the page they posted from, on an allowed site.
    back: Option<String>,
}

impl Answer {
    fn of(req: &HttpRequest) -> Answer {
        let content_json = header(req, header::CONTENT_TYPE)
            .is_some_and(|c| c.trim_start().starts_with("application/json"));
        let accept = header(req, header::ACCEPT).unwrap_or("");
        Answer {
            json: content_json
                || (accept.contains("application/json") && !accept.contains("text/html")),
            lang: language_of(req, None),
            cors: None,
            back: None,
        }
    }

    /// CORS and cache headers every answer carries.
    fn finish(&self, mut res: HttpResponse) -> HttpResponse {
        let h = res.headers_mut();
        h.insert(header::VARY, HeaderValue::from_static("Origin"));
        if let Some(v) = self
            .cors
            .as_ref()
            .and_then(|o| HeaderValue::from_str(o.as_str()).ok())
        {
            h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, v);
        }
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        res
    }

    fn page(&self, state: &AppState, status: StatusCode, ctx: &mut tera::Context) -> HttpResponse {
        ctx.insert("lang", self.lang);
        ctx.insert("dir", "ltr");
        ctx.insert("css_url", &state.ui.asset_url("app.css"));
        ctx.insert("js_url", &state.ui.asset_url("app.js"));
        ctx.insert("back", &self.back);
        match state.ui.render("lead_forms/public.html", ctx) {
            Ok(html) => HttpResponse::build(status)
                .insert_header((header::CONTENT_TYPE, "text/html; charset=utf-8"))
                .body(html),
            Err(e) => {
                tracing::error!(error = ?e, "template lead_forms/public.html");
                HttpResponse::InternalServerError().finish()
            }
        }
    }

    fn refuse(&self, state: &AppState, e: WebError) -> HttpResponse {
        if self.json {
            return self.finish(ApiError(e).error_response());
        }
        let status = e.status_code();
        if let WebError::Internal(cause) = &e {
            tracing::error!(%cause, "website form post failed");
        }
        let mut problems: Vec<(String, &'static str)> = Vec::new();
        if let WebError::Domain(crm_core::Error::Invalid(errors)) = &e {
            problems = errors
                .iter()
                .map(|fe| (format!("lead-form-field-{}", fe.field), fe.code))
                .collect();
        }
        let mut ctx = tera::Context::new();
        ctx.insert("ok", &false);
        ctx.insert("message", e.message_key());
        ctx.insert("problems", &problems);
        let mut res = self.page(state, status, &mut ctx);
        if let Some(s) = e.retry_after() {
            res.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(s));
        }
        self.finish(res)
    }

    /// The answer to a post that went through — or that only looked like it did (honeypot).
    fn success(&self, state: &AppState, form: &LeadForm) -> HttpResponse {
        let res = if self.json {
            HttpResponse::Created().json(serde_json::json!({ "ok": true }))
        } else if !form.redirect_url.is_empty() {
            HttpResponse::SeeOther()
                .insert_header((header::LOCATION, form.redirect_url.clone()))
                .finish()
        } else {
            let mut ctx = tera::Context::new();
            ctx.insert("ok", &true);
            ctx.insert("form_name", &form.name);
            self.page(state, StatusCode::OK, &mut ctx)
        };
        self.finish(res)
    }
}

async fn active_form(
    state: &web::Data<AppState>,
    key: &str,
) -> Result<(LeadForm, String), WebError> {
    let (st, key) = (state.clone(), key.to_string());
    blocking(move || st.store.public_lead_form(&key))
        .await?
        .ok_or(WebError::Domain(crm_core::Error::NotFound))
}

/// `OPTIONS /f/{key}`: lets an allowed site post JSON from its pages' scripts.
pub async fn preflight(
    state: web::Data<AppState>,
    req: HttpRequest,
    key: web::Path<String>,
) -> HttpResponse {
    let mut answer = Answer::of(&req);
    answer.json = true;
    let origin = Origin::of_request(header(&req, header::ORIGIN), None);
    let form = match active_form(&state, &key).await {
        Ok((form, _)) => form,
        Err(e) => return answer.refuse(&state, e),
    };
    match origin.filter(|o| form.allows(o)) {
        Some(o) => {
            answer.cors = Some(o);
            let res = HttpResponse::NoContent()
                .insert_header((header::ACCESS_CONTROL_ALLOW_METHODS, "POST, OPTIONS"))
                .insert_header((header::ACCESS_CONTROL_ALLOW_HEADERS, "Content-Type, Accept"))
                .insert_header((header::ACCESS_CONTROL_MAX_AGE, "600"))
                .finish();
            answer.finish(res)
        }
        None => answer.refuse(&state, crm_core::Error::Forbidden.into()),
    }
}

/// `POST /f/{key}`: a visitor's request becomes a lead.
pub async fn submit(
    state: web::Data<AppState>,
    req: HttpRequest,
    key: web::Path<String>,
    payload: web::Payload,
) -> HttpResponse {
    let mut answer = Answer::of(&req);
    match take(&state, &req, &key, payload, &mut answer).await {
        Ok(res) => res,
        Err(e) => answer.refuse(&state, e),
    }
}

async fn take(
    state: &web::Data<AppState>,
    req: &HttpRequest,
    key: &str,
    payload: web::Payload,
    answer: &mut Answer,
) -> Result<HttpResponse, WebError> {
    let (form, token_hash) = active_form(state, key).await?;
    match header(req, header::AUTHORIZATION) {
        // Another server posting for its site: the token stands in for the origin check.
        Some(h) => {
            let token = h.strip_prefix("Bearer ").map(str::trim).unwrap_or("");
            if !auth::same_secret(&auth::secret_hash(token), &token_hash) || token.is_empty() {
                return Err(WebError::Unauthorized);
            }
        }
        None => {
            let referer = header(req, header::REFERER);
            let origin = Origin::of_request(header(req, header::ORIGIN), referer);
            match origin.filter(|o| form.allows(o)) {
                Some(o) => {
                    answer.back = referer
                        .filter(|r| Origin::of_url(r).as_ref() == Some(&o))
                        .map(str::to_string);
                    answer.cors = Some(o);
                }
                None => return Err(crm_core::Error::Forbidden.into()),
            }
            if let Err(wait) = state.form_throttle.check(&state.client_ip(req)) {
                return Err(WebError::rate_limited(wait));
            }
        }
    }
    let body = read_body(payload).await?;
    let values = values_of(req, &body)?;
    if values.get(HONEYPOT).is_some_and(|v| !v.trim().is_empty()) {
        // Looks like success to the bot, so it learns nothing; nothing is written.
        tracing::info!(
            form = form.id,
            "website form post with the honeypot filled: dropped"
        );
        return Ok(answer.success(state, &form));
    }
    let draft = form.lead_draft(&values, header(req, header::REFERER), state.region)?;
    let (st, k) = (state.clone(), key.to_string());
    let lead = blocking(move || st.store.submit_lead_form(&k, &draft)).await?;
    tracing::info!(form = form.id, lead = lead.id, "lead from a website form");
    Ok(answer.success(state, &form))
}

async fn read_body(mut payload: web::Payload) -> Result<web::BytesMut, WebError> {
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| WebError::BadRequest(e.to_string()))?;
        if body.len() + chunk.len() > MAX_BODY_BYTES {
            return Err(WebError::TooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// The posted values by input name (the first of repeated names).
fn values_of(req: &HttpRequest, body: &[u8]) -> Result<BTreeMap<String, String>, WebError> {
    let content_type = header(req, header::CONTENT_TYPE).unwrap_or("").trim();
    let mut values = BTreeMap::new();
    if content_type.starts_with("application/json") {
        let map: serde_json::Map<String, serde_json::Value> = serde_json::from_slice(body)
            .map_err(|_| WebError::BadRequest("the body is not a JSON object".into()))?;
        for (k, v) in map {
            let text = match v {
                serde_json::Value::String(s) => s,
                serde_json::Value::Number(n) => n.to_string(),
                serde_json::Value::Null => continue,
                _ => {
                    let mut e = FieldErrors::new();
                    e.add(k, "error-bad-request");
                    return Err(crm_core::Error::Invalid(e).into());
                }
            };
            values.insert(k, text);
        }
    } else if content_type.is_empty()
        || content_type.starts_with("application/x-www-form-urlencoded")
    {
        for (k, v) in form_urlencoded::parse(body) {
            values
                .entry(k.into_owned())
                .or_insert_with(|| v.into_owned());
        }
    } else {
        return Err(WebError::BadRequest(
            "send application/x-www-form-urlencoded or application/json".into(),
        ));
    }
    Ok(values)
}
