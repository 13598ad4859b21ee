//! Imports of contacts from files: the import's record (a queue of its own, with a lease, so a
//! killed worker's import is resumed from its last committed batch), and the batch write —
//! duplicates found against the database and within the file, companies linked or created once,
//! new contacts inserted many rows per statement, failures and progress committed together.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use crm_core::import_rows::{
    CompanyName, ContactRow, Counts, Policy, Problem, Settings, merge_contact,
};
use crm_core::text::Folded;
use crm_core::{Actor, CompanyDraft, ContactDraft, Error, Role};
use diesel::prelude::*;
use serde_json::json;

use crate::bulk;
use crate::conn::{DbConn, Store};
use crate::error::{StoreError, StoreResult};
use crate::import_kinds::{
    Batch, Party, Report, find_keys, keyed, owners_by_phone_and_email, users_by_email,
};
use crate::schema::{companies, contacts, import_failures, import_mappings, imports, users};
use crate::scope::admin_only;

/// SQLite's page cache while a batch is written, in KiB. A batch inserts all over the indexes
/// of five tables; with a connection's usual cache most of those page visits miss (a million
/// contacts: a fifth less CPU with this and batches of 10,000), and it is given back after.
const IMPORT_CACHE_KIB: i64 = 65_536;

/// How long a claimed import stays with its worker without a committed batch.
pub const IMPORT_LEASE_SECONDS: i64 = 120;

/// An import as its pages and its worker see it.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = imports)]
pub struct ImportRecord {
    pub id: i64,
    pub kind: String,
    pub status: String,
    pub file_key: String,
    pub file_name: String,
    pub file_size: i64,
    pub settings: String,
    pub rows_total: Option<i64>,
    pub rows_done: i64,
    pub last_row: i64,
    pub created: i64,
    pub updated: i64,
    pub merged: i64,
    pub skipped: i64,
    pub failed: i64,
    pub companies_created: i64,
    pub error: String,
    pub created_by: Option<i64>,
    pub created_at: NaiveDateTime,
    pub started_at: Option<NaiveDateTime>,
    pub finished_at: Option<NaiveDateTime>,
}

impl ImportRecord {
    pub fn settings(&self) -> Settings {
        serde_json::from_str(&self.settings).unwrap_or_default()
    }

    pub fn counts(&self) -> Counts {
        Counts {
            created: self.created,
            updated: self.updated,
            merged: self.merged,
            skipped: self.skipped,
            failed: self.failed,
            companies_created: self.companies_created,
        }
    }
}

/// One failed row, for the report.
#[derive(Debug, Clone, PartialEq, Eq, Queryable)]
pub struct Failure {
    pub row: i64,
    pub column: String,
    pub reason: String,
}

/// A row of the file, read and checked (a contact unless said otherwise).
pub struct Prepared<T = ContactRow> {
    /// The row's number as the user sees it in the file.
    pub row: u64,
    pub item: Result<T, Vec<Problem>>,
}

/// The claim on a running import.
#[derive(Debug, Clone)]
pub struct Lease {
    pub import_id: i64,
    pub worker: String,
}

/// Why a batch was not written.
#[derive(Debug, PartialEq, Eq)]
pub enum BatchOutcome {
    Written(Counts),
    /// The import was cancelled, or another worker took it over: stop.
    Lost,
}

pub(crate) fn now() -> NaiveDateTime {
    Utc::now().naive_utc()
}

impl Store {
    /// Records an uploaded file as a draft import of `kind`.
    pub fn create_import(
        &self,
        actor: &Actor,
        kind: &str,
        file_key: &str,
        file_name: &str,
        file_size: u64,
        settings: &Settings,
    ) -> StoreResult<i64> {
        admin_only(actor)?;
        let settings =
            serde_json::to_string(settings).map_err(|e| StoreError::Config(e.to_string()))?;
        self.write(|conn| {
            Ok(diesel::insert_into(imports::table)
                .values((
                    imports::kind.eq(kind),
                    imports::status.eq("draft"),
                    imports::file_key.eq(file_key),
                    imports::file_name.eq(file_name),
                    imports::file_size.eq(i64::try_from(file_size).unwrap_or(i64::MAX)),
                    imports::settings.eq(settings),
                    imports::created_by.eq(actor.user_id()),
                    imports::created_at.eq(now()),
                ))
                .returning(imports::id)
                .get_result(conn)?)
        })
    }

