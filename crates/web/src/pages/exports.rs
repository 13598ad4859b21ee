//! CSV exports of the contact and company lists, with the list's filters: administrators only,
//! written down in the audit log before the first row leaves, streamed in pages so memory stays
//! flat, every cell safe from spreadsheet formulas.

use actix_web::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::Utc;
use crm_core::export::{EXPORT_PAGE, allowed, cell};
use crm_core::{Actor, ListQuery};

use crate::auth::Session;
use crate::error::WebError;
use crate::i18n::translate;
use crate::pages::forms::actor;
use crate::pages::listing::ListParams;
use crate::pages::{blocking, language_of};
use crate::records::Exported;
use crate::state::AppState;

/// Where an export stands between two pages.
struct Progress {
    state: web::Data<AppState>,
    actor: Actor,
    query: ListQuery,
    after: i64,
    /// The header line, until it is written.
    header: Option<Vec<String>>,
    done: bool,
}

pub async fn csv<R: Exported>(
    state: web::Data<AppState>,
    req: HttpRequest,
    session: Session,
    params: web::Query<ListParams>,
) -> Result<HttpResponse, WebError> {
    let a = actor(&session);
    if !allowed(&a) {
        return Err(WebError::Domain(crm_core::Error::Forbidden));
    }
    let query = params.query();
    let filters = serde_json::json!({
        "format": "csv",
        "tag": query.tag,
        "responsible_id": query.responsible_id,
    });
    let (st, who) = (state.clone(), a);
    blocking(move || st.store.record_export(&who, R::PATH, filters)).await?;
    let lang = language_of(&req, Some(&session));
    let progress = Progress {
        state,
        actor: a,
        query,
        after: 0,
        header: Some(R::COLUMNS.iter().map(|k| translate(lang, k, &[])).collect()),
        done: false,
    };
    let body = futures_util::stream::unfold(progress, |mut p| async move {
        if p.done {
            return None;
        }
        match next_chunk::<R>(&mut p).await {
            Ok(bytes) => Some((Ok::<_, WebError>(bytes), p)),
            Err(e) => {
                // The client sees a cut-off file; the log says why.
                tracing::error!(error = %e, "export stopped");
                None
            }
        }
    });
    let file = format!("{}-{}.csv", R::PATH, Utc::now().format("%Y-%m-%d"));
    Ok(HttpResponse::Ok()
        .insert_header((CONTENT_TYPE, "text/csv; charset=utf-8"))
        .insert_header((
            CONTENT_DISPOSITION,
            format!("attachment; filename=\"{file}\""),
        ))
        .streaming(body))
}

/// The next page of rows as CSV (the first one after a byte-order mark, which spreadsheets
/// need to read UTF-8, and the header).
async fn next_chunk<R: Exported>(p: &mut Progress) -> Result<Bytes, WebError> {
    let (st, a, q, after) = (p.state.clone(), p.actor, p.query.clone(), p.after);
    let rows = blocking(move || R::export(&st.store, &a, &q, after, EXPORT_PAGE)).await?;
    let mut out = Vec::with_capacity(rows.len() * 128 + 64);
    if p.header.is_some() {
        out.extend_from_slice("\u{feff}".as_bytes());
    }
    {
        let mut w = csv::Writer::from_writer(&mut out);
        let failed = |e: csv::Error| WebError::Internal(e.to_string());
        if let Some(header) = p.header.take() {
            w.write_record(header.iter().map(|h| cell(h).into_owned()))
                .map_err(failed)?;
        }
        for row in &rows {
            w.write_record(R::cells(row).iter().map(|c| cell(c).into_owned()))
                .map_err(failed)?;
        }
        w.flush().map_err(|e| WebError::Internal(e.to_string()))?;
    }
    match rows.last() {
        Some(last) if rows.len() == EXPORT_PAGE => p.after = R::row_id(last),
        _ => p.done = true,
    }
    Ok(Bytes::from(out))
}
