//! Importing contacts, companies, leads, deals and products in the browser (administrators): upload a file, check the guessed column
//! mapping against a preview of the first rows with each problem shown, start it as a
//! background job, follow its progress, read the report and download the failed rows.

use actix_multipart::Multipart;
use actix_web::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use actix_web::{HttpRequest, HttpResponse, web};
use crm_core::FieldErrors;
use crm_core::import::{Kind, fields, guess_mapping};
use crm_core::import_rows::{Mapping, Policy, Settings};
use serde::Serialize;

use crate::auth::Session;
use crate::error::WebError;
use crate::files::{self, Incoming};
use crate::i18n;
use crate::importer;
use crate::pages::attachments::receive;
use crate::pages::forms::actor;
use crate::pages::pipelines::admin_only;
use crate::pages::{CsrfForm, Page, blocking, language_of, redirect_with_flash, when};
use crate::state::AppState;

/// Rows shown under the mapping.
const PREVIEW_ROWS: usize = 10;

#[derive(Serialize)]
struct ImportView {
    id: i64,
    file_name: String,
    status: String,
    created: String,
    rows_total: Option<i64>,
    rows_done: i64,
    percent: i64,
    counts: crm_core::import_rows::Counts,
    error: String,
}

fn view(rec: &crm_store::ImportRecord, zone: crm_core::Zone) -> ImportView {
    let percent = match rec.rows_total {
        Some(t) if t > 0 => (rec.rows_done * 100 / t).clamp(0, 100),
        Some(_) => 100,
        None => 0,
    };
    ImportView {
        id: rec.id,
        file_name: rec.file_name.clone(),
        status: rec.status.clone(),
        created: when(zone, rec.created_at.and_utc()),
        rows_total: rec.rows_total,
        rows_done: rec.rows_done,
        percent,
        counts: rec.counts(),
        error: rec.error.clone(),
    }
}

/// `GET /imports`.
pub async fn list(
    state: web::Data<AppState>,
    req: HttpRequest,
    session: Session,
) -> Result<HttpResponse, WebError> {
    admin_only(&session)?;
    let (st, a) = (state.clone(), actor(&session));
    let recs = blocking(move || st.store.imports(&a, 50)).await?;
    let views: Vec<ImportView> = recs.iter().map(|r| view(r, session.zone)).collect();
    let mut page = Page::new(&state, &req, Some(&session), "imports");
    page.insert("imports", &views);
    page.render(&state, "imports/list.html")
}

