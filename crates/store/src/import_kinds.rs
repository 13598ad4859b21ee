//! Imports of companies, leads, deals and products: one batch written per transaction through
//! the same commit as contacts (progress and lease with the rows), failures with their column,
//! and undo of every record an import created.
//!
//! New records are written without per-card webhooks, timeline entries or audit entries, as
//! contacts are: an import is on record once, and a file of 10,000 leads must not send 10,000
//! `lead.created` deliveries nor notify a manager 10,000 times.

use std::collections::{HashMap, HashSet};

use crm_core::import_kinds::{DealRow, LeadRow, ProductRow, merge_product};
use crm_core::import_rows::{CompanyRow, ContactRow, Counts, Policy, Problem, Settings};
use crm_core::{Actor, CompanyDraft, Email, Phone, ProductDraft};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};

use crate::conn::{DbConn, Store};
use crate::error::{StoreError, StoreResult};
use crate::imports::{BatchOutcome, Lease, Prepared, columns_of, now};
use crate::parties::{self, Owner};
use crate::schema::{
    companies, deals, emails, import_failures, leads, phones, product_terms, products, users,
};
use crate::scope::admin_only;

/// Rows written per transaction at most (see [`Store::import_batches`]).
const ROWS_PER_COMMIT: i64 = 50_000;

/// One batch of checked rows, of the kind the import reads.
pub enum Batch {
    Contacts(Vec<Prepared<ContactRow>>),
    Companies(Vec<Prepared<CompanyRow>>),
    Leads(Vec<Prepared<LeadRow>>),
    Deals(Vec<Prepared<DealRow>>),
    Products(Vec<Prepared<ProductRow>>),
}

impl Batch {
    /// The number of the batch's last row.
    pub fn last_row(&self) -> u64 {
        fn last<T>(rows: &[Prepared<T>]) -> u64 {
            rows.last().map(|r| r.row).unwrap_or(0)
        }
        match self {
            Batch::Contacts(r) => last(r),
            Batch::Companies(r) => last(r),
            Batch::Leads(r) => last(r),
            Batch::Deals(r) => last(r),
            Batch::Products(r) => last(r),
        }
    }
}

impl Store {
    /// Writes one batch of any kind in one transaction together with the import's progress,
    /// so that a resumed import starts after the last row that landed.
    pub fn import_batch(
        &self,
        actor: &Actor,
        lease: &Lease,
        settings: &Settings,
        batch: Batch,
        columns: &[String],
    ) -> StoreResult<BatchOutcome> {
        self.import_batches(actor, lease, settings, batch, || None, columns)
    }

    /// Writes `first` and the batches that `more` hands over (of the same kind), up to
    /// [`ROWS_PER_COMMIT`] rows, in one transaction together with the import's progress. Rows
    /// are parsed and checked 10,000 at a time; committing several such batches at once writes
    /// each index page to the WAL fewer times without holding more rows in memory.
    pub fn import_batches(
        &self,
        actor: &Actor,
        lease: &Lease,
        settings: &Settings,
        first: Batch,
        mut more: impl FnMut() -> Option<Batch>,
        columns: &[String],
    ) -> StoreResult<BatchOutcome> {
        admin_only(actor)?;
        let id = lease.import_id;
        // Contacts and companies refer only to users (never deleted) and to companies and cards
        // that this same transaction found or made: nothing for foreign key checks to catch.
        let checks = !matches!(first, Batch::Contacts(_) | Batch::Companies(_));
        self.commit_batch(lease, checks, |conn| {
            let (mut counts, mut last) = (Counts::default(), 0);
            let mut next = Some(first);
            while let Some(batch) = next {
                last = batch.last_row();
                let mut r = Report::new(columns, settings);
                match batch {
                    Batch::Contacts(rows) => {
                        crate::imports::write_contacts(conn, actor, id, &mut r, rows)?
                    }
                    Batch::Companies(rows) => write_companies(conn, actor, id, &mut r, rows)?,
                    Batch::Leads(rows) => write_leads(conn, actor, id, &mut r, rows)?,
                    Batch::Deals(rows) => {
                        crate::import_deals::write(conn, actor, id, &mut r, rows)?
                    }
                    Batch::Products(rows) => write_products(conn, actor, id, &mut r, rows)?,
                }
                counts.add(r.save(conn, id)?);
                next = if counts.rows() < ROWS_PER_COMMIT {
                    more()
                } else {
                    None
                };
            }
            Ok((counts, last))
        })
    }
}

