//! Exports of the lists to CSV and XLSX, and of contacts to vCard, with the list's filters:
//! administrators only, written down in the audit log before the first row leaves, read in
//! keyset pages so memory stays flat, every text cell safe from spreadsheet formulas.

use std::fmt::Write as _;
use std::io::{Read, Seek, SeekFrom};

use actix_web::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::Utc;
use crm_core::export::{Cell, EXPORT_PAGE, XLSX_SHEET_ROWS, allowed, cell, looks_like_formula};
use crm_core::import::vcard_of;
use crm_core::{Actor, Zone};
use futures_util::Stream;
use rust_xlsxwriter::{Format, Workbook, Worksheet, XlsxError};

use crate::auth::Session;
use crate::error::WebError;
use crate::exported::Exported;
use crate::i18n::translate;
use crate::pages::forms::actor;
use crate::pages::listing::ListParams;
use crate::pages::{blocking, language_of};
use crate::state::AppState;

/// Bytes read from a finished XLSX file per chunk sent.
const FILE_CHUNK: usize = 256 * 1024;

/// Refuses users who may not export, and writes down the export with its filters before
/// anything leaves.
async fn begin(
    state: &web::Data<AppState>,
    session: &Session,
    path: &'static str,
    format: &str,
    mut filters: serde_json::Value,
) -> Result<Actor, WebError> {
    let a = actor(session);
    if !allowed(&a) {
        return Err(WebError::Domain(crm_core::Error::Forbidden));
    }
    filters["format"] = format.into();
    let st = state.clone();
    blocking(move || st.store.record_export(&a, path, filters)).await?;
    Ok(a)
}

fn attachment(kind: &str, ext: &str, content_type: &str) -> actix_web::HttpResponseBuilder {
    let file = format!("{kind}-{}.{ext}", Utc::now().format("%Y-%m-%d"));
    let mut res = HttpResponse::Ok();
    res.insert_header((CONTENT_TYPE, content_type))
        .insert_header((
            CONTENT_DISPOSITION,
            format!("attachment; filename=\"{file}\""),
        ));
    res
}

/// A body made of the chunks `next` returns (none: the end). A failure mid-way cuts the file
/// off (the status line has left already); the log says why.
fn chunks<P, F, Fut>(progress: P, next: F) -> impl Stream<Item = Result<Bytes, WebError>>
where
    P: 'static,
    F: Fn(P) -> Fut + Copy + 'static,
    Fut: Future<Output = Result<Option<(Bytes, P)>, WebError>>,
{
    futures_util::stream::unfold(Some(progress), move |p| async move {
        match next(p?).await {
            Ok(Some((bytes, p))) => Some((Ok::<_, WebError>(bytes), Some(p))),
            Ok(None) => None,
            Err(e) => {
                tracing::error!(error = %e, "export stopped");
                None
            }
        }
    })
}

/// Where a streamed export stands between two pages.
struct Progress<Q> {
    state: web::Data<AppState>,
    actor: Actor,
    query: Q,
    lang: &'static str,
    zone: Zone,
    after: i64,
    /// The header line, until it is written.
    header: Option<Vec<String>>,
    done: bool,
}

pub async fn csv<R: Exported>(
    state: web::Data<AppState>,
    req: HttpRequest,
    session: Session,
    params: web::Query<R::Params>,
) -> Result<HttpResponse, WebError> {
    let query = R::query(params.into_inner(), &state, &session);
    let a = begin(&state, &session, R::PATH, "csv", R::filters(&query)).await?;
    let lang = language_of(&req, Some(&session));
    let progress = Progress {
        state,
        actor: a,
        query,
        lang,
        zone: session.zone,
        after: 0,
        header: Some(header(R::COLUMNS, lang)),
        done: false,
    };
    Ok(attachment(R::PATH, "csv", "text/csv; charset=utf-8")
        .streaming(chunks(progress, next_csv::<R>)))
}

fn header(columns: &[&str], lang: &str) -> Vec<String> {
    columns.iter().map(|k| translate(lang, k, &[])).collect()
}

