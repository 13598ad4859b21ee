//! The product catalogue: everyone reads it, administrators maintain it. Suggestions match the
//! first letters of any word of a name or SKU through an index of folded words.

use chrono::{NaiveDateTime, Utc};
use crm_core::{
    Action, Actor, Currency, Cursor, ListQuery, ObjectKind, Page, Product, ProductDraft, SortKey,
    text,
};
use diesel::prelude::*;

use crate::audit;
use crate::conn::{DbConn, Store};
use crate::error::StoreResult;
use crate::schema::{product_terms, products};
use crate::scope::check_all;

#[derive(Queryable, Selectable)]
#[diesel(table_name = products)]
struct ProductRecord {
    id: i64,
    name: String,
    sku: String,
    unit: String,
    price: i64,
    currency: String,
    category: String,
    active: bool,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

impl TryFrom<ProductRecord> for Product {
    type Error = crate::StoreError;

    fn try_from(r: ProductRecord) -> StoreResult<Product> {
        let currency = Currency::parse(&r.currency).map_err(|_| {
            crate::StoreError::Config(format!("product {} has currency {:?}", r.id, r.currency))
        })?;
        Ok(Product {
            id: r.id,
            price_text: currency.plain(r.price),
            name: r.name,
            sku: r.sku,
            unit: r.unit,
            price: r.price,
            currency,
            category: r.category,
            active: r.active,
            created_at: r.created_at.and_utc(),
            updated_at: r.updated_at.and_utc(),
        })
    }
}

pub(crate) fn load(conn: &mut DbConn, id: i64) -> StoreResult<Product> {
    products::table
        .find(id)
        .select(ProductRecord::as_select())
        .first(conn)?
        .try_into()
}

pub(crate) fn write_terms(conn: &mut DbConn, id: i64, d: &ProductDraft) -> StoreResult<()> {
    diesel::delete(product_terms::table.filter(product_terms::product_id.eq(id))).execute(conn)?;
    let mut terms = text::words(&d.name);
    for w in text::words(&d.sku) {
        if !terms.contains(&w) {
            terms.push(w);
        }
    }
    for term in terms {
        diesel::insert_into(product_terms::table)
            .values((
                product_terms::product_id.eq(id),
                product_terms::term.eq(term),
            ))
            .execute(conn)?;
    }
    Ok(())
}

#[derive(Insertable, AsChangeset)]
#[diesel(table_name = products)]
pub(crate) struct ProductChanges<'a> {
    name: &'a str,
    sort_name: String,
    sku: &'a str,
    unit: &'a str,
    price: i64,
    currency: &'static str,
    category: &'a str,
    active: bool,
    updated_at: NaiveDateTime,
}

impl<'a> ProductChanges<'a> {
    pub(crate) fn new(d: &'a ProductDraft) -> Self {
        ProductChanges {
            name: &d.name,
            sort_name: text::fold(&d.name),
            sku: &d.sku,
            unit: &d.unit,
            price: d.price,
            currency: d.currency.code(),
            category: &d.category,
            active: d.active,
            updated_at: Utc::now().naive_utc(),
        }
    }
}

impl Store {
    pub fn product(&self, id: i64) -> StoreResult<Product> {
        self.read(|conn| load(conn, id))
    }

    pub fn create_product(&self, actor: &Actor, draft: &ProductDraft) -> StoreResult<Product> {
        check_all(actor, ObjectKind::Product, Action::Create)?;
        self.write(|conn| {
            let id: i64 = diesel::insert_into(products::table)
                .values((
                    ProductChanges::new(draft),
                    products::created_at.eq(Utc::now().naive_utc()),
                ))
                .returning(products::id)
                .get_result(conn)?;
            write_terms(conn, id, draft)?;
            let p = load(conn, id)?;
            audit::record(
                conn,
                actor,
                "create",
                "product",
                id,
                audit::snapshot(&p.to_input()),
            )?;
            Ok(p)
        })
    }

    pub fn update_product(
        &self,
        actor: &Actor,
        id: i64,
        draft: &ProductDraft,
    ) -> StoreResult<Product> {
        check_all(actor, ObjectKind::Product, Action::Edit)?;
        self.write(|conn| {
            let before = load(conn, id)?;
            diesel::update(products::table.find(id))
                .set(ProductChanges::new(draft))
                .execute(conn)?;
            write_terms(conn, id, draft)?;
            let after = load(conn, id)?;
            let changes = audit::diff(&before.to_input(), &after.to_input());
            audit::record(conn, actor, "update", "product", id, changes)?;
            Ok(after)
        })
    }

