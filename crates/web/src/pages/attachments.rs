//! Uploading files to a card (or to one of its activities) and downloading them. Uploads are
//! streamed to disk with a size limit; a download is served only to users who may see the
//! card, as an attachment unless it is a picture or a PDF, and sandboxed.

use std::collections::HashMap;

use actix_multipart::Multipart;
use actix_web::http::header::{
    CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_SECURITY_POLICY, CONTENT_TYPE,
};
use actix_web::{HttpResponse, web};
use crm_core::CardRef;
use futures_util::StreamExt;

use crate::auth::Session;
use crate::error::WebError;
use crate::files::{self, Incoming};
use crate::pages::forms::actor;
use crate::pages::{blocking, redirect_with_flash};
use crate::state::AppState;

/// Longest text field of an upload form.
const MAX_FIELD_BYTES: usize = 16 * 1024;
/// Most files in one upload.
const MAX_FILES: usize = 20;

/// What an upload form carried.
pub struct Upload {
    pub fields: HashMap<String, String>,
    pub files: Vec<Incoming>,
}

impl Upload {
    pub fn discard(self) {
        for f in self.files {
            f.discard();
        }
    }

    pub fn field(&self, name: &str) -> &str {
        self.fields.get(name).map_or("", String::as_str)
    }
}

/// Reads a multipart form: text fields into memory, `file` fields to temporary files. Stops
/// at the first file over `max_bytes` (all received files are removed again).
pub async fn receive(
    mut payload: Multipart,
    root: &std::path::Path,
    max_bytes: usize,
) -> Result<Upload, &'static str> {
    let mut up = Upload {
        fields: HashMap::new(),
        files: Vec::new(),
    };
    let fail = |up: Upload, code| {
        up.discard();
        Err(code)
    };
    while let Some(field) = payload.next().await {
        let Ok(mut field) = field else {
            return fail(up, "error-bad-request");
        };
        let name = field.name().unwrap_or("").to_string();
        let file_name = field
            .content_disposition()
            .and_then(|d| d.get_filename())
            .map(str::to_string);
        match file_name {
            Some(file_name) if name == "file" => {
                if up.files.len() >= MAX_FILES {
                    return fail(up, "error-bad-request");
                }
                // A browser sends an empty part when no file was chosen.
                if file_name.is_empty() {
                    while let Some(_chunk) = field.next().await {}
                    continue;
                }
                let Ok(mut incoming) = Incoming::start(root, &file_name) else {
                    return fail(up, "error-internal");
                };
                while let Some(chunk) = field.next().await {
                    let Ok(chunk) = chunk else {
                        incoming.discard();
                        return fail(up, "error-bad-request");
                    };
                    if incoming.size as usize + chunk.len() > max_bytes {
                        incoming.discard();
                        return fail(up, "error-upload-too-large");
                    }
                    if incoming.write(&chunk).is_err() {
                        incoming.discard();
                        return fail(up, "error-internal");
                    }
                }
                up.files.push(incoming);
            }
            _ => {
                let mut value = Vec::new();
                while let Some(chunk) = field.next().await {
                    let Ok(chunk) = chunk else {
                        return fail(up, "error-bad-request");
                    };
                    if value.len() + chunk.len() > MAX_FIELD_BYTES {
                        return fail(up, "error-bad-request");
                    }
                    value.extend_from_slice(&chunk);
                }
                up.fields
                    .insert(name, String::from_utf8_lossy(&value).into_owned());
            }
        }
    }
    Ok(up)
}

/// Checks and keeps every received file; all or none.
pub fn keep_all(
    root: &std::path::Path,
    files: Vec<Incoming>,
) -> Result<Vec<crm_store::NewAttachment>, &'static str> {
    if files.is_empty() {
        return Err("error-upload-no-file");
    }
    let mut kept = Vec::new();
    let mut rest = files.into_iter();
    for f in rest.by_ref() {
        match f.keep(root) {
            Ok(a) => kept.push(a),
            Err(code) => {
                for f in rest {
                    f.discard();
                }
                let keys: Vec<String> = kept.into_iter().map(|a| a.storage_key).collect();
                files::remove(root, &keys);
                return Err(code);
            }
        }
    }
    Ok(kept)
}

/// `POST /attachments`: files for a card, as a new "file" entry with an optional comment, or
/// for one of the card's activities (`activity_id`).
pub async fn upload(
    state: web::Data<AppState>,
    session: Session,
    payload: Multipart,
) -> Result<HttpResponse, WebError> {
    let up = receive(payload, &state.files, state.config.max_body_bytes).await;
    let up = match up {
        Ok(up) => up,
        Err("error-upload-too-large") => return Err(WebError::TooLarge),
        Err("error-internal") => return Err(WebError::Internal("cannot store an upload".into())),
        Err(code) => return Err(WebError::BadRequest(code.into())),
    };
    if let Err(e) = session.check_csrf(up.field("csrf_token")) {
        up.discard();
        return Err(e);
    }
    let card = CardRef::from_text(up.field("card_kind"), up.field("card_id"));
    let Some(card) = card else {
        up.discard();
        return Err(WebError::Domain(crm_core::Error::NotFound));
    };
    let activity_id = up.field("activity_id").parse::<i64>().ok();
    let note = up.field("body").trim().to_string();
    let back = format!("{}#timeline", card.path());
    let kept = match keep_all(&state.files, up.files) {
        Ok(k) => k,
        Err(code) => return Ok(redirect_with_flash(&state, &back, code)),
    };
    let (st, a) = (state.clone(), actor(&session));
    let keys: Vec<String> = kept.iter().map(|k| k.storage_key.clone()).collect();
    match blocking(move || st.store.attach_files(&a, card, activity_id, &note, &kept)).await {
        Ok(_) => Ok(redirect_with_flash(&state, &back, "flash-files-attached")),
        Err(e) => {
            files::remove(&state.files, &keys);
            Err(e)
        }
    }
}

/// `GET /attachments/{id}`.
pub async fn download(
    state: web::Data<AppState>,
    session: Session,
    id: web::Path<i64>,
) -> Result<HttpResponse, WebError> {
    let (st, a, id) = (state.clone(), actor(&session), id.into_inner());
    let file = blocking(move || st.store.attachment(&a, id)).await?;
    let path = files::path_of(&state.files, &file.storage_key);
    let bytes = web::block(move || std::fs::read(path))
        .await?
        .map_err(|e| WebError::Internal(format!("attachment {id}: {e}")))?;
    Ok(HttpResponse::Ok()
        .insert_header((CONTENT_TYPE, file.content_type.clone()))
        .insert_header((
            CONTENT_DISPOSITION,
            disposition(&file.file_name, files::inline(&file.content_type)),
        ))
        .insert_header((CONTENT_SECURITY_POLICY, "default-src 'none'; sandbox"))
        .insert_header((CACHE_CONTROL, "private, max-age=3600"))
        .body(bytes))
}

/// `attachment; filename="…"; filename*=UTF-8''…` with an ASCII fallback.
fn disposition(name: &str, inline: bool) -> String {
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let encoded: String = form_urlencoded::byte_serialize(name.as_bytes())
        .collect::<String>()
        .replace('+', "%20");
    format!(
        "{}; filename=\"{ascii}\"; filename*=UTF-8''{encoded}",
        if inline { "inline" } else { "attachment" }
    )
}
