//! The work around clients over HTTP — timelines, attached files, tasks, notifications (with
//! their live stream), the calendar, the profile and their API — with real sessions and CSRF,
//! on SQLite and (with CRM_TEST_POSTGRES_URL) PostgreSQL.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::test;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use crm_core::{Activity, ActivityKind, Actor, CardRef, Role, Task, User, UserDraft, Zone};
use crm_store::testing::TestStore;
use crm_web::WebConfig;
use serde_json::{Value, json};

mod common;

use common::*;

// ---------------------------------------------------------------------------------------------
// Helpers

async fn json_of<B: MessageBody>(res: ServiceResponse<B>) -> Value
where
    B::Error: std::fmt::Debug,
{
    serde_json::from_str(&body_text(res).await).unwrap()
}

fn location<B>(res: &ServiceResponse<B>) -> String {
    res.headers()
        .get("location")
        .expect("a Location header")
        .to_str()
        .unwrap()
        .to_string()
}

/// The page a redirect leads to, without its `#fragment`.
fn without_fragment(uri: &str) -> &str {
    uri.split('#').next().unwrap_or(uri)
}

/// The id at the end of a path such as `/contacts/5` or `/tasks/7#timeline`.
fn id_in(uri: &str) -> i64 {
    without_fragment(uri)
        .rsplit('/')
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

/// Posts a form that must create something and redirect to it; returns where and its id.
async fn created<S, B>(app: &S, b: &Browser, uri: &str, fields: &[(&str, &str)]) -> (String, i64)
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
    B::Error: std::fmt::Debug,
{
    let res = test::call_service(app, post(b, uri, fields)).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER, "POST {uri} {fields:?}");
    let to = location(&res);
    let id = id_in(&to);
    (without_fragment(&to).to_string(), id)
}

/// A page that must answer 200; its HTML.
async fn page<S, B>(app: &S, b: &Browser, uri: &str) -> String
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
    B::Error: std::fmt::Debug,
{
    let res = test::call_service(app, get(b, uri)).await;
    assert_eq!(res.status(), StatusCode::OK, "GET {uri}");
    body_text(res).await
}

async fn status_of<S, B>(app: &S, req: actix_http::Request) -> StatusCode
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    test::call_service(app, req).await.status()
}

fn user(f: &Fixture, email: &str) -> User {
    f.state.store.user_for_login(email).unwrap().unwrap().0
}

/// A fourth user, in no department and with no records.
fn add_manager(f: &Fixture, email: &str) -> User {
    let hash = crm_web::auth::hash_password(PASSWORD).unwrap();
    let d = UserDraft::new(email, email.split('@').next().unwrap(), Role::Manager, "en").unwrap();
    f.state
        .store
        .create_user(&Actor::system(), &d, &hash)
        .unwrap()
}

/// The unread count the bell of a page shows.
fn bell_count(html: &str) -> i64 {
    let at = html.find("data-bell-count").expect("the bell");
    let rest = &html[at..];
    let start = rest.find('>').unwrap() + 1;
    let end = start + rest[start..].find('<').unwrap();
    rest[start..end].trim().parse().unwrap()
}

/// The "older entries" link of a card's timeline.
fn older_link(html: &str) -> String {
    const MARK: &str = "class=\"timeline-more\"><a href=\"";
    let at = html.find(MARK).expect("a link to older entries") + MARK.len();
    let end = at + html[at..].find('"').unwrap();
    html[at..end].replace("&amp;", "&")
}

/// One section ("overdue", "today", "upcoming", "undated") of the tasks list; empty if absent.
fn section<'a>(html: &'a str, name: &str) -> &'a str {
    let Some(at) = html.find(&format!("task-section-{name}\"")) else {
        return "";
    };
    let rest = &html[at..];
    &rest[..rest.find("</section>").unwrap_or(rest.len())]
}

/// One day's cell of the calendar.
fn day_cell<'a>(html: &'a str, date: &str) -> &'a str {
    let at = html
        .find(&format!("data-date=\"{date}\""))
        .unwrap_or_else(|| panic!("the calendar shows {date}"));
    let rest = &html[at..];
    let end = rest[1..].find("data-date=\"").map_or(rest.len(), |i| i + 1);
    &rest[..end]
}

fn timeline(f: &Fixture, card: CardRef, kind: Option<ActivityKind>) -> Vec<Activity> {
    f.state
        .store
        .timeline(&Actor::system(), card, kind, None, 100)
        .unwrap()
        .items
}

fn task(f: &Fixture, id: i64) -> Task {
    f.state.store.task(&Actor::system(), id).unwrap()
}

fn open_tasks(f: &Fixture, of: &User) -> Vec<Task> {
    f.state
        .store
        .list_tasks(&Actor::system(), of.id, false, None, 100)
        .unwrap()
}

fn unread(f: &Fixture, of: &User) -> i64 {
    f.state.store.unread_notifications(of.id).unwrap().0
}

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

/// A local `YYYY-MM-DDTHH:MM` as the forms send it.
fn local(day: NaiveDate, hm: &str) -> String {
    format!("{day}T{hm}")
}

fn utc_of(zone: Zone, day: NaiveDate, hm: &str) -> DateTime<Utc> {
    let t = chrono::NaiveTime::parse_from_str(hm, "%H:%M").unwrap();
    zone.to_utc(day.and_time(t))
}

/// A 1×1 PNG: real signature, header and data chunks.
const PNG: &[u8] =
    b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89\