/// `POST /imports`: the uploaded file becomes a draft import.
pub async fn upload(
    state: web::Data<AppState>,
    session: Session,
    payload: Multipart,
) -> Result<HttpResponse, WebError> {
    admin_only(&session)?;
    let up = match receive(payload, &state.files, state.config.max_import_bytes).await {
        Ok(up) => up,
        Err("error-upload-too-large") => {
            return Ok(redirect_with_flash(
                &state,
                "/imports",
                "import-error-too-large",
            ));
        }
        Err("error-internal") => return Err(WebError::Internal("cannot store an upload".into())),
        Err(code) => return Err(WebError::BadRequest(code.into())),
    };
    if let Err(e) = session.check_csrf(up.field("csrf_token")) {
        up.discard();
        return Err(e);
    }
    // A form without the choice (an older page) imports contacts.
    let kind: Kind = match up.field("kind") {
        "" => Kind::Contacts,
        k => match k.parse() {
            Ok(k) => k,
            Err(e) => {
                up.discard();
                return Err(WebError::BadRequest(e));
            }
        },
    };
    let mut incoming: Vec<Incoming> = up.files;
    let Some(file) = incoming.pop() else {
        return Ok(redirect_with_flash(
            &state,
            "/imports",
            "error-upload-no-file",
        ));
    };
    for extra in incoming {
        extra.discard();
    }
    let name = files::safe_name(&file.file_name).unwrap_or_else(|| "import".into());
    let size = u64::try_from(file.size).unwrap_or(0);
    let key = files::import_key();
    let target = files::path_of(&state.files, &key);
    let temp = file.temp.clone();
    let moved = web::block(move || {
        if let Some(dir) = target.parent() {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::rename(&temp, &target)
    })
    .await;
    if !matches!(moved, Ok(Ok(()))) {
        file.discard();
        return Err(WebError::Internal("cannot keep an uploaded import".into()));
    }
    // Refused at once when it is not a readable table: nothing is recorded.
    let (st, path) = (state.clone(), files::path_of(&state.files, &key));
    let headers =
        web::block(move || importer::open(&path, &Settings::default()).map(|t| t.headers)).await?;
    let headers = match headers {
        Ok(h) => h,
        Err(_) => {
            files::remove(&state.files, std::slice::from_ref(&key));
            return Ok(redirect_with_flash(
                &state,
                "/imports",
                "import-error-unreadable",
            ));
        }
    };
    let hash = importer::headers_hash(&headers);
    let a = actor(&session);
    let st2 = st.clone();
    let saved = blocking(move || st2.store.saved_mapping(kind.as_str(), &hash)).await?;
    let mapping: Mapping = saved
        .and_then(|m| serde_json::from_str::<Mapping>(&m).ok())
        .filter(|m| m.len() == headers.len())
        .unwrap_or_else(|| {
            guess_mapping(kind, &headers)
                .into_iter()
                .map(|m| m.map(str::to_string))
                .collect()
        });
    let settings = Settings {
        mapping,
        currency: Some(state.currency.code().to_string()),
        ..Settings::default()
    };
    let id = blocking(move || {
        st.store
            .create_import(&a, kind.as_str(), &key, &name, size, &settings)
    })
    .await?;
    Ok(redirect_with_flash(
        &state,
        &format!("/imports/{id}"),
        "import-flash-uploaded",
    ))
}

#[derive(Serialize)]
struct Column {
    index: usize,
    header: String,
    field: String,
}

#[derive(Serialize)]
struct PreviewRow {
    number: u64,
    cells: Vec<String>,
    problems: Vec<String>,
}

#[derive(Serialize)]
struct Choice {
    key: &'static str,
    label: String,
}

/// `GET /imports/{id}`: the mapping and preview of a draft; progress or the report after.
pub async fn show(
    state: web::Data<AppState>,
    req: HttpRequest,
    session: Session,
    id: web::Path<i64>,
) -> Result<HttpResponse, WebError> {
    admin_only(&session)?;
    render_show(
        &state,
        &req,
        &session,
        id.into_inner(),
        None,
        &FieldErrors::new(),
    )
    .await
}

async fn render_show(
    state: &web::Data<AppState>,
    req: &HttpRequest,
    session: &Session,
    id: i64,
    settings: Option<Settings>,
    errors: &FieldErrors,
) -> Result<HttpResponse, WebError> {
    let lang = language_of(req, Some(session));
    let (st, a) = (state.clone(), actor(session));
    let rec = blocking(move || st.store.import(&a, id)).await?;
    let mut page = Page::new(state, req, Some(session), "imports");
    page.insert("import", &view(&rec, session.zone));
    let kind: Kind = rec.kind.parse().unwrap_or(Kind::Contacts);
    page.insert("kind", kind.as_str());
    if rec.status == "draft" {
        let settings = settings.unwrap_or_else(|| rec.settings());
        let path = files::path_of(&state.files, &rec.file_key);
        let (region, s2) = (importer::region(&settings, state.region), settings.clone());
        let read = web::block(move || -> Result<_, String> {
            let t = importer::open(&path, &s2)?;
            let headers = t.headers.clone();
            let format = t.format.as_str();
            let encoding = t.encoding;
            let mut rows = Vec::new();
            for row in t.rows.take(PREVIEW_ROWS) {
                let row = row.map_err(|e| e.to_string())?;
                rows.push(row);
            }
            Ok((headers, format, encoding, rows))
        })
        .await?;
        let (headers, format, encoding, rows) = match read {
            Ok(r) => r,
            Err(e) => {
                page.insert("read_error", &e);
                return page.render(state, "imports/show.html");
            }
        };
        let mapping: Mapping = (0..headers.len())
            .map(|i| settings.mapping.get(i).cloned().flatten())
            .collect();
        let check = importer::Rows {
            kind,
            mapping: mapping.clone(),
            region,
            currency: importer::currency(&settings),
        };
        let preview: Vec<PreviewRow> = rows
            .iter()
            .map(|r| PreviewRow {
                number: r.number,
                cells: r.cells.clone(),
                problems: match check.check(&r.cells) {
                    Ok(_) => Vec::new(),
                    Err(ps) => ps
                        .iter()
                        .map(|p| {
                            let column = p
                                .column
                                .and_then(|c| headers.get(c).cloned())
                                .unwrap_or_else(|| p.field.clone());
                            format!("{column}: {}", i18n::translate(lang, p.code, &[]))
                        })
                        .collect(),
                },
            })
            .collect();
        let columns: Vec<Column> = headers
            .iter()
            .enumerate()
            .map(|(index, header)| Column {
                index,
                header: header.clone(),
                field: mapping[index].clone().unwrap_or_default(),
            })
            .collect();
        let choices: Vec<Choice> = fields(kind)
            .iter()
            .map(|f| Choice {
                key: f.key,
                label: i18n::translate(lang, f.label, &[]),
            })
            .collect();
        let policies: Vec<&str> = Policy::ALL.iter().map(|p| p.as_str()).collect();
        page.insert("columns", &columns)
            .insert("choices", &choices)
            .insert("preview", &preview)
            .insert("format", format)
            .insert("encoding", &encoding.unwrap_or(""))
            .insert("policy", settings.policy.as_str())
            .insert("policies", &policies)
            .insert(
                "region",
                &settings
                    .region
                    .clone()
                    .unwrap_or_else(|| state.region.to_string()),
            )
            .errors(errors);
    } else {
        let (st, a) = (state.clone(), actor(session));
        let failures = blocking(move || st.store.import_failures(&a, id)).await?;
        let shown: Vec<(i64, String, String)> = failures
            .iter()
            .take(100)
            .map(|f| {
                (
                    f.row,
                    f.column.clone(),
                    i18n::translate(lang, &f.reason, &[]),
                )
            })
            .collect();
        page.insert("failures", &shown)
            .insert("failures_total", &failures.len())
            .insert(
                "running",
                &matches!(rec.status.as_str(), "queued" | "running"),
            );
    }
    page.render(state, "imports/show.html")
}

/// `POST /imports/{id}`: the mapping and options; `start` queues the import, otherwise the
/// preview is shown again with them.
pub async fn save(
    state: web::Data<AppState>,
    req: HttpRequest,
    session: Session,
    id: web::Path<i64>,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, WebError> {
    admin_only(&session)?;
    let id = id.into_inner();
    let value = |name: &str| {
        form.iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim().to_string())
            .unwrap_or_default()
    };
    session.check_csrf(&value("csrf_token"))?;
    let mut errors = FieldErrors::new();
    let (st, a) = (state.clone(), actor(&session));
    let rec = blocking(move || st.store.import(&a, id)).await?;
    let kind: Kind = rec.kind.parse().unwrap_or(Kind::Contacts);
    let known: Vec<&str> = fields(kind).iter().map(|f| f.key).collect();
    let mut mapping: Mapping = Vec::new();
    for (k, v) in form.iter() {
        if let Some(i) = k.strip_prefix("map_").and_then(|i| i.parse::<usize>().ok()) {
            if i > 1000 {
                return Err(WebError::BadRequest("too many columns".into()));
            }
            if mapping.len() <= i {
                mapping.resize(i + 1, None);
            }
            mapping[i] = match v.as_str() {
                "" => None,
                f if known.contains(&f) => Some(f.to_string()),
                _ => return Err(WebError::BadRequest(format!("unknown field {v:?}"))),
            };
        }
    }
    let policy = value("policy").parse::<Policy>().unwrap_or_default();
    let region = value("region");
    if region.parse::<crm_core::Region>().is_err() {
        errors.add("region", "import-error-region");
    }
    let single: Vec<&String> = mapping.iter().flatten().collect();
    for f in fields(kind).iter().filter(|f| !f.repeatable) {
        if single.iter().filter(|s| s.as_str() == f.key).count() > 1 {
            errors.add("mapping", "import-error-field-twice");
            break;
        }
    }
    // The field without which no row of the kind can be imported.
    let named: &[&str] = match kind {
        Kind::Contacts => &["name", "first_name", "last_name"],
        Kind::Companies | Kind::Products => &["name"],
        Kind::Leads => &["title", "name", "company", "phone", "email"],
        Kind::Deals => &["title"],
    };
    if !single.iter().any(|s| named.contains(&s.as_str())) {
        errors.add("mapping", "import-error-no-name");
    }
    let mut settings = rec.settings();
    settings.mapping = mapping;
    settings.policy = policy;
    settings.region = Some(region.to_uppercase());
    if settings.currency.is_none() {
        settings.currency = Some(state.currency.code().to_string());
    }
    let start = value("action") == "start";
    if !errors.is_empty() || !start {
        return render_show(&state, &req, &session, id, Some(settings), &errors).await;
    }
    let path = files::path_of(&state.files, &rec.file_key);
    let s2 = settings.clone();
    let headers = web::block(move || importer::open(&path, &s2).map(|t| t.headers)).await?;
    let hash = importer::headers_hash(&headers.unwrap_or_default());
    let (st, a) = (state.clone(), actor(&session));
    blocking(move || st.store.set_import_settings(&a, id, &settings, &hash, true)).await?;
    Ok(redirect_with_flash(
        &state,
        &format!("/imports/{id}"),
        "import-flash-queued",
    ))
}

/// `POST /imports/{id}/cancel`: stops it and removes what it created.
pub async fn cancel(
    state: web::Data<AppState>,
    session: Session,
    id: web::Path<i64>,
    form: web::Form<CsrfForm>,
) -> Result<HttpResponse, WebError> {
    admin_only(&session)?;
    session.check_csrf(&form.csrf_token)?;
    let (st, a, id) = (state.clone(), actor(&session), id.into_inner());
    let rec = blocking(move || {
        let rec = st.store.import(&a, id)?;
        st.store.cancel_import(&a, id)?;
        Ok(rec)
    })
    .await?;
    files::remove(&state.files, std::slice::from_ref(&rec.file_key));
    Ok(redirect_with_flash(
        &state,
        &format!("/imports/{id}"),
        "import-flash-cancelled",
    ))
}

/// `GET /imports/{id}/failures.csv`: the failed rows with their column and reason.
pub async fn failures_csv(
    state: web::Data<AppState>,
    req: HttpRequest,
    session: Session,
    id: web::Path<i64>,
) -> Result<HttpResponse, WebError> {
    admin_only(&session)?;
    let lang = language_of(&req, Some(&session));
    let (st, a, id) = (state.clone(), actor(&session), id.into_inner());
    let failures = blocking(move || st.store.import_failures(&a, id)).await?;
    let mut out = csv::Writer::from_writer(Vec::from("\u{feff}".as_bytes()));
    let head = ["import-col-row", "import-col-column", "import-col-reason"]
        .map(|k| i18n::translate(lang, k, &[]));
    let written = out.write_record(&head).and_then(|()| {
        failures.iter().try_for_each(|f| {
            out.write_record([
                f.row.to_string(),
                crm_core::export::cell(&f.column).into_owned(),
                i18n::translate(lang, &f.reason, &[]),
            ])
        })
    });
    written.map_err(|e| WebError::Internal(e.to_string()))?;
    let body = out
        .into_inner()
        .map_err(|e| WebError::Internal(e.to_string()))?;
    Ok(HttpResponse::Ok()
        .insert_header((CONTENT_TYPE, "text/csv; charset=utf-8"))
        .insert_header((
            CONTENT_DISPOSITION,
            format!("attachment; filename=\"import-{id}-failures.csv\""),
        ))
        .body(body))
}
