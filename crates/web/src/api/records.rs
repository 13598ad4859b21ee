//! The endpoints every kind of record shares: list or search, read, create, partial update,
//! delete, written once over [`Record`].

use actix_web::http::header::LOCATION;
use actix_web::{HttpResponse, web};

use crate::api::{ApiError, ListBody, ListParams, cursor_of};
use crate::auth::ApiUser;
use crate::pages::blocking;
use crate::records::{Listed, Record};
use crate::state::AppState;

pub async fn list<R: Listed>(
    state: web::Data<AppState>,
    user: ApiUser,
    params: web::Query<ListParams>,
) -> Result<HttpResponse, ApiError> {
    let q = params.query()?;
    let after = cursor_of(params.cursor.as_deref(), params.page, &q)?;
    let a = user.0.actor();
    let body = match params.into_inner().q {
        Some(text) => {
            let limit = i64::from(q.per_page);
            let items = blocking(move || R::search(&state.store, &a, &text, limit)).await?;
            ListBody {
                items,
                page: 1,
                per_page: q.per_page,
                has_next: false,
                next_cursor: Some(None),
            }
        }
        None => {
            let (p, next) =
                blocking(move || R::list_after(&state.store, &a, &q, after.as_ref())).await?;
            ListBody::with_cursor(p, next)
        }
    };
    Ok(HttpResponse::Ok().json(body))
}

pub async fn get<R: Record>(
    state: web::Data<AppState>,
    user: ApiUser,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let (a, id) = (user.0.actor(), id.into_inner());
    let record = blocking(move || R::get(&state.store, &a, id)).await?;
    Ok(HttpResponse::Ok().json(record))
}

pub async fn create<R: Record>(
    state: web::Data<AppState>,
    user: ApiUser,
    body: web::Json<R::Input>,
) -> Result<HttpResponse, ApiError> {
    let draft = R::validate(&body, &state)?;
    let a = user.0.actor();
    let record = blocking(move || R::create(&state.store, &a, &draft)).await?;
    Ok(HttpResponse::Created()
        .insert_header((LOCATION, format!("/api/v1/{}/{}", R::PATH, R::id(&record))))
        .json(record))
}

pub async fn update<R: Record>(
    state: web::Data<AppState>,
    user: ApiUser,
    id: web::Path<i64>,
    body: web::Json<R::Patch>,
) -> Result<HttpResponse, ApiError> {
    let (a, id) = (user.0.actor(), id.into_inner());
    let st = state.clone();
    let current = blocking(move || R::get(&st.store, &a, id)).await?;
    let draft = R::validate(&R::patch(body.into_inner(), &current), &state)?;
    let record = blocking(move || R::update(&state.store, &a, id, &draft)).await?;
    Ok(HttpResponse::Ok().json(record))
}

pub async fn delete<R: Record>(
    state: web::Data<AppState>,
    user: ApiUser,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let (a, id, st) = (user.0.actor(), id.into_inner(), state.clone());
    let files = blocking(move || R::delete(&st.store, &a, id)).await?;
    crate::files::remove(&state.files, &files);
    Ok(HttpResponse::NoContent().finish())
}

