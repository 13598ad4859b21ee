//! The OpenAPI 3.1 document of the REST API, generated from the handlers' `#[utoipa::path]`
//! annotations and the types' `ToSchema` derives: served at `/api/v1/openapi.json` and rendered
//! for people at `/api/docs` (`crate::pages::api_docs`).

use std::collections::BTreeMap;
use std::sync::LazyLock;

use actix_web::HttpResponse;
use actix_web::http::header::CONTENT_TYPE;
use crm_core::{Activity, Notification, Task, TaskComment};
use serde::Serialize;
use utoipa::openapi::path::{Operation, ParameterIn};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};
use utoipa::{Modify, OpenApi, PartialSchema, ToSchema};

use crate::api::{ApiError, records, sales, work};
use crate::error::WebError;

/// The security scheme every operation but this document's own needs.
pub const BEARER: &str = "bearer";

#[derive(OpenApi)]
#[openapi(
    info(
        title = "CRM REST API",
        description = "The CRM's records, sales pipeline and daily work over HTTP and JSON. \
            Every call but this document needs `Authorization: Bearer <token>`; a token \
            (`crm token create --user EMAIL`) acts with its user's permissions. Errors answer \
            `{\"error\": {\"code\", \"message\", \"fields\"}}`. Times are RFC 3339 in UTC; money \
            is integer minor units beside a plain decimal text.",
    ),
    paths(
        records::contacts_doc::list,
        records::contacts_doc::create,
        records::contacts_doc::get,
        records::contacts_doc::update,
        records::contacts_doc::delete,
        records::companies_doc::list,
        records::companies_doc::create,
        records::companies_doc::get,
        records::companies_doc::update,
        records::companies_doc::delete,
        sales::list_leads,
        records::leads_doc::create,
        records::leads_doc::get,
        records::leads_doc::update,
        records::leads_doc::delete,
        sales::convert_lead,
        sales::list_deals,
        records::deals_doc::create,
        records::deals_doc::get,
        records::deals_doc::update,
        records::deals_doc::delete,
        sales::move_deal,
        sales::deal_history,
        sales::list_products,
        records::products_doc::create,
        records::products_doc::get,
        records::products_doc::update,
        records::products_doc::delete,
        sales::list_pipelines,
        sales::create_pipeline,
        sales::get_pipeline,
        sales::rename_pipeline,
        sales::delete_pipeline,
        sales::add_stage,
        sales::update_stage,
        sales::delete_stage,
        sales::lost_reasons,
        work::timeline,
        work::log,
        work::activity,
        work::delete_activity,
        work::tasks,
        work::create_task,
        work::task,
        work::update_task,
        work::delete_task,
        work::complete_task,
        work::reopen_task,
        work::comments,
        work::add_comment,
        work::notifications,
        work::read_all_notifications,
        work::read_notification,
        document_json,
    ),
    components(schemas(ErrorBody)),
    modifiers(&Security, &ErrorResponses),
    security(("bearer" = [])),
    tags(
        (name = "contacts", description = "People the company deals with."),
        (name = "companies", description = "Clients, suppliers and partners."),
        (name = "leads", description = "Requests not yet qualified, and their conversion."),
        (name = "deals", description = "What is being sold to whom, and where it stands."),
        (name = "products", description = "The catalogue that deals' line items pick from."),
        (name = "pipelines", description = "Sales pipelines, their stages and lost reasons."),
        (name = "activities", description = "Calls, meetings, notes and e-mails on cards' timelines."),
        (name = "tasks", description = "What someone must do by when, with comments."),
        (name = "notifications", description = "What the bell tells the token's user."),
        (name = "meta", description = "This document."),
    )
)]
pub struct ApiDoc;

/// The document, built once.
pub fn document() -> &'static utoipa::openapi::OpenApi {
    static DOC: LazyLock<utoipa::openapi::OpenApi> = LazyLock::new(ApiDoc::openapi);
    &DOC
}

/// The OpenAPI document of this API
///
/// Needs no token: it describes the API, it holds no data.
#[utoipa::path(get, path = "/api/v1/openapi.json", tag = "meta", operation_id = "openapi",
    security(()),
    responses((status = 200, description = "This document.", body = serde_json::Value)))]
