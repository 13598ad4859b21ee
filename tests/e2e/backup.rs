//! Backup and restore end to end, through the real binary: an installation filled over HTTP (a
//! contact and a task through the REST API, two files through the upload form) and by
//! `crm demo`, backed up, wiped and restored on SQLite, on PostgreSQL and from one to the other;
//! a backup killed with SIGKILL; damaged archives and restores into a used database refused.
//!
//! A restore is judged by two fingerprints: the per-table row counts that `crm backup --verify`
//! prints, and the SHA-256 of every file under `<data-dir>/files`. Stronger still, a backup taken
//! after the restore must hold byte-identical table chunks and files (the archive manifests'
//! SHA-256 of every entry are compared).
//!
//! The PostgreSQL parts need `CRM_TEST_POSTGRES_URL` (and `psql`, to create empty databases);
//! without it they print why and pass without running.

use std::collections::BTreeMap;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use crate::{CRM, PASSWORD, Server, agent, cookie, crm, free_port, hidden_csrf};

// ---------------------------------------------------------------------------------------------
// Running the binary

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Asserts that a run succeeded; returns its standard output.
pub(crate) fn ok(out: Output, what: &str) -> String {
    assert!(
        out.status.success(),
        "{what} failed ({}):\nstdout: {}\nstderr: {}",
        out.status,
        text(&out.stdout),
        text(&out.stderr)
    );
    text(&out.stdout)
}

/// Asserts that a run failed; returns its standard error.
fn refused(out: Output, what: &str) -> String {
    assert!(
        !out.status.success(),
        "{what} should have failed:\nstdout: {}\nstderr: {}",
        text(&out.stdout),
        text(&out.stderr)
    );
    let err = text(&out.stderr);
    assert!(!err.trim().is_empty(), "{what} failed without saying why");
    err
}

/// `crm ARGS --data-dir DIR` with extra environment variables.
fn crm_env(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(CRM);
    cmd.args(args)
        .arg("--data-dir")
        .arg(dir)
        .env_remove("CRM_CONFIG");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("crm runs")
}

pub(crate) fn install(tmp: &Path, dir: &Path, database_url: Option<&str>) {
    let pw = tmp.join("pw");
    std::fs::write(&pw, format!("{PASSWORD}\n")).unwrap();
    let mut args = vec![
        "install",
        "--admin-email",
        "admin@example.com",
        "--admin-password-file",
        pw.to_str().unwrap(),
        "--default-region",
        "RU",
    ];
    if let Some(url) = database_url {
        args.extend(["--database-url", url]);
    }
    ok(crm(dir, &args), "crm install");
}

