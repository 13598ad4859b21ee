//! Bulk loading of many checked cards at once (demo data and imports): multi-row inserts in one
//! transaction per batch, ids assigned up front so children can be written alongside.

use std::rc::Rc;

use chrono::{NaiveDate, NaiveDateTime, Utc};
use crm_core::text::{self, Folded};
use crm_core::{Actor, CompanyDraft, ContactDraft, DealDraft, ProductDraft, StageKind};
use diesel::connection::SimpleConnection;
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::serialize::{self, IsNull, Output, ToSql};
use diesel::sql_types::Timestamp;
use diesel::sqlite::Sqlite;

use crate::audit;
use crate::conn::{DbConn, Store};
use crate::error::StoreResult;
use crate::schema::{
    companies, contacts, deal_lines, deal_stage_changes, deal_tags, deals, emails, phones,
    product_terms, products, search_terms, tags,
};

/// Rows per INSERT statement: well under SQLite's and PostgreSQL's bind-parameter limits.
pub(crate) const ROWS_PER_STATEMENT: usize = 500;

/// Rows per INSERT statement on SQLite: a fixed count, so that the statement is prepared once
/// per connection and reused (preparing a new one for every 500 rows cost a tenth of an
/// import's time).
pub(crate) const SQLITE_ROWS: usize = 50;

#[derive(Insertable)]
#[diesel(treat_none_as_default_value = false, table_name = contacts)]
struct NewContact {
    id: i64,
    name: String,
    sort_name: String,
    position: String,
    company_id: Option<i64>,
    birthday: Option<NaiveDate>,
    address: String,
    messengers: String,
    notes: String,
    responsible_id: Option<i64>,
    visible_to_all: bool,
    created_by: Option<i64>,
    created_at: Stamp,
    updated_at: Stamp,
    import_id: Option<i64>,
}

#[derive(Insertable)]
#[diesel(treat_none_as_default_value = false, table_name = companies)]
struct NewCompany {
    id: i64,
    name: String,
    sort_name: String,
    industry: String,
    website: String,
    address: String,
    tax_id: String,
    bank_details: String,
    notes: String,
    responsible_id: Option<i64>,
    visible_to_all: bool,
    created_by: Option<i64>,
    created_at: Stamp,
    updated_at: Stamp,
    import_id: Option<i64>,
}

#[derive(Insertable)]
#[diesel(treat_none_as_default_value = false, table_name = phones)]
struct NewPhone {
    contact_id: Option<i64>,
    company_id: Option<i64>,
    position: i32,
    raw: String,
    e164: String,
    digits_rev: String,
}

#[derive(Insertable)]
#[diesel(treat_none_as_default_value = false, table_name = emails)]
struct NewEmail {
    contact_id: Option<i64>,
    company_id: Option<i64>,
    position: i32,
    raw: String,
    lower: String,
}

#[derive(Insertable)]
#[diesel(treat_none_as_default_value = false, table_name = tags)]
struct NewTag {
    contact_id: Option<i64>,
    company_id: Option<i64>,
    name: String,
    name_lower: String,
}

#[derive(Insertable)]
#[diesel(treat_none_as_default_value = false, table_name = search_terms)]
struct NewTerm {
    contact_id: Option<i64>,
    company_id: Option<i64>,
    term: String,
}

#[derive(Insertable)]
#[diesel(treat_none_as_default_value = false, table_name = products)]
struct NewProduct {
    id: i64,
    name: String,
    sort_name: String,
    sku: String,
    unit: String,
    price: i64,
    currency: &'static str,
    category: String,
    active: bool,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(treat_none_as_default_value = false, table_name = product_terms)]
struct NewProductTerm {
    product_id: i64,
    term: String,
}

#[derive(Insertable)]
#[diesel(treat_none_as_default_value = false, table_name = deals)]
struct NewDeal {
    id: i64,
    title: String,
    sort_title: String,
    pipeline_id: i64,
    stage_id: i64,
    state: &'static str,
    amount: i64,
    currency: &'static str,
    probability: Option<i32>,
    responsible_id: Option<i64>,
    deal_type: String,
    source: String,
    expected_close: Option<NaiveDate>,
    contact_id: Option<i64>,
    company_id: Option<i64>,
    visible_to_all: bool,
    lost_reason_id: Option<i64>,
    closed_at: Option<NaiveDateTime>,
    notes: String,
    version: i64,
    created_by: Option<i64>,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(treat_none_as_default_value = false, table_name = deal_lines)]
