#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Imports of companies, leads, deals and products on SQLite and (with CRM_TEST_POSTGRES_URL)
//! PostgreSQL, from files the tests write as people's spreadsheets are written: duplicates and
//! policies, names resolved by the store, failures with their column, and undo.

use std::io::Cursor;

use chrono::Utc;
use crm_core::import::{Kind, ReadOptions, guess_mapping, read};
use crm_core::import_rows::{Counts, Mapping, Policy, Settings};
use crm_core::{
    Actor, CompanyInput, ContactInput, Currency, ListQuery, ProductInput, Region, Role, UserDraft,
};
use crm_store::testing::TestStore;
use crm_store::{Batch, BatchOutcome, Lease, Store};

fn ru() -> Region {
    "RU".parse().unwrap()
}

fn rub() -> Currency {
    Currency::parse("RUB").unwrap()
}

fn user(store: &Store, email: &str, role: Role) -> Actor {
    let d = UserDraft::new(email, email, role, "en").unwrap();
    store
        .create_user(&Actor::system(), &d, "hash")
        .unwrap()
        .actor()
}

/// A file read as the importer reads it: headers, the guessed mapping, and (number, cells).
struct File {
    headers: Vec<String>,
    mapping: Mapping,
    rows: Vec<(u64, Vec<String>)>,
}

fn open(kind: Kind, bytes: Vec<u8>) -> File {
    let t = read(Cursor::new(bytes), &ReadOptions::default()).unwrap();
    let headers = t.headers.clone();
    let mapping = guess_mapping(kind, &headers)
        .into_iter()
        .map(|m| m.map(str::to_string))
        .collect();
    let rows = t
        .rows
        .map(|r| {
            let r = r.unwrap();
            (r.number, r.cells)
        })
        .collect();
    File {
        headers,
        mapping,
        rows,
    }
}

/// A running import of `kind` with `policy`, claimed by worker "w".
fn start(s: &Store, admin: &Actor, kind: Kind, f: &File, policy: Policy) -> (Settings, Lease) {
    let settings = Settings {
        mapping: f.mapping.clone(),
        policy,
        region: Some("RU".into()),
        currency: Some("RUB".into()),
        ..Default::default()
    };
    let id = s
        .create_import(admin, kind.as_str(), "k", "f", 1, &settings)
        .unwrap();
    s.set_import_settings(admin, id, &settings, kind.as_str(), true)
        .unwrap();
    s.claim_import("w", Utc::now(), Some(id)).unwrap().unwrap();
    (
        settings,
        Lease {
            import_id: id,
            worker: "w".into(),
        },
    )
}

fn batch(kind: Kind, f: &File, rows: Vec<(u64, Vec<String>)>) -> Batch {
    use crm_core::import_kinds::{deal_row, lead_row, product_row};
    use crm_core::import_rows::company_row;
    use crm_store::Prepared;
    let m = &f.mapping;
    match kind {
        Kind::Companies => Batch::Companies(
            rows.iter()
                .map(|(n, c)| Prepared {
                    row: *n,
                    item: company_row(c, m, ru()),
                })
                .collect(),
        ),
        Kind::Leads => Batch::Leads(
            rows.iter()
                .map(|(n, c)| Prepared {
                    row: *n,
                    item: lead_row(c, m, ru()),
                })
                .collect(),
        ),
        Kind::Deals => Batch::Deals(
            rows.iter()
                .map(|(n, c)| Prepared {
                    row: *n,
                    item: deal_row(c, m, ru(), rub()),
                })
                .collect(),
        ),
        Kind::Products => Batch::Products(
            rows.iter()
                .map(|(n, c)| Prepared {
                    row: *n,
                    item: product_row(c, m, rub()),
                })
                .collect(),
        ),
        Kind::Contacts => unreachable!(),
    }
}

fn deals(s: &Store, admin: &Actor) -> crm_core::Page<crm_core::DealRow> {
    s.list_deals(
        admin,
        &crm_core::DealFilter::default(),
        crm_core::DealSort::Created,
        false,
        &ListQuery::default(),
    )
    .unwrap()
}