pub async fn document_json() -> Result<HttpResponse, ApiError> {
    static JSON: LazyLock<Result<String, String>> =
        LazyLock::new(|| serde_json::to_string(document()).map_err(|e| e.to_string()));
    let json = JSON
        .as_ref()
        .map_err(|e| WebError::Internal(format!("OpenAPI document: {e}")))?;
    Ok(HttpResponse::Ok()
        .insert_header((CONTENT_TYPE, "application/json"))
        .body(json.clone()))
}

struct Security;

impl Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            BEARER,
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "An API token from `crm token create --user EMAIL`; it acts with that \
                         user's permissions.",
                    ))
                    .build(),
            ),
        );
    }
}

/// The error answers every operation may give, added once here rather than on each handler:
/// what can go wrong follows from what an operation takes (a token, an id in the path, a query
/// string, a body) and whether it changes anything.
struct ErrorResponses;

/// Name, status and meaning of each shared error response.
const ERRORS: &[(&str, &str, &str)] = &[
    (
        "BadRequest",
        "400",
        "The query string or body could not be read (`bad_request`).",
    ),
    (
        "Unauthorized",
        "401",
        "No token, or an unknown or revoked one (`unauthorized`).",
    ),
    (
        "Forbidden",
        "403",
        "The token's user may not do this (`forbidden`).",
    ),
    (
        "NotFound",
        "404",
        "No such record, or one the token's user may not see (`not_found`).",
    ),
    (
        "Conflict",
        "409",
        "The change conflicts with the current state: a stale version, a record still in use, \
         a duplicate (`conflict`).",
    ),
    (
        "PayloadTooLarge",
        "413",
        "The body is larger than the server accepts (`payload_too_large`).",
    ),
    (
        "Invalid",
        "422",
        "Some fields were refused; `fields` says why, per field (`invalid`).",
    ),
    (
        "TooManyRequests",
        "429",
        "Over the rate limit of this token (or address); `Retry-After` says how many seconds to \
         wait (`rate_limited`).",
    ),
];

impl Modify for ErrorResponses {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        for (name, _, description) in ERRORS {
            components.responses.insert(
                (*name).to_string(),
                RefOr::T(
                    ResponseBuilder::new()
                        .description(*description)
                        .content(
                            "application/json",
                            ContentBuilder::new()
                                .schema(Some(Ref::from_schema_name(ErrorBody::name())))
                                .build(),
                        )
                        .build(),
                ),
            );
        }
        for (path, item) in openapi.paths.paths.iter_mut() {
            let has_id = path.contains('{');
            for (method, op) in [
                ("get", &mut item.get),
                ("post", &mut item.post),
                ("patch", &mut item.patch),
                ("put", &mut item.put),
                ("delete", &mut item.delete),
            ] {
                if let Some(op) = op.as_mut() {
                    add_errors(op, has_id, method != "get");
                    if method == "post" {
                        op.parameters
                            .get_or_insert_with(Vec::new)
                            .push(RefOr::T(idempotency_key()));
                        // A malformed key (400) or one reused for another request (422).
                        for (status, name) in [("400", "BadRequest"), ("422", "Invalid")] {
                            op.responses
                                .responses
                                .entry(status.to_string())
                                .or_insert_with(|| RefOr::Ref(Ref::from_response_name(name)));
                        }
                    }
                }
            }
        }
    }
}

/// The optional `Idempotency-Key` header every POST takes (crate::api::guard).
fn idempotency_key() -> utoipa::openapi::path::Parameter {
    use utoipa::openapi::path::ParameterBuilder;
    use utoipa::openapi::{ObjectBuilder, Required, Type};
    ParameterBuilder::new()
        .name("Idempotency-Key")
        .parameter_in(ParameterIn::Header)
        .required(Required::False)
        .description(Some(
            "Makes a retried POST safe: the same key with the same request replays the first \
             answer (header `Idempotent-Replayed: true`) and changes nothing; kept 24 hours.",
        ))
        .schema(Some(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .min_length(Some(1))
                .max_length(Some(255))
                .pattern(Some("^[\\x21-\\x7e]+$")),
        ))
        .build()
}