struct NewLine {
    deal_id: i64,
    position: i32,
    product_id: Option<i64>,
    name: String,
    quantity_milli: i64,
    unit_price: i64,
    discount_bp: i64,
    total: i64,
}

#[derive(Insertable)]
#[diesel(treat_none_as_default_value = false, table_name = deal_tags)]
struct NewDealTag {
    deal_id: i64,
    name: String,
    name_lower: String,
}

#[derive(Insertable)]
#[diesel(treat_none_as_default_value = false, table_name = deal_stage_changes)]
struct NewStageChange {
    deal_id: i64,
    from_stage_id: Option<i64>,
    to_stage_id: i64,
    user_id: Option<i64>,
    at: NaiveDateTime,
}

/// The time a batch is written at, bound as the text SQLite stores: formatted once per batch
/// rather than twice per card (chrono's formatting was a twentieth of an import's writing);
/// a copy is a reference count.
#[derive(Debug, Clone, diesel::expression::AsExpression)]
#[diesel(sql_type = Timestamp)]
pub(crate) struct Stamp {
    at: NaiveDateTime,
    text: Rc<str>,
}

impl Stamp {
    pub(crate) fn new(at: NaiveDateTime) -> Self {
        // diesel's own format for `Timestamp` on SQLite, so that these sort among the rest.
        let text = at.format("%F %T%.f").to_string().into();
        Stamp { at, text }
    }
}

impl ToSql<Timestamp, Sqlite> for Stamp {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Sqlite>) -> serialize::Result {
        out.set_value(&*self.text);
        Ok(IsNull::No)
    }
}

impl ToSql<Timestamp, Pg> for Stamp {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
        ToSql::<Timestamp, Pg>::to_sql(&self.at, &mut out.reborrow())
    }
}

/// A deal for bulk loading: a checked draft whose pipeline, stage and (for closed deals)
/// lost reason are set and known to fit, with its stage's kind, first stage and times.
pub struct BulkDeal {
    pub draft: DealDraft,
    pub kind: StageKind,
    /// The pipeline's first stage, where the deal's history starts.
    pub first_stage_id: i64,
    pub created_at: NaiveDateTime,
    /// When it reached its stage (its close, for closed deals).
    pub moved_at: NaiveDateTime,
}

/// The children of one batch, gathered for multi-row inserts.
#[derive(Default)]
struct ChildRows {
    phones: Vec<NewPhone>,
    emails: Vec<NewEmail>,
    tags: Vec<NewTag>,
    terms: Vec<NewTerm>,
}

impl ChildRows {
    /// Takes the draft's children (no copies: a bulk load moves a million cards' text);
    /// `words` are the owner's folded name's.
    fn add(
        &mut self,
        owner: (Option<i64>, Option<i64>),
        words: Vec<String>,
        p: Vec<crm_core::Phone>,
        e: Vec<crm_core::Email>,
        t: Vec<String>,
    ) {
        let (contact_id, company_id) = owner;
        for (i, phone) in p.into_iter().enumerate() {
            let digits_rev = phone.digits_reversed();
            let (raw, e164) = phone.into_parts();
            self.phones.push(NewPhone {
                contact_id,
                company_id,
                position: i32::try_from(i).unwrap_or(i32::MAX),
                raw,
                e164,
                digits_rev,
            });
        }
        for (i, email) in e.into_iter().enumerate() {
            let (raw, lower) = email.into_parts();
            self.emails.push(NewEmail {
                contact_id,
                company_id,
                position: i32::try_from(i).unwrap_or(i32::MAX),
                raw,
                lower,
            });
        }
        for name in t {
            let name_lower = name.to_lowercase();
            self.tags.push(NewTag {
                contact_id,
                company_id,
                name,
                name_lower,
            });
        }
        for term in words {
            self.terms.push(NewTerm {
                contact_id,
                company_id,
                term,
            });
        }
    }
}

