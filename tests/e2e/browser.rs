//! The browser tests: scripts in tests/browser drive Debian's Chromium through playwright-core
//! against a freshly installed CRM. `.ci/run` installs both; on a machine without them the
//! tests say what is missing and pass without running.

use std::path::Path;
use std::process::Command;

use crate::{PASSWORD, install_and_serve};

#[test]
fn a_staff_member_works_in_a_real_browser() {
    run_script("run.mjs", "browser test passed");
}

#[test]
fn a_deal_is_dragged_across_the_board() {
    run_script("board.mjs", "board test passed");
}

#[test]
fn a_task_assigned_by_one_user_rings_the_others_bell() {
    run_script_with("bell.mjs", "bell test passed", |dir, pw| {
        let out = crate::crm(
            dir,
            &[
                "user",
                "add",
                "--email",
                "bob@example.com",
                "--name",
                "Bob",
                "--password-file",
                pw,
            ],
        );
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    });
}

/// Runs `script` against a fresh installation; it must succeed and print `passed`.
fn run_script(script: &str, passed: &str) {
    run_script_with(script, passed, |_, _| {});
}

/// [`run_script`] after `setup` ran with the installation's data folder and password file.
fn run_script_with(script: &str, passed: &str, setup: impl FnOnce(&Path, &str)) {
    let browser_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/browser");
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    let missing: Vec<&str> = [
        (!Path::new(&chromium).exists()).then_some("chromium (apt-get install chromium)"),
        Command::new("node")
            .arg("--version")
            .output()
            .is_err()
            .then_some("node"),
        (!browser_dir.join("node_modules/playwright-core").exists())
            .then_some("playwright-core (npm ci in tests/browser)"),
    ]
    .into_iter()
    .flatten()
    .collect();
    if !missing.is_empty() {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must run the browser test; missing: {missing:?}"
        );
        eprintln!("browser test not run here; missing: {}", missing.join(", "));
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let (_server, base) = install_and_serve(tmp.path());
    setup(
        &tmp.path().join("data"),
        &tmp.path().join("pw").to_string_lossy(),
    );
    let shots = std::env::temp_dir().join("crm-browser-shots");
    std::fs::create_dir_all(&shots).unwrap();
    let out = Command::new("node")
        .arg(browser_dir.join(script))
        .args([base.as_str(), "admin@example.com", PASSWORD])
        .arg(&shots)
        .env("CHROMIUM", &chromium)
        .output()
        .unwrap();
    let log = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "browser test failed:\n{log}");
    assert!(log.contains(passed), "{log}");
}
