#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Exports to CSV, XLSX and vCard: administrators only, the list's filters and the permission
//! policy apply (never more rows than the list page shows), every text cell safe from
//! spreadsheet formulas, the export on record in the audit log.

use std::io::Cursor;

use actix_web::http::StatusCode;
use actix_web::test;
use calamine::{Data, Reader, Xlsx};
use crm_core::{
    Actor, ContactInput, DealFilter, DealInput, DealSort, LeadInput, ListQuery, ProductInput,
    TaskInput, TaskOwner, User, Zone,
};
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

fn user(f: &Fixture, email: &str) -> User {
    f.state.store.user_for_login(email).unwrap().unwrap().0
}

fn admin(f: &Fixture) -> Actor {
    user(f, "admin@example.com").actor()
}

/// Every list query's rows on one page.
fn everything() -> ListQuery {
    ListQuery {
        per_page: 100,
        ..Default::default()
    }
}

async fn download<S, B>(app: &S, b: &Browser, uri: &str) -> (StatusCode, Vec<u8>)
where
    S: actix_web::dev::Service<
            actix_http::Request,
            Response = actix_web::dev::ServiceResponse<B>,
            Error = actix_web::Error,
        >,
    B: actix_web::body::MessageBody,
{
    let res = test::call_service(app, get(b, uri)).await;
    let status = res.status();
    (status, test::read_body(res).await.to_vec())
}

/// The records of a CSV export: header first.
fn csv_records(body: &[u8]) -> Vec<Vec<String>> {
    let text = std::str::from_utf8(body).unwrap();
    assert!(text.starts_with('\u{feff}'), "a BOM for spreadsheets");
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(text.trim_start_matches('\u{feff}').as_bytes())
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect()
}

/// The ids (first column) of a CSV export, sorted.
fn csv_ids(body: &[u8]) -> Vec<i64> {
    let mut ids: Vec<i64> = csv_records(body)[1..]
        .iter()
        .map(|r| r[0].parse().unwrap())
        .collect();
    ids.sort();
    ids
}

/// The first sheet of an XLSX export, and whether any cell holds a formula.
fn xlsx_sheet(body: Vec<u8>) -> (Vec<Vec<Data>>, bool) {
    let mut book: Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(body)).unwrap();
    let name = book.sheet_names()[0].clone();
    let range = book.worksheet_range(&name).unwrap();
    let formulas = book.worksheet_formula(&name).unwrap();
    let any_formula = formulas.used_cells().any(|(_, _, f)| !f.is_empty());
    (range.rows().map(<[Data]>::to_vec).collect(), any_formula)
}

fn sorted(mut ids: Vec<i64>) -> Vec<i64> {
    ids.sort();
    ids
}

/// Export entries of the audit log for `kind`, oldest first, with their filters.
fn exports_on_record(f: &Fixture, kind: &str) -> Vec<serde_json::Value> {
    f.state
        .store
        .audit_entries(&Actor::system(), kind, 0)
        .unwrap()
        .into_iter()
        .filter(|e| e.action == "export")
        .map(|e| e.changes)
        .collect()
}

/// Managers are refused every format of every list, and see no export buttons.
async fn managers_refused<S, B>(app: &S, m: &Browser, list: &str)
where
    S: actix_web::dev::Service<
            actix_http::Request,
            Response = actix_web::dev::ServiceResponse<B>,
            Error = actix_web::Error,
        >,
    B: actix_web::body::MessageBody,
    B::Error: std::fmt::Debug,
{
    for ext in ["csv", "xlsx"] {
        let (status, _) = download(app, m, &format!("{list}/export.{ext}")).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{list} {ext}");
    }
    let page = body_text(test::call_service(app, get(m, list)).await).await;
    assert!(
        !page.contains("/export."),
        "{list}: no buttons for a manager"
    );
}

