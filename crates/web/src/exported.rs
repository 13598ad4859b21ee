//! The lists an administrator may take away in a file, and how each one maps onto the store:
//! its filters (as the list page reads them), its columns, and its rows as typed cells. The
//! export handlers are written once, generically, over [`Exported`].

use std::borrow::Cow;

use crm_core::export::Cell;
use crm_core::{
    Actor, CompanyRow, ContactRow, DealFilter, DealRow, LeadRow, LeadStatus, ListQuery, Product,
    Task, TaskOwner,
};
use crm_store::{Store, StoreResult};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use crate::auth::Session;
use crate::i18n::translate;
use crate::pages::deal_filters::FilterParams;
use crate::pages::listing::ListParams;
use crate::records::{Companies, Contacts, Deals, Leads, Products};
use crate::state::AppState;

/// A list that can be exported: `/{PATH}/export.csv` and `.xlsx`.
pub trait Exported: 'static {
    /// The list's path (`/contacts`), also the start of the file's name.
    const PATH: &'static str;
    /// Message keys of the column titles, in order.
    const COLUMNS: &'static [&'static str];
    /// The list page's filters as the query string carries them.
    type Params: DeserializeOwned + 'static;
    /// The filters as the store takes them.
    type Query: Clone + Send + 'static;
    type Row: Send + 'static;

    fn query(params: Self::Params, state: &AppState, session: &Session) -> Self::Query;
    /// The filters as the audit log records them.
    fn filters(q: &Self::Query) -> Value;
    /// The next `limit` rows after id `after`, in id order, scoped by the actor's permissions
    /// exactly as the list page is.
    fn export(
        store: &Store,
        actor: &Actor,
        q: &Self::Query,
        after: i64,
        limit: usize,
    ) -> StoreResult<Vec<Self::Row>>;
    fn row_id(row: &Self::Row) -> i64;
    /// The row's cells, in the order of `COLUMNS`, as typed (the writers make them safe).
    fn cells<'r>(row: &'r Self::Row, lang: &str) -> Vec<Cell<'r>>;
}

fn owned<'a>(s: String) -> Cell<'a> {
    Cell::Text(Cow::Owned(s))
}

impl Exported for Contacts {
    const PATH: &'static str = "contacts";
    const COLUMNS: &'static [&'static str] = &[
        "col-id",
        "field-name",
        "field-position",
        "field-company",
        "col-phone",
        "col-email",
        "field-tags",
        "field-responsible",
    ];
    type Params = ListParams;
    type Query = ListQuery;
    type Row = ContactRow;

    fn query(params: ListParams, _state: &AppState, _session: &Session) -> ListQuery {
        params.query()
    }
    fn filters(q: &ListQuery) -> Value {
        json!({"tag": q.tag, "responsible_id": q.responsible_id})
    }
    fn export(
        store: &Store,
        actor: &Actor,
        q: &ListQuery,
        after: i64,
        limit: usize,
    ) -> StoreResult<Vec<ContactRow>> {
        store.export_contacts(actor, q, after, limit)
    }
    fn row_id(row: &ContactRow) -> i64 {
        row.id
    }
    fn cells<'r>(r: &'r ContactRow, _lang: &str) -> Vec<Cell<'r>> {
        vec![
            Cell::Int(r.id),
            Cell::text(&r.name),
            Cell::text(&r.position),
            Cell::maybe(r.company_name.as_deref()),
            Cell::maybe(r.phone.as_deref()),
            Cell::maybe(r.email.as_deref()),
            owned(r.tags.join(", ")),
            Cell::maybe(r.responsible_name.as_deref()),
        ]
    }
}

