//! Running an import: the file is read through once to check it (nothing is written when it
//! cannot be read to the end), then again in batches that are checked on one thread while the
//! previous batch is written on another. Each batch commits with the import's progress, so a
//! killed import resumes after its last committed batch. `crm serve`'s worker and `crm import`
//! both run imports here.

use std::fs::File;
use std::io::BufReader;
use std::path::Path;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::Duration;

use crm_core::Region;
use crm_core::import::{Kind, ReadOptions, Table, read};
use crm_core::import_kinds::{deal_row, lead_row, product_row};
use crm_core::import_rows::{Counts, Mapping, Problem, Settings, company_row, contact_row};
use crm_core::money::Currency;
use crm_store::{Batch, BatchOutcome, ImportRecord, Lease, Prepared, Store};

use crate::files;

/// Rows parsed and checked at a time (the store commits several such batches at once).
pub const BATCH: usize = 10_000;

/// How an import ended.
#[derive(Debug, PartialEq, Eq)]
pub enum Ended {
    Done(Counts),
    /// The file could not be read (or the import could not go on); nothing more was written.
    Failed(String),
    /// Cancelled, or taken over by another worker.
    Stopped,
}

/// The reading options an import's settings ask for.
pub fn read_options(settings: &Settings) -> ReadOptions {
    ReadOptions {
        encoding: settings.encoding.clone(),
        delimiter: settings
            .delimiter
            .and_then(|c| u8::try_from(u32::from(c)).ok()),
        sheet: settings.sheet.clone(),
        ..ReadOptions::default()
    }
}

/// Opens an import's file as a table.
pub fn open(path: &Path, settings: &Settings) -> Result<Table, String> {
    let file = File::open(path).map_err(|e| format!("cannot open {}: {e}", path.display()))?;
    read(
        BufReader::with_capacity(1 << 16, file),
        &read_options(settings),
    )
    .map_err(|e| e.to_string())
}

/// What identifies a header row, for offering its mapping again.
pub fn headers_hash(headers: &[String]) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    for name in headers {
        h.update(crm_core::import::normalize(name).as_bytes());
        h.update([0]);
    }
    hex::encode(h.finalize())
}

/// The region numbers without a country code belong to.
pub fn region(settings: &Settings, default: Region) -> Region {
    settings
        .region
        .as_deref()
        .and_then(|r| r.parse().ok())
        .unwrap_or(default)
}

/// The currency of rows that name none: the import's, else US dollars (both front-ends
/// record the installation's currency in the settings).
pub fn currency(settings: &Settings) -> Currency {
    settings
        .currency
        .as_deref()
        .and_then(|c| Currency::parse(c).ok())
        .unwrap_or(Currency::USD)
}

/// How rows of one import are read and checked.
#[derive(Clone)]
pub struct Rows {
    pub kind: Kind,
    pub mapping: Mapping,
    pub region: Region,
    pub currency: Currency,
}

impl Rows {
    /// The problems of one row, as the import will find them (the preview and `--dry-run`).
    pub fn check(&self, cells: &[String]) -> Result<(), Vec<Problem>> {
        let (m, region, currency) = (&self.mapping, self.region, self.currency);
        match self.kind {
            Kind::Contacts => contact_row(cells, m, region).map(|_| ()),
            Kind::Companies => company_row(cells, m, region).map(|_| ()),
            Kind::Leads => lead_row(cells, m, region).map(|_| ()),
            Kind::Deals => deal_row(cells, m, region, currency).map(|_| ()),
            Kind::Products => product_row(cells, m, currency).map(|_| ()),
        }
    }

    /// Rows (number, cells) checked into a batch of their kind.
    pub fn batch(&self, rows: Vec<(u64, Vec<String>)>) -> Batch {
        fn each<T>(
            rows: Vec<(u64, Vec<String>)>,
            f: impl Fn(&[String]) -> Result<T, Vec<Problem>>,
        ) -> Vec<Prepared<T>> {
            rows.into_iter()
                .map(|(row, cells)| Prepared {
                    row,
                    item: f(&cells),
                })
                .collect()
        }
        let (m, region, currency) = (&self.mapping, self.region, self.currency);
        match self.kind {
            Kind::Contacts => Batch::Contacts(each(rows, |c| contact_row(c, m, region))),
            Kind::Companies => Batch::Companies(each(rows, |c| company_row(c, m, region))),
            Kind::Leads => Batch::Leads(each(rows, |c| lead_row(c, m, region))),
            Kind::Deals => Batch::Deals(each(rows, |c| deal_row(c, m, region, currency))),
            Kind::Products => Batch::Products(each(rows, |c| product_row(c, m, currency))),
        }
    }
}

