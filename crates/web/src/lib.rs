//! The CRM's web front-end: server-rendered pages, the REST API, sessions and CSRF. It talks to
//! storage only through `crm-store`'s operations, never SQL.

pub mod api;
mod assets;
pub mod auth;
pub mod config;
pub mod error;
mod exported;
pub mod files;
mod health;
pub mod i18n;
pub mod importer;
pub mod pages;
mod public_forms;
mod records;
mod routes;
pub mod state;
mod throttle;
mod ui;
pub mod webhooks;
pub mod worker;

use std::time::Instant;

use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::DefaultHeaders;
use actix_web::{HttpMessage, HttpServer, web};
use tracing::Instrument;

pub use config::WebConfig;
pub use state::AppState;

use crate::api::ApiError;
use crate::error::WebError;
use crate::pages::RequestId;

/// Largest form or JSON body a handler parses (uploads get their own limits later).
pub(crate) const MAX_FORM_BYTES: usize = 1024 * 1024;

/// Registers routes, extractor limits and error rendering on an app (shared by `serve` and the
/// in-process tests).
pub fn configure(state: web::Data<AppState>) -> impl FnOnce(&mut web::ServiceConfig) {
    move |cfg| {
        let payload_limit = state.config.max_body_bytes.min(MAX_FORM_BYTES);
        cfg.app_data(state)
            .app_data(
                web::FormConfig::default()
                    .limit(payload_limit)
                    .error_handler(|e, _| match e {
                        actix_web::error::UrlencodedError::Overflow { .. } => {
                            WebError::TooLarge.into()
                        }
                        other => WebError::BadRequest(other.to_string()).into(),
                    }),
            )
            .app_data(
                web::JsonConfig::default()
                    .limit(payload_limit)
                    .error_handler(|e, _| match e {
                        actix_web::error::JsonPayloadError::Overflow { .. }
                        | actix_web::error::JsonPayloadError::OverflowKnownLength { .. } => {
                            ApiError(WebError::TooLarge).into()
                        }
                        other => ApiError(WebError::BadRequest(other.to_string())).into(),
                    }),
            )
            .app_data(web::PathConfig::default().error_handler(|_, req| {
                let e = WebError::Domain(crm_core::Error::NotFound);
                if req.path().starts_with("/api/") {
                    ApiError(e).into()
                } else {
                    e.into()
                }
            }))
            .app_data(web::QueryConfig::default().error_handler(|e, req| {
                let e = WebError::BadRequest(e.to_string());
                if req.path().starts_with("/api/") {
                    ApiError(e).into()
                } else {
                    e.into()
                }
            }))
            .configure(routes::routes);
    }
}

/// Security headers on every response.
#[doc(hidden)]
pub fn security_headers() -> DefaultHeaders {
    DefaultHeaders::new()
        .add((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .add((header::X_FRAME_OPTIONS, "DENY"))
        .add((header::REFERRER_POLICY, "same-origin"))
        .add((
            header::CONTENT_SECURITY_POLICY,
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; \
             frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
        ))
}

/// Builds the application with its middleware: request ids and logging, security headers,
/// error pages, compression.
#[macro_export]
macro_rules! app {
    ($state:expr) => {
        actix_web::App::new()
            .configure($crate::configure($state))
            .wrap(
                actix_web::middleware::ErrorHandlers::new()
                    .default_handler($crate::pages::error_page),
            )
            .wrap($crate::security_headers())
            .wrap(actix_web::middleware::Compress::default())
            .wrap_fn($crate::log_request)
    };
}

/// Gives each request an id and a span (id, method, path, user), and logs status and latency.
#[doc(hidden)]
pub fn log_request<S, B>(
    req: actix_web::dev::ServiceRequest,
    srv: &S,
) -> impl std::future::Future<Output = Result<ServiceResponse<B>, actix_web::Error>> + use<S, B>
where
    S: Service<
            actix_web::dev::ServiceRequest,
            Response = ServiceResponse<B>,
            Error = actix_web::Error,
        >,
{
    let id = auth::new_secret().chars().take(16).collect::<String>();
    req.extensions_mut().insert(RequestId(id.clone()));
    let span = tracing::info_span!(
        "request",
        id = %id,
        method = %req.method(),
        path = %req.path(),
        user = tracing::field::Empty,
    );
    let start = Instant::now();
    let fut = {
        let _enter = span.enter();
        srv.call(req)
    };
    async move {
        let res = fut.await;
        let ms = start.elapsed().as_secs_f64() * 1000.0;
        match &res {
            Ok(r) => {
                let status = r.status();
                if status.is_server_error() {
                    tracing::error!(status = status.as_u16(), ms, "request done");
                } else {
                    tracing::info!(status = status.as_u16(), ms, "request done");
                }
            }
            Err(e) => tracing::error!(error = %e, ms, "request failed"),
        }
        res.map(|mut r| {
            if let Ok(v) = HeaderValue::from_str(&id) {
                r.headers_mut()
                    .insert(header::HeaderName::from_static("x-request-id"), v);
            }
            r
        })
    }
    .instrument(span)
}

/// Serves the CRM until the process is told to stop.
pub async fn serve(state: AppState, backups: Option<worker::BackupPlan>) -> std::io::Result<()> {
    let listen = state.config.listen.clone();
    let workers = state.config.workers;
    // Database work runs on blocking threads; more of them than pooled connections only wait,
    // and every extra thread keeps its own allocator arena (memory that never shrinks).
    let blocking_threads = usize::try_from(state.store.pool_size()).unwrap_or(8).max(2);
    let store = state.store.clone();
    let imports = importer::Imports::spawn(store.clone(), state.files.clone(), state.region)?;
    let state = web::Data::new(state);
    let mut server = HttpServer::new(move || app!(state.clone()))
        .bind(&listen)
        .map_err(|e| std::io::Error::new(e.kind(), format!("cannot listen on {listen}: {e}")))?
        .shutdown_timeout(20)
        .worker_max_blocking_threads(blocking_threads);
    if workers > 0 {
        server = server.workers(workers);
    }
    let checkpointer = worker::Checkpointer::spawn(store.clone())?;
    let worker = worker::Worker::spawn(store, backups)?;
    tracing::info!(%listen, "serving");
    let served = server.run().await;
    worker.stop();
    imports.stop();
    checkpointer.stop();
    served
}