impl Exported for Companies {
    const PATH: &'static str = "companies";
    const COLUMNS: &'static [&'static str] = &[
        "col-id",
        "field-name",
        "field-industry",
        "col-phone",
        "col-email",
        "field-tags",
        "field-responsible",
    ];
    type Params = ListParams;
    type Query = ListQuery;
    type Row = CompanyRow;

    fn query(params: ListParams, _state: &AppState, _session: &Session) -> ListQuery {
        params.query()
    }
    fn filters(q: &ListQuery) -> Value {
        json!({"tag": q.tag, "responsible_id": q.responsible_id})
    }
    fn export(
        store: &Store,
        actor: &Actor,
        q: &ListQuery,
        after: i64,
        limit: usize,
    ) -> StoreResult<Vec<CompanyRow>> {
        store.export_companies(actor, q, after, limit)
    }
    fn row_id(row: &CompanyRow) -> i64 {
        row.id
    }
    fn cells<'r>(r: &'r CompanyRow, _lang: &str) -> Vec<Cell<'r>> {
        vec![
            Cell::Int(r.id),
            Cell::text(&r.name),
            Cell::text(&r.industry),
            Cell::maybe(r.phone.as_deref()),
            Cell::maybe(r.email.as_deref()),
            owned(r.tags.join(", ")),
            Cell::maybe(r.responsible_name.as_deref()),
        ]
    }
}

/// The lead list's filter: its status tabs.
#[derive(Deserialize)]
pub struct LeadParams {
    #[serde(default)]
    status: String,
}

impl Exported for Leads {
    const PATH: &'static str = "leads";
    const COLUMNS: &'static [&'static str] = &[
        "col-id",
        "export-col-title",
        "export-col-source",
        "export-col-status",
        "field-name",
        "col-phone",
        "col-email",
        "field-responsible",
        "export-col-created",
    ];
    type Params = LeadParams;
    type Query = Option<LeadStatus>;
    type Row = LeadRow;

    fn query(params: LeadParams, _state: &AppState, _session: &Session) -> Option<LeadStatus> {
        LeadStatus::parse(params.status.trim())
    }
    fn filters(q: &Option<LeadStatus>) -> Value {
        json!({"status": q.map(|s| s.as_str())})
    }
    fn export(
        store: &Store,
        actor: &Actor,
        q: &Option<LeadStatus>,
        after: i64,
        limit: usize,
    ) -> StoreResult<Vec<LeadRow>> {
        store.export_leads(actor, *q, after, limit)
    }
    fn row_id(row: &LeadRow) -> i64 {
        row.id
    }
    fn cells<'r>(r: &'r LeadRow, lang: &str) -> Vec<Cell<'r>> {
        vec![
            Cell::Int(r.id),
            Cell::text(&r.title),
            Cell::text(&r.source),
            owned(translate(
                lang,
                &format!("status-{}", r.status.as_str()),
                &[],
            )),
            Cell::text(&r.name),
            Cell::text(&r.phone),
            Cell::text(&r.email),
            Cell::maybe(r.responsible_name.as_deref()),
            Cell::Time(r.created_at),
        ]
    }
}

impl Exported for Deals {
    const PATH: &'static str = "deals";
    const COLUMNS: &'static [&'static str] = &[
        "col-id",
        "export-col-title",
        "export-col-pipeline",
        "export-col-stage",
        "export-col-amount",
        "export-col-currency",
        "export-col-client",
        "field-responsible",
        "export-col-expected-close",
        "export-col-updated",
    ];
    type Params = FilterParams;
    type Query = DealFilter;
    type Row = DealRow;

    fn query(params: FilterParams, state: &AppState, _session: &Session) -> DealFilter {
        params.filter(state)
    }
    fn filters(f: &DealFilter) -> Value {
        json!({
            "pipeline_id": f.pipeline_id,
            "stage_id": f.stage_id,
            "state": f.state.map(|s| s.as_str()),
            "responsible_id": f.responsible_id,
            "min_amount": f.min_amount,
            "max_amount": f.max_amount,
            "tag": f.tag,
        })
    }
    fn export(
        store: &Store,
        actor: &Actor,
        f: &DealFilter,
        after: i64,
        limit: usize,
    ) -> StoreResult<Vec<DealRow>> {
        store.export_deals(actor, f, after, limit)
    }
    fn row_id(row: &DealRow) -> i64 {
        row.id
    }
    fn cells<'r>(r: &'r DealRow, _lang: &str) -> Vec<Cell<'r>> {
        vec![
            Cell::Int(r.id),
            Cell::text(&r.title),
            Cell::text(&r.pipeline_name),
            Cell::text(&r.stage_name),
            Cell::Decimal(Cow::Borrowed(&r.amount_text)),
            Cell::text(r.currency.code()),
            Cell::maybe(r.client.as_deref()),
            Cell::maybe(r.responsible_name.as_deref()),
            r.expected_close.map_or(Cell::text(""), Cell::Date),
            Cell::Time(r.updated_at),
        ]
    }
}

