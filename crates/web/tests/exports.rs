#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! CSV exports: administrators only, the list's filters and the permission policy apply, every
//! cell safe from spreadsheet formulas, the export on record in the audit log.

use actix_web::http::StatusCode;
use actix_web::test;
use crm_core::{Actor, ContactInput};
use crm_store::testing::TestStore;

mod common;

use common::*;

fn contact(f: &Fixture, owner: &str, name: &str, phone: &str, tag: &str) {
    let (user, _) = f.state.store.user_for_login(owner).unwrap().unwrap();
    let input = ContactInput {
        name: name.into(),
        phones: vec![phone.into()],
        tags: vec![tag.into()],
        ..Default::default()
    };
    f.state
        .store
        .create_contact(&user.actor(), &input.validate(f.state.region).unwrap())
        .unwrap();
}

/// The records of a CSV body (after the byte-order mark), split naively: the test's cells
/// hold no commas or quotes except where a test looks at them whole.
fn lines(body: &str) -> Vec<String> {
    body.trim_start_matches('\u{feff}')
        .lines()
        .map(str::to_string)
        .collect()
}

#[actix_rt::test]
async fn administrators_export_filtered_lists_safely_and_on_record() {
    for db in TestStore::each() {
        let f = fixture(db);
        contact(
            &f,
            "m1@example.com",
            "=HYPERLINK(\"http://evil\")",
            "+7 495 123-45-67",
            "vip",
        );
        contact(&f, "m1@example.com", "Анна", "8 (495) 765-43-21", "vip");
        contact(&f, "m2@example.com", "Boris", "+7 916 000-00-00", "cold");
        let app = app!(f);
        let admin = sign_in(&app, "admin@example.com").await;
        let res = test::call_service(&app, get(&admin, "/contacts/export.csv")).await;
        assert_eq!(res.status(), StatusCode::OK);
        assert!(
            res.headers()
                .get("content-disposition")
                .unwrap()
                .to_str()
                .unwrap()
                .starts_with("attachment; filename=\"contacts-")
        );
        let body = body_text(res).await;
        assert!(body.starts_with('\u{feff}'), "a BOM for spreadsheets");
        let all = lines(&body);
        assert_eq!(all.len(), 4, "{body}");
        assert!(all[0].starts_with("ID,Name,"), "{}", all[0]);
        // The formula and the phone that starts with "+" are text, not formulas.
        assert!(
            all[1].contains("\"'=HYPERLINK(\"\"http://evil\"\")\""),
            "{}",
            all[1]
        );
        assert!(all[1].contains(",'+7 495 123-45-67,"), "{}", all[1]);
        assert!(all[2].contains("Анна"));
        // The list's filters apply.
        let res = test::call_service(&app, get(&admin, "/contacts/export.csv?tag=vip")).await;
        assert_eq!(lines(&body_text(res).await).len(), 3);
        // The export is on record, with its filters.
        let entries = f
            .state
            .store
            .audit_entries(&Actor::system(), "contacts", 0)
            .unwrap();
        let exports: Vec<_> = entries.iter().filter(|e| e.action == "export").collect();
        assert_eq!(exports.len(), 2);
        assert_eq!(exports[1].changes["tag"], "vip");
        // Companies export too (none yet: just the header).
        let res = test::call_service(&app, get(&admin, "/companies/export.csv")).await;
        assert_eq!(lines(&body_text(res).await).len(), 1);
        // A manager may not take the list away, not even their own part of it.
        let m1 = sign_in(&app, "m1@example.com").await;
        let res = test::call_service(&app, get(&m1, "/contacts/export.csv")).await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN);
        let page = body_text(test::call_service(&app, get(&m1, "/contacts")).await).await;
        assert!(!page.contains("export.csv"));
        let page =
            body_text(test::call_service(&app, get(&admin, "/contacts?tag=vip")).await).await;
        assert!(
            page.contains("/contacts/export.csv?sort=name&amp;tag=vip"),
            "the button keeps the filters"
        );
    }
}