fn add_errors(op: &mut Operation, has_id: bool, changes: bool) {
    // An operation open to all (this document) has nothing to refuse.
    let open = op
        .security
        .as_ref()
        .is_some_and(|s| s.iter().all(|r| r == &Default::default()));
    if open {
        return;
    }
    let query = |required_only: bool| {
        op.parameters.iter().flatten().any(|p| match p {
            RefOr::T(p) => {
                p.parameter_in == ParameterIn::Query
                    && (!required_only || p.required == utoipa::openapi::Required::True)
            }
            RefOr::Ref(_) => false,
        })
    };
    let (has_query, names_a_card) = (query(false), query(true));
    let has_body = op.request_body.is_some();
    for (name, status, _) in ERRORS {
        let applies = match *status {
            "400" => has_query || has_body,
            "401" | "403" => true,
            // A record named in the path, the body (a card to log on) or a required query.
            "404" => has_id || has_body || names_a_card,
            "409" => changes,
            "413" => has_body,
            // A query string that changes something (where deals go) is checked like a body.
            "422" => has_body || (changes && has_query),
            "429" => true,
            _ => false,
        };
        if applies {
            op.responses
                .responses
                .entry((*status).to_string())
                .or_insert_with(|| RefOr::Ref(Ref::from_response_name(*name)));
        }
    }
}

/// The body of every error answer of the API.
#[derive(Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

/// What went wrong.
#[derive(Serialize, ToSchema)]
pub struct ErrorDetail {
    /// For programs: not_found, forbidden, invalid, conflict, unauthorized, bad_request,
    /// payload_too_large, internal.
    pub code: String,
    /// For people, in English.
    pub message: String,
    /// With `invalid`: a message per refused field.
    pub fields: Option<BTreeMap<String, String>>,
    /// The request's id, as in the `X-Request-Id` header, when the answer did not come from an
    /// endpoint (unknown path, refused body).
    pub request_id: Option<String>,
}

// Shapes of answers that the handlers put together with `json!`.

/// A page of a card's timeline.
#[derive(Serialize, ToSchema)]
pub struct TimelinePage {
    pub items: Vec<Activity>,
    /// The `before` of the next page; null on the last one.
    pub next: Option<String>,
}

/// A page of tasks.
#[derive(Serialize, ToSchema)]
pub struct TaskPage {
    pub items: Vec<Task>,
    /// The `after` of the next page; null on the last one.
    pub next_after: Option<i64>,
}

/// A task marked done.
#[derive(Serialize, ToSchema)]
pub struct CompletedTask {
    pub task: Task,
    /// The next occurrence of a repeating task.
    pub next: Option<Task>,
}

/// A task's comments.
#[derive(Serialize, ToSchema)]
pub struct CommentList {
    pub items: Vec<TaskComment>,
}

/// The caller's notifications.
#[derive(Serialize, ToSchema)]
pub struct NotificationList {
    pub items: Vec<NotificationItem>,
    /// Unread notifications in all.
    pub unread: i64,
}

/// A notification with its text in the user's language.
#[derive(Serialize, ToSchema)]
pub struct NotificationItem {
    #[serde(flatten)]
    pub notification: Notification,
    pub text: String,
}

/// How many notifications were marked read.
#[derive(Serialize, ToSchema)]
pub struct Marked {
    pub marked: usize,
}

/// A reason a deal may be lost for (the store's `LostReason`).
#[derive(Serialize, ToSchema)]
pub struct LostReason {
    pub id: i64,
    pub name: String,
    /// Retired reasons stay on the deals that have them but are no longer offered.
    pub active: bool,
}

/// What converting a lead does with its contact or company: `"new"` makes one from the lead,
/// `"none"` makes none, an id links an existing card.
pub struct ConvertChoice;

impl PartialSchema for ConvertChoice {
    fn schema() -> RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{ObjectBuilder, OneOfBuilder, Type};
        OneOfBuilder::new()
            .item(
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .enum_values(Some(["new", "none"])),
            )
            .item(ObjectBuilder::new().schema_type(Type::Integer).format(Some(
                utoipa::openapi::SchemaFormat::KnownFormat(utoipa::openapi::KnownFormat::Int64),
            )))
            .description(Some(
                "\"new\" makes the card from the lead, \"none\" makes none, an id links an \
                 existing card.",
            ))
            .into()
    }
}

impl ToSchema for ConvertChoice {}
