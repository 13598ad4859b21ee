#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Imports of contacts on SQLite and (with CRM_TEST_POSTGRES_URL) PostgreSQL: duplicates against
//! the database and within the file, companies created once, failures with their column,
//! progress and the lease, and a cancelled import taken back.

use chrono::{Duration, Utc};
use crm_core::import_rows::{Counts, Mapping, Policy, Settings, contact_row};
use crm_core::{Actor, ContactInput, ListQuery, Region, Role, UserDraft};
use crm_store::testing::TestStore;
use crm_store::{Batch, BatchOutcome, Lease, Prepared, Store};

fn ru() -> Region {
    "RU".parse().unwrap()
}

fn user(store: &Store, email: &str, role: Role) -> Actor {
    let d = UserDraft::new(email, email, role, "en").unwrap();
    store
        .create_user(&Actor::system(), &d, "hash")
        .unwrap()
        .actor()
}

const HEADERS: [&str; 6] = [
    "ФИО",
    "Телефон",
    "E-mail",
    "Компания",
    "Должность",
    "Ответственный",
];

fn mapping() -> Mapping {
    [
        "name",
        "phone",
        "email",
        "company",
        "position",
        "responsible",
    ]
    .iter()
    .map(|k| Some(k.to_string()))
    .collect()
}

fn rows(cells: &[(u64, [&str; 6])]) -> Vec<Prepared> {
    cells
        .iter()
        .map(|(n, c)| {
            let c: Vec<String> = c.iter().map(|s| s.to_string()).collect();
            Prepared {
                row: *n,
                item: contact_row(&c, &mapping(), ru()),
            }
        })
        .collect()
}

fn headers() -> Vec<String> {
    HEADERS.iter().map(|h| h.to_string()).collect()
}

fn written(o: BatchOutcome) -> Counts {
    match o {
        BatchOutcome::Written(c) => c,
        BatchOutcome::Lost => panic!("the lease was lost"),
    }
}