/// The next page of rows as CSV (the first one after a byte-order mark, which spreadsheets
/// need to read UTF-8, and the header).
async fn next_csv<R: Exported>(
    mut p: Progress<R::Query>,
) -> Result<Option<(Bytes, Progress<R::Query>)>, WebError> {
    if p.done {
        return Ok(None);
    }
    let (st, a, q, after) = (p.state.clone(), p.actor, p.query.clone(), p.after);
    let rows = blocking(move || R::export(&st.store, &a, &q, after, EXPORT_PAGE)).await?;
    let mut out = Vec::with_capacity(rows.len() * 128 + 256);
    if p.header.is_some() {
        out.extend_from_slice("\u{feff}".as_bytes());
    }
    {
        let failed = |e: csv::Error| WebError::Internal(e.to_string());
        let mut w = csv::Writer::from_writer(&mut out);
        if let Some(header) = p.header.take() {
            w.write_record(header.iter().map(|h| cell(h).into_owned()))
                .map_err(failed)?;
        }
        let mut buf = String::new();
        for row in &rows {
            for c in R::cells(row, p.lang) {
                w.write_field(csv_text(&c, p.zone, &mut buf).as_bytes())
                    .map_err(failed)?;
            }
            w.write_record(None::<&[u8]>).map_err(failed)?;
        }
        w.flush().map_err(|e| WebError::Internal(e.to_string()))?;
    }
    match rows.last() {
        Some(last) if rows.len() == EXPORT_PAGE => p.after = R::row_id(last),
        _ => p.done = true,
    }
    Ok(Some((Bytes::from(out), p)))
}

/// A cell as CSV text: text made safe from formulas, numbers and times as a spreadsheet
/// reads them back (times in the reader's zone).
fn csv_text<'c>(c: &'c Cell<'_>, zone: Zone, buf: &'c mut String) -> &'c str {
    buf.clear();
    match c {
        Cell::Text(t) => match cell(t) {
            std::borrow::Cow::Borrowed(_) => t,
            std::borrow::Cow::Owned(safe) => {
                buf.push_str(&safe);
                buf
            }
        },
        Cell::Decimal(d) => d,
        Cell::Int(n) => {
            let _ = write!(buf, "{n}");
            buf
        }
        Cell::Date(d) => {
            let _ = write!(buf, "{}", d.format("%Y-%m-%d"));
            buf
        }
        Cell::Time(t) => {
            let _ = write!(buf, "{}", zone.local(*t).format("%Y-%m-%d %H:%M"));
            buf
        }
    }
}

pub async fn xlsx<R: Exported>(
    state: web::Data<AppState>,
    req: HttpRequest,
    session: Session,
    params: web::Query<R::Params>,
) -> Result<HttpResponse, WebError> {
    let query = R::query(params.into_inner(), &state, &session);
    let a = begin(&state, &session, R::PATH, "xlsx", R::filters(&query)).await?;
    let lang = language_of(&req, Some(&session));
    let (st, zone) = (state.clone(), session.zone);
    let file = web::block(move || workbook::<R>(&st, &a, &query, lang, zone))
        .await
        .map_err(|e| WebError::Internal(e.to_string()))??;
    let content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
    Ok(attachment(R::PATH, "xlsx", content_type).streaming(chunks(file, next_file_chunk)))
}

/// The whole export as an XLSX file: sheets in constant-memory mode (each row goes to a
/// temporary file as it is written, so memory stays flat on a million rows), saved into an
/// unnamed temporary file that the system removes once the response drops it. The format
/// cannot be streamed as it is written: the archive is assembled at the end.
fn workbook<R: Exported>(
    state: &AppState,
    actor: &Actor,
    query: &R::Query,
    lang: &'static str,
    zone: Zone,
) -> Result<std::fs::File, WebError> {
    let failed = |e: XlsxError| WebError::Internal(e.to_string());
    let formats = Formats::new();
    let header = header(R::COLUMNS, lang);
    let mut wb = Workbook::new();
    let mut rows = Vec::new().into_iter();
    let (mut after, mut exhausted) = (0, false);
    loop {
        let sheet = wb.add_worksheet_with_constant_memory().map_err(failed)?;
        for (col, title) in header.iter().enumerate() {
            sheet
                .write_string_with_format(0, col as u16, title, &formats.header)
                .map_err(failed)?;
        }
        let mut at = 1u32;
        while at < XLSX_SHEET_ROWS {
            if rows.len() == 0 && !exhausted {
                let page = R::export(&state.store, actor, query, after, EXPORT_PAGE)?;
                exhausted = page.len() < EXPORT_PAGE;
                after = page.last().map_or(after, R::row_id);
                rows = page.into_iter();
            }
            let Some(row) = rows.next() else { break };
            for (col, c) in R::cells(&row, lang).iter().enumerate() {
                write_cell(sheet, at, col as u16, c, zone, &formats).map_err(failed)?;
            }
            at += 1;
        }
        if rows.len() == 0 && !exhausted {
            // The sheet is full: another one only if rows remain.
            let page = R::export(&state.store, actor, query, after, EXPORT_PAGE)?;
            exhausted = page.len() < EXPORT_PAGE;
            after = page.last().map_or(after, R::row_id);
            rows = page.into_iter();
        }
        if rows.len() == 0 {
            break;
        }
    }
    let mut file = tempfile::tempfile().map_err(|e| WebError::Internal(e.to_string()))?;
    wb.save_to_writer(&mut file).map_err(failed)?;
    file.seek(SeekFrom::Start(0))
        .map_err(|e| WebError::Internal(e.to_string()))?;
    Ok(file)
}