#[actix_rt::test]
async fn leads_export_what_the_list_shows_with_its_status_filter() {
    for db in TestStore::each() {
        let f = fixture(db);
        let a = admin(&f);
        let lead = |title: &str, owner: &str, status: &str| {
            let input = LeadInput {
                title: title.into(),
                name: "Клиент".into(),
                phone: "+7 495 111-22-33".into(),
                status: status.into(),
                responsible_id: Some(user(&f, owner).id),
                ..Default::default()
            };
            f.state
                .store
                .create_lead(&a, &input.validate(f.state.region).unwrap())
                .unwrap()
                .id
        };
        let first = lead("=1+2", "m1@example.com", "");
        let junk = lead("Спам", "m2@example.com", "junk");
        let third = lead("Окна", "m1@example.com", "");
        let app = app!(f);
        let admin_b = sign_in(&app, "admin@example.com").await;
        let (status, body) = download(&app, &admin_b, "/leads/export.csv").await;
        assert_eq!(status, StatusCode::OK);
        let shown = f.state.store.list_leads(&a, None, &everything()).unwrap();
        let shown = sorted(shown.items.iter().map(|r| r.id).collect());
        assert_eq!(csv_ids(&body), shown);
        assert_eq!(shown, vec![first, junk, third]);
        let records = csv_records(&body);
        assert_eq!(records[0][1], "Title");
        let row = records.iter().find(|r| r[0] == first.to_string()).unwrap();
        assert_eq!(row[1], "'=1+2", "a formula-like title is text");
        assert_eq!(row[3], "New", "the status as the page names it");
        // The page's status filter.
        let (_, body) = download(&app, &admin_b, "/leads/export.csv?status=junk").await;
        assert_eq!(csv_ids(&body), vec![junk]);
        let (status, body) = download(&app, &admin_b, "/leads/export.xlsx?status=new").await;
        assert_eq!(status, StatusCode::OK);
        let (rows, any_formula) = xlsx_sheet(body);
        assert!(!any_formula);
        assert_eq!(rows.len(), 3, "header and two new leads");
        assert_eq!(rows[1][0], Data::Float(first as f64), "ids are numbers");
        assert_eq!(
            rows[1][1],
            Data::String("=1+2".into()),
            "text, not a formula"
        );
        let on_record = exports_on_record(&f, "leads");
        assert_eq!(on_record.len(), 3);
        assert_eq!(on_record[1]["status"], "junk");
        assert_eq!(on_record[2]["format"], "xlsx");
        let page = body_text(test::call_service(&app, get(&admin_b, "/leads")).await).await;
        assert!(page.contains("/leads/export.xlsx"));
        let m1 = sign_in(&app, "m1@example.com").await;
        managers_refused(&app, &m1, "/leads").await;
        assert_eq!(
            exports_on_record(&f, "leads").len(),
            3,
            "refusals leave no entry"
        );
    }
}

#[actix_rt::test]
async fn deals_export_what_the_list_shows_with_its_filters() {
    for db in TestStore::each() {
        let f = fixture(db);
        let a = admin(&f);
        let deal = |title: &str, owner: &str, amount: &str, tag: &str| {
            let input = DealInput {
                title: title.into(),
                amount: amount.into(),
                responsible_id: Some(user(&f, owner).id),
                tags: vec![tag.into()],
                ..Default::default()
            };
            f.state
                .store
                .create_deal(&a, &input.validate(f.state.currency).unwrap())
                .unwrap()
                .id
        };
        let vip = deal("@SUM(A1)", "m1@example.com", "1500.50", "vip");
        let cold = deal("Поставка", "m2@example.com", "99", "cold");
        let app = app!(f);
        let admin_b = sign_in(&app, "admin@example.com").await;
        let (status, body) = download(&app, &admin_b, "/deals/export.csv").await;
        assert_eq!(status, StatusCode::OK);
        let shown = f
            .state
            .store
            .list_deals(
                &a,
                &DealFilter::default(),
                DealSort::Updated,
                true,
                &everything(),
            )
            .unwrap();
        assert_eq!(
            csv_ids(&body),
            sorted(shown.items.iter().map(|r| r.id).collect())
        );
        assert_eq!(csv_ids(&body), vec![vip, cold]);
        let records = csv_records(&body);
        let row = records.iter().find(|r| r[0] == vip.to_string()).unwrap();
        assert_eq!(row[1], "'@SUM(A1)");
        assert_eq!(row[4], "1500.50");
        // The list's filters: tag, amount range.
        let (_, body) = download(&app, &admin_b, "/deals/export.csv?tag=vip").await;
        assert_eq!(csv_ids(&body), vec![vip]);
        let (_, body) = download(&app, &admin_b, "/deals/export.csv?max=100").await;
        assert_eq!(csv_ids(&body), vec![cold]);
        let (_, body) = download(&app, &admin_b, "/deals/export.xlsx?tag=vip").await;
        let (rows, any_formula) = xlsx_sheet(body);
        assert!(!any_formula);
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[1][1], Data::String("@SUM(A1)".into()));
        assert_eq!(rows[1][4], Data::Float(1500.5), "amounts are numbers");
        let on_record = exports_on_record(&f, "deals");
        assert_eq!(on_record.len(), 4);
        assert_eq!(on_record[1]["tag"], "vip");
        assert_eq!(on_record[2]["max_amount"], 10000, "minor units");
        let m1 = sign_in(&app, "m1@example.com").await;
        managers_refused(&app, &m1, "/deals").await;
    }
}