    pub fn import(&self, actor: &Actor, id: i64) -> StoreResult<ImportRecord> {
        admin_only(actor)?;
        self.read(|conn| {
            Ok(imports::table
                .find(id)
                .select(ImportRecord::as_select())
                .first(conn)?)
        })
    }

    /// The latest imports, newest first.
    pub fn imports(&self, actor: &Actor, limit: i64) -> StoreResult<Vec<ImportRecord>> {
        admin_only(actor)?;
        self.read(|conn| {
            Ok(imports::table
                .order(imports::id.desc())
                .limit(limit)
                .select(ImportRecord::as_select())
                .load(conn)?)
        })
    }

    /// Saves the mapping and options of a draft, and queues it when `start`.
    pub fn set_import_settings(
        &self,
        actor: &Actor,
        id: i64,
        settings: &Settings,
        headers_hash: &str,
        start: bool,
    ) -> StoreResult<()> {
        admin_only(actor)?;
        let json =
            serde_json::to_string(settings).map_err(|e| StoreError::Config(e.to_string()))?;
        let mapping = serde_json::to_string(&settings.mapping)
            .map_err(|e| StoreError::Config(e.to_string()))?;
        self.write(|conn| {
            let rec: ImportRecord = imports::table
                .find(id)
                .select(ImportRecord::as_select())
                .first(conn)?;
            if rec.status != "draft" {
                return Err(Error::Conflict("error-import-started").into());
            }
            diesel::update(imports::table.find(id))
                .set((
                    imports::settings.eq(&json),
                    imports::status.eq(if start { "queued" } else { "draft" }),
                ))
                .execute(conn)?;
            let saved = diesel::update(
                import_mappings::table
                    .filter(import_mappings::kind.eq(&rec.kind))
                    .filter(import_mappings::headers_hash.eq(headers_hash)),
            )
            .set((
                import_mappings::mapping.eq(&mapping),
                import_mappings::updated_at.eq(now()),
            ))
            .execute(conn)?;
            if saved == 0 {
                diesel::insert_into(import_mappings::table)
                    .values((
                        import_mappings::kind.eq(&rec.kind),
                        import_mappings::headers_hash.eq(headers_hash),
                        import_mappings::mapping.eq(&mapping),
                        import_mappings::updated_at.eq(now()),
                    ))
                    .execute(conn)?;
            }
            Ok(())
        })
    }

    /// The mapping saved the last time a file with these headers was imported.
    pub fn saved_mapping(&self, kind: &str, headers_hash: &str) -> StoreResult<Option<String>> {
        self.read(|conn| {
            Ok(import_mappings::table
                .filter(import_mappings::kind.eq(kind))
                .filter(import_mappings::headers_hash.eq(headers_hash))
                .select(import_mappings::mapping)
                .first(conn)
                .optional()?)
        })
    }

    /// Takes a queued import, or a running one whose worker stopped renewing its lease;
    /// `only` takes that import or none (`crm import` runs its own).
    pub fn claim_import(
        &self,
        worker: &str,
        at: DateTime<Utc>,
        only: Option<i64>,
    ) -> StoreResult<Option<ImportRecord>> {
        let now_n = at.naive_utc();
        let until = (at + Duration::seconds(IMPORT_LEASE_SECONDS)).naive_utc();
        let free = || {
            imports::status.eq("queued").or(imports::status
                .eq("running")
                .and(imports::locked_until.lt(now_n)))
        };
        self.write(|conn| {
            let mut q = imports::table.filter(free()).into_boxed();
            if let Some(id) = only {
                q = q.filter(imports::id.eq(id));
            }
            let id: Option<i64> = q
                .order(imports::id)
                .select(imports::id)
                .first(conn)
                .optional()?;
            let Some(id) = id else { return Ok(None) };
            let claimed = diesel::update(imports::table.find(id))
                .filter(free())
                .set((
                    imports::status.eq("running"),
                    imports::locked_by.eq(worker),
                    imports::locked_until.eq(until),
                ))
                .execute(conn)?;
            if claimed == 0 {
                return Ok(None);
            }
            diesel::update(imports::table.find(id))
                .filter(imports::started_at.is_null())
                .set(imports::started_at.eq(now_n))
                .execute(conn)?;
            Ok(Some(
                imports::table
                    .find(id)
                    .select(ImportRecord::as_select())
                    .first(conn)?,
            ))
        })
    }

