//! `GET /healthz`: for load balancers and `crm doctor`; answers 200 only when the database does.

use actix_web::{HttpResponse, web};
use serde_json::json;

use crate::state::AppState;

pub async fn healthz(state: web::Data<AppState>) -> HttpResponse {
    let st = state.clone();
    let checked = web::block(move || {
        st.store.ping()?;
        st.store.schema_version()
    })
    .await;
    match checked {
        Ok(Ok(schema)) => HttpResponse::Ok().json(json!({
            "status": "ok",
            "version": env!("CARGO_PKG_VERSION"),
            "schema_version": schema,
            "database": state.store.backend().as_str(),
        })),
        Ok(Err(e)) => {
            tracing::error!(error = %e, "health check: database unavailable");
            HttpResponse::ServiceUnavailable().json(json!({ "status": "database unavailable" }))
        }
        Err(e) => {
            tracing::error!(error = %e, "health check failed");
            HttpResponse::ServiceUnavailable().json(json!({ "status": "unavailable" }))
        }
    }
}