/// What a batch did, and its failed rows.
pub(crate) struct Report<'a> {
    columns: &'a [String],
    pub(crate) settings: &'a Settings,
    pub(crate) counts: Counts,
    failures: Vec<(u64, String, String)>,
}

impl<'a> Report<'a> {
    pub(crate) fn new(columns: &'a [String], settings: &'a Settings) -> Self {
        Report {
            columns,
            settings,
            counts: Counts::default(),
            failures: Vec::new(),
        }
    }

    /// A row that is not imported, with each of its problems.
    pub(crate) fn fail(&mut self, row: u64, problems: &[Problem]) {
        self.counts.failed += 1;
        for p in problems {
            let column = p
                .column
                .and_then(|c| self.columns.get(c).cloned())
                .unwrap_or_else(|| p.field.clone());
            self.failures.push((row, column, p.code.to_string()));
        }
    }

    /// A row that names something the store cannot resolve, in the column of `field`.
    pub(crate) fn fail_field(&mut self, row: u64, field: &str, code: &'static str) {
        let p = Problem {
            column: columns_of(self.settings, field),
            field: field.into(),
            code,
        };
        self.fail(row, &[p]);
    }

    fn save(self, conn: &mut DbConn, import_id: i64) -> StoreResult<Counts> {
        for (row, column, reason) in &self.failures {
            diesel::insert_into(import_failures::table)
                .values((
                    import_failures::import_id.eq(import_id),
                    import_failures::row_number.eq(i64::try_from(*row).unwrap_or(i64::MAX)),
                    import_failures::column_name.eq(column),
                    import_failures::reason.eq(reason),
                ))
                .execute(conn)?;
        }
        Ok(self.counts)
    }
}

/// Active users by lower-cased e-mail, for the rows' responsible.
pub(crate) fn users_by_email<'a>(
    conn: &mut DbConn,
    named: impl Iterator<Item = &'a str>,
) -> StoreResult<HashMap<String, i64>> {
    let named: Vec<&str> = named.collect::<HashSet<_>>().into_iter().collect();
    if named.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(users::table
        .filter(users::active.eq(true))
        .filter(users::email.eq_any(named))
        .select((users::email, users::id))
        .load::<(String, i64)>(conn)?
        .into_iter()
        .map(|(e, id)| (e.to_lowercase(), id))
        .collect())
}

/// The responsible of a row: the user it names, else the import's default; `None` when it
/// names no active user (the row has failed).
pub(crate) fn responsible_of(
    r: &mut Report<'_>,
    row: u64,
    named: Option<&String>,
    users: &HashMap<String, i64>,
    actor: &Actor,
) -> Option<Option<i64>> {
    match named {
        None => Some(r.settings.responsible_id.or(actor.user_id())),
        Some(email) => match users.get(email) {
            Some(&id) => Some(Some(id)),
            None => {
                r.fail_field(row, "responsible", "error-import-unknown-user");
                None
            }
        },
    }
}

/// Where a batch's keys are looked for: column `key` of `table`, read back as `found`, for
/// the record `owner` names.
pub(crate) struct Keyed {
    pub table: &'static str,
    pub key: &'static str,
    pub found: &'static str,
    pub owner: &'static str,
}