    /// The user an import runs as: its author, if still an active administrator.
    pub fn import_actor(&self, rec: &ImportRecord) -> StoreResult<Actor> {
        let Some(uid) = rec.created_by else {
            return Err(Error::Forbidden.into());
        };
        let found: Option<(String, bool)> = self.read(|conn| {
            Ok(users::table
                .find(uid)
                .select((users::role, users::active))
                .first(conn)
                .optional()?)
        })?;
        match found {
            Some((role, true)) if role == Role::Admin.as_str() => Ok(Actor::user(uid, Role::Admin)),
            _ => Err(Error::Forbidden.into()),
        }
    }

    /// Records how many rows the file holds, once read through.
    pub fn set_import_total(&self, lease: &Lease, rows: u64) -> StoreResult<()> {
        self.write(|conn| {
            diesel::update(imports::table.find(lease.import_id))
                .filter(imports::locked_by.eq(&lease.worker))
                .set(imports::rows_total.eq(i64::try_from(rows).unwrap_or(i64::MAX)))
                .execute(conn)?;
            Ok(())
        })
    }

    /// Gives a running import back to the queue at once (its worker is shutting down).
    pub fn release_import(&self, lease: &Lease) -> StoreResult<()> {
        self.write(|conn| {
            diesel::update(imports::table.find(lease.import_id))
                .filter(imports::locked_by.eq(&lease.worker))
                .filter(imports::status.eq("running"))
                .set(imports::locked_until.eq(now()))
                .execute(conn)?;
            Ok(())
        })
    }

    /// Ends an import: done, or failed with a reason the user reads.
    pub fn finish_import(&self, lease: &Lease, error: Option<&str>) -> StoreResult<()> {
        self.write(|conn| {
            diesel::update(imports::table.find(lease.import_id))
                .filter(imports::locked_by.eq(&lease.worker))
                .filter(imports::status.eq("running"))
                .set((
                    imports::status.eq(if error.is_some() { "failed" } else { "done" }),
                    imports::error.eq(error.unwrap_or("")),
                    imports::finished_at.eq(now()),
                    imports::locked_until.eq(None::<NaiveDateTime>),
                ))
                .execute(conn)?;
            Ok(())
        })
    }

    /// Stops an import (or undoes a finished one) and takes back every record it created
    /// (contacts, companies, leads, deals, products); records it changed stay changed (their
    /// history says so). Returns how many records of the import's kind were removed.
    pub fn cancel_import(&self, actor: &Actor, id: i64) -> StoreResult<u64> {
        admin_only(actor)?;
        self.write(|conn| {
            let n = diesel::update(imports::table.find(id))
                .filter(imports::status.ne("cancelled"))
                .set((
                    imports::status.eq("cancelled"),
                    imports::finished_at.eq(now()),
                    imports::locked_until.eq(None::<NaiveDateTime>),
                ))
                .execute(conn)?;
            if n == 0 {
                return Err(Error::Conflict("error-import-finished").into());
            }
            let created: Vec<i64> = contacts::table
                .filter(contacts::import_id.eq(id))
                .select(contacts::id)
                .load(conn)?;
            for chunk in created.chunks(500) {
                for &cid in chunk {
                    crate::parties::delete_children(conn, crate::parties::Owner::Contact(cid))?;
                }
                diesel::delete(contacts::table.filter(contacts::id.eq_any(chunk))).execute(conn)?;
            }
            let made: Vec<i64> = companies::table
                .filter(companies::import_id.eq(id))
                .select(companies::id)
                .load(conn)?;
            for chunk in made.chunks(500) {
                for &cid in chunk {
                    crate::parties::delete_children(conn, crate::parties::Owner::Company(cid))?;
                }
                diesel::update(contacts::table.filter(contacts::company_id.eq_any(chunk)))
                    .set(contacts::company_id.eq(None::<i64>))
                    .execute(conn)?;
                diesel::delete(companies::table.filter(companies::id.eq_any(chunk)))
                    .execute(conn)?;
            }
            let others = crate::import_kinds::undo(conn, id)?;
            crate::audit::record(
                conn,
                actor,
                "cancel",
                "import",
                id,
                json!({
                    "contacts_removed": created.len(),
                    "companies_removed": made.len(),
                    "leads_removed": others.leads,
                    "deals_removed": others.deals,
                    "products_removed": others.products,
                }),
            )?;
            // The records of the kind the file held.
            let kind: String = imports::table.find(id).select(imports::kind).first(conn)?;
            Ok(match kind.as_str() {
                "companies" => made.len() as u64,
                "leads" => others.leads,
                "deals" => others.deals,
                "products" => others.products,
                _ => created.len() as u64,
            })
        })
    }