/// The OpenAPI descriptions of the endpoints above for one kind of record. The handlers are
/// generic and a description needs one literal path, so each kind gets a module of
/// documented stubs (never called: only their `#[utoipa::path]` items are used).
macro_rules! documented {
    (
        mod $m:ident, tag $tag:tt, one $one:tt,
        collection $collection:tt, item $item:tt,
        full $full:ty, input $input:ty, patch $patch:ty,
        example $create_example:tt, patch_example $patch_example:tt,
        ops [$create:tt, $get:tt, $update:tt, $delete:tt]
        $(, list $list:tt of $row:ty)?
    ) => {
        #[allow(dead_code)]
        pub mod $m {
            use crm_core::*;

            $(
            use crate::api::ListBody;

            #[utoipa::path(get, path = $collection, tag = $tag, operation_id = $list,
                summary = concat!("List or search ", $tag),
                description = "Without `q`, one page in the chosen order; with `q`, the best \
                    matches of a full-text search (one page, `has_next` false).",
                params(crate::api::ListParams),
                responses((status = 200, description = "A page of rows.",
                    body = ListBody<$row>)))]
            pub fn list() {}
            )?

            #[utoipa::path(post, path = $collection, tag = $tag, operation_id = $create,
                summary = concat!("Create a ", $one),
                request_body(content = $input, example = json!($create_example)),
                responses((status = 201, body = $full,
                    description = concat!("The new ", $one, "; the `Location` header names it."))))]
            pub fn create() {}

            #[utoipa::path(get, path = $item, tag = $tag, operation_id = $get,
                summary = concat!("Read a ", $one),
                params(("id" = i64, Path, description = concat!("The ", $one, "'s id."))),
                responses((status = 200, description = concat!("The ", $one, "."), body = $full)))]
            pub fn get() {}

            #[utoipa::path(patch, path = $item, tag = $tag, operation_id = $update,
                summary = concat!("Change a ", $one),
                description = "Fields left out keep their value; `null` clears an optional one.",
                params(("id" = i64, Path, description = concat!("The ", $one, "'s id."))),
                request_body(content = $patch, example = json!($patch_example)),
                responses((status = 200, description = concat!("The ", $one, " as saved."), body = $full)))]
            pub fn update() {}

            #[utoipa::path(delete, path = $item, tag = $tag, operation_id = $delete,
                summary = concat!("Delete a ", $one),
                params(("id" = i64, Path, description = concat!("The ", $one, "'s id."))),
                responses((status = 204, description = "Deleted.")))]
            pub fn delete() {}
        }
    };
}

documented! {
    mod contacts_doc, tag "contacts", one "contact",
    collection "/api/v1/contacts", item "/api/v1/contacts/{id}",
    full Contact, input ContactInput, patch ContactPatch,
    example {"name": "Anna Petrova", "phones": ["+7 495 123-45-67"], "emails": ["anna@example.com"], "tags": ["vip"]},
    patch_example {"position": "CEO", "company_id": null},
    ops ["create_contact", "get_contact", "update_contact", "delete_contact"],
    list "list_contacts" of ContactRow
}

documented! {
    mod companies_doc, tag "companies", one "company",
    collection "/api/v1/companies", item "/api/v1/companies/{id}",
    full Company, input CompanyInput, patch CompanyPatch,
    example {"name": "Okna LLC", "industry": "Construction", "phones": ["+7 495 765-43-21"]},
    patch_example {"website": "https://okna.example"},
    ops ["create_company", "get_company", "update_company", "delete_company"],
    list "list_companies" of CompanyRow
}

documented! {
    mod leads_doc, tag "leads", one "lead",
    collection "/api/v1/leads", item "/api/v1/leads/{id}",
    full Lead, input LeadInput, patch LeadPatch,
    example {"title": "Quote for 3 windows", "source": "web_form", "name": "Ivan", "phone": "+7 916 000-00-00"},
    patch_example {"status": "in_progress"},
    ops ["create_lead", "get_lead", "update_lead", "delete_lead"]
}

documented! {
    mod deals_doc, tag "deals", one "deal",
    collection "/api/v1/deals", item "/api/v1/deals/{id}",
    full Deal, input DealInput, patch DealPatch,
    example {"title": "Windows for the office", "amount": "150000.00", "contact_id": 1},
    patch_example {"amount": "175000.00", "version": 3},
    ops ["create_deal", "get_deal", "update_deal", "delete_deal"]
}

documented! {
    mod products_doc, tag "products", one "product",
    collection "/api/v1/products", item "/api/v1/products/{id}",
    full Product, input ProductInput, patch ProductPatch,
    example {"name": "PVC window 120x140", "sku": "W-120", "unit": "pcs", "price": "12500.00"},
    patch_example {"active": false},
    ops ["create_product", "get_product", "update_product", "delete_product"]
}