#[actix_rt::test]
async fn products_and_tasks_export_what_their_pages_show() {
    for db in TestStore::each() {
        let f = fixture(db);
        let a = admin(&f);
        let product = |name: &str, price: &str| {
            let input: ProductInput = serde_json::from_value(serde_json::json!({
                "name": name, "sku": "-SKU", "unit": "шт", "price": price,
                "currency": "RUB", "category": "", "active": true,
            }))
            .unwrap();
            f.state
                .store
                .create_product(&a, &input.validate().unwrap())
                .unwrap()
                .id
        };
        let p1 = product("Окно", "12000");
        let p2 = product("Дверь", "8000.25");
        let task = |title: &str, assignee: &str| {
            let draft = TaskInput {
                title: title.into(),
                assignee_id: user(&f, assignee).id.to_string(),
                ..Default::default()
            }
            .validate(Zone::UTC)
            .unwrap();
            f.state.store.create_task(&a, &draft).unwrap().id
        };
        let mine = task("+позвонить", "admin@example.com");
        let also_mine = task("Счёт", "admin@example.com");
        task("Чужая", "m1@example.com");
        let app = app!(f);
        let admin_b = sign_in(&app, "admin@example.com").await;
        let (status, body) = download(&app, &admin_b, "/products/export.csv").await;
        assert_eq!(status, StatusCode::OK);
        let shown = f.state.store.list_products(&everything()).unwrap();
        assert_eq!(
            csv_ids(&body),
            sorted(shown.items.iter().map(|p| p.id).collect())
        );
        assert_eq!(csv_ids(&body), vec![p1, p2]);
        assert_eq!(csv_records(&body)[1][2], "'-SKU");
        let (_, body) = download(&app, &admin_b, "/products/export.xlsx").await;
        let (rows, any_formula) = xlsx_sheet(body);
        assert!(!any_formula);
        assert_eq!(rows[2][4], Data::Float(8000.25));
        // "My tasks": the administrator's own open tasks, as the page lists them.
        let (status, body) = download(&app, &admin_b, "/tasks/export.csv").await;
        assert_eq!(status, StatusCode::OK);
        let sections = f
            .state
            .store
            .task_sections(
                &a,
                TaskOwner::User(user(&f, "admin@example.com").id),
                Zone::UTC,
                chrono::Utc::now(),
                100,
            )
            .unwrap();
        let shown: Vec<i64> = [
            sections.overdue,
            sections.today,
            sections.upcoming,
            sections.undated,
        ]
        .concat()
        .iter()
        .map(|t| t.id)
        .collect();
        assert_eq!(csv_ids(&body), sorted(shown));
        assert_eq!(csv_ids(&body), vec![mine, also_mine]);
        assert_eq!(csv_records(&body)[1][1], "'+позвонить");
        assert_eq!(exports_on_record(&f, "products").len(), 2);
        assert_eq!(exports_on_record(&f, "tasks")[0]["who"], "user");
        let page = body_text(test::call_service(&app, get(&admin_b, "/tasks")).await).await;
        assert!(page.contains("/tasks/export.csv"));
        let m1 = sign_in(&app, "m1@example.com").await;
        managers_refused(&app, &m1, "/products").await;
        managers_refused(&app, &m1, "/tasks").await;
    }
}