/// `crm serve` on a free port (with `env` on top of the configuration); waits until it answers.
fn serve(dir: &Path, env: &[(&str, &str)]) -> (Server, String) {
    let listen = format!("127.0.0.1:{}", free_port());
    let mut cmd = Command::new(CRM);
    cmd.args(["serve", "--listen", &listen, "--data-dir"])
        .arg(dir)
        .env_remove("CRM_CONFIG")
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut server = Server(cmd.spawn().unwrap());
    let base = format!("http://{listen}");
    let http = agent();
    let started = Instant::now();
    while !http
        .get(format!("{base}/healthz"))
        .call()
        .is_ok_and(|r| r.status() == 200)
    {
        if let Some(status) = server.0.try_wait().unwrap() {
            panic!("crm serve exited: {status}");
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "server did not start"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    (server, base)
}

/// Stops `crm serve` like systemd does (SIGTERM), killing it only if it does not go.
fn stop(mut server: Server) {
    let pid = server.0.id().to_string();
    let _ = Command::new("kill").args(["-TERM", &pid]).status();
    let started = Instant::now();
    while server.0.try_wait().unwrap().is_none() {
        if started.elapsed() > Duration::from_secs(10) {
            break; // Dropping the server kills it.
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn new_token(dir: &Path) -> String {
    let token = ok(
        crm(dir, &["token", "create", "--user", "admin@example.com"]),
        "crm token create",
    );
    let token = token.trim().to_string();
    assert_eq!(token.len(), 64, "{token}");
    token
}

fn json(res: &mut ureq::http::Response<ureq::Body>) -> serde_json::Value {
    serde_json::from_str(&res.body_mut().read_to_string().unwrap()).unwrap()
}

fn api_post(base: &str, token: &str, path: &str, body: &serde_json::Value) -> serde_json::Value {
    let mut res = agent()
        .post(format!("{base}/api/v1/{path}"))
        .header("Authorization", format!("Bearer {token}"))
        .header("Content-Type", "application/json")
        .send(body.to_string().as_bytes())
        .unwrap();
    let status = res.status();
    let value = json(&mut res);
    assert_eq!(status, 201, "POST {path}: {value}");
    value
}

fn api_get(base: &str, token: &str, path: &str) -> (u16, serde_json::Value) {
    let mut res = agent()
        .get(format!("{base}/api/v1/{path}"))
        .header("Authorization", format!("Bearer {token}"))
        .call()
        .unwrap();
    (res.status().as_u16(), json(&mut res))
}

/// Signs in through the login form like a browser; returns the session's Cookie header.
fn sign_in(base: &str) -> String {
    let http = agent();
    let mut login = http.get(format!("{base}/login")).call().unwrap();
    let pre = cookie(&login, "crm_csrf").expect("pre-login CSRF cookie");
    assert_eq!(
        hidden_csrf(&login.body_mut().read_to_string().unwrap()),
        pre
    );
    let res = http
        .post(format!("{base}/login"))
        .header("Cookie", format!("crm_csrf={pre}"))
        .send_form([
            ("email", "admin@example.com"),
            ("password", PASSWORD),
            ("csrf_token", pre.as_str()),
        ])
        .unwrap();
    assert_eq!(res.status(), 303, "sign-in");
    format!(
        "crm_session={}",
        cookie(&res, "crm_session").expect("session cookie")
    )
}

/// The files uploaded to the contact: a text file and one of every byte value.
fn uploads() -> Vec<(&'static str, Vec<u8>)> {
    vec![
        (
            "notes.txt",
            "Договор подписан.\nSigned on Monday.\n".as_bytes().to_vec(),
        ),
        (
            "blob.crmtestbin",
            (0..4096u32).map(|i| (i % 251) as u8).collect(),
        ),
    ]
}

/// Attaches `files` to contact `id` through the card's upload form (multipart, as a browser
/// sends it).
fn upload(base: &str, auth: &str, id: i64, files: &[(&str, Vec<u8>)]) {
    let http = agent();
    let mut card = http
        .get(format!("{base}/contacts/{id}"))
        .header("Cookie", auth)
        .call()
        .unwrap();
    assert_eq!(card.status(), 200);
    let csrf = hidden_csrf(&card.body_mut().read_to_string().unwrap());
    let boundary = "----crm-e2e-backup-7c1f0d";
    let mut body = Vec::new();
    let id = id.to_string();
    for (name, value) in [
        ("csrf_token", csrf.as_str()),
        ("card_kind", "contact"),
        ("card_id", id.as_str()),
        ("body", "Scans of the contract"),
    ] {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    for (file_name, bytes) in files {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    let res = http
        .post(format!("{base}/attachments"))
        .header("Cookie", auth)
        .header(
            "Content-Type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .send(&body[..])
        .unwrap();
    assert_eq!(res.status(), 303, "upload");
}

/// What `populate` put in, to look for after a restore.
struct Seeded {
    token: String,
    contact_id: i64,
}

/// Fills an installed `dir`: a contact, a task on it and two files through the running server,
/// then `crm demo` (small) while it keeps serving; stops the server.
fn populate(dir: &Path, env: &[(&str, &str)]) -> Seeded {
    let token = new_token(dir);
    let (server, base) = serve(dir, env);
    let contact = api_post(
        &base,
        &token,
        "contacts",
        &serde_json::json!({
            "name": "Анна Петрова",
            "phones": ["8 (495) 123-45-67"],
            "emails": ["anna@example.ru"],
            "tags": ["backup"],
        }),
    );
    let contact_id = contact["id"].as_i64().unwrap();
    api_post(
        &base,
        &token,
        "tasks",
        &serde_json::json!({
            "title": "Send the signed contract",
            "due_at": "2030-01-15T10:00:00Z",
            "card_kind": "contact",
            "card_id": contact_id,
        }),
    );
    let auth = sign_in(&base);
    upload(&base, &auth, contact_id, &uploads());
    let demo = crm(
        dir,
        &[
            "demo",
            "--contacts",
            "300",
            "--companies",
            "30",
            "--products",
            "10",
            "--deals",
            "50",
            "--activities",
            "300",
            "--tasks",
            "50",
        ],
    );
    ok(demo, "crm demo");
    stop(server);
    Seeded { token, contact_id }
}

// ---------------------------------------------------------------------------------------------
// Fingerprints

/// `crm backup`; returns the path it printed.
fn backup(dir: &Path, env: &[(&str, &str)]) -> PathBuf {
    let out = ok(crm_env(dir, &["backup"], env), "crm backup");
    let path = out
        .lines()
        .find_map(|l| l.strip_prefix("Backup written: "))
        .unwrap_or_else(|| panic!("no \"Backup written\" in {out}"));
    let path = PathBuf::from(path.trim());
    assert!(path.is_file(), "{}", path.display());
    path
}

/// The lines `  <table> <n> rows` of `crm backup --verify ARCHIVE`.
fn parse_verify(out: &str) -> BTreeMap<String, u64> {
    out.lines()
        .filter_map(|l| match l.split_whitespace().collect::<Vec<_>>()[..] {
            [table, n, "rows"] => Some((table.to_string(), n.parse().ok()?)),
            _ => None,
        })
        .collect()
}

/// `crm backup --verify ARCHIVE` (it must pass): the whole output and the rows per table.
fn verify(archive: &Path) -> (String, BTreeMap<String, u64>) {
    let out = Command::new(CRM)
        .args(["backup", "--verify"])
        .arg(archive)
        .output()
        .unwrap();
    let out = ok(out, &format!("crm backup --verify {}", archive.display()));
    assert!(out.starts_with("OK: "), "{out}");
    let counts = parse_verify(&out);
    assert!(counts.len() > 20, "too few tables in {out}");
    (out, counts)
}

/// The lines `  <table> <n>` that `crm restore` prints after "Restored rows".
fn parse_restored(out: &str) -> BTreeMap<String, u64> {
    out.lines()
        .skip_while(|l| !l.starts_with("Restored rows"))
        .skip(1)
        .map_while(|l| match l.split_whitespace().collect::<Vec<_>>()[..] {
            [table, n] => Some((table.to_string(), n.parse().ok()?)),
            _ => None,
        })
        .collect()
}

/// Size and SHA-256 of every table chunk and file in an archive, from its manifest: equal maps
/// mean the same rows, byte for byte, and the same files.
fn entries(archive: &Path) -> BTreeMap<String, crm_store::backup::Sum> {
    crm_store::backup::verify(archive)
        .unwrap_or_else(|e| panic!("{e}"))
        .entries
}

/// The SHA-256 of every file under `<dir>/files`, by path inside it.
fn files_fingerprint(dir: &Path) -> BTreeMap<String, String> {
    fn walk(root: &Path, at: &Path, out: &mut BTreeMap<String, String>) {
        let Ok(entries) = std::fs::read_dir(at) else {
            return;
        };
        for entry in entries {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                let sum = Command::new("sha256sum").arg(&path).output().unwrap();
                let sum = ok(sum, "sha256sum");
                let hex = sum.split_whitespace().next().unwrap().to_string();
                assert_eq!(hex.len(), 64, "{sum}");
                let rel = path.strip_prefix(root).unwrap();
                out.insert(rel.to_string_lossy().into_owned(), hex);
            }
        }
    }
    let root = dir.join("files");
    let mut out = BTreeMap::new();
    walk(&root, &root, &mut out);
    out
}

/// Names in a folder, sorted (empty if it does not exist).
fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .map(|d| {
            d.map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

/// `names` without SQLite's -wal and -shm files, which come and go as the database is opened.
fn names_but_sqlite_journal(dir: &Path) -> Vec<String> {
    names(dir)
        .into_iter()
        .filter(|n| !n.ends_with("-wal") && !n.ends_with("-shm"))
        .collect()
}

/// Checks the data a `populate`d installation must hold, as a backup tells it.
fn assert_populated(counts: &BTreeMap<String, u64>) {
    assert_eq!(counts["contacts"], 301, "{counts:?}");
    assert_eq!(counts["tasks"], 51, "{counts:?}");
    assert_eq!(counts["attachments"], 2, "{counts:?}");
    // 300 from the demo, the upload's "file" entry, and whatever the task adds.
    assert!(counts["activities"] > 300, "{counts:?}");
    assert_eq!(counts["deals"], 50, "{counts:?}");
    assert_eq!(counts["users"], 1, "{counts:?}");
    assert_eq!(counts["api_tokens"], 1, "{counts:?}");
}

/// The contact is back, the token still works, and new rows get new ids.
fn assert_served_after_restore(dir: &Path, env: &[(&str, &str)], seeded: &Seeded) {
    let (server, base) = serve(dir, env);
    let (status, contact) = api_get(
        &base,
        &seeded.token,
        &format!("contacts/{}", seeded.contact_id),
    );
    assert_eq!(status, 200, "{contact}");
    assert_eq!(contact["name"], "Анна Петрова");
    assert_eq!(contact["phones"][0]["e164"], "+74951234567");
    let (status, found) = api_get(&base, &seeded.token, "contacts?q=anna@");
    assert_eq!(status, 200, "{found}");
    assert_eq!(found["items"][0]["id"], seeded.contact_id);
    // Sequences continue after the restored ids (PostgreSQL's are reset by the restore).
    let new = api_post(
        &base,
        &seeded.token,
        "contacts",
        &serde_json::json!({ "name": "After Restore" }),
    );
    assert!(new["id"].as_i64().unwrap() > seeded.contact_id, "{new}");
    // The attached files come back through the card's download links, byte for byte.
    let auth = sign_in(&base);
    let mut card = agent()
        .get(format!("{base}/contacts/{}", seeded.contact_id))
        .header("Cookie", &auth)
        .call()
        .unwrap();
    let html = card.body_mut().read_to_string().unwrap();
    let mut downloaded = Vec::new();
    for part in html.split("href=\"/attachments/").skip(1) {
        let id: String = part.chars().take_while(char::is_ascii_digit).collect();
        let mut res = agent()
            .get(format!("{base}/attachments/{id}"))
            .header("Cookie", &auth)
            .call()
            .unwrap();
        assert_eq!(res.status(), 200);
        downloaded.push(res.body_mut().read_to_vec().unwrap());
    }
    downloaded.sort();
    downloaded.dedup();
    let mut expected: Vec<Vec<u8>> = uploads().into_iter().map(|(_, b)| b).collect();
    expected.sort();
    assert_eq!(downloaded, expected, "the downloads are the uploaded files");
    stop(server);
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL

/// An empty database of its own on the test server, dropped again at the end.
pub(crate) struct PgDb {
    admin: String,
    name: String,
    pub(crate) url: String,
}

fn psql(url: &str, sql: &str) {
    let out = Command::new("psql")
        .arg(url)
        .args(["-X", "-q", "-v", "ON_ERROR_STOP=1", "-c", sql])
        .output()
        .unwrap_or_else(|e| panic!("psql (needed with CRM_TEST_POSTGRES_URL): {e}"));
    ok(out, &format!("psql -c {sql:?}"));
}

impl PgDb {
    /// `None` (with a note) when no server is configured.
    pub(crate) fn new(test: &str) -> Option<PgDb> {
        let Some(admin) = crm_store::testing::postgres_url() else {
            eprintln!(
                "{test}: skipped: set {} to run it",
                crm_store::testing::POSTGRES_ENV
            );
            return None;
        };
        static N: AtomicU32 = AtomicU32::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .subsec_nanos();
        let name = format!(
            "crm_e2e_{}_{}_{nanos}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        );
        psql(&admin, &format!("CREATE DATABASE {name}"));
        let url = crm_store::testing::with_database(&admin, &name);
        Some(PgDb { admin, name, url })
    }

    /// Drops the database and creates it again, empty.
    fn recreate(&self) {
        psql(
            &self.admin,
            &format!("DROP DATABASE {} WITH (FORCE)", self.name),
        );
        psql(&self.admin, &format!("CREATE DATABASE {}", self.name));
    }
}

impl Drop for PgDb {
    fn drop(&mut self) {
        let _ = Command::new("psql")
            .arg(&self.admin)
            .args(["-X", "-q", "-c"])
            .arg(format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ))
            .output();
    }
}

// ---------------------------------------------------------------------------------------------
// 1 and 2: round trips

/// Install (SQLite, or the empty PostgreSQL database `pg`), fill, back up, wipe, restore: the
/// same rows and files, served again.
fn round_trip(pg: Option<&PgDb>) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("data");
    install(tmp.path(), &dir, pg.map(|p| p.url.as_str()));
    let seeded = populate(&dir, &[]);

    let archive = backup(&dir, &[]);
    let (out, counts) = verify(&archive);
    let backend = if pg.is_some() { "postgres" } else { "sqlite" };
    assert!(out.contains(&format!("from {backend} (manual)")), "{out}");
    assert!(out.contains(", 2 files ("), "{out}");
    assert_populated(&counts);
    let files = files_fingerprint(&dir);
    assert_eq!(files.len(), 2, "{files:?}");
    let before = entries(&archive);

    // Wipe: the database and the files are gone.
    match pg {
        Some(pg) => pg.recreate(),
        None => {
            for name in names(&dir) {
                if name.starts_with("crm.db") {
                    std::fs::remove_file(dir.join(name)).unwrap();
                }
            }
        }
    }
    std::fs::remove_dir_all(dir.join("files")).unwrap();
    assert!(files_fingerprint(&dir).is_empty());
    // Nothing to back up now: proof that the wipe took.
    let out = crm(&dir, &["backup"]);
    assert!(!out.status.success(), "a backup of a wiped installation");

    let out = ok(
        crm(&dir, &["restore", archive.to_str().unwrap()]),
        "crm restore",
    );
    assert_eq!(parse_restored(&out), counts, "{out}");
    assert!(
        out.contains(&format!(
            "Restored {} rows in {} tables and 2 files",
            counts.values().sum::<u64>(),
            counts.len()
        )),
        "{out}"
    );
    assert!(
        !out.contains("Set aside"),
        "nothing was there to set aside: {out}"
    );
    assert_eq!(files_fingerprint(&dir), files);
    let again = backup(&dir, &[]);
    assert_eq!(verify(&again).1, counts);
    assert_eq!(
        entries(&again),
        before,
        "the same rows and files, byte for byte"
    );

    assert_served_after_restore(&dir, &[], &seeded);
}

#[test]
fn backup_restore_round_trip_on_sqlite() {
    round_trip(None);
}

#[test]
fn backup_restore_round_trip_on_postgres() {
    let Some(pg) = PgDb::new("backup_restore_round_trip_on_postgres") else {
        return;
    };
    round_trip(Some(&pg));
}

// ---------------------------------------------------------------------------------------------
// 3: SQLite to PostgreSQL

#[test]
fn sqlite_backup_restores_into_postgres() {
    let Some(pg) = PgDb::new("sqlite_backup_restores_into_postgres") else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let sqlite_dir = tmp.path().join("sqlite");
    install(tmp.path(), &sqlite_dir, None);
    let seeded = populate(&sqlite_dir, &[]);
    let archive = backup(&sqlite_dir, &[]);
    let (_, counts) = verify(&archive);
    assert_populated(&counts);
    let files = files_fingerprint(&sqlite_dir);

    // A second data directory for the moved installation: the same configuration with its own
    // paths (its SQLite file never exists: the data goes to PostgreSQL).
    let moved = tmp.path().join("moved");
    std::fs::create_dir_all(&moved).unwrap();
    let conf = std::fs::read_to_string(sqlite_dir.join("crm.toml")).unwrap();
    let from = format!("{}/", sqlite_dir.display());
    assert!(conf.contains(&from), "{conf}");
    std::fs::write(
        moved.join("crm.toml"),
        conf.replace(&from, &format!("{}/", moved.display())),
    )
    .unwrap();

    let out = ok(
        crm(
            &moved,
            &[
                "restore",
                archive.to_str().unwrap(),
                "--database-url",
                &pg.url,
            ],
        ),
        "crm restore --database-url",
    );
    assert_eq!(parse_restored(&out), counts, "the manifest's counts: {out}");
    assert!(out.contains("CRM_DATABASE__URL"), "{out}");
    assert!(!moved.join("crm.db").exists());
    assert_eq!(files_fingerprint(&moved), files);

    let env = [("CRM_DATABASE__URL", pg.url.as_str())];
    let from_pg = backup(&moved, &env);
    let (out, pg_counts) = verify(&from_pg);
    assert!(out.contains("from postgres (manual)"), "{out}");
    assert_eq!(pg_counts, counts);
    assert_eq!(
        entries(&from_pg),
        entries(&archive),
        "PostgreSQL gives back the rows SQLite had, byte for byte"
    );
    assert_served_after_restore(&moved, &env, &seeded);
}

// ---------------------------------------------------------------------------------------------
// 4: a backup killed with SIGKILL

#[test]
fn a_backup_killed_with_sigkill_leaves_only_an_unfinished_file() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("data");
    install(tmp.path(), &dir, None);
    // About 160 000 rows: a debug build takes about 2 s to back them up, so kills land mid-way.
    let demo = crm(
        &dir,
        &[
            "demo",
            "--contacts",
            "20000",
            "--companies",
            "1000",
            "--activities",
            "40000",
            "--tasks",
            "2000",
        ],
    );
    ok(demo, "crm demo");
    let folder = dir.join("backups");

    // The state before: a backup elsewhere, and how long one takes here.
    let started = Instant::now();
    let baseline = ok(
        crm(
            &dir,
            &[
                "backup",
                "--output",
                tmp.path().join("baseline").to_str().unwrap(),
            ],
        ),
        "crm backup --output",
    );
    let took = started.elapsed();
    let baseline = PathBuf::from(
        baseline
            .lines()
            .find_map(|l| l.strip_prefix("Backup written: "))
            .unwrap()
            .trim(),
    );
    let (_, counts) = verify(&baseline);
    assert_eq!(counts["contacts"], 20_000);
    assert_eq!(counts["activities"], 40_000);

    // Killed as soon as its file appears, and again about 40 % of the way through.
    let delays = [Duration::ZERO, took.mul_f64(0.4)];
    for (i, &delay) in delays.iter().enumerate() {
        if i > 0 {
            // Archive names carry the second the backup started: let this one get its own.
            std::thread::sleep(Duration::from_millis(1100));
        }
        let before = names(&folder);
        let mut child = Command::new(CRM)
            .args(["backup", "--data-dir"])
            .arg(&dir)
            .env_remove("CRM_CONFIG")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let waiting = Instant::now();
        while !names(&folder)
            .iter()
            .any(|n| n.ends_with(".partial") && !before.contains(n))
        {
            assert!(
                child.try_wait().unwrap().is_none(),
                "the backup ended before its file appeared"
            );
            assert!(waiting.elapsed() < Duration::from_secs(20), "no .partial");
            std::thread::sleep(Duration::from_millis(5));
        }
        std::thread::sleep(delay);
        assert!(
            child.try_wait().unwrap().is_none(),
            "the backup finished within {delay:?} (a full one took {took:?}): more demo data needed"
        );
        child.kill().unwrap(); // SIGKILL
        let out = child.wait_with_output().unwrap();
        assert_eq!(out.status.signal(), Some(9), "{}", out.status);
        assert!(
            !text(&out.stdout).contains("Backup written"),
            "{}",
            text(&out.stdout)
        );
        let all = names(&folder);
        assert!(
            all.iter()
                .all(|n| n.starts_with(".crm-") && n.ends_with(".tar.zst.partial")),
            "only unfinished files after kill at {delay:?}: {all:?}"
        );
    }

    // Nothing in the folder passes for an archive, and the listing says why.
    let left = names(&folder);
    assert_eq!(left.len(), delays.len(), "one .partial per kill: {left:?}");
    for name in &left {
        let out = Command::new(CRM)
            .args(["backup", "--verify"])
            .arg(folder.join(name))
            .output()
            .unwrap();
        let err = refused(out, &format!("crm backup --verify {name}"));
        assert!(err.contains(name.as_str()), "{err}");
    }
    let list = ok(crm(&dir, &["backup", "--list"]), "crm backup --list");
    for name in &left {
        let line = list
            .lines()
            .find(|l| l.starts_with(name.trim_start_matches('.')))
            .unwrap_or_else(|| panic!("{name} not listed: {list}"));
        assert!(line.contains("unfinished"), "{line}");
    }
    assert!(!list.contains("ready"), "{list}");

    // The database is untouched: a new backup holds the same rows, byte for byte.
    let after = backup(&dir, &[]);
    assert_eq!(verify(&after).1, counts);
    assert_eq!(entries(&after), entries(&baseline));
    // A backup started in the same second as a killed one writes (and then renames) the same
    // .partial file; the others stay, unfinished.
    let own = format!(".{}.partial", after.file_name().unwrap().to_string_lossy());
    let still = left.iter().filter(|n| **n != own).count();
    let list = ok(crm(&dir, &["backup", "--list"]), "crm backup --list");
    assert_eq!(list.matches("ready").count(), 1, "{list}");
    assert_eq!(list.matches("unfinished").count(), still, "{list}");
}

// ---------------------------------------------------------------------------------------------
// 5: refusals

fn copy_with(archive: &Path, to: &Path, change: impl FnOnce(&mut Vec<u8>)) -> PathBuf {
    let mut bytes = std::fs::read(archive).unwrap();
    change(&mut bytes);
    std::fs::write(to, bytes).unwrap();
    to.to_path_buf()
}

#[test]
fn restore_refuses_damaged_archives_and_a_used_database_without_force() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("data");
    install(tmp.path(), &dir, None);
    populate(&dir, &[]);
    let archive = backup(&dir, &[]);
    let (_, counts) = verify(&archive);
    let files = files_fingerprint(&dir);
    let before = entries(&archive);
    let listing = names_but_sqlite_journal(&dir);
    let len = std::fs::read(&archive).unwrap().len();

    let mut damaged = vec![
        copy_with(&archive, &tmp.path().join("half.tar.zst"), |b| {
            b.truncate(len / 2)
        }),
        copy_with(&archive, &tmp.path().join("cut.tar.zst"), |b| {
            b.truncate(len - 64)
        }),
    ];
    for (i, at) in [len / 3, len / 2, len * 2 / 3].into_iter().enumerate() {
        damaged.push(copy_with(
            &archive,
            &tmp.path().join(format!("flipped-{i}.tar.zst")),
            |b| b[at] ^= 0x01,
        ));
    }
    for bad in &damaged {
        // With --force: the only reason left to refuse is the archive.
        let out = crm(&dir, &["restore", "--force", bad.to_str().unwrap()]);
        let err = refused(out, &format!("crm restore --force {}", bad.display()));
        assert!(
            err.contains("damaged") || err.contains("incomplete"),
            "{}: {err}",
            bad.display()
        );
        let out = Command::new(CRM)
            .args(["backup", "--verify"])
            .arg(bad)
            .output()
            .unwrap();
        refused(out, "crm backup --verify of a damaged archive");
    }

    // A good archive into a database that holds data: refused without --force.
    let out = crm(&dir, &["restore", archive.to_str().unwrap()]);
    let err = refused(out, "crm restore without --force");
    assert!(err.contains("--force"), "{err}");
    assert!(err.contains("holds data"), "{err}");

    // Nothing changed: no file set aside or left half-restored, the same rows and files.
    assert_eq!(names_but_sqlite_journal(&dir), listing);
    assert_eq!(files_fingerprint(&dir), files);
    let after = backup(&dir, &[]);
    assert_eq!(verify(&after).1, counts);
    assert_eq!(entries(&after), before);

    // With --force the good archive replaces the database; the old one is set aside.
    let out = ok(
        crm(&dir, &["restore", "--force", archive.to_str().unwrap()]),
        "crm restore --force",
    );
    assert_eq!(parse_restored(&out), counts, "{out}");
    let aside: Vec<&str> = out
        .lines()
        .filter_map(|l| l.strip_prefix("Set aside (not deleted): "))
        .collect();
    assert_eq!(aside.len(), 2, "the database and the files: {out}");
    for p in aside {
        assert!(Path::new(p).exists(), "{p}");
    }
    assert_eq!(files_fingerprint(&dir), files);
}

// ---------------------------------------------------------------------------------------------
// A known bug, kept out of the default run

/// Two `crm backup` started within the same second pick the same archive name and write the
/// same `.partial` file (created without O_EXCL): the first reports "Backup written" for an
/// archive the second has overwritten in part.
#[test]
fn two_backups_started_in_the_same_second_do_not_share_a_file() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("data");
    install(tmp.path(), &dir, None);
    let demo = crm(
        &dir,
        &["demo", "--contacts", "20000", "--activities", "40000"],
    );
    ok(demo, "crm demo");
    let folder = dir.join("backups");
    let spawn = || {
        Command::new(CRM)
            .args(["backup", "--data-dir"])
            .arg(&dir)
            .env_remove("CRM_CONFIG")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    // Start at the beginning of a second, so that both names carry the same one.
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap();
    std::thread::sleep(Duration::from_millis(1020 - u64::from(now.subsec_millis())));
    let first = spawn();
    let waiting = Instant::now();
    while !names(&folder).iter().any(|n| n.ends_with(".partial")) {
        assert!(waiting.elapsed() < Duration::from_secs(20));
        std::thread::sleep(Duration::from_millis(5));
    }
    std::thread::sleep(Duration::from_millis(300));
    let mut second = spawn();
    let first = first.wait_with_output().unwrap();
    let _ = second.kill();
    let _ = second.wait();
    let out = ok(first, "the first crm backup");
    let path = out
        .lines()
        .find_map(|l| l.strip_prefix("Backup written: "))
        .unwrap()
        .trim()
        .to_string();
    // What the first one called written must be a valid archive.
    verify(Path::new(&path));
}

/// `crm backup --verify` stops at the tar's end: it never reads the zstd frame's own checksum
/// (the last 4 bytes) nor anything after it, so an archive with a damaged frame checksum, cut
/// short by those 4 bytes, or with bytes appended passes, although `zstd -t` refuses it.
#[test]
fn verify_reads_an_archive_to_its_end() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("data");
    install(tmp.path(), &dir, None);
    ok(
        crm(&dir, &["demo", "--contacts", "50", "--companies", "5"]),
        "crm demo",
    );
    let archive = backup(&dir, &[]);
    let len = std::fs::read(&archive).unwrap().len();
    let damaged = [
        copy_with(&archive, &tmp.path().join("checksum.tar.zst"), |b| {
            b[len - 1] ^= 0x01
        }),
        copy_with(&archive, &tmp.path().join("short.tar.zst"), |b| {
            b.truncate(len - 4)
        }),
        copy_with(&archive, &tmp.path().join("appended.tar.zst"), |b| {
            b.extend_from_slice(b"not part of the archive\n")
        }),
    ];
    let mut passed = Vec::new();
    for bad in &damaged {
        let out = Command::new(CRM)
            .args(["backup", "--verify"])
            .arg(bad)
            .output()
            .unwrap();
        if out.status.success() {
            passed.push(bad.file_name().unwrap().to_string_lossy().into_owned());
        }
    }
    assert!(passed.is_empty(), "passed --verify: {passed:?}");
}