impl Exported for Products {
    const PATH: &'static str = "products";
    const COLUMNS: &'static [&'static str] = &[
        "col-id",
        "field-name",
        "export-col-sku",
        "export-col-unit",
        "export-col-price",
        "export-col-currency",
        "export-col-category",
        "export-col-active",
    ];
    /// The catalogue's list has no filters.
    type Params = serde::de::IgnoredAny;
    type Query = ();
    type Row = Product;

    fn query(_params: serde::de::IgnoredAny, _state: &AppState, _session: &Session) {}
    fn filters(_q: &()) -> Value {
        json!({})
    }
    fn export(
        store: &Store,
        _actor: &Actor,
        _q: &(),
        after: i64,
        limit: usize,
    ) -> StoreResult<Vec<Product>> {
        store.export_products(after, limit)
    }
    fn row_id(row: &Product) -> i64 {
        row.id
    }
    fn cells<'r>(r: &'r Product, lang: &str) -> Vec<Cell<'r>> {
        vec![
            Cell::Int(r.id),
            Cell::text(&r.name),
            Cell::text(&r.sku),
            Cell::text(&r.unit),
            Cell::Decimal(Cow::Borrowed(&r.price_text)),
            Cell::text(r.currency.code()),
            Cell::text(&r.category),
            owned(translate(lang, if r.active { "yes" } else { "no" }, &[])),
        ]
    }
}

/// The tasks of the "my tasks" page (all its sections): open ones, of the user or of the
/// department the user heads.
pub struct Tasks;

/// The task list's filter: whose tasks.
#[derive(Deserialize)]
pub struct TaskParams {
    #[serde(default)]
    who: String,
}

impl Exported for Tasks {
    const PATH: &'static str = "tasks";
    const COLUMNS: &'static [&'static str] = &[
        "col-id",
        "export-col-title",
        "export-col-description",
        "export-col-due",
        "export-col-assignee",
        "export-col-author",
        "export-col-card",
        "export-col-created",
    ];
    type Params = TaskParams;
    type Query = TaskOwner;
    type Row = Task;

    fn query(params: TaskParams, _state: &AppState, session: &Session) -> TaskOwner {
        if params.who == "department" {
            TaskOwner::DepartmentOf(session.user.id)
        } else {
            TaskOwner::User(session.user.id)
        }
    }
    fn filters(q: &TaskOwner) -> Value {
        match q {
            TaskOwner::User(u) => json!({"who": "user", "user_id": u}),
            TaskOwner::DepartmentOf(u) => json!({"who": "department", "head_id": u}),
        }
    }
    fn export(
        store: &Store,
        actor: &Actor,
        q: &TaskOwner,
        after: i64,
        limit: usize,
    ) -> StoreResult<Vec<Task>> {
        store.export_tasks(actor, *q, after, limit)
    }
    fn row_id(row: &Task) -> i64 {
        row.id
    }
    fn cells<'r>(r: &'r Task, _lang: &str) -> Vec<Cell<'r>> {
        vec![
            Cell::Int(r.id),
            Cell::text(&r.title),
            Cell::text(&r.description),
            r.due_at.map_or(Cell::text(""), Cell::Time),
            Cell::maybe(r.assignee_name.as_deref()),
            Cell::maybe(r.author_name.as_deref()),
            Cell::maybe(r.card.as_ref().map(|c| c.title.as_str())),
            Cell::Time(r.created_at),
        ]
    }
}