    /// The failed rows of an import, in file order.
    pub fn import_failures(&self, actor: &Actor, id: i64) -> StoreResult<Vec<Failure>> {
        admin_only(actor)?;
        self.read(|conn| {
            Ok(import_failures::table
                .filter(import_failures::import_id.eq(id))
                .order((import_failures::row_number, import_failures::id))
                .select((
                    import_failures::row_number,
                    import_failures::column_name,
                    import_failures::reason,
                ))
                .load(conn)?)
        })
    }

    /// Writes one batch of contacts in one transaction together with the import's progress, so
    /// that a resumed import starts after the last row that landed. `dry_run` rolls it back.
    pub fn import_contacts(
        &self,
        actor: &Actor,
        lease: &Lease,
        settings: &Settings,
        rows: Vec<Prepared>,
        columns: &[String],
    ) -> StoreResult<BatchOutcome> {
        self.import_batch(actor, lease, settings, Batch::Contacts(rows), columns)
    }

    /// Writes rows with `write` in one transaction together with the import's progress (up to
    /// the last row that `write` returns), unless the lease was lost; `checks`: with foreign key
    /// checks (see [`Store::write_bulk`]).
    pub(crate) fn commit_batch(
        &self,
        lease: &Lease,
        checks: bool,
        write: impl FnOnce(&mut DbConn) -> StoreResult<(Counts, u64)>,
    ) -> StoreResult<BatchOutcome> {
        self.write_bulk(IMPORT_CACHE_KIB, checks, |conn| {
            commit_rows(conn, lease, write)
        })
    }
}

/// The lease renewed, the rows written and the progress counted, in the caller's transaction.
fn commit_rows(
    conn: &mut DbConn,
    lease: &Lease,
    write: impl FnOnce(&mut DbConn) -> StoreResult<(Counts, u64)>,
) -> StoreResult<BatchOutcome> {
    let renewed = diesel::update(imports::table.find(lease.import_id))
        .filter(imports::locked_by.eq(&lease.worker))
        .filter(imports::status.eq("running"))
        .set(
            imports::locked_until
                .eq((Utc::now() + Duration::seconds(IMPORT_LEASE_SECONDS)).naive_utc()),
        )
        .execute(conn)?;
    if renewed == 0 {
        return Ok(BatchOutcome::Lost);
    }
    let (counts, last) = write(conn)?;
    diesel::update(imports::table.find(lease.import_id))
        .set((
            imports::rows_done.eq(imports::rows_done + counts.rows()),
            imports::last_row.eq(i64::try_from(last).unwrap_or(i64::MAX)),
            imports::created.eq(imports::created + counts.created),
            imports::updated.eq(imports::updated + counts.updated),
            imports::merged.eq(imports::merged + counts.merged),
            imports::skipped.eq(imports::skipped + counts.skipped),
            imports::failed.eq(imports::failed + counts.failed),
            imports::companies_created.eq(imports::companies_created + counts.companies_created),
        ))
        .execute(conn)?;
    Ok(BatchOutcome::Written(counts))
}

