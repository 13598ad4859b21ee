//! Every route of the application, in one table.

use actix_web::web::{self, ServiceConfig, get, post};

use crate::{api, assets, health, pages};

pub fn routes(cfg: &mut ServiceConfig) {
    cfg
        // Operations and static files.
        .route("/healthz", get().to(health::healthz))
        .route("/assets/{name}", get().to(assets::serve))
        // Signing in and the interface language.
        .route("/", get().to(pages::home))
        .route("/login", get().to(pages::login::show))
        .route("/login", post().to(pages::login::submit))
        .route("/logout", post().to(pages::login::logout))
        .route("/language", post().to(pages::language::set))
        // Contacts.
        .route("/contacts", get().to(pages::contacts::list))
        .route("/contacts", post().to(pages::contacts::create))
        .route("/contacts/new", get().to(pages::contacts::new))
        .route("/contacts/{id}", get().to(pages::contacts::card))
        .route("/contacts/{id}", post().to(pages::contacts::update))
        .route("/contacts/{id}/edit", get().to(pages::contacts::edit))
        .route("/contacts/{id}/delete", post().to(pages::contacts::delete))
        // Companies.
        .route("/companies", get().to(pages::companies::list))
        .route("/companies", post().to(pages::companies::create))
        .route("/companies/new", get().to(pages::companies::new))
        .route("/companies/suggest", get().to(pages::companies::suggest))
        .route("/companies/{id}", get().to(pages::companies::card))
        .route("/companies/{id}", post().to(pages::companies::update))
        .route("/companies/{id}/edit", get().to(pages::companies::edit))
        .route(
            "/companies/{id}/delete",
            post().to(pages::companies::delete),
        )
        // Search.
        .route("/search", get().to(pages::search::search))
        // REST API.
        .service(
            web::scope("/api/v1")
                .route("/contacts", get().to(api::contacts::list))
                .route("/contacts", post().to(api::contacts::create))
                .route("/contacts/{id}", get().to(api::contacts::get))
                .route("/contacts/{id}", web::patch().to(api::contacts::update))
                .route("/contacts/{id}", web::delete().to(api::contacts::delete))
                .route("/companies", get().to(api::companies::list))
                .route("/companies", post().to(api::companies::create))
                .route("/companies/{id}", get().to(api::companies::get))
                .route("/companies/{id}", web::patch().to(api::companies::update))
                .route("/companies/{id}", web::delete().to(api::companies::delete)),
        );
}
