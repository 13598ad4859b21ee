//! End to end: the built `crm` binary installed into a temporary directory, served on a free
//! port, used over HTTP like a browser would (sign-in, CSRF, create, search) and through the
//! REST API, then stopped.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

mod backup;
mod browser;
mod import;

const CRM: &str = env!("CARGO_BIN_EXE_crm");

fn crm(dir: &Path, args: &[&str]) -> std::process::Output {
    Command::new(CRM)
        .args(args)
        .arg("--data-dir")
        .arg(dir)
        .env_remove("CRM_CONFIG")
        .output()
        .expect("crm runs")
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .max_redirects(0)
        .http_status_as_error(false)
        .build()
        .into()
}

/// The value of cookie `name` among a response's Set-Cookie headers.
fn cookie(res: &ureq::http::Response<ureq::Body>, name: &str) -> Option<String> {
    res.headers().get_all("set-cookie").iter().find_map(|h| {
        let s = h.to_str().ok()?;
        let (pair, _) = s.split_once(';').unwrap_or((s, ""));
        let (k, v) = pair.split_once('=')?;
        (k == name && !v.is_empty()).then(|| v.to_string())
    })
}

fn hidden_csrf(html: &str) -> String {
    let at = html
        .find("name=\"csrf_token\" value=\"")
        .expect("a CSRF field")
        + 25;
    html[at..at + 64].to_string()
}

const PASSWORD: &str = "correct horse battery";