/// `n` fresh ids for `table`, taken inside the write transaction: on SQLite, which has one
/// writer, those after the largest; on PostgreSQL the identity sequence hands them out, without
/// the table lock of [`bulk::reserve_ids`] (users go on working during an import).
fn fresh_ids(conn: &mut DbConn, table: &str, n: usize) -> StoreResult<Vec<i64>> {
    #[derive(QueryableByName)]
    struct Id {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        id: i64,
    }
    if n == 0 {
        return Ok(Vec::new());
    }
    if let DbConn::Sqlite(_) = conn {
        let first = bulk::reserve_ids(conn, table)?;
        return Ok((first..).take(n).collect());
    }
    let ids: Vec<Id> = diesel::sql_query(format!(
        "SELECT nextval(pg_get_serial_sequence('{table}', 'id')) AS id \
         FROM generate_series(1, {n})"
    ))
    .load(conn)?;
    Ok(ids.into_iter().map(|i| i.id).collect())
}

/// Companies named by the rows, by folded name: each linked to the oldest company of that name,
/// or created once for this import (the first spelling in the file names it) and taken back
/// with it.
pub(crate) fn companies_named<'a>(
    conn: &mut DbConn,
    actor: &Actor,
    import_id: i64,
    r: &mut Report<'_>,
    names: impl Iterator<Item = &'a CompanyName>,
) -> StoreResult<HashMap<String, i64>> {
    let mut wanted: HashMap<&str, &str> = HashMap::new();
    for n in names {
        wanted.entry(&n.key).or_insert(&n.name);
    }
    let mut company_ids: HashMap<String, i64> = HashMap::new();
    if wanted.is_empty() {
        return Ok(company_ids);
    }
    let folded: Vec<String> = wanted.keys().map(|k| k.to_string()).collect();
    let by_name = keyed!(companies, sort_name, sort_name, id);
    for (name, id) in find_keys(conn, &folded, &by_name)? {
        company_ids.entry(name).or_insert(id);
    }
    let missing: Vec<(&str, &str)> = wanted
        .into_iter()
        .filter(|(f, _)| !company_ids.contains_key(*f))
        .collect();
    let ids = fresh_ids(conn, "companies", missing.len())?;
    let owner = r.settings.responsible_id.or(actor.user_id());
    let drafts: Vec<CompanyDraft> = missing
        .iter()
        .map(|&(_, name)| CompanyDraft::named(name, owner))
        .collect();
    r.counts.companies_created += i64::try_from(drafts.len()).unwrap_or(i64::MAX);
    for (&(folded, _), &id) in missing.iter().zip(&ids) {
        company_ids.insert(folded.to_string(), id);
    }
    let rows = ids.into_iter().zip(drafts).collect();
    bulk::insert_companies(conn, actor, rows, Some(import_id), now())?;
    Ok(company_ids)
}

/// A record this batch writes: a new contact, or one that existed (or an earlier batch made).
enum Target {
    New(usize),
    Existing(i64),
}

