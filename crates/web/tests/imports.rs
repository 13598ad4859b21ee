#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Importing in the browser: upload, the guessed mapping with a preview that shows each row's
//! problems, the import run by the worker's code, the report and its CSV of failures, undo;
//! refusals of files that are not tables and of users who are not administrators.

use std::sync::atomic::AtomicBool;

use actix_web::http::StatusCode;
use actix_web::test;
use crm_core::ListQuery;
use crm_store::testing::TestStore;
use crm_web::importer::{self, Ended};

mod common;

use common::*;

const BOUNDARY: &str = "----crm-import-test";

fn upload(b: &Browser, file_name: &str, content: &[u8]) -> actix_http::Request {
    upload_kind(b, "", file_name, content)
}

/// An upload with the kind chosen on the form (none: the form's default, contacts).
fn upload_kind(b: &Browser, kind: &str, file_name: &str, content: &[u8]) -> actix_http::Request {
    let kind = if kind.is_empty() {
        String::new()
    } else {
        format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"kind\"\r\n\r\n{kind}\r\n")
    };
    let mut body = format!(
        "{kind}--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n{}\r\n\
         --{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\n\
         Content-Type: application/octet-stream\r\n\r\n",
        b.csrf
    )
    .into_bytes();
    body.extend_from_slice(content);
    body.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    test::TestRequest::post()
        .uri("/imports")
        .insert_header(("Cookie", b.cookie.clone()))
        .insert_header((
            "Content-Type",
            format!("multipart/form-data; boundary={BOUNDARY}"),
        ))
        .set_payload(body)
        .to_request()
}

fn location<B>(res: &actix_web::dev::ServiceResponse<B>) -> String {
    res.headers()
        .get("location")
        .unwrap()
        .to_str()
        .unwrap()
        .to_string()
}

/// A semicolon CSV in Windows-1251 as 1C and Russian Excel write it.
fn cp1251_csv() -> Vec<u8> {
    let text = "ФИО;Телефон;Эл. почта;Компания\r\n\
                Петрова Анна;8 (495) 123-45-67;anna@example.ru;ООО Ромашка\r\n\
                Иванов Иван;12;ivan@example.ru;ООО Ромашка\r\n\
                Анна П.;;ANNA@example.ru;\r\n";
    let (bytes, _, _) = encoding_rs::WINDOWS_1251.encode(text);
    bytes.into_owned()
}

