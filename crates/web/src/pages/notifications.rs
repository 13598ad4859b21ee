//! The notification centre: the list, marking read, and the live stream that keeps every open
//! page's bell up to date (server-sent events).

use std::time::Duration;

use actix_web::http::header::{CACHE_CONTROL, CONTENT_ENCODING, CONTENT_TYPE, LOCATION};
use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse, web};
use crm_core::Notification;
use fluent_bundle::FluentValue;
use serde::Deserialize;
use serde_json::json;

use crate::auth::Session;
use crate::error::WebError;
use crate::i18n;
use crate::pages::forms::actor;
use crate::pages::{CsrfForm, Page, blocking, language_of, redirect_with_flash, when};
use crate::state::AppState;

const PAGE: usize = 30;
/// How often an open stream looks at this process's notice counter, and how often it asks
/// the database anyway (notices written by another app node).
const TICK: Duration = Duration::from_millis(500);
const POLL_TICKS: u32 = 10;
const KEEPALIVE_TICKS: u32 = 30;

/// A notification's text in `lang`.
pub fn text(lang: &str, n: &Notification) -> String {
    let args: Vec<(&str, FluentValue<'static>)> = n
        .args
        .iter()
        .map(|(k, v)| {
            let v = v.as_str().map_or_else(|| v.to_string(), str::to_string);
            (k.as_str(), FluentValue::from(v))
        })
        .collect();
    i18n::translate(lang, &format!("notice-{}", n.kind), &args)
}

/// A link on this site only: a notification never sends anyone elsewhere.
fn local(link: &str) -> &str {
    if super::is_local_path(link) {
        link
    } else {
        "/notifications"
    }
}

#[derive(Deserialize)]
pub struct ListParams {
    before: Option<i64>,
}

pub async fn list(
    state: web::Data<AppState>,
    req: HttpRequest,
    session: Session,
    params: web::Query<ListParams>,
) -> Result<HttpResponse, WebError> {
    let (st, a, before) = (state.clone(), actor(&session), params.before);
    let mut items = blocking(move || st.store.notifications(&a, before, PAGE + 1)).await?;
    let more = items.len() > PAGE;
    items.truncate(PAGE);
    let lang = language_of(&req, Some(&session));
    let views: Vec<_> = items
        .iter()
        .map(|n| {
            json!({
                "id": n.id,
                "text": text(lang, n),
                "link": local(&n.link),
                "when": when(session.zone, n.created_at),
                "unread": n.read_at.is_none(),
            })
        })
        .collect();
    let next_url = more
        .then(|| {
            items
                .last()
                .map(|n| format!("/notifications?before={}", n.id))
        })
        .flatten();
    let mut page = Page::new(&state, &req, Some(&session), "notifications");
    page.insert("items", &views)
        .insert("next_url", &next_url)
        .insert("any_unread", &(session.unread > 0));
    page.render(&state, "notifications/list.html")
}

/// Marks one read and follows its link.
pub async fn read(
    state: web::Data<AppState>,
    session: Session,
    id: web::Path<i64>,
    form: web::Form<CsrfForm>,
) -> Result<HttpResponse, WebError> {
    session.check_csrf(&form.csrf_token)?;
    let (st, a, id) = (state.clone(), actor(&session), id.into_inner());
    let n = blocking(move || {
        let n = st.store.notification(&a, id)?;
        st.store.mark_read(&a, Some(id))?;
        Ok(n)
    })
    .await?;
    Ok(HttpResponse::SeeOther()
        .insert_header((LOCATION, local(&n.link).to_string()))
        .finish())
}

pub async fn read_all(
    state: web::Data<AppState>,
    session: Session,
    form: web::Form<CsrfForm>,
) -> Result<HttpResponse, WebError> {
    session.check_csrf(&form.csrf_token)?;
    let (st, a) = (state.clone(), actor(&session));
    blocking(move || st.store.mark_read(&a, None)).await?;
    Ok(redirect_with_flash(
        &state,
        "/notifications",
        "flash-notifications-read",
    ))
}

struct Stream {
    state: web::Data<AppState>,
    session: Session,
    lang: &'static str,
    /// What the page was last told: unread count and newest id.
    told: Option<(i64, Option<i64>)>,
    generation: u64,
    ticks: u32,
}

impl Stream {
    /// The next event to send, once there is one.
    async fn next(&mut self) -> Result<Bytes, WebError> {
        loop {
            let generation = self.state.store.notice_generation();
            let due = self.told.is_none()
                || generation != self.generation
                || self.ticks.is_multiple_of(POLL_TICKS);
            if due {
                self.generation = generation;
                let (st, uid) = (self.state.clone(), self.session.user.id);
                let now = blocking(move || st.store.unread_notifications(uid)).await?;
                if self.told != Some(now) {
                    let newer = match (self.told, now.1) {
                        (Some((_, old)), Some(new)) => old.is_none_or(|o| new > o),
                        _ => false,
                    };
                    self.told = Some(now);
                    let latest = if newer {
                        let (st, a) = (self.state.clone(), actor(&self.session));
                        let n = blocking(move || st.store.notifications(&a, None, 1)).await?;
                        n.first()
                            .map(|n| json!({"text": text(self.lang, n), "link": local(&n.link)}))
                    } else {
                        None
                    };
                    let data = json!({"unread": now.0, "latest": latest});
                    return Ok(Bytes::from(format!("event: unread\ndata: {data}\n\n")));
                }
            }
            self.ticks = self.ticks.wrapping_add(1);
            if self.ticks.is_multiple_of(KEEPALIVE_TICKS) {
                // A comment line keeps proxies from closing a quiet connection.
                return Ok(Bytes::from_static(b": keep-alive\n\n"));
            }
            tokio::time::sleep(TICK).await;
        }
    }
}

/// `GET /notifications/stream`: an `unread` event with the count (and the newest
/// notification's text when one arrived) whenever it changes.
pub async fn stream(
    state: web::Data<AppState>,
    req: HttpRequest,
    session: Session,
) -> Result<HttpResponse, WebError> {
    let lang = language_of(&req, Some(&session));
    let s = Stream {
        state,
        session,
        lang,
        told: None,
        generation: 0,
        ticks: 1,
    };
    let body = futures_util::stream::unfold(s, |mut s| async move {
        match s.next().await {
            Ok(bytes) => Some((Ok::<_, WebError>(bytes), s)),
            Err(e) => {
                tracing::warn!(error = %e, "notification stream ended");
                None
            }
        }
    });
    Ok(HttpResponse::Ok()
        .insert_header((CONTENT_TYPE, "text/event-stream"))
        .insert_header((CACHE_CONTROL, "no-cache"))
        // Compression would hold events back in its buffer; proxies must not buffer either.
        .insert_header((CONTENT_ENCODING, "identity"))
        .insert_header(("X-Accel-Buffering", "no"))
        .streaming(body))
}