/// Runs a claimed import to its end, or until `stop` is set; `progress` hears the counts after
/// each batch.
pub fn run(
    store: &Store,
    files_root: &Path,
    rec: &ImportRecord,
    worker: &str,
    default_region: Region,
    stop: &AtomicBool,
    mut progress: impl FnMut(&Counts, u64),
) -> Ended {
    let lease = Lease {
        import_id: rec.id,
        worker: worker.to_string(),
    };
    let settings = rec.settings();
    let path = files::path_of(files_root, &rec.file_key);
    let fail = |why: String| {
        if let Err(e) = store.finish_import(&lease, Some(&why)) {
            tracing::warn!(error = %e, "cannot record the failed import");
        }
        Ended::Failed(why)
    };
    let actor = match store.import_actor(rec) {
        Ok(a) => a,
        Err(_) => {
            return fail("the user who started the import is no longer an administrator".into());
        }
    };
    let kind: Kind = match rec.kind.parse() {
        Ok(k) => k,
        Err(e) => return fail(e),
    };
    // Read it through first: a file that breaks off at row 700,000 writes nothing.
    if rec.rows_total.is_none() {
        let rows = match open(&path, &settings).and_then(|mut t| {
            t.rows
                .try_fold(0u64, |n, r| r.map(|_| n + 1))
                .map_err(|e| e.to_string())
        }) {
            Ok(n) => n,
            Err(e) => return fail(e),
        };
        if let Err(e) = store.set_import_total(&lease, rows) {
            return fail(e.to_string());
        }
    }
    let table = match open(&path, &settings) {
        Ok(t) => t,
        Err(e) => return fail(e),
    };
    let headers = table.headers.clone();
    let region = region(&settings, default_region);
    let (tx, rx) = mpsc::sync_channel::<Result<Batch, String>>(2);
    let check = Rows {
        kind,
        mapping: settings.mapping.clone(),
        region,
        currency: currency(&settings),
    };
    let after = u64::try_from(rec.last_row).unwrap_or(0);
    let mut counts = rec.counts();
    let ended = std::thread::scope(|scope| {
        scope.spawn(move || {
            let mut batch = Vec::with_capacity(BATCH);
            for row in table.rows {
                let row = match row {
                    Ok(r) => r,
                    Err(e) => {
                        let _ = tx.send(Err(e.to_string()));
                        return;
                    }
                };
                if row.number <= after {
                    continue;
                }
                batch.push((row.number, row.cells));
                if batch.len() == BATCH {
                    let full = std::mem::replace(&mut batch, Vec::with_capacity(BATCH));
                    if tx.send(Ok(check.batch(full))).is_err() {
                        return;
                    }
                }
            }
            if !batch.is_empty() {
                let _ = tx.send(Ok(check.batch(batch)));
            }
        });
        let mut broken: Option<String> = None;
        while let Ok(batch) = rx.recv() {
            if stop.load(Ordering::Acquire) {
                // Shutting down: the next start (here or on another node) resumes after the
                // last committed batch.
                if let Err(e) = store.release_import(&lease) {
                    tracing::warn!(error = %e, "cannot release the import");
                }
                return Ended::Stopped;
            }
            let batch = match batch {
                Ok(b) => b,
                Err(e) => return fail(e),
            };
            let mut last = batch.last_row();
            // The store's transaction also takes the batches that the reader has ready, until
            // it has enough rows; it never waits for one while it holds the write lock.
            let more = || {
                if stop.load(Ordering::Acquire) {
                    return None;
                }
                match rx.try_recv().ok()? {
                    Ok(b) => {
                        last = b.last_row();
                        Some(b)
                    }
                    Err(e) => {
                        broken = Some(e);
                        None
                    }
                }
            };
            match store.import_batches(&actor, &lease, &settings, batch, more, &headers) {
                Ok(BatchOutcome::Written(c)) => {
                    counts.add(c);
                    progress(&counts, last);
                }
                // Dropping the receiver stops the reading thread at its next send.
                Ok(BatchOutcome::Lost) => return Ended::Stopped,
                Err(e) => return fail(e.to_string()),
            }
            if let Some(e) = broken.take() {
                return fail(e);
            }
        }
        Ended::Done(counts)
    });
    if let Ended::Done(_) = ended
        && let Err(e) = store.finish_import(&lease, None)
    {
        tracing::warn!(error = %e, "cannot record the finished import");
    }
    if ended != Ended::Stopped {
        // The file held the client base; it is not kept once it is imported.
        files::remove(files_root, std::slice::from_ref(&rec.file_key));
    }
    ended
}

/// The thread of `crm serve` that runs queued imports, one at a time per node (several nodes
/// each take a different one), and resumes one whose worker died.
pub struct Imports {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Imports {
    pub fn spawn(store: Store, files_root: PathBuf, region: Region) -> std::io::Result<Imports> {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let name = format!(
            "{}-{}",
            std::process::id(),
            crate::auth::new_secret().get(..8).unwrap_or("i")
        );
        let thread = std::thread::Builder::new()
            .name("crm-imports".into())
            .spawn(move || {
                while !flag.load(Ordering::Acquire) {
                    match store.claim_import(&name, chrono::Utc::now(), None) {
                        Ok(Some(rec)) => {
                            tracing::info!(import = rec.id, file = %rec.file_name, "import started");
                            let ended =
                                run(&store, &files_root, &rec, &name, region, &flag, |_, _| {});
                            tracing::info!(import = rec.id, ?ended, "import ended");
                        }
                        Ok(None) => std::thread::sleep(Duration::from_secs(1)),
                        Err(e) => {
                            tracing::warn!(error = %e, "cannot look for imports");
                            std::thread::sleep(Duration::from_secs(5));
                        }
                    }
                }
            })?;
        Ok(Imports {
            stop,
            thread: Some(thread),
        })
    }

    /// Stops after the import in hand (its next batch resumes it on the next start).
    pub fn stop(mut self) {
        self.stop.store(true, Ordering::Release);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