fn written(o: BatchOutcome) -> Counts {
    match o {
        BatchOutcome::Written(c) => c,
        BatchOutcome::Lost => panic!("the lease was lost"),
    }
}

fn run(s: &Store, admin: &Actor, kind: Kind, f: &File, policy: Policy) -> (i64, Counts) {
    let (settings, lease) = start(s, admin, kind, f, policy);
    let b = batch(kind, f, f.rows.clone());
    let c = written(
        s.import_batch(admin, &lease, &settings, b, &f.headers)
            .unwrap(),
    );
    s.finish_import(&lease, None).unwrap();
    (lease.import_id, c)
}

fn failures(s: &Store, admin: &Actor, id: i64) -> Vec<(i64, String, String)> {
    s.import_failures(admin, id)
        .unwrap()
        .into_iter()
        .map(|f| (f.row, f.column, f.reason))
        .collect()
}

fn tuple(c: &Counts) -> (i64, i64, i64, i64, i64) {
    (c.created, c.updated, c.merged, c.skipped, c.failed)
}

/// A semicolon CSV in Windows-1251, as 1C writes a list of counterparties.
fn companies_csv() -> Vec<u8> {
    let text = "Наименование;ИНН;Телефон;E-mail;Адрес;Ответственный\r\n\
                ООО Ромашка;7701234567;8 (495) 123-45-67;info@romashka.ru;Москва;\r\n\
                ООО \"Ромашка\";7701234567;;;;\r\n\
                АО Василёк;7709876543;8 (812) 000-00-01;;Санкт-Петербург;m@example.com\r\n\
                ИП Лютик;;8 (495) 123-45-67;;Тула;\r\n\
                Сломанная;;12;;;\r\n\
                ЗАО Пион;7705555555;;;;nobody@example.com\r\n\
                ООО Новая;7711111111;;sales@nova.ru;;\r\n";
    let (bytes, _, _) = encoding_rs::WINDOWS_1251.encode(text);
    bytes.into_owned()
}

#[test]
fn companies_are_matched_by_tax_id_phone_and_email_and_undone() {
    for t in TestStore::each() {
        let (s, b) = (&t.store, t.backend_name());
        let admin = user(s, "admin@example.com", Role::Admin);
        user(s, "m@example.com", Role::Manager);
        // Known before the import: the firm with INN 7709876543, without an address.
        let old = s
            .create_company(
                &admin,
                &CompanyInput {
                    name: "Василёк".into(),
                    tax_id: "7709876543".into(),
                    ..Default::default()
                }
                .validate(ru())
                .unwrap(),
            )
            .unwrap();
        let f = open(Kind::Companies, companies_csv());
        assert_eq!(
            f.mapping.iter().map(|m| m.as_deref()).collect::<Vec<_>>(),
            [
                Some("name"),
                Some("tax_id"),
                Some("phone"),
                Some("email"),
                Some("address"),
                Some("responsible")
            ],
            "{b}"
        );
        let (id, c) = run(s, &admin, Kind::Companies, &f, Policy::FillEmpty);
        // Row 3 is row 2's INN, row 5 row 2's phone: merged; row 4 fills the old firm's
        // address; rows 6 and 7 fail.
        assert_eq!(tuple(&c), (2, 1, 2, 0, 2), "{b}: {c:?}");
        assert_eq!(
            failures(s, &admin, id),
            [
                (6, "Телефон".to_string(), "error-phone-invalid".to_string()),
                (
                    7,
                    "Ответственный".to_string(),
                    "error-import-unknown-user".to_string()
                ),
            ],
            "{b}"
        );
        let old_now = s.company(&admin, old.id).unwrap();
        assert_eq!(old_now.address, "Санкт-Петербург", "{b}");
        assert_eq!(old_now.name, "Василёк", "{b}: fill_empty keeps the name");
        let all = s.list_companies(&admin, &ListQuery::default()).unwrap();
        assert_eq!(all.items.len(), 3, "{b}");
        let romashka = all.items.iter().find(|r| r.name == "ООО Ромашка").unwrap();
        let romashka = s.company(&admin, romashka.id).unwrap();
        assert_eq!(romashka.phones[0].e164(), "+74951234567", "{b}");
        assert_eq!(
            romashka.address, "Москва",
            "{b}: a later row does not overwrite"
        );

        assert_eq!(s.cancel_import(&admin, id).unwrap(), 2, "{b}");
        let left = s.list_companies(&admin, &ListQuery::default()).unwrap();
        assert_eq!(left.items.len(), 1, "{b}");
        assert_eq!(left.items[0].id, old.id, "{b}");
    }
}

