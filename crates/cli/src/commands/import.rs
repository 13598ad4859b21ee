//! `crm import FILE --kind contacts|companies|leads|deals|products`: imports a CSV, XLSX, ODS or
//! vCard file as the browser's import does, in this process, printing progress; `--dry-run` reads and checks every row and
//! writes nothing.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result, bail};
use crm_core::import::{Kind, guess_mapping};
use crm_core::import_rows::{Counts, Policy, Settings};
use crm_core::{Actor, Role};
use crm_web::importer::{self, Ended};

use crate::settings::Location;

#[derive(clap::Args)]
pub struct Args {
    /// The file: CSV (any delimiter; UTF-8, UTF-16 or Windows-1251), XLSX, ODS or vCard.
    file: PathBuf,
    /// What the rows are: contacts, companies (matched by tax id, phone, e-mail), leads (each
    /// row a lead), deals (pipeline and stage by name; company linked or created; contact
    /// linked by e-mail, phone or name) or products (matched by SKU, else by name).
    #[arg(long, default_value = "contacts")]
    kind: String,
    /// A JSON object naming the field of each column by its header, e.g.
    /// {"Телефон": "phone", "ФИО": "name", "Комментарий": null}; columns not named are guessed.
    #[arg(long, value_name = "FILE")]
    mapping: Option<PathBuf>,
    /// What to do with a row matching an existing record: skip, fill_empty or overwrite.
    #[arg(long, default_value = "skip")]
    policy: String,
    /// Region of phone numbers written without a country code (default: [crm] default_region).
    #[arg(long)]
    region: Option<String>,
    /// The file's encoding, when detection picks the wrong one (e.g. windows-1251, utf-16le).
    #[arg(long)]
    encoding: Option<String>,
    /// The CSV delimiter, when detection picks the wrong one.
    #[arg(long)]
    delimiter: Option<char>,
    /// The sheet of a workbook (default: the first).
    #[arg(long)]
    sheet: Option<String>,
    /// The administrator the import is recorded under (default: the first administrator).
    #[arg(long, value_name = "EMAIL")]
    user: Option<String>,
    /// Read and check every row, print what would fail, write nothing.
    #[arg(long)]
    dry_run: bool,
}

pub fn run(location: &Location, args: Args) -> Result<()> {
    let (config, store) = super::open(location)?;
    super::require_current_schema(&store, location)?;
    let kind: Kind = args.kind.parse().map_err(|e: String| anyhow::anyhow!(e))?;
    let policy: Policy = args
        .policy
        .parse()
        .map_err(|e: String| anyhow::anyhow!(e))?;
    let default_region = config.region()?;
    if let Some(r) = &args.region {
        r.parse::<crm_core::Region>()
            .map_err(|e| anyhow::anyhow!(e))?;
    }
    let mut settings = Settings {
        mapping: Vec::new(),
        policy,
        region: args.region.clone(),
        responsible_id: None,
        encoding: args.encoding.clone(),
        delimiter: args.delimiter,
        sheet: args.sheet.clone(),
        currency: Some(config.currency()?.code().to_string()),
    };
    let table = importer::open(&args.file, &settings).map_err(|e| anyhow::anyhow!(e))?;
    settings.mapping = mapping(kind, &table.headers, args.mapping.as_deref())?;
    println!(
        "{}: {}{}, {} columns",
        args.file.display(),
        table.format,
        table
            .encoding
            .map(|e| format!(" ({e})"))
            .unwrap_or_default(),
        table.headers.len()
    );
    for (h, m) in table.headers.iter().zip(&settings.mapping) {
        println!("  {h:30} -> {}", m.as_deref().unwrap_or("(not imported)"));
    }
    if args.dry_run {
        let rows = importer::Rows {
            kind,
            mapping: settings.mapping.clone(),
            region: importer::region(&settings, default_region),
            currency: importer::currency(&settings),
        };
        return dry_run(table, &rows);
    }

    let admin = admin(&store, args.user.as_deref())?;
    let actor = Actor::user(admin.id, Role::Admin);
    let files = config.files_dir();
    let key = crm_web::files::import_key();
    let stored = crm_web::files::path_of(&files, &key);
    if let Some(dir) = stored.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    let size = std::fs::copy(&args.file, &stored)
        .with_context(|| format!("cannot copy the file into {}", files.display()))?;
    let name = args
        .file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let id = store.create_import(&actor, kind.as_str(), &key, &name, size, &settings)?;
    store.set_import_settings(
        &actor,
        id,
        &settings,
        &importer::headers_hash(&table.headers),
        true,
    )?;
    let worker = format!("crm-import-{}", std::process::id());
    let Some(rec) = store.claim_import(&worker, chrono::Utc::now(), Some(id))? else {
        bail!("import {id} was taken by a running `crm serve`; follow it on its page");
    };
    let started = Instant::now();
    let never = std::sync::atomic::AtomicBool::new(false);
    // As in `crm serve`: WAL checkpoints on a thread of their own, not in the batches' commits.
    let checkpoints = crm_web::worker::Checkpointer::spawn(store.clone())?;
    let ended = importer::run(
        &store,
        &files,
        &rec,
        &worker,
        default_region,
        &never,
        |c, row| {
            eprint!(
                "\r  row {row}: {} created, {} updated, {} merged, {} skipped, {} failed ",
                c.created, c.updated, c.merged, c.skipped, c.failed
            );
            let _ = std::io::stderr().flush();
        },
    );
    eprintln!();
    checkpoints.stop();
    let seconds = started.elapsed().as_secs_f64();
    match ended {
        Ended::Done(c) => {
            report(&c);
            println!(
                "Import {id} done in {seconds:.1} s ({:.0} rows/s).",
                c.rows() as f64 / seconds.max(0.001)
            );
            print_failures(&store, &actor, id)?;
            Ok(())
        }
        Ended::Failed(why) => bail!("import {id} failed: {why}"),
        Ended::Stopped => bail!("import {id} was cancelled"),
    }
}