#[actix_rt::test]
async fn contacts_and_companies_go_to_xlsx_with_typed_safe_cells() {
    for db in TestStore::each() {
        let f = fixture(db);
        contact(
            &f,
            "m1@example.com",
            "=HYPERLINK(\"http://evil\")",
            "+7 495 123-45-67",
            "vip",
        );
        contact(&f, "m2@example.com", "Анна", "8 (495) 765-43-21", "cold");
        let app = app!(f);
        let admin_b = sign_in(&app, "admin@example.com").await;
        let res = test::call_service(&app, get(&admin_b, "/contacts/export.xlsx")).await;
        assert_eq!(res.status(), StatusCode::OK);
        let disposition = res.headers().get("content-disposition").unwrap();
        assert!(disposition.to_str().unwrap().ends_with(".xlsx\""));
        let (rows, any_formula) = xlsx_sheet(test::read_body(res).await.to_vec());
        assert!(!any_formula, "nothing in the file is a formula");
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[0][1], Data::String("Name".into()));
        assert_eq!(
            rows[1][1],
            Data::String("=HYPERLINK(\"http://evil\")".into())
        );
        assert_eq!(rows[1][4], Data::String("+7 495 123-45-67".into()));
        assert_eq!(rows[2][6], Data::String("cold".into()));
        let (_, body) = download(&app, &admin_b, "/contacts/export.xlsx?tag=vip").await;
        assert_eq!(xlsx_sheet(body).0.len(), 2, "the list's filters apply");
        let (status, body) = download(&app, &admin_b, "/companies/export.xlsx").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(
            xlsx_sheet(body).0.len(),
            1,
            "no companies: the header alone"
        );
        let on_record = exports_on_record(&f, "contacts");
        assert_eq!(on_record.len(), 2);
        assert_eq!(on_record[1]["format"], "xlsx");
        assert_eq!(on_record[1]["tag"], "vip");
        let m1 = sign_in(&app, "m1@example.com").await;
        managers_refused(&app, &m1, "/companies").await;
    }
}

#[actix_rt::test]
async fn contacts_round_trip_through_vcard() {
    for db in TestStore::each() {
        let f = fixture(db);
        contact(
            &f,
            "m1@example.com",
            "Анна Петрова",
            "+7 495 123-45-67",
            "vip",
        );
        contact(
            &f,
            "m2@example.com",
            "Boris; Smith",
            "+7 916 000-00-00",
            "cold",
        );
        let app = app!(f);
        let admin_b = sign_in(&app, "admin@example.com").await;
        let (status, body) = download(&app, &admin_b, "/contacts/export.vcf").await;
        assert_eq!(status, StatusCode::OK);
        let table = crm_core::import::read(Cursor::new(body), &Default::default()).unwrap();
        let col = |name: &str| table.headers.iter().position(|h| h == name).unwrap();
        let (name, phone, tags) = (col("name"), col("phone"), col("tags"));
        let cards: Vec<Vec<String>> = table.rows.map(|r| r.unwrap().cells).collect();
        assert_eq!(cards.len(), 2);
        assert_eq!(cards[0][name], "Анна Петрова");
        assert_eq!(cards[0][phone], "+74951234567");
        assert_eq!(cards[0][tags], "vip");
        assert_eq!(cards[1][name], "Boris; Smith");
        // The list's filters apply.
        let (_, body) = download(&app, &admin_b, "/contacts/export.vcf?tag=cold").await;
        let text = String::from_utf8(body).unwrap();
        assert_eq!(text.matches("BEGIN:VCARD").count(), 1);
        assert!(text.contains("Boris\\; Smith"));
        assert_eq!(exports_on_record(&f, "contacts")[1]["format"], "vcard");
        // One card: whoever may see the contact downloads it; others find nothing.
        let m1 = sign_in(&app, "m1@example.com").await;
        let (status, _) = download(&app, &m1, "/contacts/export.vcf").await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let anna = f
            .state
            .store
            .contact_by_name(&admin(&f), "Анна Петрова")
            .unwrap()
            .unwrap();
        let (status, body) = download(&app, &m1, &format!("/contacts/{anna}/vcard")).await;
        assert_eq!(status, StatusCode::OK);
        assert!(String::from_utf8(body).unwrap().contains("FN:Анна Петрова"));
        let page =
            body_text(test::call_service(&app, get(&m1, &format!("/contacts/{anna}"))).await).await;
        assert!(page.contains(&format!("/contacts/{anna}/vcard")));
        let m2 = sign_in(&app, "m2@example.com").await;
        let (status, _) = download(&app, &m2, &format!("/contacts/{anna}/vcard")).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
}