/// Column names of the schema, checked by the compiler.
macro_rules! keyed {
    ($table:ident, $key:ident, $found:ident, $owner:ident) => {
        $crate::import_kinds::Keyed {
            table: stringify!($table),
            key: <$table::$key as diesel::Column>::NAME,
            found: <$table::$found as diesel::Column>::NAME,
            owner: <$table::$owner as diesel::Column>::NAME,
        }
    };
}
pub(crate) use keyed;

/// Which kind of card a phone or e-mail belongs to.
#[derive(Clone, Copy)]
pub(crate) enum Party {
    Contact,
    Company,
}

/// The cards of kind `party` that already have one of these phones or e-mails, into `known`
/// under `p{e164}` and `e{lower}`.
pub(crate) fn owners_by_phone_and_email<'a>(
    conn: &mut DbConn,
    cards: impl Iterator<Item = (&'a [Phone], &'a [Email])>,
    party: Party,
    known: &mut HashMap<String, i64>,
) -> StoreResult<()> {
    // Phones are found by their digits reversed, which their index holds.
    let (mut reversed, mut mails) = (Vec::new(), Vec::new());
    for (phones, emails) in cards {
        reversed.extend(phones.iter().map(Phone::digits_reversed));
        mails.extend(emails.iter().map(|e| e.lower().to_string()));
    }
    let (by_phone, by_mail) = match party {
        Party::Contact => (
            keyed!(phones, digits_rev, e164, contact_id),
            keyed!(emails, lower, lower, contact_id),
        ),
        Party::Company => (
            keyed!(phones, digits_rev, e164, company_id),
            keyed!(emails, lower, lower, company_id),
        ),
    };
    lookup(conn, &reversed, 'p', known, &by_phone)?;
    lookup(conn, &mails, 'e', known, &by_mail)
}

/// Owners found for `keys` as `by` says, the oldest per key, under `{prefix}{found}`.
pub(crate) fn lookup(
    conn: &mut DbConn,
    keys: &[String],
    prefix: char,
    out: &mut HashMap<String, i64>,
    by: &Keyed,
) -> StoreResult<()> {
    for (found, owner) in find_keys(conn, keys, by)? {
        out.entry(format!("{prefix}{found}")).or_insert(owner);
    }
    Ok(())
}

/// The records whose key is one of `keys`, as (found, owner), oldest owner first. The keys are
/// bound as one JSON array that drives one index search each: one statement, prepared once per
/// connection whatever the keys' number. (An `IN` list of its own length was prepared anew for
/// every 500 keys, and `IN (SELECT …)` copies the keys into a temporary index first: each cost
/// nearly twice this.)
pub(crate) fn find_keys(
    conn: &mut DbConn,
    keys: &[String],
    by: &Keyed,
) -> StoreResult<Vec<(String, i64)>> {
    #[derive(QueryableByName)]
    struct Found {
        #[diesel(sql_type = Text)]
        found: String,
        #[diesel(sql_type = BigInt)]
        owner: i64,
    }
    if keys.is_empty() {
        return Ok(Vec::new());
    }
    // In index order, each search starts where the last ended, on pages still in the CPU's
    // cache: eight times faster than the file's order against a million phones.
    let mut sorted: Vec<&str> = keys.iter().map(String::as_str).collect();
    sorted.sort_unstable();
    sorted.dedup();
    let json = serde_json::to_string(&sorted).map_err(|e| StoreError::Config(e.to_string()))?;
    let source = match conn {
        DbConn::Sqlite(_) => "json_each(?) AS k",
        DbConn::Pg(_) => "json_array_elements_text($1::json) AS k(value)",
    };
    let Keyed {
        table,
        key,
        found,
        owner,
    } = by;
    let rows: Vec<Found> = diesel::sql_query(format!(
        "SELECT t.{found} AS found, t.{owner} AS owner FROM {source} \
         JOIN {table} AS t ON t.{key} = k.value WHERE t.{owner} IS NOT NULL ORDER BY t.{owner}"
    ))
    .bind::<Text, _>(json)
    .load(conn)?;
    Ok(rows.into_iter().map(|f| (f.found, f.owner)).collect())
}

