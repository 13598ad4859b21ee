//! The product catalogue: its list for everyone, its form for administrators, and the
//! suggestions a deal's line items pick from.

use actix_web::{HttpRequest, HttpResponse, web};
use crm_core::{FieldErrors, ListQuery, Product, ProductDraft, ProductInput, Role};
use serde::{Deserialize, Serialize};

use crate::auth::Session;
use crate::error::WebError;
use crate::pages::cards::{self, CardPages};
use crate::pages::forms::{self, checked};
use crate::pages::{Page, blocking};
use crate::records::Products;
use crate::state::AppState;

#[derive(Debug, Default, Deserialize)]
pub struct ProductForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    sku: String,
    #[serde(default)]
    unit: String,
    #[serde(default)]
    price: String,
    #[serde(default)]
    currency: String,
    #[serde(default)]
    category: String,
    #[serde(default)]
    active: Option<String>,
}

#[derive(Debug, Default, Serialize)]
pub struct FormView {
    name: String,
    sku: String,
    unit: String,
    price: String,
    currency: String,
    category: String,
    active: bool,
}

#[derive(Deserialize)]
pub struct PageParams {
    #[serde(default)]
    page: String,
}

/// Prev/next links of a list paged by `?page=N` alone.
pub fn pager(page: &mut Page, base: &str, current: u32, has_next: bool) {
    let sep = if base.contains('?') { '&' } else { '?' };
    page.insert("page", &current)
        .insert("has_prev", &(current > 1))
        .insert("has_next", &has_next)
        .insert(
            "prev_url",
            &format!("{base}{sep}page={}", current.saturating_sub(1).max(1)),
        )
        .insert("next_url", &format!("{base}{sep}page={}", current + 1));
}

pub async fn list(
    state: web::Data<AppState>,
    req: HttpRequest,
    session: Session,
    params: web::Query<PageParams>,
) -> Result<HttpResponse, WebError> {
    let q = ListQuery {
        page: params.page.trim().parse().unwrap_or(1),
        ..Default::default()
    }
    .normalized();
    let (st, query) = (state.clone(), q.clone());
    let rows = blocking(move || st.store.list_products(&query)).await?;
    let mut page = Page::new(&state, &req, Some(&session), "products");
    pager(&mut page, "/products", q.page, rows.has_next);
    page.insert("rows", &rows.items)
        .insert("can_edit", &(session.user.role == Role::Admin));
    page.render(&state, "products/list.html")
}

pub async fn new(
    state: web::Data<AppState>,
    req: HttpRequest,
    session: Session,
) -> Result<HttpResponse, WebError> {
    let view = FormView {
        currency: state.currency.code().to_string(),
        active: true,
        ..Default::default()
    };
    cards::new_form::<Products>(&state, &req, &session, &view).await
}

#[derive(Deserialize)]
pub struct SuggestParams {
    #[serde(default)]
    q: String,
}

#[derive(Serialize)]
struct Suggestion {
    id: i64,
    name: String,
    price_text: String,
    currency: &'static str,
    unit: String,
}

/// `GET /products/suggest?q=`: active products whose words start with what was typed.
pub async fn suggest(
    state: web::Data<AppState>,
    _session: Session,
    params: web::Query<SuggestParams>,
) -> Result<HttpResponse, WebError> {
    let (st, q) = (state.clone(), params.into_inner().q);
    let found = blocking(move || st.store.suggest_products(&q, 10)).await?;
    let out: Vec<Suggestion> = found
        .into_iter()
        .map(|p| Suggestion {
            id: p.id,
            name: p.name,
            price_text: p.price_text,
            currency: p.currency.code(),
            unit: p.unit,
        })
        .collect();
    Ok(HttpResponse::Ok().json(out))
}

impl CardPages for Products {
    type Form = ProductForm;
    type View = FormView;

    /// A product's page is its form, so cancelling goes back to the catalogue.
    fn cancel_url(_id: Option<i64>) -> String {
        "/products".into()
    }
    fn csrf(form: &ProductForm) -> &str {
        &form.csrf_token
    }
    fn confirmed(_form: &ProductForm) -> bool {
        true
    }
    fn echo(f: &ProductForm) -> FormView {
        FormView {
            name: f.name.clone(),
            sku: f.sku.clone(),
            unit: f.unit.clone(),
            price: f.price.clone(),
            currency: f.currency.clone(),
            category: f.category.clone(),
            active: checked(&f.active),
        }
    }
    fn view_of(p: &Product) -> FormView {
        FormView {
            name: p.name.clone(),
            sku: p.sku.clone(),
            unit: p.unit.clone(),
            price: p.price_text.clone(),
            currency: p.currency.code().to_string(),
            category: p.category.clone(),
            active: p.active,
        }
    }
    async fn draft(
        _state: &web::Data<AppState>,
        _session: &Session,
        f: &ProductForm,
    ) -> Result<Result<ProductDraft, FieldErrors>, WebError> {
        let input = ProductInput {
            name: f.name.clone(),
            sku: f.sku.clone(),
            unit: f.unit.clone(),
            price: f.price.clone(),
            currency: f.currency.clone(),
            category: f.category.clone(),
            active: checked(&f.active),
        };
        match input.validate() {
            Ok(d) => Ok(Ok(d)),
            Err(e) => Ok(Err(forms::field_errors(e.into())?)),
        }
    }
}