#[test]
fn skip_and_overwrite_policies_for_companies() {
    for t in TestStore::each() {
        let (s, b) = (&t.store, t.backend_name());
        let admin = user(s, "admin@example.com", Role::Admin);
        let manager = user(s, "m@example.com", Role::Manager);
        let old = s
            .create_company(
                &admin,
                &CompanyInput {
                    name: "Старое имя".into(),
                    tax_id: "7701234567".into(),
                    responsible_id: manager.user_id(),
                    ..Default::default()
                }
                .validate(ru())
                .unwrap(),
            )
            .unwrap();
        let text = "Название;ИНН\r\nНовое имя;7701234567\r\n";
        let f = open(Kind::Companies, text.as_bytes().to_vec());
        let (_, c) = run(s, &admin, Kind::Companies, &f, Policy::Skip);
        assert_eq!(tuple(&c), (0, 0, 0, 1, 0), "{b}");
        assert_eq!(s.company(&admin, old.id).unwrap().name, "Старое имя", "{b}");
        let (_, c) = run(s, &admin, Kind::Companies, &f, Policy::Overwrite);
        assert_eq!(tuple(&c), (0, 1, 0, 0, 0), "{b}");
        let now = s.company(&admin, old.id).unwrap();
        assert_eq!(now.name, "Новое имя", "{b}");
        assert_eq!(
            now.responsible_id,
            manager.user_id(),
            "{b}: a file without a responsible column reassigns nobody"
        );
    }
}

#[test]
fn leads_are_imported_one_per_row_without_webhooks_and_undone() {
    for t in TestStore::each() {
        let (s, b) = (&t.store, t.backend_name());
        let admin = user(s, "admin@example.com", Role::Admin);
        let text = "\u{feff}Имя,Телефон,Email,Источник,Сообщение,utm_source,Страница\r\n\
                    Анна,8 (495) 123-45-67,anna@x.ru,,\"Нужны окна,\r\nтри штуки\",yandex,https://x.ru/okna\r\n\
                    Анна,8 (495) 123-45-67,anna@x.ru,call,Повторный звонок,,\r\n\
                    Пётр,12,,billboard,,,\r\n\
                    ,,,,,,\r\n";
        let f = open(Kind::Leads, text.as_bytes().to_vec());
        let (id, c) = run(s, &admin, Kind::Leads, &f, Policy::Skip);
        assert_eq!(tuple(&c), (2, 0, 0, 0, 1), "{b}: {c:?}");
        assert_eq!(
            failures(s, &admin, id),
            // The CSV's record number: the quoted line break does not count.
            [(
                4,
                "Источник".to_string(),
                "error-source-unknown".to_string()
            )],
            "{b}"
        );
        let leads = s.list_leads(&admin, None, &ListQuery::default()).unwrap();
        assert_eq!(leads.items.len(), 2, "{b}");
        let first = s
            .lead(&admin, leads.items.iter().map(|l| l.id).min().unwrap())
            .unwrap();
        assert_eq!(first.phone_e164.as_deref(), Some("+74951234567"), "{b}");
        assert_eq!(first.source, "import", "{b}");
        assert_eq!(first.message, "Нужны окна,\nтри штуки", "{b}");
        assert_eq!(first.utm_source, "yandex", "{b}");
        assert_eq!(s.cancel_import(&admin, id).unwrap(), 2, "{b}");
        assert!(
            s.list_leads(&admin, None, &ListQuery::default())
                .unwrap()
                .items
                .is_empty(),
            "{b}"
        );
    }
}