#[actix_rt::test]
async fn a_file_is_mapped_previewed_imported_reported_and_undone() {
    for db in TestStore::each() {
        let f = fixture(db);
        let app = app!(f);
        let admin = sign_in(&app, "admin@example.com").await;
        let res = test::call_service(&app, upload(&admin, "clients.csv", &cp1251_csv())).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        let page = location(&res);
        assert!(page.starts_with("/imports/"), "{page}");
        let id: i64 = page.trim_start_matches("/imports/").parse().unwrap();

        let html = body_text(test::call_service(&app, get(&admin, &page)).await).await;
        assert!(html.contains("windows-1251"), "the encoding is detected");
        for (col, field) in [(0, "name"), (1, "phone"), (2, "email"), (3, "company")] {
            assert!(
                html.contains(&format!("name=\"map_{col}\""))
                    && html.contains(&format!("<option value=\"{field}\" selected>")),
                "column {col} guessed as {field}"
            );
        }
        assert!(html.contains("Петрова Анна"), "the preview shows the rows");
        assert!(
            html.contains("Телефон: This does not look like a phone number."),
            "and the problem of row 3"
        );

        let start = post(
            &admin,
            &page,
            &[
                ("map_0", "name"),
                ("map_1", "phone"),
                ("map_2", "email"),
                ("map_3", "company"),
                ("policy", "fill_empty"),
                ("region", "ru"),
                ("action", "start"),
            ],
        );
        let res = test::call_service(&app, start).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);

        // What the serve's import thread does, run here to its end.
        let store = &f.state.store;
        let rec = store
            .claim_import("test", chrono::Utc::now(), Some(id))
            .unwrap()
            .unwrap();
        let ended = importer::run(
            store,
            &f.state.files,
            &rec,
            "test",
            f.state.region,
            &AtomicBool::new(false),
            |_, _| {},
        );
        let Ended::Done(c) = ended else {
            panic!("{ended:?}")
        };
        assert_eq!(
            (c.created, c.merged, c.failed, c.companies_created),
            (1, 1, 1, 1),
            "{c:?}"
        );
        assert!(
            !importer_file_left(&f.state.files),
            "the uploaded file is removed once imported"
        );

        let html = body_text(test::call_service(&app, get(&admin, &page)).await).await;
        assert!(html.contains("Rows not imported (1)"), "{html}");
        let res = test::call_service(&app, get(&admin, &format!("{page}/failures.csv"))).await;
        assert_eq!(res.status(), StatusCode::OK);
        let csv = body_text(res).await;
        assert!(
            csv.contains("3,Телефон,This does not look like a phone number."),
            "{csv}"
        );

        let admin_actor = store
            .user_for_login("admin@example.com")
            .unwrap()
            .unwrap()
            .0
            .actor();
        let anna = store
            .list_contacts(&admin_actor, &ListQuery::default())
            .unwrap();
        assert_eq!(anna.items.len(), 1);
        let card = store.contact(&admin_actor, anna.items[0].id).unwrap();
        assert_eq!(card.phones[0].raw(), "8 (495) 123-45-67", "kept as written");
        assert_eq!(
            card.phones[0].e164(),
            "+74951234567",
            "and normalised for matching"
        );
        assert_eq!(
            card.emails.len(),
            1,
            "the third row merged its e-mail spelling away"
        );

        // Managers neither see nor start imports.
        let m = sign_in(&app, "m1@example.com").await;
        let res = test::call_service(&app, get(&m, "/imports")).await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN);
        let res = test::call_service(&app, upload(&m, "x.csv", &cp1251_csv())).await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN);

        // Undo takes back what it created.
        let res = test::call_service(&app, post(&admin, &format!("{page}/cancel"), &[])).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        assert!(
            store
                .list_contacts(&admin_actor, &ListQuery::default())
                .unwrap()
                .items
                .is_empty()
        );
        assert!(
            store
                .list_companies(&admin_actor, &ListQuery::default())
                .unwrap()
                .items
                .is_empty()
        );
    }
}

/// Counterparties as 1C exports them: semicolons, Windows-1251, INN.
fn companies_cp1251_csv() -> Vec<u8> {
    let text = "Наименование;ИНН;Телефон;Эл. почта\r\n\
                ООО Ромашка;7701234567;8 (495) 123-45-67;info@romashka.ru\r\n\
                ООО \"Ромашка\";7701234567;;\r\n\
                АО Василёк;7709876543;12;\r\n";
    let (bytes, _, _) = encoding_rs::WINDOWS_1251.encode(text);
    bytes.into_owned()
}

