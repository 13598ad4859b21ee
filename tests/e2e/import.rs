//! A million-row CSV imported with `crm import`, on SQLite and on PostgreSQL: every row counted
//! as created, merged or failed, the failures reported by row and column at the file's far end,
//! and the records there.

use std::fmt::Write as _;
use std::path::Path;

use crate::backup::{PgDb, install, ok};
use crate::crm;

const ROWS: u64 = 1_000_000;

/// Row `i` (0-based) of the file: a Russian phone in the "8 (9xx) …" spelling, an e-mail, one of
/// 1,000 companies and two tags. Every 1,000th row repeats the previous row's e-mail (merged
/// into it); ten rows spread over the file have a broken e-mail (failed).
fn write_file(path: &Path) {
    let mut csv = String::with_capacity(80 * ROWS as usize);
    csv.push_str("Name;Phone;E-mail;Company;Tags\n");
    for i in 0..ROWS {
        let email = if broken(i) {
            format!("person{i}-at-example.com")
        } else if i % 1000 == 999 {
            format!("person{}@example.com", i - 1)
        } else {
            format!("person{i}@example.com")
        };
        let n = 9_160_000_000 + i;
        writeln!(
            csv,
            "Person {i};8 ({}) {:03}-{:02}-{:02};{email};Company {};\"vip, import\"",
            n / 10_000_000,
            n / 10_000 % 1000,
            n / 100 % 100,
            n % 100,
            i % 1000
        )
        .unwrap();
    }
    std::fs::write(path, csv).unwrap();
}

fn broken(i: u64) -> bool {
    i % 100_000 == 50_000 || i == ROWS - 1
}

fn million(pg: Option<&PgDb>) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("data");
    install(tmp.path(), &dir, pg.map(|p| p.url.as_str()));
    let file = tmp.path().join("contacts.csv");
    write_file(&file);
    let out = ok(
        crm(&dir, &["import", file.to_str().unwrap(), "--region", "RU"]),
        "crm import",
    );
    let failed = (0..ROWS).filter(|&i| broken(i)).count() as u64;
    let merged = (0..ROWS).filter(|&i| i % 1000 == 999 && !broken(i)).count() as u64;
    assert!(
        out.contains(&format!(
            "{} created, 0 updated, {merged} merged, 0 skipped, {failed} failed; 1000 companies created",
            ROWS - merged - failed
        )),
        "{out}"
    );
    // A data row's number counts the header as row 1.
    for i in (0..ROWS).filter(|&i| broken(i)) {
        let line = format!("  row {}, column \"E-mail\": ", i + 2);
        assert!(out.contains(&line), "no {line:?} in {out}");
    }
    // Contact batches are written without SQLite's foreign key checks: every reference holds.
    let doctor = crm(&dir, &["doctor"]);
    let report = String::from_utf8_lossy(&doctor.stdout);
    assert!(report.contains("database integrity: ok"), "{report}");
    // A second run of the same file finds every person already there and changes nothing.
    let again = ok(
        crm(&dir, &["import", file.to_str().unwrap(), "--region", "RU"]),
        "crm import again",
    );
    assert!(
        again.contains(&format!(
            "0 created, 0 updated, 0 merged, {} skipped, {failed} failed; 0 companies created",
            ROWS - failed
        )),
        "{again}"
    );
}

#[test]
fn a_million_rows_on_sqlite() {
    million(None);
}

#[test]
fn a_million_rows_on_postgres() {
    if let Some(pg) = PgDb::new("a_million_rows_on_postgres") {
        million(Some(&pg));
    }
}