/// A fresh installation in `tmp`, served on a free port; returns the server and its base URL.
fn install_and_serve(tmp: &Path) -> (Server, String) {
    let dir = tmp.join("data");
    let pw = tmp.join("pw");
    std::fs::write(&pw, format!("{PASSWORD}\n")).unwrap();
    let listen = format!("127.0.0.1:{}", free_port());
    let out = crm(
        &dir,
        &[
            "install",
            "--admin-email",
            "admin@example.com",
            "--admin-password-file",
            pw.to_str().unwrap(),
            "--listen",
            &listen,
            "--default-region",
            "RU",
        ],
    );
    assert!(
        out.status.success(),
        "install: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let server = Server(
        Command::new(CRM)
            .args(["serve", "--data-dir"])
            .arg(&dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let base = format!("http://{listen}");
    let http = agent();
    let started = Instant::now();
    while !http
        .get(format!("{base}/healthz"))
        .call()
        .is_ok_and(|r| r.status() == 200)
    {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "server did not start"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    (server, base)
}

#[test]
fn install_serve_sign_in_create_search() {
    let tmp = tempfile::tempdir().unwrap();
    let (_server, base) = install_and_serve(tmp.path());
    let dir = tmp.path().join("data");
    let pw = tmp.path().join("pw");
    let http = agent();
    let mut health = http.get(format!("{base}/healthz")).call().unwrap();
    let body = health.body_mut().read_to_string().unwrap();
    assert!(body.contains("\"schema_version\""), "{body}");

    // A second install refuses and changes nothing.
    let again = crm(
        &dir,
        &[
            "install",
            "--admin-email",
            "x@example.com",
            "--admin-password-file",
            pw.to_str().unwrap(),
        ],
    );
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("already"));
    // A bad config file is a clear error with a non-zero exit.
    let bad = tmp.path().join("bad.toml");
    std::fs::write(&bad, "[database]\nurl = 42\n").unwrap();
    let out = Command::new(CRM)
        .args(["doctor", "--config"])
        .arg(&bad)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("bad.toml"));

    let token_out = crm(&dir, &["token", "create", "--user", "admin@example.com"]);
    assert!(token_out.status.success());
    let token = String::from_utf8(token_out.stdout)
        .unwrap()
        .trim()
        .to_string();
    assert_eq!(token.len(), 64);

    // Sign in like a browser: the login form's CSRF token pairs with its cookie.
    let mut login = http.get(format!("{base}/login")).call().unwrap();
    let pre = cookie(&login, "crm_csrf").expect("pre-login CSRF cookie");
    let form_token = hidden_csrf(&login.body_mut().read_to_string().unwrap());
    assert_eq!(pre, form_token);
    let wrong = http
        .post(format!("{base}/login"))
        .header("Cookie", format!("crm_csrf={pre}"))
        .send_form([
            ("email", "admin@example.com"),
            ("password", "wrong password!"),
            ("csrf_token", pre.as_str()),
        ])
        .unwrap();
    assert_eq!(wrong.status(), 401);
    let ok = http
        .post(format!("{base}/login"))
        .header("Cookie", format!("crm_csrf={pre}"))
        .send_form([
            ("email", "admin@example.com"),
            ("password", PASSWORD),
            ("csrf_token", pre.as_str()),
        ])
        .unwrap();
    assert_eq!(ok.status(), 303);
    let session = cookie(&ok, "crm_session").expect("session cookie");
    let auth = format!("crm_session={session}");

    // Create a contact through the form, with the session's CSRF token.
    let mut new = http
        .get(format!("{base}/contacts/new"))
        .header("Cookie", &auth)
        .call()
        .unwrap();
    assert_eq!(new.status(), 200);
    let csrf = hidden_csrf(&new.body_mut().read_to_string().unwrap());
    let created = http
        .post(format!("{base}/contacts"))
        .header("Cookie", &auth)
        .send_form([
            ("csrf_token", csrf.as_str()),
            ("name", "Анна Петрова"),
            ("phones", "8 (495) 123-45-67"),
            ("emails", "anna@example.ru"),
        ])
        .unwrap();
    assert_eq!(created.status(), 303);
    let card = created
        .headers()
        .get("location")
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    assert!(card.starts_with("/contacts/"), "{card}");
    // Without the token, nothing is created.
    let forged = http
        .post(format!("{base}/contacts"))
        .header("Cookie", &auth)
        .send_form([("name", "Forged")])
        .unwrap();
    assert_eq!(forged.status(), 403);

    // Find it by the first letters of a word and by the last digits of the phone.
    for q in ["%D0%BF%D0%B5%D1%82", "4567"] {
        let mut found = http
            .get(format!("{base}/search?q={q}"))
            .header("Cookie", &auth)
            .call()
            .unwrap();
        assert_eq!(found.status(), 200);
        let html = found.body_mut().read_to_string().unwrap();
        assert!(html.contains("Анна Петрова"), "search {q}");
        assert!(!html.contains("Forged"));
    }

    // The same contact through the REST API, with its normalised phone.
    let mut api = http
        .get(format!("{base}/api/v1/contacts?q=anna@"))
        .header("Authorization", format!("Bearer {token}"))
        .call()
        .unwrap();
    assert_eq!(api.status(), 200);
    let body: serde_json::Value =
        serde_json::from_str(&api.body_mut().read_to_string().unwrap()).unwrap();
    assert_eq!(body["items"][0]["name"], "Анна Петрова");
    let id = body["items"][0]["id"].as_i64().unwrap();
    let mut one = http
        .get(format!("{base}/api/v1/contacts/{id}"))
        .header("Authorization", format!("Bearer {token}"))
        .call()
        .unwrap();
    let contact: serde_json::Value =
        serde_json::from_str(&one.body_mut().read_to_string().unwrap()).unwrap();
    assert_eq!(contact["phones"][0]["e164"], "+74951234567");
    let denied = http
        .get(format!("{base}/api/v1/contacts/{id}"))
        .call()
        .unwrap();
    assert_eq!(denied.status(), 401);
}

#[test]
fn serve_refuses_a_missing_installation_and_an_unreachable_database() {
    let tmp = tempfile::tempdir().unwrap();
    // A failed install leaves nothing behind.
    let short = tmp.path().join("short");
    std::fs::write(&short, "short\n").unwrap();
    let fresh = tmp.path().join("fresh");
    let out = crm(
        &fresh,
        &[
            "install",
            "--admin-email",
            "a@example.com",
            "--admin-password-file",
            short.to_str().unwrap(),
        ],
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("too short"));
    assert!(!fresh.exists());
    let pw = tmp.path().join("pw");
    std::fs::write(&pw, "long enough password").unwrap();
    let out = crm(
        &fresh,
        &[
            "install",
            "--admin-email",
            "a@example.com",
            "--admin-password-file",
            pw.to_str().unwrap(),
            "--database-url",
            "postgres://nobody@127.0.0.1:1/none",
        ],
    );
    assert!(!out.status.success());
    assert!(
        !fresh.exists(),
        "an unreachable database leaves no directory"
    );
    let out = crm(&tmp.path().join("none"), &["serve"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("install"));
    let conf = tmp.path().join("crm.toml");
    std::fs::write(
        &conf,
        "[database]\nurl = \"postgres://nobody@127.0.0.1:1/none\"\npool_size = 1\n",
    )
    .unwrap();
    let out = Command::new(CRM)
        .args(["migrate", "--config"])
        .arg(&conf)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("database"), "{err}");
}

#[test]
fn pending_migrations_stop_serve_until_migrate_and_env_overrides_the_file() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("empty.db");
    std::fs::write(&db, b"").unwrap();
    let conf = tmp.path().join("crm.toml");
    std::fs::write(
        &conf,
        format!("[database]\nurl = \"sqlite://{}\"\n", db.display()),
    )
    .unwrap();
    let run = |args: &[&str], env: &[(&str, &str)]| {
        let mut cmd = Command::new(CRM);
        cmd.args(args).arg("--config").arg(&conf);
        for (k, v) in env {
            cmd.env(k, v);
        }
        cmd.output().unwrap()
    };
    let out = run(&["serve"], &[]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("pending migration") && err.contains("crm upgrade"),
        "{err}"
    );
    let out = run(&["migrate"], &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("Applied"));
    // No administrator yet: doctor says so and fails; it shows the environment's override.
    let out = run(&["doctor"], &[("CRM_WEB__LISTEN", "127.0.0.1:9999")]);
    assert!(!out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("listen = \"127.0.0.1:9999\""), "{text}");
    assert!(text.contains("no active administrator"), "{text}");
    let pw = tmp.path().join("pw");
    std::fs::write(&pw, "short").unwrap();
    let out = run(
        &[
            "user",
            "add",
            "--email",
            "a@example.com",
            "--password-file",
            pw.to_str().unwrap(),
            "--role",
            "admin",
        ],
        &[],
    );
    assert!(!out.status.success(), "a short password is refused");
    std::fs::write(&pw, "long enough password").unwrap();
    let out = run(
        &[
            "user",
            "add",
            "--email",
            "a@example.com",
            "--password-file",
            pw.to_str().unwrap(),
            "--role",
            "admin",
        ],
        &[],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = run(&["user", "list"], &[]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("a@example.com"));
    let out = run(
        &["doctor"],
        &[("CRM_DATABASE__URL", "postgres://crm:secret@127.0.0.1:1/crm")],
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("crm:***@") && !text.contains("secret"),
        "secrets are masked: {text}"
    );
}