#[actix_rt::test]
async fn companies_are_imported_in_the_browser_and_undone() {
    for db in TestStore::each() {
        let f = fixture(db);
        let app = app!(f);
        let admin = sign_in(&app, "admin@example.com").await;
        let list = body_text(test::call_service(&app, get(&admin, "/imports")).await).await;
        assert!(
            list.contains("<option value=\"companies\">Companies</option>"),
            "the kind is chosen on upload"
        );
        let res = test::call_service(
            &app,
            upload_kind(&admin, "sales", "x.csv", b"a;b\r\n1;2\r\n"),
        )
        .await;
        assert_eq!(
            res.status(),
            StatusCode::BAD_REQUEST,
            "an unknown kind is refused"
        );
        assert!(
            !importer_file_left(&f.state.files),
            "and its file is not kept"
        );

        let res = test::call_service(
            &app,
            upload_kind(&admin, "companies", "1c.csv", &companies_cp1251_csv()),
        )
        .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        let page = location(&res);
        let id: i64 = page.trim_start_matches("/imports/").parse().unwrap();
        let html = body_text(test::call_service(&app, get(&admin, &page)).await).await;
        assert!(html.contains("Companies"), "the page says what is imported");
        for (col, field) in [(0, "name"), (1, "tax_id"), (2, "phone"), (3, "email")] {
            assert!(
                html.contains(&format!("name=\"map_{col}\""))
                    && html.contains(&format!("<option value=\"{field}\" selected>")),
                "column {col} guessed as {field}"
            );
        }
        assert!(
            html.contains("Телефон: This does not look like a phone number."),
            "the preview shows row 4's problem"
        );
        // A companies import offers the companies' fields, not a contact's.
        assert!(!html.contains("<option value=\"first_name\""), "{html}");

        let start = [
            ("map_0", "name"),
            ("map_1", "tax_id"),
            ("map_2", "phone"),
            ("map_3", "email"),
            ("policy", "skip"),
            ("region", "RU"),
            ("action", "start"),
        ];
        let res = test::call_service(&app, post(&admin, &page, &start)).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        let store = &f.state.store;
        let rec = store
            .claim_import("test", chrono::Utc::now(), Some(id))
            .unwrap()
            .unwrap();
        assert_eq!(rec.kind, "companies");
        let ended = importer::run(
            store,
            &f.state.files,
            &rec,
            "test",
            f.state.region,
            &AtomicBool::new(false),
            |_, _| {},
        );
        let Ended::Done(c) = ended else {
            panic!("{ended:?}")
        };
        assert_eq!((c.created, c.merged, c.failed), (1, 1, 1), "{c:?}");
        let csv =
            body_text(test::call_service(&app, get(&admin, &format!("{page}/failures.csv"))).await)
                .await;
        assert!(
            csv.contains("4,Телефон,This does not look like a phone number."),
            "{csv}"
        );
        let actor = store
            .user_for_login("admin@example.com")
            .unwrap()
            .unwrap()
            .0
            .actor();
        let made = store.list_companies(&actor, &ListQuery::default()).unwrap();
        assert_eq!(made.items.len(), 1);
        let card = store.company(&actor, made.items[0].id).unwrap();
        assert_eq!(
            (card.tax_id.as_str(), card.phones[0].e164()),
            ("7701234567", "+74951234567")
        );

        let res = test::call_service(&app, post(&admin, &format!("{page}/cancel"), &[])).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        assert!(
            store
                .list_companies(&actor, &ListQuery::default())
                .unwrap()
                .items
                .is_empty(),
            "undo takes the companies back"
        );
    }
}

#[actix_rt::test]
async fn files_that_are_not_tables_are_refused_and_nothing_is_kept() {
    let f = fixture(TestStore::sqlite());
    let app = app!(f);
    let admin = sign_in(&app, "admin@example.com").await;
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89";
    let res = test::call_service(&app, upload(&admin, "photo.csv", png)).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&res), "/imports");
    assert_eq!(
        cookie_value(&res, "crm_flash").as_deref(),
        Some("import-error-unreadable")
    );
    let actor = f
        .state
        .store
        .user_for_login("admin@example.com")
        .unwrap()
        .unwrap()
        .0
        .actor();
    assert!(f.state.store.imports(&actor, 10).unwrap().is_empty());
    assert!(!importer_file_left(&f.state.files));
}

#[actix_rt::test]
async fn an_upload_over_the_limit_is_stopped_as_it_arrives() {
    let config = crm_web::WebConfig {
        max_import_bytes: 1024,
        ..Default::default()
    };
    let f = fixture_with(TestStore::sqlite(), config);
    let app = app!(f);
    let admin = sign_in(&app, "admin@example.com").await;
    let big = "Name;Phone\r\n".to_string() + &"Anna;+74951234567\r\n".repeat(200);
    let res = test::call_service(&app, upload(&admin, "big.csv", big.as_bytes())).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        cookie_value(&res, "crm_flash").as_deref(),
        Some("import-error-too-large")
    );
    assert!(!importer_file_left(&f.state.files));
}

/// Whether anything is left of uploaded import files (or their temporary parts).
fn importer_file_left(root: &std::path::Path) -> bool {
    ["imports", "tmp"].iter().any(|d| {
        std::fs::read_dir(root.join(d))
            .map(|mut e| e.next().is_some())
            .unwrap_or(false)
    })
}