/// The field of each column: the mapping file's, else the one saved for these headers' guess.
fn mapping(kind: Kind, headers: &[String], file: Option<&Path>) -> Result<Vec<Option<String>>> {
    let mut out: Vec<Option<String>> = guess_mapping(kind, headers)
        .into_iter()
        .map(|m| m.map(str::to_string))
        .collect();
    let Some(file) = file else { return Ok(out) };
    let text = std::fs::read_to_string(file)
        .with_context(|| format!("cannot read the mapping {}", file.display()))?;
    let given: BTreeMap<String, Option<String>> = serde_json::from_str(&text)
        .with_context(|| format!("{} is not a JSON object of header: field", file.display()))?;
    let known: Vec<&str> = crm_core::import::fields(kind)
        .iter()
        .map(|f| f.key)
        .collect();
    for (header, field) in given {
        let Some(col) = headers.iter().position(|h| *h == header) else {
            bail!("the mapping names a column {header:?} that the file does not have");
        };
        if let Some(f) = &field
            && !known.contains(&f.as_str())
        {
            bail!(
                "unknown field {f:?} for column {header:?}: use one of {}",
                known.join(", ")
            );
        }
        out[col] = field.filter(|f| !f.is_empty());
    }
    Ok(out)
}

fn dry_run(table: crm_core::import::Table, check: &importer::Rows) -> Result<()> {
    let (mut rows, mut failed) = (0u64, 0u64);
    for row in table.rows {
        let row = row.map_err(|e| anyhow::anyhow!("the file cannot be read: {e}"))?;
        rows += 1;
        if let Err(problems) = check.check(&row.cells) {
            failed += 1;
            for p in problems {
                let column = p
                    .column
                    .and_then(|c| table.headers.get(c).cloned())
                    .unwrap_or(p.field);
                println!(
                    "  row {}, column {column:?}: {}",
                    row.number,
                    crm_web::i18n::translate("en", p.code, &[])
                );
            }
        }
    }
    println!(
        "Dry run: {rows} rows read, {failed} would fail; nothing was written. Duplicates, and names of pipelines, stages, contacts and users, are resolved when the import runs."
    );
    Ok(())
}

fn report(c: &Counts) {
    println!(
        "{} created, {} updated, {} merged, {} skipped, {} failed; {} companies created",
        c.created, c.updated, c.merged, c.skipped, c.failed, c.companies_created
    );
}

fn print_failures(store: &crm_store::Store, actor: &Actor, id: i64) -> Result<()> {
    let failures = store.import_failures(actor, id)?;
    for f in failures.iter().take(50) {
        println!(
            "  row {}, column {:?}: {}",
            f.row,
            f.column,
            crm_web::i18n::translate("en", &f.reason, &[])
        );
    }
    if failures.len() > 50 {
        println!("  … and {} more", failures.len() - 50);
    }
    Ok(())
}

fn admin(store: &crm_store::Store, email: Option<&str>) -> Result<crm_core::User> {
    let users = store.users()?;
    let found = users
        .into_iter()
        .filter(|u| u.active && u.role == Role::Admin)
        .find(|u| email.is_none_or(|e| u.email.eq_ignore_ascii_case(e)));
    match (found, email) {
        (Some(u), _) => Ok(u),
        (None, Some(e)) => bail!("there is no active administrator with the e-mail {e}"),
        (None, None) => bail!("there is no active administrator"),
    }
}