\0\0\0\rIDATx\x9cc\xf8\xff\xff?\0\x05\xfe\x02\xfe\xa75\x81\x84\0\0\0\0IEND\xaeB`\x82";

const BOUNDARY: &str = "----crm-test-7MA4YWxkTrZu0gW";

/// A multipart upload as a browser sends the timeline's form: csrf_token, card_kind, card_id,
/// body, then the file.
fn upload(
    b: &Browser,
    csrf: &str,
    card: CardRef,
    note: &str,
    file_name: &str,
    content: &[u8],
) -> actix_http::Request {
    upload_many(b, csrf, card, note, &[(file_name, content)])
}

/// The same form with several files picked.
fn upload_many(
    b: &Browser,
    csrf: &str,
    card: CardRef,
    note: &str,
    files: &[(&str, &[u8])],
) -> actix_http::Request {
    let mut body = Vec::new();
    let id = card.id().to_string();
    for (name, value) in [
        ("csrf_token", csrf),
        ("card_kind", card.kind()),
        ("card_id", id.as_str()),
        ("body", note),
    ] {
        body.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    for (file_name, content) in files {
        body.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\n\
                 Content-Type: application/octet-stream\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(content);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    test::TestRequest::post()
        .uri("/attachments")
        .insert_header(("Cookie", b.cookie.clone()))
        .insert_header((
            "Content-Type",
            format!("multipart/form-data; boundary={BOUNDARY}"),
        ))
        .set_payload(body)
        .to_request()
}

/// Every file (not folder) under `root`.
fn files_under(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut todo = vec![root.to_path_buf()];
    while let Some(dir) = todo.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for e in entries {
            let p = e.unwrap().path();
            if p.is_dir() {
                todo.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out
}

/// Every attachment on a card's timeline.
fn attachments_on(f: &Fixture, card: CardRef) -> Vec<crm_core::Attachment> {
    timeline(f, card, None)
        .into_iter()
        .flat_map(|a| a.attachments)
        .collect()
}

/// The next chunk of a streaming body (an event stream never ends, so read chunk by chunk).
async fn next_chunk<B: MessageBody>(mut body: std::pin::Pin<&mut B>) -> String
where
    B::Error: std::fmt::Debug,
{
    let chunk = tokio::time::timeout(
        std::time::Duration::from_secs(5),
        std::future::poll_fn(|cx| body.as_mut().poll_next(cx)),
    )
    .await
    .expect("an event within 5 s")
    .expect("a chunk")
    .unwrap();
    String::from_utf8(chunk.to_vec()).unwrap()
}

/// The `data:` of an `event: unread` chunk.
fn unread_event(chunk: &str) -> Value {
    assert!(chunk.starts_with("event: unread\n"), "{chunk:?}");
    let data = chunk
        .lines()
        .find_map(|l| l.strip_prefix("data: "))
        .expect("a data line");
    serde_json::from_str(data).unwrap()
}

// ---------------------------------------------------------------------------------------------
// 1. Timelines

#[actix_rt::test]
async fn calls_and_notes_on_a_cards_timeline() {
    for db in TestStore::each() {
        let f = fixture(db);
        let app = app!(f);
        let m1 = sign_in(&app, "m1@example.com").await;
        let m2 = sign_in(&app, "m2@example.com").await;
        let (company_url, _) = created(&app, &m1, "/companies", &[("name", "Acme Glass")]).await;
        let (contact_url, contact_id) = created(
            &app,
            &m1,
            "/contacts",
            &[("name", "Anna Petrova"), ("company", "Acme Glass")],
        )
        .await;
        let card = CardRef::Contact(contact_id);
        let cid = contact_id.to_string();
        let on_card = |kind: &'static str, extra: &[(&'static str, &'static str)]| {
            let mut v: Vec<(&str, String)> = vec![
                ("card_kind", "contact".into()),
                ("card_id", cid.clone()),
                ("kind", kind.into()),
            ];
            v.extend(extra.iter().map(|(k, x)| (*k, x.to_string())));
            v
        };
        let send = |b: &Browser, fields: &[(&str, String)]| {
            let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            post(b, "/activities", &fields)
        };

        // A call: its direction, duration, result and time show on the card; notes are escaped.
        let call = on_card(
            "call",
            &[
                ("occurred_at", "2030-01-02T10:15"),
                ("direction", "in"),
                ("duration", "4:30"),
                ("result", "answered"),
                ("body", "<script>alert(1)</script> wants a quote"),
            ],
        );
        let res = test::call_service(&app, send(&m1, &call)).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        assert_eq!(location(&res), format!("{contact_url}#timeline"));
        assert_eq!(
            cookie_value(&res, "crm_flash").as_deref(),
            Some("flash-activity-logged")
        );
        let html = page(&app, &m1, &contact_url).await;
        for shown in [
            "Incoming call",
            "4:30 min",
            "Answered",
            "2030-01-02 10:15 UTC",
            "&lt;script&gt;alert(1)",
            "wants a quote",
        ] {
            assert!(html.contains(shown), "the card shows {shown:?}");
        }
        assert!(!html.contains("<script>alert(1)"), "notes are escaped");
        let calls = timeline(&f, card, Some(ActivityKind::Call));
        assert_eq!(calls.len(), 1);
        assert_eq!(calls[0].duration_s, Some(270));
        let call_id = calls[0].id;

        // A note without text comes back on its own page with the error; nothing is stored.
        let res = test::call_service(&app, send(&m1, &on_card("note", &[("body", "   ")]))).await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = body_text(res).await;
        assert!(html.contains("Add a note"), "activities/form.html");
        assert!(html.contains("class=\"field-error\""));
        assert!(html.contains("This field is required"));
        assert!(html.contains("Anna Petrova"), "names the card");
        assert!(timeline(&f, card, Some(ActivityKind::Note)).is_empty());

        // A real note; the kind filter shows one kind only.
        let note = on_card("note", &[("body", "Sent the price list")]);
        let res = test::call_service(&app, send(&m1, &note)).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        let all = page(&app, &m1, &contact_url).await;
        assert!(all.contains("wants a quote") && all.contains("Sent the price list"));
        let calls = page(&app, &m1, &format!("{contact_url}?activity_kind=call")).await;
        assert!(calls.contains("wants a quote"));
        assert!(!calls.contains("Sent the price list"));
        let notes = page(&app, &m1, &format!("{contact_url}?activity_kind=note")).await;
        assert!(notes.contains("Sent the price list"));
        assert!(!notes.contains("wants a quote"));

        // The company's timeline shows its contact's call, marked as coming from there.
        let html = page(&app, &m1, &company_url).await;
        assert!(html.contains("wants a quote"));
        assert!(html.contains("from the contact’s card"));

        // Another manager neither sees the private card nor logs on it, even with a bad form.
        let before = timeline(&f, card, None).len();
        assert_eq!(
            status_of(&app, get(&m2, &contact_url)).await,
            StatusCode::NOT_FOUND
        );
        let res =
            test::call_service(&app, send(&m2, &on_card("note", &[("body", "Mine now")]))).await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND);
        let res = test::call_service(&app, send(&m2, &on_card("note", &[("body", "")]))).await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND);
        assert!(!body_text(res).await.contains("Anna Petrova"));
        assert_eq!(
            status_of(
                &app,
                post(&m2, &format!("/activities/{call_id}/delete"), &[])
            )
            .await,
            StatusCode::NOT_FOUND
        );
        assert_eq!(timeline(&f, card, None).len(), before);

        // On a card both may see, only the author deletes an entry.
        let (public_url, public_id) = created(
            &app,
            &m1,
            "/contacts",
            &[("name", "Open Door"), ("visible_to_all", "1")],
        )
        .await;
        let public = CardRef::Contact(public_id);
        let pid = public_id.to_string();
        let res = test::call_service(
            &app,
            post(
                &m1,
                "/activities",
                &[
                    ("card_kind", "contact"),
                    ("card_id", &pid),
                    ("kind", "note"),
                    ("body", "Visible to all"),
                ],
            ),
        )
        .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        let public_note = timeline(&f, public, Some(ActivityKind::Note))[0].id;
        let delete = format!("/activities/{public_note}/delete");
        let html = page(&app, &m2, &public_url).await;
        assert!(html.contains("Visible to all"));
        assert!(!html.contains(&delete), "no delete button for others");
        assert_eq!(
            status_of(&app, post(&m2, &delete, &[])).await,
            StatusCode::FORBIDDEN
        );
        assert_eq!(timeline(&f, public, Some(ActivityKind::Note)).len(), 1);
        // A delete without the session's token is refused too.
        let forged = test::TestRequest::post()
            .uri(&delete)
            .insert_header(("Cookie", m1.cookie.clone()))
            .set_form([("csrf_token", "0".repeat(64))])
            .to_request();
        assert_eq!(status_of(&app, forged).await, StatusCode::FORBIDDEN);
        assert_eq!(timeline(&f, public, Some(ActivityKind::Note)).len(), 1);

        // Long timelines come in pages; the older page keeps the filter.
        for i in 0..20 {
            let when = format!("2030-03-01T10:{i:02}");
            let body = format!("Paged note {i:02}");
            let res = test::call_service(
                &app,
                post(
                    &m1,
                    "/activities",
                    &[
                        ("card_kind", "contact"),
                        ("card_id", &pid),
                        ("kind", "note"),
                        ("occurred_at", &when),
                        ("body", &body),
                    ],
                ),
            )
            .await;
            assert_eq!(res.status(), StatusCode::SEE_OTHER);
        }
        for filter in ["", "?activity_kind=note"] {
            let html = page(&app, &m1, &format!("{public_url}{filter}")).await;
            assert!(html.contains("Paged note 19") && html.contains("Paged note 00"));
            assert!(!html.contains("Visible to all"), "on the older page");
            let older = older_link(&html);
            assert_eq!(older.contains("activity_kind=note"), !filter.is_empty());
            let html = page(&app, &m1, without_fragment(&older)).await;
            assert!(html.contains("Visible to all"));
            assert!(!html.contains("Paged note"));
            assert_eq!(html.contains("Card created"), filter.is_empty());
            assert!(!html.contains("timeline-more"), "the last page");
        }

        // The author deletes the call.
        let res = test::call_service(
            &app,
            post(&m1, &format!("/activities/{call_id}/delete"), &[]),
        )
        .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        assert_eq!(location(&res), format!("{contact_url}#timeline"));
        assert!(timeline(&f, card, Some(ActivityKind::Call)).is_empty());
        let html = page(&app, &m1, &contact_url).await;
        assert!(!html.contains("wants a quote"));
        assert!(html.contains("Sent the price list"));
    }
}

// ---------------------------------------------------------------------------------------------
// 2. Attachments

#[actix_rt::test]
async fn attachments_are_checked_kept_safely_and_served_sandboxed() {
    for db in TestStore::each() {
        let config = WebConfig {
            max_body_bytes: 64 * 1024,
            ..WebConfig::default()
        };
        let f = fixture_with(db, config);
        let app = app!(f);
        let root = f.state.files.clone();
        let m1 = sign_in(&app, "m1@example.com").await;
        let m2 = sign_in(&app, "m2@example.com").await;
        let (contact_url, contact_id) =
            created(&app, &m1, "/contacts", &[("name", "Scan Owner")]).await;
        let card = CardRef::Contact(contact_id);

        // A picture whose name tries to climb out of the folder keeps only its last part.
        let res = test::call_service(
            &app,
            upload(
                &m1,
                &m1.csrf,
                card,
                "Signed scan",
                "../../etc/passwd.png",
                PNG,
            ),
        )
        .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        assert_eq!(location(&res), format!("{contact_url}#timeline"));
        assert_eq!(
            cookie_value(&res, "crm_flash").as_deref(),
            Some("flash-files-attached")
        );
        let files = attachments_on(&f, card);
        assert_eq!(files.len(), 1);
        let file = &files[0];
        assert_eq!(file.file_name, "passwd.png");
        assert_eq!(file.content_type, "image/png");
        assert_eq!(file.size, PNG.len() as i64);
        assert_eq!(
            file.sha256,
            hex::encode(<sha2::Sha256 as sha2::Digest>::digest(PNG))
        );
        let html = page(&app, &m1, &contact_url).await;
        assert!(html.contains("alt=\"passwd.png\""));
        assert!(html.contains("Signed scan"));
        assert!(!html.contains("etc/passwd") && !html.contains("etc&#x2F;passwd"));

        // Served with its type, sandboxed, never sniffed.
        let url = format!("/attachments/{}", file.id);
        assert!(html.contains(&format!("href=\"{url}\"")));
        let res = test::call_service(&app, get(&m1, &url)).await;
        assert_eq!(res.status(), StatusCode::OK);
        let header = |name: &str| {
            res.headers()
                .get(name)
                .map(|v| v.to_str().unwrap().to_string())
                .unwrap_or_default()
        };
        assert_eq!(header("content-type"), "image/png");
        assert!(header("content-security-policy").contains("sandbox"));
        assert_eq!(header("x-content-type-options"), "nosniff");
        assert!(header("content-disposition").contains("filename=\"passwd.png\""));
        assert_eq!(test::read_body(res).await.as_ref(), PNG);

        // On disk: one file, under a random key inside the folder, nothing left in tmp/.
        let on_disk = files_under(&root);
        assert_eq!(on_disk.len(), 1, "{on_disk:?}");
        let canonical_root = root.canonicalize().unwrap();
        let stored = on_disk[0].canonicalize().unwrap();
        assert!(stored.starts_with(&canonical_root));
        assert!(!stored.starts_with(canonical_root.join("tmp")));
        assert!(!stored.to_string_lossy().contains("passwd"));
        assert_eq!(std::fs::read(&stored).unwrap(), PNG);

        // Refusals: empty, content not matching the name, too large, a forged token. Each
        // leaves no record and no file behind.
        for (name, content, flash, message) in [
            (
                "empty.txt",
                &b""[..],
                "error-upload-empty",
                "The file is empty.",
            ),
            (
                "invoice.pdf",
                &b"just text, no PDF here"[..],
                "error-upload-type-mismatch",
                "The file’s content does not match its type.",
            ),
        ] {
            let res =
                test::call_service(&app, upload(&m1, &m1.csrf, card, "", name, content)).await;
            assert_eq!(res.status(), StatusCode::SEE_OTHER, "{name}");
            assert_eq!(location(&res), format!("{contact_url}#timeline"));
            assert_eq!(cookie_value(&res, "crm_flash").as_deref(), Some(flash));
            // The card then says why.
            let res = test::call_service(
                &app,
                test::TestRequest::get()
                    .uri(&contact_url)
                    .insert_header(("Cookie", format!("{}; crm_flash={flash}", m1.cookie)))
                    .to_request(),
            )
            .await;
            let html = body_text(res).await;
            assert!(html.contains(message), "{name}: {message}");
            assert!(!html.contains(name), "{name} is not on the card");
        }
        // Several files are kept all or none.
        let res = test::call_service(
            &app,
            upload_many(
                &m1,
                &m1.csrf,
                card,
                "",
                &[("good.png", PNG), ("empty.txt", b"")],
            ),
        )
        .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        assert_eq!(
            cookie_value(&res, "crm_flash").as_deref(),
            Some("error-upload-empty")
        );
        let big = vec![b'x'; 100 * 1024];
        let res = test::call_service(&app, upload(&m1, &m1.csrf, card, "", "big.bin", &big)).await;
        assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);
        let res = test::call_service(
            &app,
            upload(&m1, &"0".repeat(64), card, "", "forged.png", PNG),
        )
        .await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN);
        assert_eq!(attachments_on(&f, card).len(), 1);
        assert_eq!(
            timeline(&f, card, Some(ActivityKind::File)).len(),
            1,
            "no empty file entry"
        );
        assert_eq!(files_under(&root).len(), 1, "{:?}", files_under(&root));
        assert!(files_under(&root.join("tmp")).is_empty());
        let html = page(&app, &m1, &contact_url).await;
        for name in ["good.png", "big.bin", "forged.png"] {
            assert!(!html.contains(name));
        }

        // Nobody else's: another manager can neither fetch nor attach.
        assert_eq!(status_of(&app, get(&m2, &url)).await, StatusCode::NOT_FOUND);
        let res = test::call_service(&app, upload(&m2, &m2.csrf, card, "", "x.png", PNG)).await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND);
        assert_eq!(attachments_on(&f, card).len(), 1);
        assert_eq!(files_under(&root).len(), 1);

        // Deleting the entry removes the file from disk too.
        let entry = file.activity_id;
        let res =
            test::call_service(&app, post(&m1, &format!("/activities/{entry}/delete"), &[])).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        assert_eq!(status_of(&app, get(&m1, &url)).await, StatusCode::NOT_FOUND);
        assert!(files_under(&root).is_empty());

        // A page is kept as plain text and downloaded, never shown as a page of this site.
        let script = b"<html><script>alert(document.cookie)</script></html>";
        let res =
            test::call_service(&app, upload(&m1, &m1.csrf, card, "", "page.html", script)).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        let page_file = attachments_on(&f, card)
            .into_iter()
            .find(|a| a.file_name == "page.html")
            .unwrap();
        assert_eq!(page_file.content_type, "text/plain; charset=utf-8");
        let res =
            test::call_service(&app, get(&m1, &format!("/attachments/{}", page_file.id))).await;
        assert_eq!(res.status(), StatusCode::OK);
        let header = |name: &str| {
            res.headers()
                .get(name)
                .unwrap()
                .to_str()
                .unwrap()
                .to_string()
        };
        assert_eq!(header("content-type"), "text/plain; charset=utf-8");
        assert!(header("content-disposition").starts_with("attachment;"));
        assert!(header("content-security-policy").contains("sandbox"));
        assert_eq!(test::read_body(res).await.as_ref(), script);

        // So does deleting the card, by page or by API: no client's file outlives its card.
        let res = test::call_service(&app, upload(&m1, &m1.csrf, card, "", "again.png", PNG)).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        let (_, company_id) = created(&app, &m1, "/companies", &[("name", "Files Ltd")]).await;
        let company = CardRef::Company(company_id);
        let res =
            test::call_service(&app, upload(&m1, &m1.csrf, company, "", "logo.png", PNG)).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        assert_eq!(files_under(&root).len(), 3);
        let res = test::call_service(&app, post(&m1, &format!("{contact_url}/delete"), &[])).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        assert_eq!(files_under(&root).len(), 1, "{:?}", files_under(&root));
        let token = token_for(&f.state.store, "m1@example.com");
        let res = test::call_service(
            &app,
            api(
                "DELETE",
                &format!("/api/v1/companies/{company_id}"),
                &token,
                None,
            ),
        )
        .await;
        assert_eq!(res.status(), StatusCode::NO_CONTENT);
        assert!(files_under(&root).is_empty(), "{:?}", files_under(&root));
    }
}

// ---------------------------------------------------------------------------------------------
// 3. Tasks

#[actix_rt::test]
async fn tasks_on_cards_and_my_tasks_sections() {
    for db in TestStore::each() {
        let f = fixture(db);
        let app = app!(f);
        let m1u = user(&f, "m1@example.com");
        let moscow = Zone::parse("Europe/Moscow").unwrap();
        f.state
            .store
            .set_time_zone(&m1u.actor(), m1u.id, moscow.name())
            .unwrap();
        let m1 = sign_in(&app, "m1@example.com").await;
        let (contact_url, contact_id) =
            created(&app, &m1, "/contacts", &[("name", "Boris Call-me")]).await;
        let cid = contact_id.to_string();

        // The form opens for the card.
        let html = page(
            &app,
            &m1,
            &format!("/tasks/new?card_kind=contact&card_id={cid}"),
        )
        .await;
        assert!(html.contains("Boris Call-me"));
        assert!(html.contains(&format!("name=\"card_id\" value=\"{cid}\"")));

        // Due in three days at 10:00 Moscow time.
        let today = moscow.date_of(Utc::now());
        let day = today + Duration::days(3);
        let due = local(day, "10:00");
        let (to, _) = created(
            &app,
            &m1,
            "/tasks",
            &[
                ("title", "Call Boris back"),
                ("due_at", &due),
                ("remind_before", "15"),
                ("card_kind", "contact"),
                ("card_id", &cid),
            ],
        )
        .await;
        assert_eq!(to, contact_url, "back to the card");
        let tasks = open_tasks(&f, &m1u);
        assert_eq!(tasks.len(), 1);
        let t = &tasks[0];
        assert_eq!(t.due_at, Some(utc_of(moscow, day, "10:00")));
        assert_eq!(
            t.remind_at,
            Some(utc_of(moscow, day, "10:00") - Duration::minutes(15))
        );
        assert_eq!(t.assignee_id, Some(m1u.id));
        assert_eq!(
            t.card.as_ref().map(|c| c.card),
            Some(CardRef::Contact(contact_id))
        );
        let card_html = page(&app, &m1, &contact_url).await;
        assert!(card_html.contains("Call Boris back"));
        assert!(card_html.contains(&format!("href=\"/tasks/{}\"", t.id)));

        // The edit form shows the deadline in the user's zone; saving it back keeps the moment.
        let edit = page(&app, &m1, &format!("/tasks/{}/edit", t.id)).await;
        assert!(edit.contains(&format!("value=\"{due}\"")), "local deadline");
        let res = test::call_service(
            &app,
            post(
                &m1,
                &format!("/tasks/{}", t.id),
                &[
                    ("title", "Call Boris back today"),
                    ("due_at", &due),
                    ("remind_before", "15"),
                    ("card_kind", "contact"),
                    ("card_id", &cid),
                ],
            ),
        )
        .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        let saved = task(&f, t.id);
        assert_eq!(saved.title, "Call Boris back today");
        assert_eq!((saved.due_at, saved.remind_at), (t.due_at, t.remind_at));

        // One overdue since yesterday.
        created(
            &app,
            &m1,
            "/tasks",
            &[
                ("title", "Send the contract"),
                ("due_at", &local(today - Duration::days(1), "09:00")),
            ],
        )
        .await;
        let html = page(&app, &m1, "/tasks").await;
        let upcoming = section(&html, "upcoming");
        assert!(upcoming.contains("Call Boris back"));
        assert!(upcoming.contains(&format!("{day} 10:00 MSK")));
        assert!(upcoming.contains("Boris Call-me"), "links its card");
        assert!(!upcoming.contains("Send the contract"));
        let overdue = section(&html, "overdue");
        assert!(overdue.contains("Send the contract"));
        assert!(!overdue.contains("Call Boris back"));
        assert!(section(&html, "today").is_empty());

        // Mistakes come back with the form; nothing is stored.
        let res = test::call_service(
            &app,
            post(
                &m1,
                "/tasks",
                &[
                    ("title", ""),
                    ("remind_before", "15"),
                    ("repeat_days", "2"),
                    ("due_at", ""),
                ],
            ),
        )
        .await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = body_text(res).await;
        assert!(html.contains("This field is required"));
        assert!(html.contains("A reminder needs a deadline."));
        assert!(html.contains("A repeating task needs a deadline."));
        let res = test::call_service(
            &app,
            post(&m1, "/tasks", &[("title", "When?"), ("due_at", "tomorrow")]),
        )
        .await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(body_text(res).await.contains("value=\"tomorrow\""), "kept");
        assert_eq!(open_tasks(&f, &m1u).len(), 2);

        // A card the user may not see cannot be linked.
        let m2 = sign_in(&app, "m2@example.com").await;
        let res = test::call_service(
            &app,
            post(
                &m2,
                "/tasks",
                &[
                    ("title", "Spy"),
                    ("card_kind", "contact"),
                    ("card_id", &cid),
                ],
            ),
        )
        .await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(!body_text(res).await.contains("Boris Call-me"));
        assert!(open_tasks(&f, &user(&f, "m2@example.com")).is_empty());
    }
}

#[actix_rt::test]
async fn assigned_tasks_notify_comment_and_complete() {
    for db in TestStore::each() {
        let f = fixture(db);
        let app = app!(f);
        let (m1u, m2u) = (user(&f, "m1@example.com"), user(&f, "m2@example.com"));
        let m1 = sign_in(&app, "m1@example.com").await;
        let m2 = sign_in(&app, "m2@example.com").await;
        assert_eq!(bell_count(&page(&app, &m2, "/tasks").await), 0);

        // Assigning a task rings the assignee's bell.
        let assignee = m2u.id.to_string();
        let (to, id) = created(
            &app,
            &m1,
            "/tasks",
            &[("title", "Prepare the offer"), ("assignee_id", &assignee)],
        )
        .await;
        assert_eq!(to, format!("/tasks/{id}"));
        let html = page(&app, &m2, "/tasks").await;
        assert_eq!(bell_count(&html), 1);
        assert!(section(&html, "undated").contains("Prepare the offer"));
        assert_eq!(bell_count(&page(&app, &m1, "/tasks").await), 0);
        let notes = f.state.store.notifications(&m2u.actor(), None, 10).unwrap();
        assert_eq!(notes[0].kind, "task_assigned");
        assert_eq!(notes[0].link, format!("/tasks/{id}"));
        assert!(
            !page(&app, &m1, "/tasks")
                .await
                .contains("Prepare the offer")
        );

        // Comments tell the other party, not the writer.
        let task_url = format!("/tasks/{id}");
        let comments = format!("{task_url}/comments");
        let res =
            test::call_service(&app, post(&m2, &comments, &[("body", "Which prices?")])).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        assert_eq!(location(&res), task_url);
        assert_eq!((unread(&f, &m1u), unread(&f, &m2u)), (1, 1));
        let res =
            test::call_service(&app, post(&m1, &comments, &[("body", "The <new> ones")])).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        assert_eq!((unread(&f, &m1u), unread(&f, &m2u)), (1, 2));
        let m1_notes = f.state.store.notifications(&m1u.actor(), None, 10).unwrap();
        assert_eq!(m1_notes[0].kind, "task_comment");
        let res = test::call_service(&app, post(&m1, &comments, &[("body", "  ")])).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        assert_eq!(
            cookie_value(&res, "crm_flash").as_deref(),
            Some("error-required")
        );
        let html = page(&app, &m2, &task_url).await;
        assert!(html.contains("Which prices?"));
        assert!(html.contains("The &lt;new&gt; ones"));
        assert_eq!(
            f.state
                .store
                .task_comments(&Actor::system(), id)
                .unwrap()
                .len(),
            2
        );

        // Done, not twice; reopened; deleted.
        let res = test::call_service(&app, post(&m2, &format!("{task_url}/done"), &[])).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        assert!(task(&f, id).done_at.is_some());
        assert!(section(&page(&app, &m2, "/tasks").await, "undated").is_empty());
        assert!(page(&app, &m2, &task_url).await.contains("Reopen"));
        assert_eq!(
            status_of(&app, post(&m2, &format!("{task_url}/done"), &[])).await,
            StatusCode::CONFLICT
        );
        let res = test::call_service(&app, post(&m2, &format!("{task_url}/reopen"), &[])).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        assert!(task(&f, id).done_at.is_none());
        let res = test::call_service(&app, post(&m1, &format!("{task_url}/delete"), &[])).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        assert_eq!(location(&res), "/tasks");
        for b in [&m1, &m2] {
            assert_eq!(
                status_of(&app, get(b, &task_url)).await,
                StatusCode::NOT_FOUND
            );
        }
    }
}

#[actix_rt::test]
async fn a_repeating_task_comes_back_when_done() {
    for db in TestStore::each() {
        let f = fixture(db);
        let app = app!(f);
        let m1u = user(&f, "m1@example.com");
        let berlin = Zone::parse("Europe/Berlin").unwrap();
        f.state
            .store
            .set_time_zone(&m1u.actor(), m1u.id, berlin.name())
            .unwrap();
        let m1 = sign_in(&app, "m1@example.com").await;
        let day = berlin.date_of(Utc::now()) + Duration::days(1);
        let (_, id) = created(
            &app,
            &m1,
            "/tasks",
            &[
                ("title", "Call until answered"),
                ("due_at", &local(day, "11:00")),
                ("remind_before", "30"),
                ("repeat_days", "2"),
            ],
        )
        .await;
        let res = test::call_service(&app, post(&m1, &format!("/tasks/{id}/done"), &[])).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        let next_id = id_in(&location(&res));
        assert_ne!(next_id, id, "leads to the next occurrence");
        assert!(task(&f, id).done_at.is_some());
        let next = task(&f, next_id);
        assert!(next.done_at.is_none());
        assert_eq!(next.title, "Call until answered");
        let next_day = day + Duration::days(2);
        assert_eq!(next.due_at, Some(utc_of(berlin, next_day, "11:00")));
        assert_eq!(next.remind_before_min, Some(30));
        assert_eq!(next.repeat_days, Some(2));
        let html = page(&app, &m1, "/tasks").await;
        assert!(section(&html, "upcoming").contains(&format!("{next_day} 11:00")));
        assert_eq!(open_tasks(&f, &m1u).len(), 1);
        // "Done, stop repeating" ends the series.
        let res = test::call_service(
            &app,
            post(&m1, &format!("/tasks/{next_id}/done"), &[("stop", "1")]),
        )
        .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        assert!(open_tasks(&f, &m1u).is_empty());
    }
}

#[actix_rt::test]
async fn department_heads_see_their_peoples_tasks() {
    for db in TestStore::each() {
        let f = fixture(db);
        let app = app!(f);
        let (m1u, m2u) = (user(&f, "m1@example.com"), user(&f, "m2@example.com"));
        add_manager(&f, "m3@example.com");
        let admin = user(&f, "admin@example.com").actor();
        let dept = f
            .state
            .store
            .save_department(&admin, "Sales", Some(m1u.id))
            .unwrap();
        f.state
            .store
            .set_user_department(&admin, m2u.id, Some(dept.id))
            .unwrap();
        let head = sign_in(&app, "m1@example.com").await;
        let member = sign_in(&app, "m2@example.com").await;
        let outsider = sign_in(&app, "m3@example.com").await;
        let (task_url, _) =
            created(&app, &member, "/tasks", &[("title", "Visit the warehouse")]).await;

        let html = page(&app, &head, "/tasks?who=department").await;
        assert!(html.contains("Department tasks"));
        assert!(html.contains("Visit the warehouse"));
        assert!(html.contains("m2"), "names the assignee");
        assert!(
            !page(&app, &head, "/tasks")
                .await
                .contains("Visit the warehouse")
        );
        assert!(
            page(&app, &head, &task_url)
                .await
                .contains("Visit the warehouse")
        );

        assert_eq!(
            status_of(&app, get(&outsider, &task_url)).await,
            StatusCode::NOT_FOUND
        );
        assert!(
            !page(&app, &outsider, "/tasks?who=department")
                .await
                .contains("Visit the warehouse")
        );
        for action in ["done", "delete"] {
            assert_eq!(
                status_of(&app, post(&outsider, &format!("{task_url}/{action}"), &[])).await,
                StatusCode::NOT_FOUND
            );
        }
        assert!(task(&f, id_in(&task_url)).done_at.is_none());
    }
}

// ---------------------------------------------------------------------------------------------
// 4. Profile

#[actix_rt::test]
async fn the_profiles_time_zone_changes_how_times_read() {
    for db in TestStore::each() {
        let f = fixture(db);
        let app = app!(f);
        let m1 = sign_in(&app, "m1@example.com").await;
        let (task_url, id) = created(
            &app,
            &m1,
            "/tasks",
            &[("title", "Morning call"), ("due_at", "2030-01-15T03:00")],
        )
        .await;
        let due = at("2030-01-15T03:00:00Z");
        assert_eq!(task(&f, id).due_at, Some(due));
        assert!(
            page(&app, &m1, &task_url)
                .await
                .contains("2030-01-15 03:00 UTC")
        );

        let res = test::call_service(
            &app,
            post(
                &m1,
                "/profile",
                &[("locale", "en"), ("time_zone", "Asia/Tokyo")],
            ),
        )
        .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        assert_eq!(location(&res), "/profile");
        assert_eq!(user(&f, "m1@example.com").time_zone, "Asia/Tokyo");
        let html = page(&app, &m1, &task_url).await;
        assert!(
            html.contains("2030-01-15 12:00 JST"),
            "the same moment in Tokyo"
        );
        assert!(!html.contains("03:00 UTC"));
        assert!(
            page(&app, &m1, "/tasks")
                .await
                .contains("2030-01-15 12:00 JST")
        );
        assert_eq!(task(&f, id).due_at, Some(due), "storage is unchanged");
        let profile = page(&app, &m1, "/profile").await;
        assert!(
            profile.contains("<option selected>Asia/Tokyo</option>")
                || profile.contains("<option selected>Asia&#x2F;Tokyo</option>")
        );

        // An unknown zone is refused next to its field; the saved one stays.
        let res = test::call_service(
            &app,
            post(
                &m1,
                "/profile",
                &[("locale", "en"), ("time_zone", "Mars/Olympus")],
            ),
        )
        .await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = body_text(res).await;
        assert!(html.contains("Pick a time zone from the list."));
        assert!(html.contains("id=\"f-time_zone-error\""));
        let res = test::call_service(
            &app,
            post(&m1, "/profile", &[("locale", "xx"), ("time_zone", "")]),
        )
        .await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let u = user(&f, "m1@example.com");
        assert_eq!(
            (u.time_zone.as_str(), u.locale.as_str()),
            ("Asia/Tokyo", "en")
        );
    }
}

// ---------------------------------------------------------------------------------------------
// 5. Notifications

#[actix_rt::test]
async fn notifications_in_the_readers_language_read_and_streamed() {
    for db in TestStore::each() {
        let f = fixture(db);
        let app = app!(f);
        let m1u = user(&f, "m1@example.com");
        let admin = sign_in(&app, "admin@example.com").await;
        let m1 = sign_in(&app, "m1@example.com").await;
        let m2 = sign_in(&app, "m2@example.com").await;
        let res = test::call_service(
            &app,
            post(&m1, "/profile", &[("locale", "ru"), ("time_zone", "")]),
        )
        .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);

        let assignee = m1u.id.to_string();
        let (task_url, _) = created(
            &app,
            &admin,
            "/tasks",
            &[("title", "Позвонить клиенту"), ("assignee_id", &assignee)],
        )
        .await;
        let res = test::call_service(
            &app,
            post(
                &admin,
                &format!("{task_url}/comments"),
                &[("body", "Срочно")],
            ),
        )
        .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);

        let html = page(&app, &m1, "/notifications").await;
        assert!(html.contains("lang=\"ru\""));
        assert!(html.contains("admin: вам поручена задача «Позвонить клиенту»"));
        assert!(html.contains("admin: новый комментарий к задаче «Позвонить клиенту»"));
        assert_eq!(bell_count(&html), 2);

        // The live stream starts with the count.
        let res = test::call_service(&app, get(&m1, "/notifications/stream")).await;
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(
            res.headers().get("content-type").unwrap(),
            "text/event-stream"
        );
        let mut stream = std::pin::pin!(res.into_body());
        let first = unread_event(&next_chunk(stream.as_mut()).await);
        assert_eq!(first["unread"], 2);
        assert!(first["latest"].is_null(), "nothing new yet");
        // A notice sent meanwhile arrives on the open stream, with its text.
        let draft = crm_core::TaskInput {
            title: "Отправить счёт".into(),
            assignee_id: m1u.id.to_string(),
            ..Default::default()
        }
        .validate(Zone::UTC)
        .unwrap();
        let admin_actor = user(&f, "admin@example.com").actor();
        f.state.store.create_task(&admin_actor, &draft).unwrap();
        let pushed = unread_event(&next_chunk(stream.as_mut()).await);
        assert_eq!(pushed["unread"], 3);
        assert_eq!(
            pushed["latest"]["text"],
            "admin: вам поручена задача «Отправить счёт»"
        );

        // Reading one follows its link; it is nobody else's to read.
        let notes = f.state.store.notifications(&m1u.actor(), None, 10).unwrap();
        let assigned = notes
            .iter()
            .find(|n| n.kind == "task_assigned" && n.link == task_url)
            .unwrap();
        let read = format!("/notifications/{}/read", assigned.id);
        assert_eq!(
            status_of(&app, post(&m2, &read, &[])).await,
            StatusCode::NOT_FOUND
        );
        assert_eq!(unread(&f, &m1u), 3);
        let res = test::call_service(&app, post(&m1, &read, &[])).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        assert_eq!(location(&res), task_url);
        let after = f
            .state
            .store
            .notification(&m1u.actor(), assigned.id)
            .unwrap();
        assert!(after.read_at.is_some());
        assert_eq!(unread(&f, &m1u), 2);
        assert_eq!(bell_count(&page(&app, &m1, "/notifications").await), 2);

        // All read: the bell goes quiet, and so does the stream.
        let res = test::call_service(&app, post(&m1, "/notifications/read-all", &[])).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        assert_eq!(location(&res), "/notifications");
        assert_eq!(unread(&f, &m1u), 0);
        let html = page(&app, &m1, "/notifications").await;
        assert_eq!(bell_count(&html), 0);
        assert!(!html.contains("is-unread"));
        let res = test::call_service(&app, get(&m1, "/notifications/stream")).await;
        let body = std::pin::pin!(res.into_body());
        assert_eq!(unread_event(&next_chunk(body).await)["unread"], 0);
    }
}

// ---------------------------------------------------------------------------------------------
// 6. Calendar

#[actix_rt::test]
async fn the_calendar_shows_and_moves_tasks() {
    for db in TestStore::each() {
        let f = fixture(db);
        let app = app!(f);
        let (m1u, m2u) = (user(&f, "m1@example.com"), user(&f, "m2@example.com"));
        let berlin = Zone::parse("Europe/Berlin").unwrap();
        f.state
            .store
            .set_time_zone(&m1u.actor(), m1u.id, berlin.name())
            .unwrap();
        let m1 = sign_in(&app, "m1@example.com").await;
        let m2 = sign_in(&app, "m2@example.com").await;
        // Friday before the spring change (31 March 2030): 10:00 CET.
        let (_, id) = created(
            &app,
            &m1,
            "/tasks",
            &[
                ("title", "Demo at the client"),
                ("due_at", "2030-03-29T10:00"),
            ],
        )
        .await;
        assert_eq!(task(&f, id).due_at, Some(at("2030-03-29T09:00:00Z")));

        let week = page(&app, &m1, "/calendar?view=week&date=2030-03-27").await;
        let cell = day_cell(&week, "2030-03-29");
        assert!(cell.contains("Demo at the client") && cell.contains("10:00"));
        assert!(!day_cell(&week, "2030-03-28").contains("Demo at the client"));
        let month = page(&app, &m1, "/calendar?view=month&date=2030-03-01").await;
        assert!(day_cell(&month, "2030-03-29").contains("Demo at the client"));
        assert!(!day_cell(&month, "2030-03-30").contains("Demo at the client"));

        // Dragged to the Tuesday after the change: still 10:00 local, now CEST.
        let sid = id.to_string();
        let res = test::call_service(
            &app,
            post(
                &m1,
                "/calendar/move",
                &[("kind", "task"), ("id", &sid), ("date", "2030-04-02")],
            ),
        )
        .await;
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(json_of(res).await, json!({"ok": true}));
        assert_eq!(task(&f, id).due_at, Some(at("2030-04-02T08:00:00Z")));
        let week = page(&app, &m1, "/calendar?view=week&date=2030-04-02").await;
        let cell = day_cell(&week, "2030-04-02");
        assert!(cell.contains("Demo at the client") && cell.contains("10:00"));

        // Someone else's task is not there to move; a bad date is refused.
        let (_, other) = created(
            &app,
            &m2,
            "/tasks",
            &[("title", "Private"), ("due_at", "2030-03-29T12:00")],
        )
        .await;
        let before = task(&f, other).due_at;
        let oid = other.to_string();
        let res = test::call_service(
            &app,
            post(
                &m1,
                "/calendar/move",
                &[("kind", "task"), ("id", &oid), ("date", "2030-04-02")],
            ),
        )
        .await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND);
        assert_eq!(json_of(res).await["error"]["code"], "not_found");
        assert_eq!(task(&f, other).due_at, before);
        assert_eq!(task(&f, other).assignee_id, Some(m2u.id));
        let res = test::call_service(
            &app,
            post(
                &m1,
                "/calendar/move",
                &[("kind", "task"), ("id", &sid), ("date", "02.04.2030")],
            ),
        )
        .await;
        assert_eq!(res.status(), StatusCode::BAD_REQUEST);
        assert!(
            !page(&app, &m1, "/calendar?view=month&date=2030-03-01")
                .await
                .contains("Private")
        );
    }
}

// ---------------------------------------------------------------------------------------------
// 7. The API

#[actix_rt::test]
async fn api_timeline_tasks_and_notifications() {
    for db in TestStore::each() {
        let f = fixture(db);
        let app = app!(f);
        let (m1u, m2u) = (user(&f, "m1@example.com"), user(&f, "m2@example.com"));
        let m1 = token_for(&f.state.store, "m1@example.com");
        let m2 = token_for(&f.state.store, "m2@example.com");
        let admin = f.admin_token.clone();
        let res = test::call_service(
            &app,
            api(
                "POST",
                "/api/v1/contacts",
                &m1,
                Some(json!({"name": "Clara"})),
            ),
        )
        .await;
        assert_eq!(res.status(), StatusCode::CREATED);
        let contact = json_of(res).await["id"].as_i64().unwrap();

        // Log a call: 201 with where it lives.
        let res = test::call_service(
            &app,
            api(
                "POST",
                "/api/v1/activities",
                &m1,
                Some(json!({
                    "card_kind": "contact", "card_id": contact, "kind": "call",
                    "occurred_at": "2030-02-01T09:00:00+03:00", "duration": "270s",
                    "result": "answered"
                })),
            ),
        )
        .await;
        assert_eq!(res.status(), StatusCode::CREATED);
        let loc = location(&res);
        let call = json_of(res).await;
        assert_eq!(loc, format!("/api/v1/activities/{}", call["id"]));
        assert_eq!(call["duration_s"], 270);
        assert_eq!(call["direction"], "out");
        assert_eq!(
            at(call["occurred_at"].as_str().unwrap()),
            at("2030-02-01T06:00:00Z")
        );
        let res = test::call_service(&app, api("GET", &loc, &m1, None)).await;
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(json_of(res).await["id"], call["id"]);
        for day in ["02", "03", "04"] {
            let res = test::call_service(
                &app,
                api(
                    "POST",
                    "/api/v1/activities",
                    &m1,
                    Some(json!({
                        "card_kind": "contact", "card_id": contact, "kind": "note",
                        "occurred_at": format!("2030-02-{day}T12:00:00Z"), "body": format!("Note {day}")
                    })),
                ),
            )
            .await;
            assert_eq!(res.status(), StatusCode::CREATED);
        }

        // Pages of two, newest first, until `next` runs out: three notes, the call, "created".
        let mut kinds = Vec::new();
        let mut ids = Vec::new();
        let mut uri = format!("/api/v1/activities?card_kind=contact&card_id={contact}&limit=2");
        for _ in 0..5 {
            let res = test::call_service(&app, api("GET", &uri, &m1, None)).await;
            assert_eq!(res.status(), StatusCode::OK);
            let page = json_of(res).await;
            let items = page["items"].as_array().unwrap();
            assert!(items.len() <= 2);
            for a in items {
                kinds.push(a["kind"].as_str().unwrap().to_string());
                ids.push(a["id"].as_i64().unwrap());
            }
            match page["next"].as_str() {
                Some(next) => {
                    uri = format!(
                        "/api/v1/activities?card_kind=contact&card_id={contact}&limit=2&before={next}"
                    );
                }
                None => break,
            }
        }
        assert_eq!(kinds, ["note", "note", "note", "call", "event"]);
        let mut unique = ids.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), 5);
        let res = test::call_service(
            &app,
            api(
                "GET",
                &format!("/api/v1/activities?card_kind=contact&card_id={contact}&kind=call"),
                &m1,
                None,
            ),
        )
        .await;
        let only = json_of(res).await;
        assert_eq!(only["items"].as_array().unwrap().len(), 1);
        assert!(only["next"].is_null());

        // Bad input: JSON errors naming the field; other managers see nothing.
        let res = test::call_service(
            &app,
            api(
                "POST",
                "/api/v1/activities",
                &m1,
                Some(json!({"card_kind": "contact", "card_id": contact, "kind": "tweet"})),
            ),
        )
        .await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let err = json_of(res).await;
        assert_eq!(err["error"]["code"], "invalid");
        assert!(err["error"]["fields"]["kind"].is_string(), "{err}");
        let res = test::call_service(
            &app,
            api(
                "GET",
                &format!("/api/v1/activities?card_kind=contact&card_id={contact}&kind=tweet"),
                &m1,
                None,
            ),
        )
        .await;
        assert_eq!(res.status(), StatusCode::BAD_REQUEST);
        assert_eq!(json_of(res).await["error"]["code"], "bad_request");
        let res = test::call_service(
            &app,
            api(
                "GET",
                &format!("/api/v1/activities?card_kind=contact&card_id={contact}"),
                &m2,
                None,
            ),
        )
        .await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND);
        assert_eq!(
            status_of(&app, api("GET", &loc, &m2, None)).await,
            StatusCode::NOT_FOUND
        );
        assert_eq!(timeline(&f, CardRef::Contact(contact), None).len(), 5);

        // A repeating task for m1 from the admin, due in RFC 3339.
        let res = test::call_service(
            &app,
            api(
                "POST",
                "/api/v1/tasks",
                &admin,
                Some(json!({
                    "title": "Call Clara again", "assignee_id": m1u.id,
                    "due_at": "2030-05-01T10:00:00+03:00", "remind_before": 30,
                    "repeat_days": 3, "card_kind": "contact", "card_id": contact
                })),
            ),
        )
        .await;
        assert_eq!(res.status(), StatusCode::CREATED);
        let loc = location(&res);
        let t = json_of(res).await;
        let id = t["id"].as_i64().unwrap();
        assert_eq!(loc, format!("/api/v1/tasks/{id}"));
        assert_eq!(
            at(t["due_at"].as_str().unwrap()),
            at("2030-05-01T07:00:00Z")
        );
        assert_eq!(
            at(t["remind_at"].as_str().unwrap()),
            at("2030-05-01T06:30:00Z")
        );
        assert_eq!(t["assignee_id"], m1u.id);

        // PATCH changes what it names and nothing else.
        let res = test::call_service(
            &app,
            api(
                "PATCH",
                &loc,
                &m1,
                Some(json!({"title": "Call Clara, then write"})),
            ),
        )
        .await;
        assert_eq!(res.status(), StatusCode::OK);
        let p = json_of(res).await;
        assert_eq!(p["title"], "Call Clara, then write");
        for k in [
            "due_at",
            "remind_at",
            "remind_before_min",
            "repeat_days",
            "assignee_id",
            "author_id",
            "card",
        ] {
            assert_eq!(p[k], t[k], "{k} unchanged");
        }
        let res = test::call_service(
            &app,
            api(
                "PATCH",
                &loc,
                &m1,
                Some(json!({"due_at": "2030-05-02T08:00:00Z"})),
            ),
        )
        .await;
        assert_eq!(res.status(), StatusCode::OK);
        let p = json_of(res).await;
        assert_eq!(
            at(p["due_at"].as_str().unwrap()),
            at("2030-05-02T08:00:00Z")
        );
        assert_eq!(
            at(p["remind_at"].as_str().unwrap()),
            at("2030-05-02T07:30:00Z")
        );
        assert_eq!(p["title"], "Call Clara, then write");
        let res = test::call_service(
            &app,
            api("PATCH", &loc, &m1, Some(json!({"due_at": "soon"}))),
        )
        .await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(json_of(res).await["error"]["fields"]["due_at"].is_string());

        // Done: the answer carries the next occurrence, three days on.
        let res = test::call_service(&app, api("POST", &format!("{loc}/done"), &m1, None)).await;
        assert_eq!(res.status(), StatusCode::OK);
        let done = json_of(res).await;
        assert!(done["task"]["done_at"].is_string());
        let next = &done["next"];
        assert_eq!(
            at(next["due_at"].as_str().unwrap()),
            at("2030-05-05T08:00:00Z")
        );
        assert_eq!(next["title"], "Call Clara, then write");
        assert_eq!(next["repeat_days"], 3);
        let res = test::call_service(&app, api("GET", "/api/v1/tasks", &m1, None)).await;
        let open = json_of(res).await;
        assert_eq!(open["items"].as_array().unwrap().len(), 1);
        assert_eq!(open["items"][0]["id"], next["id"]);

        // The assignee's notifications, with a text.
        let res = test::call_service(&app, api("GET", "/api/v1/notifications", &m1, None)).await;
        assert_eq!(res.status(), StatusCode::OK);
        let notes = json_of(res).await;
        assert_eq!(notes["unread"], 1);
        assert_eq!(notes["items"][0]["kind"], "task_assigned");
        assert_eq!(
            notes["items"][0]["text"],
            "admin gave you a task: “Call Clara again”"
        );
        let res = test::call_service(&app, api("GET", "/api/v1/notifications", &m2, None)).await;
        assert_eq!(json_of(res).await["items"], json!([]));

        // Another manager's token reaches none of it.
        let next_loc = format!("/api/v1/tasks/{}", next["id"]);
        for (method, uri, body) in [
            ("GET", loc.clone(), None),
            ("GET", next_loc.clone(), None),
            ("PATCH", next_loc.clone(), Some(json!({"title": "Mine"}))),
            ("POST", format!("{next_loc}/done"), None),
            ("DELETE", next_loc.clone(), None),
        ] {
            let res = test::call_service(&app, api(method, &uri, &m2, body)).await;
            assert_eq!(res.status(), StatusCode::NOT_FOUND, "{method} {uri}");
            assert_eq!(json_of(res).await["error"]["code"], "not_found");
        }
        let res = test::call_service(
            &app,
            api(
                "GET",
                &format!("/api/v1/tasks?assignee_id={}", m1u.id),
                &m2,
                None,
            ),
        )
        .await;
        assert_eq!(json_of(res).await["items"], json!([]));
        assert_eq!(
            task(&f, next["id"].as_i64().unwrap()).title,
            "Call Clara, then write"
        );
        assert!(open_tasks(&f, &m2u).is_empty());
    }
}