/// Inserts `$rows` into `$table` in chunks on the inner connection (the multi-backend
/// connection cannot do multi-row inserts). On SQLite the chunks have one fixed size, whose
/// prepared statement diesel caches, and the remainder goes row by row (also cached).
macro_rules! insert_chunks {
    ($conn:expr, $table:expr, $rows:expr) => {
        match &mut *$conn {
            DbConn::Sqlite(c) => {
                let mut chunks = $rows.chunks_exact($crate::bulk::SQLITE_ROWS);
                for chunk in &mut chunks {
                    let n = match <&[_; $crate::bulk::SQLITE_ROWS]>::try_from(chunk) {
                        Ok(fixed) => diesel::insert_or_ignore_into($table)
                            .values(fixed)
                            .execute(c)?,
                        Err(_) => diesel::insert_or_ignore_into($table)
                            .values(chunk)
                            .execute(c)?,
                    };
                    $crate::bulk::all_written(n, chunk.len())?;
                }
                for row in chunks.remainder() {
                    diesel::insert_into($table).values(row).execute(c)?;
                }
            }
            DbConn::Pg(c) => {
                for chunk in $rows.chunks($crate::bulk::ROWS_PER_STATEMENT) {
                    diesel::insert_into($table).values(chunk).execute(c)?;
                }
            }
        }
    };
}
pub(crate) use insert_chunks;

/// A multi-row `INSERT OR IGNORE` wrote every row: else a row broke a constraint (a bug), and
/// the error rolls the whole transaction back, as a plain INSERT's failure would. Plain
/// multi-row INSERTs make SQLite copy every page they touch to a statement journal first, so
/// that a failing row can be undone alone: a sixth of an import's time.
pub(crate) fn all_written(written: usize, rows: usize) -> StoreResult<()> {
    if written == rows {
        Ok(())
    } else {
        Err(crate::error::StoreError::Db(
            diesel::result::Error::QueryBuilderError(
                format!("a bulk insert wrote {written} of {rows} rows").into(),
            ),
        ))
    }
}

/// The next free id of `table`; on PostgreSQL the table is locked against concurrent inserts
/// for the rest of the transaction, and its identity sequence is moved past the batch after.
pub(crate) fn reserve_ids(conn: &mut DbConn, table: &str) -> StoreResult<i64> {
    #[derive(QueryableByName)]
    struct Max {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        max_id: i64,
    }
    if let DbConn::Pg(c) = conn {
        c.batch_execute(&format!("LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE"))?;
    }
    let m: Max = diesel::sql_query(format!(
        "SELECT COALESCE(MAX(id), 0) AS max_id FROM {table}"
    ))
    .get_result(conn)?;
    Ok(m.max_id + 1)
}

pub(crate) fn advance_sequence(conn: &mut DbConn, table: &str) -> StoreResult<()> {
    if let DbConn::Pg(c) = conn {
        c.batch_execute(&format!(
            "SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))"
        ))?;
    }
    Ok(())
}

/// Companies with their phones, e-mails, tags and search words; `import_id` marks an import's.
pub(crate) fn insert_companies(
    conn: &mut DbConn,
    actor: &Actor,
    drafts: Vec<(i64, CompanyDraft)>,
    import_id: Option<i64>,
    now: NaiveDateTime,
) -> StoreResult<()> {
    let now = Stamp::new(now);
    let mut rows = Vec::with_capacity(drafts.len());
    let mut children = ChildRows::default();
    for (id, d) in drafts {
        let Folded { sort, words } = Folded::new(&d.name);
        children.add((None, Some(id)), words, d.phones, d.emails, d.tags);
        rows.push(NewCompany {
            sort_name: sort,
            id,
            name: d.name,
            industry: d.industry,
            website: d.website,
            address: d.address,
            tax_id: d.tax_id,
            bank_details: d.bank_details,
            notes: d.notes,
            responsible_id: d.responsible_id,
            visible_to_all: d.visible_to_all,
            created_by: actor.user_id(),
            created_at: now.clone(),
            updated_at: now.clone(),
            import_id,
        });
    }
    insert_chunks!(conn, companies::table, rows);
    write_children(conn, &children)
}

/// Contacts, each with its name [`Folded`], with their phones, e-mails, tags and search words;
/// `import_id` marks an import's.
pub(crate) fn insert_contacts(
    conn: &mut DbConn,
    actor: &Actor,
    drafts: Vec<(i64, ContactDraft, Folded)>,
    import_id: Option<i64>,
    now: NaiveDateTime,
) -> StoreResult<()> {
    let now = Stamp::new(now);
    let mut rows = Vec::with_capacity(drafts.len());
    let mut children = ChildRows::default();
    for (id, d, Folded { sort, words }) in drafts {
        children.add((Some(id), None), words, d.phones, d.emails, d.tags);
        rows.push(NewContact {
            id,
            name: d.name,
            sort_name: sort,
            position: d.position,
            company_id: d.company_id,
            birthday: d.birthday,
            address: d.address,
            messengers: d.messengers,
            notes: d.notes,
            responsible_id: d.responsible_id,
            visible_to_all: d.visible_to_all,
            created_by: actor.user_id(),
            created_at: now.clone(),
            updated_at: now.clone(),
            import_id,
        });
    }
    insert_chunks!(conn, contacts::table, rows);
    write_children(conn, &children)
}

