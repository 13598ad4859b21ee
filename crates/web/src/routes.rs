//! Every route of the application, in one table.

use actix_web::middleware::from_fn;
use actix_web::web::{self, ServiceConfig, delete, get, patch, post};

use crate::api::{guard, openapi, records, sales, work};
use crate::exported::Tasks;
use crate::pages::{
    activities, attachments, board, calendar, cards, deals, imports, lead_forms, leads,
    notifications, pipelines, products, profile, tasks, webhooks,
};
use crate::records::{Companies, Contacts, Deals, Leads, Products};
use crate::{assets, health, pages, public_forms};

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
        .route(
            "/contacts/export.csv",
            get().to(pages::exports::csv::<Contacts>),
        )
        .route(
            "/contacts/export.xlsx",
            get().to(pages::exports::xlsx::<Contacts>),
        )
        .route("/contacts/export.vcf", get().to(pages::exports::vcards))
        .route("/contacts/new", get().to(pages::contacts::new))
        .route("/contacts/suggest", get().to(pages::contacts::suggest))
        .route("/contacts/{id}", get().to(cards::card::<Contacts>))
        .route("/contacts/{id}", post().to(cards::update::<Contacts>))
        .route("/contacts/{id}/edit", get().to(cards::edit::<Contacts>))
        .route("/contacts/{id}/vcard", get().to(pages::exports::vcard))
        .route(
            "/contacts/{id}/delete",
            post().to(cards::delete::<Contacts>),
        )
        // Companies.
        .route("/companies", get().to(cards::list::<Companies>))
        .route("/companies", post().to(cards::create::<Companies>))
        .route(
            "/companies/export.csv",
            get().to(pages::exports::csv::<Companies>),
        )
        .route(
            "/companies/export.xlsx",
            get().to(pages::exports::xlsx::<Companies>),
        )
        .route("/companies/new", get().to(pages::companies::new))
        .route("/companies/suggest", get().to(pages::companies::suggest))
        .route("/companies/{id}", get().to(cards::card::<Companies>))
        .route("/companies/{id}", post().to(cards::update::<Companies>))
        .route("/companies/{id}/edit", get().to(cards::edit::<Companies>))
        .route(
            "/companies/{id}/delete",
            post().to(cards::delete::<Companies>),
        )
        // Leads.
        .route("/leads", get().to(leads::list))
        .route("/leads", post().to(cards::create::<Leads>))
        .route("/leads/export.csv", get().to(pages::exports::csv::<Leads>))
        .route(
            "/leads/export.xlsx",
            get().to(pages::exports::xlsx::<Leads>),
        )
        .route("/leads/new", get().to(leads::new))
        .route("/leads/{id}", get().to(cards::card::<Leads>))
        .route("/leads/{id}", post().to(cards::update::<Leads>))
        .route("/leads/{id}/edit", get().to(cards::edit::<Leads>))
        .route("/leads/{id}/status", post().to(leads::set_status))
        .route("/leads/{id}/convert", get().to(leads::convert_form))
        .route("/leads/{id}/convert", post().to(leads::convert))
        .route("/leads/{id}/delete", post().to(cards::delete::<Leads>))
        // Deals and the board.
        .route("/deals", get().to(deals::list))
        .route("/deals", post().to(cards::create::<Deals>))
        .route("/deals/export.csv", get().to(pages::exports::csv::<Deals>))
        .route(
            "/deals/export.xlsx",
            get().to(pages::exports::xlsx::<Deals>),
        )
        .route("/deals/new", get().to(deals::new))
        .route("/deals/board", get().to(board::board))
        .route("/deals/board/column", get().to(board::column))
        .route("/deals/{id}", get().to(deals::card))
        .route("/deals/{id}", post().to(cards::update::<Deals>))
        .route("/deals/{id}/edit", get().to(cards::edit::<Deals>))
        .route("/deals/{id}/move", post().to(deals::move_deal))
        .route("/deals/{id}/lines", post().to(deals::save_lines))
        .route("/deals/{id}/delete", post().to(cards::delete::<Deals>))
        // The product catalogue (a product's page is its form).
        .route("/products", get().to(products::list))
        .route("/products", post().to(cards::create::<Products>))
        .route(
            "/products/export.csv",
            get().to(pages::exports::csv::<Products>),
        )
        .route(
            "/products/export.xlsx",
            get().to(pages::exports::xlsx::<Products>),
        )
        .route("/products/new", get().to(products::new))
        .route("/products/suggest", get().to(products::suggest))
        .route("/products/{id}", get().to(cards::edit::<Products>))
        .route("/products/{id}", post().to(cards::update::<Products>))
        .route("/products/{id}/edit", get().to(cards::edit::<Products>))
        .route(
            "/products/{id}/delete",
            post().to(cards::delete::<Products>),
        )
        // Pipeline settings (administrators).
        .route("/pipelines", get().to(pipelines::list))
        .route("/pipelines", post().to(pipelines::create))
        .route("/pipelines/{id}", get().to(pipelines::edit))
        .route("/pipelines/{id}", post().to(pipelines::rename))
        .route("/pipelines/{id}/delete", post().to(pipelines::delete))
        .route("/pipelines/{id}/stages", post().to(pipelines::add_stage))
        .route("/stages/{id}", post().to(pipelines::update_stage))
        .route("/stages/{id}/move", post().to(pipelines::move_stage))
        .route(
            "/stages/{id}/delete",
            get().to(pipelines::confirm_delete_stage),
        )
        .route("/stages/{id}/delete", post().to(pipelines::delete_stage))
        .route("/lost-reasons", post().to(pipelines::add_reason))
        .route("/lost-reasons/{id}", post().to(pipelines::update_reason))
        // Imports (administrators).
        .route("/imports", get().to(imports::list))
        .route("/imports", post().to(imports::upload))
        .route("/imports/{id}", get().to(imports::show))
        .route("/imports/{id}", post().to(imports::save))
        .route("/imports/{id}/cancel", post().to(imports::cancel))
        .route(
            "/imports/{id}/failures.csv",
            get().to(imports::failures_csv),
        )
        // Webhooks (administrators): subscriptions and their deliveries.
        .route("/webhooks", get().to(webhooks::list))
        .route("/webhooks", post().to(webhooks::create))
        .route("/webhooks/new", get().to(webhooks::new))
        .route("/webhooks/{id}", get().to(webhooks::edit))
        .route("/webhooks/{id}", post().to(webhooks::update))
        .route("/webhooks/{id}/delete", post().to(webhooks::delete))
        .route("/webhooks/{id}/rotate", post().to(webhooks::rotate))
        .route("/webhooks/{id}/test", post().to(webhooks::test))
        // Website lead forms: settings (administrators) and the public endpoint the sites post
        // to (no session: origin allow-list or the form's token, honeypot, rate limit).
        .route("/lead-forms", get().to(lead_forms::list))
        .route("/lead-forms", post().to(lead_forms::create))
        .route("/lead-forms/new", get().to(lead_forms::new))
        .route("/lead-forms/{id}", get().to(lead_forms::show))
        .route("/lead-forms/{id}", post().to(lead_forms::update))
        .route("/lead-forms/{id}/edit", get().to(lead_forms::edit))
        .route("/lead-forms/{id}/token", post().to(lead_forms::new_token))
        .route("/lead-forms/{id}/delete", post().to(lead_forms::delete))
        .route("/f/{key}", post().to(public_forms::submit))
        .route(
            "/f/{key}",
            web::route()
                .method(actix_web::http::Method::OPTIONS)
                .to(public_forms::preflight),
        )
        // Timelines: activities and attached files.
        .route("/activities", post().to(activities::create))
        .route("/activities/new", get().to(activities::new))
        .route("/activities/{id}/delete", post().to(activities::delete))
        .route("/attachments", post().to(attachments::upload))
        .route("/attachments/{id}", get().to(attachments::download))
        // Tasks and the calendar.
        .route("/tasks", get().to(tasks::list))
        .route("/tasks", post().to(tasks::create))
        .route("/tasks/export.csv", get().to(pages::exports::csv::<Tasks>))
        .route(
            "/tasks/export.xlsx",
            get().to(pages::exports::xlsx::<Tasks>),
        )
        .route("/tasks/new", get().to(tasks::new))
        .route("/tasks/{id}", get().to(tasks::card))
        .route("/tasks/{id}", post().to(tasks::update))
        .route("/tasks/{id}/edit", get().to(tasks::edit))
        .route("/tasks/{id}/done", post().to(tasks::done))
        .route("/tasks/{id}/reopen", post().to(tasks::reopen))
        .route("/tasks/{id}/comments", post().to(tasks::comment))
        .route("/tasks/{id}/delete", post().to(tasks::delete))
        .route("/calendar", get().to(calendar::show))
        .route("/calendar/move", post().to(calendar::move_entry))
        // Notifications and the user's own settings.
        .route("/notifications", get().to(notifications::list))
        .route("/notifications/stream", get().to(notifications::stream))
        .route(
            "/notifications/read-all",
            post().to(notifications::read_all),
        )
        .route("/notifications/{id}/read", post().to(notifications::read))
        .route("/profile", get().to(profile::show))
        .route("/profile", post().to(profile::save))
        // The user's own API tokens (the secret is shown once, on the answer to the create).
        .route("/profile/tokens", post().to(profile::create_token))
        .route(
            "/profile/tokens/{id}/revoke",
            post().to(profile::revoke_token),
        )
        // Search.
        .route("/search", get().to(pages::search::search))
        // The API's description: its OpenAPI document (no token needed) and a page for people.
        .route("/api/docs", get().to(pages::api_docs::show))
        // REST API. Every request passes the guard first: token look-up, rate limit, token
        // scope, idempotency keys (crate::api::guard).
        .service(
            web::scope("/api/v1")
                .wrap(from_fn(guard::guard))
                .route("/openapi.json", get().to(openapi::document_json))
                .route("/contacts", get().to(records::list::<Contacts>))
                .route("/contacts", post().to(records::create::<Contacts>))
                .route("/contacts/{id}", get().to(records::get::<Contacts>))
                .route("/contacts/{id}", patch().to(records::update::<Contacts>))
                .route("/contacts/{id}", delete().to(records::delete::<Contacts>))
                .route("/companies", get().to(records::list::<Companies>))
                .route("/companies", post().to(records::create::<Companies>))
                .route("/companies/{id}", get().to(records::get::<Companies>))
                .route("/companies/{id}", patch().to(records::update::<Companies>))
                .route("/companies/{id}", delete().to(records::delete::<Companies>))
                .route("/leads", get().to(sales::list_leads))
                .route("/leads", post().to(records::create::<Leads>))
                .route("/leads/{id}", get().to(records::get::<Leads>))
                .route("/leads/{id}", patch().to(records::update::<Leads>))
                .route("/leads/{id}", delete().to(records::delete::<Leads>))
                .route("/leads/{id}/convert", post().to(sales::convert_lead))
                .route("/deals", get().to(sales::list_deals))
                .route("/deals", post().to(records::create::<Deals>))
                .route("/deals/{id}", get().to(records::get::<Deals>))
                .route("/deals/{id}", patch().to(records::update::<Deals>))
                .route("/deals/{id}", delete().to(records::delete::<Deals>))
                .route("/deals/{id}/move", post().to(sales::move_deal))
                .route("/deals/{id}/history", get().to(sales::deal_history))
                .route("/products", get().to(sales::list_products))
                .route("/products", post().to(records::create::<Products>))
                .route("/products/{id}", get().to(records::get::<Products>))
                .route("/products/{id}", patch().to(records::update::<Products>))
                .route("/products/{id}", delete().to(records::delete::<Products>))
                .route("/pipelines", get().to(sales::list_pipelines))
                .route("/pipelines", post().to(sales::create_pipeline))
                .route("/pipelines/{id}", get().to(sales::get_pipeline))
                .route("/pipelines/{id}", patch().to(sales::rename_pipeline))
                .route("/pipelines/{id}", delete().to(sales::delete_pipeline))
                .route("/pipelines/{id}/stages", post().to(sales::add_stage))
                .route("/stages/{id}", patch().to(sales::update_stage))
                .route("/stages/{id}", delete().to(sales::delete_stage))
                .route("/lost-reasons", get().to(sales::lost_reasons))
                .route("/activities", get().to(work::timeline))
                .route("/activities", post().to(work::log))
                .route("/activities/{id}", get().to(work::activity))
                .route("/activities/{id}", delete().to(work::delete_activity))
                .route("/tasks", get().to(work::tasks))
                .route("/tasks", post().to(work::create_task))
                .route("/tasks/{id}", get().to(work::task))
                .route("/tasks/{id}", patch().to(work::update_task))
                .route("/tasks/{id}", delete().to(work::delete_task))
                .route("/tasks/{id}/done", post().to(work::complete_task))
                .route("/tasks/{id}/reopen", post().to(work::reopen_task))
                .route("/tasks/{id}/comments", get().to(work::comments))
                .route("/tasks/{id}/comments", post().to(work::add_comment))
                .route("/notifications", get().to(work::notifications))
                .route(
                    "/notifications/read-all",
                    post().to(work::read_all_notifications),
                )
                .route(
                    "/notifications/{id}/read",
                    post().to(work::read_notification),
                ),
        );
}