pub(crate) fn write_contacts(
    conn: &mut DbConn,
    actor: &Actor,
    import_id: i64,
    r: &mut Report<'_>,
    rows: Vec<Prepared>,
) -> StoreResult<()> {
    let settings = r.settings;
    let ok = || rows.iter().filter_map(|p| p.item.as_ref().ok());
    let user_ids = users_by_email(conn, ok().filter_map(|c| c.responsible.as_deref()))?;
    let company_ids = companies_named(
        conn,
        actor,
        import_id,
        r,
        ok().filter_map(|c| c.company.as_ref()),
    )?;

    // Duplicates: by E.164 phone and lower-case e-mail, against the database first.
    let mut known: HashMap<String, i64> = HashMap::new();
    let cards = ok().map(|c| (&c.draft.phones[..], &c.draft.emails[..]));
    owners_by_phone_and_email(conn, cards, Party::Contact, &mut known)?;
    let matched: Vec<i64> = known
        .values()
        .copied()
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let mut ours: HashSet<i64> = HashSet::new();
    for chunk in matched.chunks(500) {
        ours.extend(
            contacts::table
                .filter(contacts::id.eq_any(chunk))
                .filter(contacts::import_id.eq(import_id))
                .select(contacts::id)
                .load::<i64>(conn)?,
        );
    }

    // The cards rows will be merged into, read in a few queries: every match but those that
    // "skip" leaves alone without reading.
    let wanted: Vec<i64> = matched
        .iter()
        .copied()
        .filter(|id| ours.contains(id) || settings.policy != Policy::Skip)
        .collect();
    let mut stored = crate::contacts::drafts(conn, &wanted)?;

    let mut new: Vec<(ContactDraft, Folded)> = Vec::new();
    // Drafts of existing records as this batch leaves them, with whether the file made them.
    let mut changed: HashMap<i64, (ContactDraft, bool)> = HashMap::new();
    let mut batch_keys: HashMap<String, usize> = HashMap::new();
    for Prepared { row, item } in rows {
        let c = match item {
            Ok(c) => c,
            Err(problems) => {
                r.fail(row, &problems);
                continue;
            }
        };
        let mut draft = c.draft;
        if let Some(email) = &c.responsible {
            match user_ids.get(email) {
                Some(&id) => draft.responsible_id = Some(id),
                None => {
                    r.fail_field(row, "responsible", "error-import-unknown-user");
                    continue;
                }
            }
        } else {
            draft.responsible_id = settings.responsible_id.or(actor.user_id());
        }
        draft.company_id = c
            .company
            .as_ref()
            .and_then(|n| company_ids.get(&n.key).copied());
        let keys: Vec<String> = draft
            .phones
            .iter()
            .map(|p| format!("p{}", p.e164()))
            .chain(draft.emails.iter().map(|e| format!("e{}", e.lower())))
            .collect();
        let target = keys.iter().find_map(|k| {
            batch_keys
                .get(k)
                .map(|&i| Target::New(i))
                .or_else(|| known.get(k).map(|&id| Target::Existing(id)))
        });
        match target {
            None => {
                for k in keys {
                    batch_keys.insert(k, new.len());
                }
                new.push((draft, c.folded));
                r.counts.created += 1;
            }
            Some(Target::New(i)) => {
                // Two rows of this file for one person: the later one fills in the earlier.
                // The earlier row's name stays, and with it its fold.
                if let Some(merged) = merge_contact(&new[i].0, &draft, Policy::FillEmpty) {
                    new[i].0 = merged;
                }
                for k in keys {
                    batch_keys.entry(k).or_insert(i);
                }
                r.counts.merged += 1;
            }
            Some(Target::Existing(id)) => {
                let from_file = ours.contains(&id);
                if !from_file && settings.policy == Policy::Skip {
                    // Nothing to merge: the card is not even read (a re-import of a whole
                    // client base skips a million of them).
                    r.counts.skipped += 1;
                    continue;
                }
                let policy = if from_file {
                    Policy::FillEmpty
                } else {
                    settings.policy
                };
                let base = match changed.remove(&id) {
                    Some((d, _)) => d,
                    None => stored.remove(&id).ok_or(Error::NotFound)?,
                };
                match merge_contact(&base, &draft, policy) {
                    Some(d) => {
                        if from_file {
                            r.counts.merged += 1;
                        } else {
                            r.counts.updated += 1;
                        }
                        changed.insert(id, (d, true));
                    }
                    None => {
                        if from_file {
                            r.counts.merged += 1;
                        } else {
                            r.counts.skipped += 1;
                        }
                        changed.insert(id, (base, false));
                    }
                }
            }
        }
    }

    for (id, (draft, _)) in changed.into_iter().filter(|(_, (_, dirty))| *dirty) {
        if ours.contains(&id) {
            // A card this import made: its history starts with the import, as a new one's does.
            let responsible = draft.responsible_id;
            crate::contacts::rewrite(conn, id, &draft, responsible)?;
        } else {
            crate::contacts::update(conn, actor, id, &draft)?;
        }
    }
    insert_contacts(conn, actor, import_id, new)?;
    Ok(())
}

pub(crate) fn columns_of(settings: &Settings, key: &str) -> Option<usize> {
    settings
        .mapping
        .iter()
        .position(|m| m.as_deref() == Some(key))
}

/// New contacts with their phones, e-mails, tags and search words, many rows per statement.
/// Their history starts with the import (recorded once for the whole file, not per card).
fn insert_contacts(
    conn: &mut DbConn,
    actor: &Actor,
    import_id: i64,
    new: Vec<(ContactDraft, Folded)>,
) -> StoreResult<()> {
    let ids = fresh_ids(conn, "contacts", new.len())?;
    let rows = ids
        .into_iter()
        .zip(new)
        .map(|(id, (d, f))| (id, d, f))
        .collect();
    bulk::insert_contacts(conn, actor, rows, Some(import_id), now())
}