struct Formats {
    header: Format,
    /// Text that looks like a formula: Excel's "quote prefix", the file's own way of saying
    /// "text, even if edited", without changing the value the reader sees.
    quoted: Format,
    date: Format,
    time: Format,
}

impl Formats {
    fn new() -> Formats {
        Formats {
            header: Format::new().set_bold(),
            quoted: Format::new().set_quote_prefix(),
            date: Format::new().set_num_format("yyyy-mm-dd"),
            time: Format::new().set_num_format("yyyy-mm-dd hh:mm"),
        }
    }
}

/// One typed cell: text always as a string (never a formula), numbers and dates as such.
fn write_cell(
    sheet: &mut Worksheet,
    row: u32,
    col: u16,
    c: &Cell<'_>,
    zone: Zone,
    f: &Formats,
) -> Result<(), XlsxError> {
    match c {
        Cell::Text(t) if t.is_empty() => {}
        Cell::Text(t) if looks_like_formula(t) => {
            sheet.write_string_with_format(row, col, t.as_ref(), &f.quoted)?;
        }
        Cell::Text(t) => {
            sheet.write_string(row, col, t.as_ref())?;
        }
        Cell::Int(n) => {
            sheet.write_number(row, col, *n as f64)?;
        }
        Cell::Decimal(d) => match d.parse::<f64>() {
            Ok(n) => {
                sheet.write_number(row, col, n)?;
            }
            Err(_) => {
                sheet.write_string(row, col, d.as_ref())?;
            }
        },
        Cell::Date(d) => {
            sheet.write_datetime_with_format(row, col, d, &f.date)?;
        }
        Cell::Time(t) => {
            sheet.write_datetime_with_format(row, col, zone.local(*t), &f.time)?;
        }
    }
    Ok(())
}

/// The next chunk of a finished file, read on a blocking thread.
async fn next_file_chunk(
    mut file: std::fs::File,
) -> Result<Option<(Bytes, std::fs::File)>, WebError> {
    let (chunk, file) = web::block(move || {
        let mut buf = vec![0; FILE_CHUNK];
        let n = file.read(&mut buf)?;
        buf.truncate(n);
        Ok::<_, std::io::Error>((buf, file))
    })
    .await
    .map_err(|e| WebError::Internal(e.to_string()))?
    .map_err(|e| WebError::Internal(e.to_string()))?;
    Ok((!chunk.is_empty()).then(|| (Bytes::from(chunk), file)))
}

/// `GET /contacts/export.vcf`: the filtered contact list as vCards, one after another.
pub async fn vcards(
    state: web::Data<AppState>,
    session: Session,
    params: web::Query<ListParams>,
) -> Result<HttpResponse, WebError> {
    let query = params.query();
    let filters = serde_json::json!({"tag": query.tag, "responsible_id": query.responsible_id});
    let a = begin(&state, &session, "contacts", "vcard", filters).await?;
    let progress = Progress {
        state,
        actor: a,
        query,
        lang: "en",
        zone: session.zone,
        after: 0,
        header: None,
        done: false,
    };
    Ok(attachment("contacts", "vcf", "text/vcard; charset=utf-8")
        .streaming(chunks(progress, next_vcards)))
}

async fn next_vcards(
    mut p: Progress<crm_core::ListQuery>,
) -> Result<Option<(Bytes, Progress<crm_core::ListQuery>)>, WebError> {
    if p.done {
        return Ok(None);
    }
    let (st, a, q, after) = (p.state.clone(), p.actor, p.query.clone(), p.after);
    // Whole cards are bigger than list rows: smaller pages.
    let limit = EXPORT_PAGE / 10;
    let cards = blocking(move || st.store.export_contact_cards(&a, &q, after, limit)).await?;
    let mut out = String::with_capacity(cards.len() * 400);
    for c in &cards {
        out.push_str(&vcard_of(c));
    }
    match cards.last() {
        Some(last) if cards.len() == limit => p.after = last.id,
        _ => p.done = true,
    }
    Ok(Some((Bytes::from(out), p)))
}

/// `GET /contacts/{id}/vcard`: one contact's card, for an address book or a phone.
pub async fn vcard(
    state: web::Data<AppState>,
    session: Session,
    path: web::Path<i64>,
) -> Result<HttpResponse, WebError> {
    let id = path.into_inner();
    let (st, a) = (state.clone(), actor(&session));
    let contact = blocking(move || st.store.contact(&a, id)).await?;
    let file = format!("contact-{id}.vcf");
    Ok(HttpResponse::Ok()
        .insert_header((CONTENT_TYPE, "text/vcard; charset=utf-8"))
        .insert_header((
            CONTENT_DISPOSITION,
            format!("attachment; filename=\"{file}\""),
        ))
        .body(vcard_of(&contact)))
}