impl Store {
    /// Inserts checked companies in one transaction; returns their ids in order.
    pub fn bulk_insert_companies(
        &self,
        actor: &Actor,
        drafts: &[CompanyDraft],
    ) -> StoreResult<Vec<i64>> {
        let now = Utc::now().naive_utc();
        self.write(|conn| {
            let first = reserve_ids(conn, "companies")?;
            let ids: Vec<i64> = (first..).take(drafts.len()).collect();
            let rows = ids.iter().copied().zip(drafts.iter().cloned()).collect();
            insert_companies(conn, actor, rows, None, now)?;
            advance_sequence(conn, "companies")?;
            let summary = serde_json::json!({ "count": ids.len() });
            audit::record(conn, actor, "bulk_create", "company", first, summary)?;
            Ok(ids)
        })
    }

    /// Inserts checked contacts in one transaction; returns their ids in order.
    pub fn bulk_insert_contacts(
        &self,
        actor: &Actor,
        drafts: &[ContactDraft],
    ) -> StoreResult<Vec<i64>> {
        let now = Utc::now().naive_utc();
        self.write(|conn| {
            let first = reserve_ids(conn, "contacts")?;
            let ids: Vec<i64> = (first..).take(drafts.len()).collect();
            let rows = ids
                .iter()
                .zip(drafts)
                .map(|(&id, d)| (id, d.clone(), Folded::new(&d.name)))
                .collect();
            insert_contacts(conn, actor, rows, None, now)?;
            advance_sequence(conn, "contacts")?;
            let summary = serde_json::json!({ "count": ids.len() });
            audit::record(conn, actor, "bulk_create", "contact", first, summary)?;
            Ok(ids)
        })
    }
}

impl Store {
    /// Inserts checked products in one transaction; returns their ids in order.
    pub fn bulk_insert_products(
        &self,
        actor: &Actor,
        drafts: &[ProductDraft],
    ) -> StoreResult<Vec<i64>> {
        let now = Utc::now().naive_utc();
        self.write(|conn| {
            let first = reserve_ids(conn, "products")?;
            let ids: Vec<i64> = (first..).take(drafts.len()).collect();
            let mut rows = Vec::with_capacity(drafts.len());
            let mut terms = Vec::new();
            for (d, &id) in drafts.iter().zip(&ids) {
                rows.push(NewProduct {
                    id,
                    name: d.name.clone(),
                    sort_name: text::fold(&d.name),
                    sku: d.sku.clone(),
                    unit: d.unit.clone(),
                    price: d.price,
                    currency: d.currency.code(),
                    category: d.category.clone(),
                    active: d.active,
                    created_at: now,
                    updated_at: now,
                });
                let mut words = text::words(&d.name);
                for w in text::words(&d.sku) {
                    if !words.contains(&w) {
                        words.push(w);
                    }
                }
                terms.extend(words.into_iter().map(|term| NewProductTerm {
                    product_id: id,
                    term,
                }));
            }
            insert_chunks!(conn, products::table, rows);
            insert_chunks!(conn, product_terms::table, terms);
            advance_sequence(conn, "products")?;
            let summary = serde_json::json!({ "count": ids.len() });
            audit::record(conn, actor, "bulk_create", "product", first, summary)?;
            Ok(ids)
        })
    }