#[test]
fn an_import_finds_duplicates_links_companies_and_reports_failures() {
    for t in TestStore::each() {
        let s = &t.store;
        let b = t.backend_name();
        let admin = user(s, "admin@example.com", Role::Admin);
        let manager = user(s, "m@example.com", Role::Manager);
        let old = s
            .create_contact(
                &admin,
                &ContactInput {
                    name: "Old Client".into(),
                    phones: vec!["+7 495 123-45-67".into()],
                    ..Default::default()
                }
                .validate(ru())
                .unwrap(),
            )
            .unwrap();
        let settings = Settings {
            mapping: mapping(),
            policy: Policy::FillEmpty,
            ..Default::default()
        };
        assert!(
            s.create_import(&manager, "contacts", "k", "f.csv", 10, &settings)
                .is_err(),
            "{b}: managers do not import"
        );
        let id = s
            .create_import(&admin, "contacts", "k", "f.csv", 10, &settings)
            .unwrap();
        s.set_import_settings(&admin, id, &settings, "h", true)
            .unwrap();
        assert_eq!(
            s.saved_mapping("contacts", "h").unwrap().as_deref(),
            Some(&*serde_json::to_string(&mapping()).unwrap())
        );
        let rec = s.claim_import("w1", Utc::now(), None).unwrap().unwrap();
        assert_eq!((rec.id, rec.status.as_str()), (id, "running"));
        assert!(
            s.claim_import("w2", Utc::now(), None).unwrap().is_none(),
            "{b}: one worker at a time"
        );
        let lease = Lease {
            import_id: id,
            worker: "w1".into(),
        };

        let first = rows(&[
            (
                2,
                [
                    "Анна Петрова",
                    "8 495 111-11-11",
                    "anna@x.ru",
                    "ООО Ромашка",
                    "",
                    "",
                ],
            ),
            (3, ["Анна П.", "", "ANNA@X.RU", "", "CEO", ""]),
            (
                4,
                ["Old Client", "8 (495) 123-45-67", "", "", "Director", ""],
            ),
            (5, ["Broken", "12", "not-an-email", "", "", ""]),
            (
                6,
                [
                    "Иван",
                    "+7 916 000-00-01",
                    "",
                    "ооо  ромашка",
                    "",
                    "m@example.com",
                ],
            ),
            (7, ["Пётр", "", "", "", "", "nobody@example.com"]),
        ]);
        let c = written(
            s.import_contacts(&admin, &lease, &settings, first, &headers())
                .unwrap(),
        );
        assert_eq!(
            (
                c.created,
                c.merged,
                c.updated,
                c.failed,
                c.skipped,
                c.companies_created
            ),
            (2, 1, 1, 2, 0, 1),
            "{b}: {c:?}"
        );
        let second = rows(&[(8, ["Анна", "+74951111111", "", "", "", ""])]);
        let c = written(
            s.import_contacts(&admin, &lease, &settings, second, &headers())
                .unwrap(),
        );
        assert_eq!(
            (c.merged, c.created),
            (1, 0),
            "{b}: a row matching an earlier batch's contact merges"
        );

        let rec = s.import(&admin, id).unwrap();
        assert_eq!(
            (rec.rows_done, rec.last_row, rec.created, rec.merged),
            (7, 8, 2, 2),
            "{b}"
        );
        let updated = s.contact(&admin, old.id).unwrap();
        assert_eq!(
            updated.position, "Director",
            "{b}: the empty field was filled"
        );
        let everyone = s.list_contacts(&admin, &ListQuery::default()).unwrap();
        assert_eq!(everyone.items.len(), 3, "{b}");
        let anna = everyone
            .items
            .iter()
            .find(|r| r.name == "Анна Петрова")
            .unwrap();
        let anna = s.contact(&admin, anna.id).unwrap();
        assert_eq!(anna.position, "CEO", "{b}: the second row filled the first");
        assert_eq!(anna.company_name.as_deref(), Some("ООО Ромашка"));
        assert_eq!(anna.emails.len(), 1);
        let ivan = everyone.items.iter().find(|r| r.name == "Иван").unwrap();
        let ivan = s.contact(&manager, ivan.id).unwrap();
        assert_eq!(
            ivan.company_id, anna.company_id,
            "{b}: one company for both spellings"
        );
        assert_eq!(
            s.list_companies(&admin, &ListQuery::default())
                .unwrap()
                .items
                .len(),
            1,
            "{b}"
        );
        let failures = s.import_failures(&admin, id).unwrap();
        let got: Vec<(i64, &str, &str)> = failures
            .iter()
            .map(|f| (f.row, f.column.as_str(), f.reason.as_str()))
            .collect();
        assert!(
            got.contains(&(5, "Телефон", "error-phone-invalid")),
            "{b}: {got:?}"
        );
        assert!(
            got.contains(&(5, "E-mail", "error-email-invalid")),
            "{b}: {got:?}"
        );
        assert!(
            got.contains(&(7, "Ответственный", "error-import-unknown-user")),
            "{b}: {got:?}"
        );

        // Batches that are ready go into one transaction; progress stands after the last.
        let mut ready = vec![Batch::Contacts(rows(&[(
            10,
            ["Мария", "", "maria@x.ru", "", "", ""],
        )]))]
        .into_iter();
        let first = Batch::Contacts(rows(&[(9, ["Олег", "", "oleg@x.ru", "", "", ""])]));
        let c = written(
            s.import_batches(
                &admin,
                &lease,
                &settings,
                first,
                || ready.next(),
                &headers(),
            )
            .unwrap(),
        );
        assert_eq!((c.created, c.rows()), (2, 2), "{b}: both batches written");
        let rec = s.import(&admin, id).unwrap();
        assert_eq!((rec.rows_done, rec.last_row), (9, 10), "{b}");

        // A worker that stops renewing loses the import to another, which resumes after row 10.
        let later = Utc::now() + Duration::seconds(crm_store::IMPORT_LEASE_SECONDS + 5);
        let again = s.claim_import("w2", later, None).unwrap().unwrap();
        assert_eq!(again.last_row, 10, "{b}");
        let stale = rows(&[(11, ["X", "", "", "", "", ""])]);
        assert_eq!(
            s.import_contacts(&admin, &lease, &settings, stale, &headers())
                .unwrap(),
            BatchOutcome::Lost,
            "{b}: the old worker's batch is refused"
        );

        // Cancelling takes back what the import created; the record it updated stays.
        assert_eq!(s.cancel_import(&admin, id).unwrap(), 4, "{b}");
        let left = s.list_contacts(&admin, &ListQuery::default()).unwrap();
        assert_eq!(left.items.len(), 1, "{b}");
        assert_eq!(left.items[0].id, old.id);
        assert_eq!(
            s.list_companies(&admin, &ListQuery::default())
                .unwrap()
                .items
                .len(),
            0,
            "{b}"
        );
        assert_eq!(s.import(&admin, id).unwrap().status, "cancelled");
        assert!(
            s.search(&admin, "Анна", 10)
                .map(|r| r.contacts.is_empty())
                .unwrap_or(true),
            "{b}: no search words left behind"
        );
    }
}

#[test]
fn skip_leaves_existing_records_alone() {
    for t in TestStore::each() {
        let s = &t.store;
        let b = t.backend_name();
        let admin = user(s, "admin@example.com", Role::Admin);
        let old = s
            .create_contact(
                &admin,
                &ContactInput {
                    name: "Old".into(),
                    emails: vec!["old@x.ru".into()],
                    ..Default::default()
                }
                .validate(ru())
                .unwrap(),
            )
            .unwrap();
        let settings = Settings {
            mapping: mapping(),
            policy: Policy::Skip,
            ..Default::default()
        };
        let id = s
            .create_import(&admin, "contacts", "k", "f.csv", 1, &settings)
            .unwrap();
        s.set_import_settings(&admin, id, &settings, "h2", true)
            .unwrap();
        s.claim_import("w", Utc::now(), Some(id)).unwrap().unwrap();
        let lease = Lease {
            import_id: id,
            worker: "w".into(),
        };
        let batch = rows(&[(2, ["New Name", "", "OLD@x.ru", "", "Boss", ""])]);
        let c = written(
            s.import_contacts(&admin, &lease, &settings, batch, &headers())
                .unwrap(),
        );
        assert_eq!((c.skipped, c.created, c.updated), (1, 0, 0), "{b}");
        let same = s.contact(&admin, old.id).unwrap();
        assert_eq!(
            (same.name.as_str(), same.position.as_str()),
            ("Old", ""),
            "{b}"
        );
        s.finish_import(&lease, None).unwrap();
        assert_eq!(s.import(&admin, id).unwrap().status, "done", "{b}");
        assert_eq!(
            s.cancel_import(&admin, id).unwrap(),
            0,
            "{b}: a finished import can be undone"
        );
        assert!(s.cancel_import(&admin, id).is_err(), "{b}: but only once");
    }
}