/// Companies: matched by tax id, then E.164 phone, then e-mail, against the database and the
/// rows before; new ones inserted, existing ones changed as the policy says.
fn write_companies(
    conn: &mut DbConn,
    actor: &Actor,
    import_id: i64,
    r: &mut Report<'_>,
    rows: Vec<Prepared<CompanyRow>>,
) -> StoreResult<()> {
    let ok = || rows.iter().filter_map(|p| p.item.as_ref().ok());
    let users = users_by_email(conn, ok().filter_map(|c| c.responsible.as_deref()))?;
    let taxes: Vec<String> = ok()
        .map(|c| c.draft.tax_id.clone())
        .filter(|t| !t.is_empty())
        .collect();
    let mut known: HashMap<String, i64> = HashMap::new();
    lookup(
        conn,
        &taxes,
        't',
        &mut known,
        &keyed!(companies, tax_id, tax_id, id),
    )?;
    let cards = ok().map(|c| (&c.draft.phones[..], &c.draft.emails[..]));
    owners_by_phone_and_email(conn, cards, Party::Company, &mut known)?;

    for Prepared { row, item } in rows {
        let c = match item {
            Ok(c) => c,
            Err(problems) => {
                r.fail(row, &problems);
                continue;
            }
        };
        let Some(responsible) = responsible_of(r, row, c.responsible.as_ref(), &users, actor)
        else {
            continue;
        };
        let mut draft = c.draft;
        // Only a responsible the row names reassigns a company that exists.
        draft.responsible_id = c.responsible.is_some().then_some(responsible).flatten();
        // Tax id first: two firms may share a switchboard number, never an INN.
        let keys: Vec<String> = (!draft.tax_id.is_empty())
            .then(|| format!("t{}", draft.tax_id))
            .into_iter()
            .chain(draft.phones.iter().map(|p| format!("p{}", p.e164())))
            .chain(draft.emails.iter().map(|e| format!("e{}", e.lower())))
            .collect();
        match keys.iter().find_map(|k| known.get(k).copied()) {
            None => {
                draft.responsible_id = responsible;
                let id = insert_company(conn, actor, import_id, &draft)?;
                for k in keys {
                    known.insert(k, id);
                }
                r.counts.created += 1;
            }
            Some(id) => {
                // A company an earlier row of this file made takes later rows in without
                // overwriting them; one that existed before follows the chosen policy.
                let from_file = import_id_of(conn, id)? == Some(import_id);
                if !from_file && r.settings.policy == Policy::Skip {
                    r.counts.skipped += 1;
                    continue;
                }
                let policy = if from_file {
                    Policy::FillEmpty
                } else {
                    r.settings.policy
                };
                let before = company_draft(conn, actor, id)?;
                match crm_core::import_rows::merge_company(&before, &draft, policy) {
                    Some(d) => {
                        crate::companies::update(conn, actor, id, &d, d.responsible_id)?;
                    }
                    None if !from_file => {
                        r.counts.skipped += 1;
                        continue;
                    }
                    None => {}
                }
                if from_file {
                    r.counts.merged += 1;
                } else {
                    r.counts.updated += 1;
                }
                for k in keys {
                    known.entry(k).or_insert(id);
                }
            }
        }
    }
    Ok(())
}

fn import_id_of(conn: &mut DbConn, company: i64) -> StoreResult<Option<i64>> {
    Ok(companies::table
        .find(company)
        .select(companies::import_id)
        .first::<Option<i64>>(conn)?)
}

fn company_draft(conn: &mut DbConn, actor: &Actor, id: i64) -> StoreResult<CompanyDraft> {
    let c = crate::companies::load(conn, actor, id)?;
    Ok(CompanyDraft {
        name: c.name,
        industry: c.industry,
        website: c.website,
        phones: c.phones,
        emails: c.emails,
        address: c.address,
        tax_id: c.tax_id,
        bank_details: c.bank_details,
        tags: c.tags,
        responsible_id: c.responsible_id,
        visible_to_all: c.visible_to_all,
        notes: c.notes,
    })
}