    /// Deletes a product; deal lines that used it keep their name and price.
    pub fn delete_product(&self, actor: &Actor, id: i64) -> StoreResult<()> {
        check_all(actor, ObjectKind::Product, Action::Delete)?;
        self.write(|conn| {
            let before = load(conn, id)?;
            diesel::delete(product_terms::table.filter(product_terms::product_id.eq(id)))
                .execute(conn)?;
            diesel::delete(products::table.find(id)).execute(conn)?;
            audit::record(
                conn,
                actor,
                "delete",
                "product",
                id,
                audit::snapshot(&before.to_input()),
            )
        })
    }

    /// The next `limit` products of the catalogue after id `after`, in id order, for an
    /// export (the catalogue is everyone's to see, like its list page).
    pub fn export_products(&self, after: i64, limit: usize) -> StoreResult<Vec<Product>> {
        self.read(|conn| {
            let rows: Vec<ProductRecord> = products::table
                .filter(products::id.gt(after))
                .order(products::id)
                .limit(limit as i64)
                .select(ProductRecord::as_select())
                .load(conn)?;
            rows.into_iter().map(Product::try_from).collect()
        })
    }

    /// One page of the catalogue, by name (or creation/update time).
    pub fn list_products(&self, q: &ListQuery) -> StoreResult<Page<Product>> {
        Ok(self.list_products_after(q, None)?.0)
    }

    /// A keyset page of the catalogue: the page after cursor `after` (or the query's page
    /// without one), and the cursor of the next page if there is one.
    pub fn list_products_after(
        &self,
        q: &ListQuery,
        after: Option<&Cursor>,
    ) -> StoreResult<(Page<Product>, Option<Cursor>)> {
        let q = q.clone().normalized();
        self.read(|conn| {
            let query = products::table.into_boxed();
            let query = match (q.sort, q.desc) {
                (SortKey::Name, false) => {
                    query.order((products::sort_name.asc(), products::id.asc()))
                }
                (SortKey::Name, true) => {
                    query.order((products::sort_name.desc(), products::id.desc()))
                }
                (SortKey::Created, false) => {
                    query.order((products::created_at.asc(), products::id.asc()))
                }
                (SortKey::Created, true) => {
                    query.order((products::created_at.desc(), products::id.desc()))
                }
                (SortKey::Updated, false) => {
                    query.order((products::updated_at.asc(), products::id.asc()))
                }
                (SortKey::Updated, true) => {
                    query.order((products::updated_at.desc(), products::id.desc()))
                }
            };
            let query = crate::listing::after_cursor!(query, products, after)?;
            let keys: Vec<crate::listing::RowKeys> = query
                .select((
                    products::id,
                    products::sort_name,
                    products::created_at,
                    products::updated_at,
                ))
                .offset(if after.is_some() { 0 } else { q.offset() })
                .limit(q.limit_plus_one())
                .load(conn)?;
            let (ids, has_next, next) = crate::listing::keyset_page(keys, &q);
            let rows: Vec<ProductRecord> = products::table
                .filter(products::id.eq_any(&ids))
                .select(ProductRecord::as_select())
                .load(conn)?;
            let rows = crate::parties::in_order(rows, &ids, |r| r.id);
            let items = rows
                .into_iter()
                .map(Product::try_from)
                .collect::<StoreResult<Vec<_>>>()?;
            Ok((
                Page {
                    items,
                    page: q.page,
                    per_page: q.per_page,
                    has_next,
                },
                next,
            ))
        })
    }

    /// Active products whose name or SKU has words starting with every word typed, in
    /// name order.
    pub fn suggest_products(&self, typed: &str, limit: i64) -> StoreResult<Vec<Product>> {
        let words = text::words(typed);
        let Some(first) = words.first() else {
            return Ok(Vec::new());
        };
        self.read(|conn| {
            // Candidates from the first word's range scan; the other words narrow them.
            let mut ids: Vec<i64> = product_terms::table
                .filter(product_terms::term.ge(first))
                .filter(product_terms::term.lt(text::prefix_end(first)))
                .select(product_terms::product_id)
                .distinct()
                .limit(2_000)
                .load(conn)?;
            for w in &words[1..] {
                ids = product_terms::table
                    .filter(product_terms::product_id.eq_any(&ids))
                    .filter(product_terms::term.ge(w))
                    .filter(product_terms::term.lt(text::prefix_end(w)))
                    .select(product_terms::product_id)
                    .distinct()
                    .load(conn)?;
            }
            let rows: Vec<ProductRecord> = products::table
                .filter(products::id.eq_any(&ids))
                .filter(products::active.eq(true))
                .order((products::sort_name.asc(), products::id.asc()))
                .select(ProductRecord::as_select())
                .limit(limit)
                .load(conn)?;
            rows.into_iter().map(Product::try_from).collect()
        })
    }
}