/// An XLSX of deals as a sales team keeps it: amounts as numbers and as text in both
/// notations, dates as dates and as text, stages by name.
fn deals_xlsx() -> Vec<u8> {
    use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    let date = Format::new().set_num_format("dd.mm.yyyy");
    let head = [
        "Название",
        "Сумма",
        "Валюта",
        "Воронка",
        "Этап",
        "Компания",
        "Контакт",
        "Дата закрытия",
    ];
    for (i, h) in head.iter().enumerate() {
        sheet.write_string(0, i as u16, *h).unwrap();
    }
    // Row 2: a number amount and a date cell.
    sheet.write_string(1, 0, "Окна для офиса").unwrap();
    sheet.write_number(1, 1, 150000.5).unwrap();
    sheet.write_string(1, 4, "Proposal").unwrap();
    sheet.write_string(1, 5, "ООО Ромашка").unwrap();
    sheet.write_string(1, 6, "anna@x.ru").unwrap();
    let d = ExcelDateTime::from_ymd(2026, 12, 31).unwrap();
    sheet.write_datetime_with_format(1, 7, &d, &date).unwrap();
    // Row 3: Russian text amount, the same company in another spelling, contact by phone.
    sheet.write_string(2, 0, "Двери").unwrap();
    sheet.write_string(2, 1, "1 234,50").unwrap();
    sheet.write_string(2, 2, "EUR").unwrap();
    sheet.write_string(2, 3, "sales").unwrap();
    sheet.write_string(2, 5, "ооо  ромашка").unwrap();
    sheet.write_string(2, 6, "8 (495) 123-45-67").unwrap();
    sheet.write_string(2, 7, "15.01.2027").unwrap();
    // Row 4: English text amount, an unknown stage.
    sheet.write_string(3, 0, "Крыша").unwrap();
    sheet.write_string(3, 1, "1,234.50").unwrap();
    sheet.write_string(3, 4, "Подписание").unwrap();
    // Row 5: an unknown contact. Row 6: no title, a bad amount.
    sheet.write_string(4, 0, "Забор").unwrap();
    sheet.write_string(4, 6, "Неизвестный").unwrap();
    sheet.write_string(5, 1, "дорого").unwrap();
    // Row 7: a won deal with the contact by name.
    sheet.write_string(6, 0, "Гараж").unwrap();
    sheet.write_string(6, 1, "99").unwrap();
    sheet.write_string(6, 4, "won").unwrap();
    sheet.write_string(6, 6, "Анна Петрова").unwrap();
    book.save_to_buffer().unwrap()
}

#[test]
fn deals_resolve_pipelines_stages_companies_and_contacts_and_are_undone() {
    for t in TestStore::each() {
        let (s, b) = (&t.store, t.backend_name());
        let admin = user(s, "admin@example.com", Role::Admin);
        let anna = s
            .create_contact(
                &admin,
                &ContactInput {
                    name: "Анна Петрова".into(),
                    phones: vec!["+7 495 123-45-67".into()],
                    emails: vec!["anna@x.ru".into()],
                    ..Default::default()
                }
                .validate(ru())
                .unwrap(),
            )
            .unwrap();
        let f = open(Kind::Deals, deals_xlsx());
        assert_eq!(f.mapping[1].as_deref(), Some("amount"), "{b}");
        assert_eq!(f.mapping[7].as_deref(), Some("close_date"), "{b}");
        let (id, c) = run(s, &admin, Kind::Deals, &f, Policy::Skip);
        assert_eq!(tuple(&c), (3, 0, 0, 0, 3), "{b}: {c:?}");
        assert_eq!(c.companies_created, 1, "{b}");
        assert_eq!(
            failures(s, &admin, id),
            [
                (
                    4,
                    "Этап".to_string(),
                    "error-import-unknown-stage".to_string()
                ),
                (
                    5,
                    "Контакт".to_string(),
                    "error-import-unknown-contact".to_string()
                ),
                (6, "Сумма".to_string(), "error-number-invalid".to_string()),
                (6, "Название".to_string(), "error-required".to_string()),
            ],
            "{b}"
        );
        let listed = deals(s, &admin);
        let by_title = |title: &str| {
            let id = listed.items.iter().find(|d| d.title == title).unwrap().id;
            s.deal(&admin, id).unwrap()
        };
        let windows = by_title("Окна для офиса");
        assert_eq!(
            (windows.amount, windows.currency),
            (15_000_050, rub()),
            "{b}"
        );
        assert_eq!(windows.contact_id, Some(anna.id), "{b}");
        assert_eq!(
            windows.expected_close,
            chrono::NaiveDate::from_ymd_opt(2026, 12, 31),
            "{b}"
        );
        let doors = by_title("Двери");
        assert_eq!(doors.amount, 123_450, "{b}");
        assert_eq!(doors.currency.code(), "EUR", "{b}");
        assert_eq!(doors.contact_id, Some(anna.id), "{b}: found by phone");
        assert_eq!(doors.company_id, windows.company_id, "{b}: one company");
        assert!(windows.company_id.is_some(), "{b}");
        let garage = by_title("Гараж");
        assert_eq!(garage.contact_id, Some(anna.id), "{b}: found by name");
        assert_eq!(garage.stage_kind, crm_core::StageKind::Won, "{b}");

        assert_eq!(s.cancel_import(&admin, id).unwrap(), 3, "{b}");
        assert!(deals(s, &admin).items.is_empty(), "{b}");
        assert!(
            s.list_companies(&admin, &ListQuery::default())
                .unwrap()
                .items
                .is_empty(),
            "{b}: the company the deals made goes too"
        );
        assert!(
            s.contact(&admin, anna.id).is_ok(),
            "{b}: the linked contact stays"
        );
    }
}