    /// Inserts deals with their lines, tags and stage history in one transaction.
    pub fn bulk_insert_deals(&self, actor: &Actor, deals_in: &[BulkDeal]) -> StoreResult<Vec<i64>> {
        self.write(|conn| {
            let first = reserve_ids(conn, "deals")?;
            let ids: Vec<i64> = (first..).take(deals_in.len()).collect();
            let (mut rows, mut lines, mut tags, mut moves) =
                (Vec::new(), Vec::new(), Vec::new(), Vec::new());
            for (b, &id) in deals_in.iter().zip(&ids) {
                let d = &b.draft;
                let (Some(pipeline_id), Some(stage_id)) = (d.pipeline_id, d.stage_id) else {
                    return Err(crm_core::Error::invalid("stage_id", "error-required").into());
                };
                let deal_lines = d.lines.as_deref().unwrap_or(&[]);
                let amount = if deal_lines.is_empty() {
                    d.amount
                } else {
                    deal_lines.iter().map(|l| l.total).sum()
                };
                rows.push(NewDeal {
                    id,
                    title: d.title.clone(),
                    sort_title: text::fold(&d.title),
                    pipeline_id,
                    stage_id,
                    state: b.kind.as_str(),
                    amount,
                    currency: d.currency.code(),
                    probability: d.probability,
                    responsible_id: d.responsible_id,
                    deal_type: d.deal_type.clone(),
                    source: d.source.clone(),
                    expected_close: d.expected_close,
                    contact_id: d.contact_id,
                    company_id: d.company_id,
                    visible_to_all: d.visible_to_all,
                    lost_reason_id: d.lost_reason_id.filter(|_| b.kind == StageKind::Lost),
                    closed_at: b.kind.is_closed().then_some(b.moved_at),
                    notes: d.notes.clone(),
                    version: 1,
                    created_by: actor.user_id(),
                    created_at: b.created_at,
                    updated_at: b.moved_at,
                });
                for (i, l) in deal_lines.iter().enumerate() {
                    lines.push(NewLine {
                        deal_id: id,
                        position: i32::try_from(i).unwrap_or(i32::MAX),
                        product_id: l.product_id,
                        name: l.name.clone(),
                        quantity_milli: l.quantity_milli,
                        unit_price: l.unit_price,
                        discount_bp: l.discount_bp,
                        total: l.total,
                    });
                }
                for t in &d.tags {
                    tags.push(NewDealTag {
                        deal_id: id,
                        name: t.clone(),
                        name_lower: t.to_lowercase(),
                    });
                }
                moves.push(NewStageChange {
                    deal_id: id,
                    from_stage_id: None,
                    to_stage_id: b.first_stage_id,
                    user_id: actor.user_id(),
                    at: b.created_at,
                });
                if stage_id != b.first_stage_id {
                    moves.push(NewStageChange {
                        deal_id: id,
                        from_stage_id: Some(b.first_stage_id),
                        to_stage_id: stage_id,
                        user_id: actor.user_id(),
                        at: b.moved_at,
                    });
                }
            }
            insert_chunks!(conn, deals::table, rows);
            insert_chunks!(conn, deal_lines::table, lines);
            insert_chunks!(conn, deal_tags::table, tags);
            insert_chunks!(conn, deal_stage_changes::table, moves);
            advance_sequence(conn, "deals")?;
            let summary = serde_json::json!({ "count": ids.len() });
            audit::record(conn, actor, "bulk_create", "deal", first, summary)?;
            Ok(ids)
        })
    }
}

fn write_children(conn: &mut DbConn, c: &ChildRows) -> StoreResult<()> {
    insert_chunks!(conn, phones::table, c.phones);
    insert_chunks!(conn, emails::table, c.emails);
    insert_chunks!(conn, tags::table, c.tags);
    insert_chunks!(conn, search_terms::table, c.terms);
    Ok(())
}

#[cfg(test)]
mod tests {
    use chrono::{NaiveDate, NaiveDateTime};
    use diesel::dsl::sql;
    use diesel::prelude::*;
    use diesel::sql_types::{Bool, Timestamp};

    use super::Stamp;
    use crate::conn::DbConn;
    use crate::testing::TestStore;

    /// A stamp is stored as diesel stores the time itself: on SQLite the same text (else the
    /// imported cards would sort apart from the rest by `created_at`).
    #[test]
    fn a_stamp_is_stored_as_its_time() {
        let day = NaiveDate::from_ymd_opt(2026, 11, 24).unwrap();
        let times: [NaiveDateTime; 2] = [
            day.and_hms_micro_opt(10, 0, 7, 123_450).unwrap(),
            day.and_hms_opt(23, 59, 59).unwrap(),
        ];
        for t in TestStore::each() {
            for at in times {
                let stamp = Stamp::new(at);
                let equal = t
                    .store
                    .read(|conn| {
                        let q = || {
                            diesel::select(
                                sql::<Bool>("")
                                    .bind::<Timestamp, _>(stamp.clone())
                                    .sql(" = ")
                                    .bind::<Timestamp, _>(at),
                            )
                        };
                        Ok(match conn {
                            DbConn::Sqlite(c) => q().get_result::<bool>(c)?,
                            DbConn::Pg(c) => q().get_result::<bool>(c)?,
                        })
                    })
                    .unwrap();
                assert!(equal, "{} {at}", t.backend_name());
            }
        }
    }
}