pub(crate) fn insert_company(
    conn: &mut DbConn,
    actor: &Actor,
    import_id: i64,
    d: &CompanyDraft,
) -> StoreResult<i64> {
    let t = now();
    let id: i64 = diesel::insert_into(companies::table)
        .values((
            crate::companies::CompanyChanges::new(d, d.responsible_id),
            companies::created_by.eq(actor.user_id()),
            companies::created_at.eq(t),
            companies::import_id.eq(import_id),
        ))
        .returning(companies::id)
        .get_result(conn)?;
    parties::replace_children(conn, Owner::Company(id), crate::companies::children(d))?;
    Ok(id)
}

/// Leads: each row is a request of its own, as a lead typed in by hand is (finding the
/// person among contacts is the conversion's job), so nothing is matched or merged.
fn write_leads(
    conn: &mut DbConn,
    actor: &Actor,
    import_id: i64,
    r: &mut Report<'_>,
    rows: Vec<Prepared<LeadRow>>,
) -> StoreResult<()> {
    let users = users_by_email(
        conn,
        rows.iter()
            .filter_map(|p| p.item.as_ref().ok()?.responsible.as_deref()),
    )?;
    let t = now();
    for Prepared { row, item } in rows {
        let l = match item {
            Ok(l) => l,
            Err(problems) => {
                r.fail(row, &problems);
                continue;
            }
        };
        let Some(responsible) = responsible_of(r, row, l.responsible.as_ref(), &users, actor)
        else {
            continue;
        };
        diesel::insert_into(leads::table)
            .values((
                crate::leads::LeadChanges::new(&l.draft, responsible),
                leads::status.eq("new"),
                leads::created_by.eq(actor.user_id()),
                leads::created_at.eq(t),
                leads::import_id.eq(import_id),
            ))
            .execute(conn)?;
        r.counts.created += 1;
    }
    Ok(())
}

/// Products: matched by SKU, or by exact name when the row has no SKU; new ones inserted,
/// existing ones changed as the policy says.
fn write_products(
    conn: &mut DbConn,
    actor: &Actor,
    import_id: i64,
    r: &mut Report<'_>,
    rows: Vec<Prepared<ProductRow>>,
) -> StoreResult<()> {
    let ok = || rows.iter().filter_map(|p| p.item.as_ref().ok());
    let skus: Vec<String> = ok()
        .map(|p| p.draft.sku.clone())
        .filter(|s| !s.is_empty())
        .collect();
    let names: Vec<String> = ok()
        .filter(|p| p.draft.sku.is_empty())
        .map(|p| p.draft.name.clone())
        .collect();
    let mut known: HashMap<String, i64> = HashMap::new();
    lookup(
        conn,
        &skus,
        's',
        &mut known,
        &keyed!(products, sku, sku, id),
    )?;
    lookup(
        conn,
        &names,
        'n',
        &mut known,
        &keyed!(products, name, name, id),
    )?;
    for Prepared { row, item } in rows {
        let p = match item {
            Ok(p) => p,
            Err(problems) => {
                r.fail(row, &problems);
                continue;
            }
        };
        let d = p.draft;
        let key = if d.sku.is_empty() {
            format!("n{}", d.name)
        } else {
            format!("s{}", d.sku)
        };
        match known.get(&key).copied() {
            None => {
                let id: i64 = diesel::insert_into(products::table)
                    .values((
                        crate::products::ProductChanges::new(&d),
                        products::created_at.eq(now()),
                        products::import_id.eq(import_id),
                    ))
                    .returning(products::id)
                    .get_result(conn)?;
                crate::products::write_terms(conn, id, &d)?;
                known.insert(key, id);
                r.counts.created += 1;
            }
            Some(id) => {
                let before = crate::products::load(conn, id)?;
                let from_file: Option<i64> = products::table
                    .find(id)
                    .select(products::import_id)
                    .first(conn)?;
                let from_file = from_file == Some(import_id);
                let policy = if from_file {
                    Policy::FillEmpty
                } else {
                    r.settings.policy
                };
                let base = ProductDraft {
                    name: before.name.clone(),
                    sku: before.sku.clone(),
                    unit: before.unit.clone(),
                    price: before.price,
                    currency: before.currency,
                    category: before.category.clone(),
                    active: before.active,
                };
                match merge_product(&base, &d, policy) {
                    Some(m) => {
                        diesel::update(products::table.find(id))
                            .set(crate::products::ProductChanges::new(&m))
                            .execute(conn)?;
                        crate::products::write_terms(conn, id, &m)?;
                        let after = crate::products::load(conn, id)?;
                        let changes = crate::audit::diff(&before.to_input(), &after.to_input());
                        crate::audit::record(conn, actor, "update", "product", id, changes)?;
                    }
                    None if !from_file => {
                        r.counts.skipped += 1;
                        continue;
                    }
                    None => {}
                }
                if from_file {
                    r.counts.merged += 1;
                } else {
                    r.counts.updated += 1;
                }
            }
        }
    }
    Ok(())
}