#[test]
fn products_are_matched_by_sku_then_name_and_undone() {
    for t in TestStore::each() {
        let (s, b) = (&t.store, t.backend_name());
        let admin = user(s, "admin@example.com", Role::Admin);
        let old = s
            .create_product(
                &admin,
                &ProductInput {
                    name: "Окно ПВХ".into(),
                    sku: "W-1".into(),
                    price: "10000".into(),
                    currency: "RUB".into(),
                    ..Default::default()
                }
                .validate()
                .unwrap(),
            )
            .unwrap();
        let text = "Артикул;Наименование;Цена;Ед. изм.;Категория\n\
                    W-1;Окно ПВХ 1200х1400;12 500,00;шт;Окна\n\
                    ;Монтаж;3 000;услуга;\n\
                    ;Монтаж;;час;Работы\n\
                    D-1;Дверь;abc;шт;\n\
                    ;;100;;\n";
        let f = open(Kind::Products, text.as_bytes().to_vec());
        let (id, c) = run(s, &admin, Kind::Products, &f, Policy::Overwrite);
        assert_eq!(tuple(&c), (1, 1, 1, 0, 2), "{b}: {c:?}");
        let got = failures(s, &admin, id);
        assert!(
            got.contains(&(5, "Цена".to_string(), "error-number-invalid".to_string())),
            "{b}: {got:?}"
        );
        assert!(
            got.contains(&(6, "Наименование".to_string(), "error-required".to_string())),
            "{b}: {got:?}"
        );
        let w = s.product(old.id).unwrap();
        assert_eq!(
            (w.name.as_str(), w.price, w.category.as_str()),
            ("Окно ПВХ 1200х1400", 1_250_000, "Окна"),
            "{b}"
        );
        let all = s.list_products(&ListQuery::default()).unwrap();
        assert_eq!(all.items.len(), 2, "{b}");
        let install = all.items.iter().find(|p| p.name == "Монтаж").unwrap();
        assert_eq!(
            (
                install.unit.as_str(),
                install.category.as_str(),
                install.price
            ),
            ("услуга", "Работы", 300_000),
            "{b}: the second row filled the first's empty category"
        );
        assert_eq!(s.cancel_import(&admin, id).unwrap(), 1, "{b}");
        let left = s.list_products(&ListQuery::default()).unwrap();
        assert_eq!(left.items.len(), 1, "{b}");
        assert_eq!(
            left.items[0].name, "Окно ПВХ 1200х1400",
            "{b}: an update stays"
        );
    }
}
