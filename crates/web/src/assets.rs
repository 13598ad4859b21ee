//! Static files (CSS, JavaScript) from the binary. Their URLs carry a content hash, so they are
//! cached for a year.

use actix_web::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use actix_web::{HttpResponse, web};

use crate::ui::AssetFiles;

pub async fn serve(name: web::Path<String>) -> HttpResponse {
    let Some(file) = AssetFiles::get(&name) else {
        return HttpResponse::NotFound().finish();
    };
    let mime = match name.rsplit('.').next() {
        Some("css") => "text/css; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        _ => "application/octet-stream",
    };
    HttpResponse::Ok()
        .insert_header((CONTENT_TYPE, mime))
        .insert_header((CACHE_CONTROL, "public, max-age=31536000, immutable"))
        .body(file.data.into_owned())
}
