//! Every route of the application, in one table.

use actix_web::web::{self, ServiceConfig, delete, get, patch, post};

use crate::api::records;
use crate::pages::cards;
use crate::records::{Companies, Contacts};
use crate::{assets, health, pages};

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
        .route("/contacts", get().to(cards::list::<Contacts>))
        .route("/contacts", post().to(cards::create::<Contacts>))
        .route("/contacts/new", get().to(pages::contacts::new))
        .route("/contacts/{id}", get().to(cards::card::<Contacts>))
        .route("/contacts/{id}", post().to(cards::update::<Contacts>))
        .route("/contacts/{id}/edit", get().to(cards::edit::<Contacts>))
        .route(
            "/contacts/{id}/delete",
            post().to(cards::delete::<Contacts>),
        )
        // Companies.
        .route("/companies", get().to(cards::list::<Companies>))
        .route("/companies", post().to(cards::create::<Companies>))
        .route("/companies/new", get().to(pages::companies::new))
        .route("/companies/suggest", get().to(pages::companies::suggest))
        .route("/companies/{id}", get().to(cards::card::<Companies>))
        .route("/companies/{id}", post().to(cards::update::<Companies>))
        .route("/companies/{id}/edit", get().to(cards::edit::<Companies>))
        .route(
            "/companies/{id}/delete",
            post().to(cards::delete::<Companies>),
        )
        // Search.
        .route("/search", get().to(pages::search::search))
        // REST API.
        .service(
            web::scope("/api/v1")
                .route("/contacts", get().to(records::list::<Contacts>))
                .route("/contacts", post().to(records::create::<Contacts>))
                .route("/contacts/{id}", get().to(records::get::<Contacts>))
                .route("/contacts/{id}", patch().to(records::update::<Contacts>))
                .route("/contacts/{id}", delete().to(records::delete::<Contacts>))
                .route("/companies", get().to(records::list::<Companies>))
                .route("/companies", post().to(records::create::<Companies>))
                .route("/companies/{id}", get().to(records::get::<Companies>))
                .route("/companies/{id}", patch().to(records::update::<Companies>))
                .route("/companies/{id}", delete().to(records::delete::<Companies>)),
        );
}