/// What undoing an import removed besides contacts and companies.
pub(crate) struct Removed {
    pub leads: u64,
    pub deals: u64,
    pub products: u64,
}

/// Removes the leads, deals and products import `id` created (their children go with them;
/// links to them from other records are cleared by their foreign keys).
pub(crate) fn undo(conn: &mut DbConn, id: i64) -> StoreResult<Removed> {
    let deals = diesel::delete(deals::table.filter(deals::import_id.eq(id))).execute(conn)?;
    let leads = diesel::delete(leads::table.filter(leads::import_id.eq(id))).execute(conn)?;
    let made: Vec<i64> = products::table
        .filter(products::import_id.eq(id))
        .select(products::id)
        .load(conn)?;
    for chunk in made.chunks(500) {
        diesel::delete(product_terms::table.filter(product_terms::product_id.eq_any(chunk)))
            .execute(conn)?;
        diesel::delete(products::table.filter(products::id.eq_any(chunk))).execute(conn)?;
    }
    Ok(Removed {
        leads: leads as u64,
        deals: deals as u64,
        products: made.len() as u64,
    })
}

#[cfg(test)]
mod tests {
    use crm_core::{Actor, CompanyDraft, text};

    use super::find_keys;
    use crate::schema::companies;
    use crate::testing::TestStore;

    /// Keys travel as JSON: quotes, backslashes and other scripts come back as they went, the
    /// oldest of two records with one key is first, and a key found nowhere finds nothing.
    #[test]
    fn keys_are_found_whatever_they_hold() {
        let names = [
            r#"ООО "Ромашка""#,
            r"Back\slash 'n' co",
            "שָׂרָה בע״מ",
            r#"ООО "Ромашка""#,
        ];
        for t in TestStore::each() {
            let drafts: Vec<CompanyDraft> =
                names.iter().map(|n| CompanyDraft::named(n, None)).collect();
            let ids = t
                .store
                .bulk_insert_companies(&Actor::system(), &drafts)
                .unwrap();
            let mut keys: Vec<String> = names.iter().map(|n| text::fold(n)).collect();
            keys.push("nobody".into());
            let found = t
                .store
                .read(|conn| find_keys(conn, &keys, &keyed!(companies, sort_name, sort_name, id)))
                .unwrap();
            let expected: Vec<(String, i64)> = ids
                .iter()
                .zip(&keys)
                .map(|(&id, k)| (k.clone(), id))
                .collect();
            assert_eq!(found, expected, "{}", t.backend_name());
        }
    }
}
