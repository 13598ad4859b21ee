#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Storage behaviour, on SQLite and (with CRM_TEST_POSTGRES_URL) PostgreSQL alike.

use crm_core::{
    Actor, CompanyInput, ContactInput, Error, ListQuery, Region, Role, SortKey, UserDraft,
};
use crm_store::testing::TestStore;
use crm_store::{Store, StoreError};

fn ru() -> Region {
    "RU".parse().unwrap()
}

fn admin(store: &Store) -> Actor {
    let d = UserDraft::new("admin@example.com", "Admin", Role::Admin, "en").unwrap();
    store
        .create_user(&Actor::system(), &d, "hash")
        .unwrap()
        .actor()
}

fn manager(store: &Store, email: &str) -> Actor {
    let d = UserDraft::new(email, email, Role::Manager, "en").unwrap();
    store
        .create_user(&Actor::system(), &d, "hash")
        .unwrap()
        .actor()
}

fn contact(name: &str, phones: &[&str], emails: &[&str]) -> ContactInput {
    ContactInput {
        name: name.into(),
        phones: phones.iter().map(|s| s.to_string()).collect(),
        emails: emails.iter().map(|s| s.to_string()).collect(),
        ..Default::default()
    }
}

fn domain(e: StoreError) -> Error {
    match e {
        StoreError::Domain(d) => d,
        other => panic!("expected a domain error, got {other}"),
    }
}

#[test]
fn contact_round_trip_with_normalised_phones_and_audit() {
    for t in TestStore::each() {
        let s = &t.store;
        let a = admin(s);
        let mut input = contact(
            "Анна Петрова",
            &["8 (495) 123-45-67", "+7 495 123 45 67"],
            &["Anna@Example.RU"],
        );
        input.birthday = Some("1990-05-17".into());
        input.tags = vec!["VIP".into(), "опт".into()];
        input.notes = "line 1\nline 2".into();
        let c = s
            .create_contact(&a, &input.validate(ru()).unwrap())
            .unwrap();
        assert_eq!(c.phones.len(), 1, "{}", t.backend_name());
        assert_eq!(c.phones[0].e164(), "+74951234567");
        assert_eq!(c.phones[0].raw(), "8 (495) 123-45-67");
        assert_eq!(c.emails[0].lower(), "anna@example.ru");
        assert_eq!(c.tags, vec!["VIP", "опт"]);
        assert_eq!(c.responsible_id, a.user_id());
        assert_eq!(c.responsible_name.as_deref(), Some("Admin"));

        let again = s.contact(&a, c.id).unwrap();
        assert_eq!(again, c);

        let mut edit = c.to_input();
        edit.position = "CEO".into();
        edit.phones.push("+972 50-123-4567".into());
        let updated = s
            .update_contact(&a, c.id, &edit.validate(ru()).unwrap())
            .unwrap();
        assert_eq!(updated.position, "CEO");
        assert_eq!(updated.phones.len(), 2);

        let log = s.audit_entries(&a, "contact", c.id).unwrap();
        assert_eq!(
            log.iter().map(|e| e.action.as_str()).collect::<Vec<_>>(),
            ["create", "update"]
        );
        assert_eq!(log[1].changes["position"], serde_json::json!(["", "CEO"]));
        assert!(
            log[1].changes.get("name").is_none(),
            "unchanged fields are not logged"
        );

        s.delete_contact(&a, c.id).unwrap();
        assert_eq!(domain(s.contact(&a, c.id).unwrap_err()), Error::NotFound);
        assert_eq!(s.audit_entries(&a, "contact", c.id).unwrap().len(), 3);
    }
}

#[test]
fn managers_see_own_and_public_records_only() {
    for t in TestStore::each() {
        let s = &t.store;
        let a = admin(s);
        let m1 = manager(s, "m1@example.com");
        let m2 = manager(s, "m2@example.com");
        let mine = s
            .create_contact(
                &m1,
                &contact("Борис Own", &["+7 495 111-22-33"], &[])
                    .validate(ru())
                    .unwrap(),
            )
            .unwrap();
        let theirs = s
            .create_contact(
                &m2,
                &contact("Борис Theirs", &["+7 495 111-22-44"], &[])
                    .validate(ru())
                    .unwrap(),
            )
            .unwrap();
        let mut public = contact("Борис Public", &[], &[]);
        public.visible_to_all = true;
        let public = s
            .create_contact(&m2, &public.validate(ru()).unwrap())
            .unwrap();

        // Card.
        assert!(s.contact(&m1, mine.id).is_ok());
        assert!(s.contact(&m1, public.id).is_ok());
        assert_eq!(
            domain(s.contact(&m1, theirs.id).unwrap_err()),
            Error::NotFound
        );
        // List.
        let names: Vec<String> = s
            .list_contacts(&m1, &ListQuery::default())
            .unwrap()
            .items
            .into_iter()
            .map(|r| r.name)
            .collect();
        assert_eq!(names, ["Борис Own", "Борис Public"]);
        assert_eq!(
            s.list_contacts(&a, &ListQuery::default())
                .unwrap()
                .items
                .len(),
            3
        );
        // Search, by name and by phone digits.
        let found: Vec<String> = s
            .search(&m1, "бор", 20)
            .unwrap()
            .contacts
            .into_iter()
            .map(|r| r.name)
            .collect();
        assert_eq!(found.len(), 2);
        assert!(!found.contains(&"Борис Theirs".to_string()));
        assert!(s.search(&m1, "2244", 20).unwrap().contacts.is_empty());
        assert_eq!(s.search(&a, "2244", 20).unwrap().contacts.len(), 1);
        // Changes: public records are visible but not editable; others' are invisible.
        let draft = contact("X", &[], &[]).validate(ru()).unwrap();
        assert_eq!(
            domain(s.update_contact(&m1, public.id, &draft).unwrap_err()),
            Error::Forbidden
        );
        assert_eq!(
            domain(s.update_contact(&m1, theirs.id, &draft).unwrap_err()),
            Error::NotFound
        );
        assert_eq!(
            domain(s.delete_contact(&m1, theirs.id).unwrap_err()),
            Error::NotFound
        );
        assert!(s.contact(&a, theirs.id).is_ok(), "nothing was deleted");
        // A manager cannot hand a record to someone else.
        let mut handover = contact("Y", &[], &[]);
        handover.responsible_id = m2.user_id();
        let err = domain(
            s.create_contact(&m1, &handover.validate(ru()).unwrap())
                .unwrap_err(),
        );
        assert!(matches!(err, Error::Invalid(e) if e.get("responsible").is_some()));
        // Nor link a contact to a company they cannot see.
        let hidden = s
            .create_company(
                &m2,
                &CompanyInput {
                    name: "Hidden LLC".into(),
                    ..Default::default()
                }
                .validate(ru())
                .unwrap(),
            )
            .unwrap();
        let mut linked = contact("Z", &[], &[]);
        linked.company_id = Some(hidden.id);
        let err = domain(
            s.create_contact(&m1, &linked.validate(ru()).unwrap())
                .unwrap_err(),
        );
        assert!(
            matches!(err, Error::Invalid(e) if e.get("company") == Some("error-company-not-found"))
        );
    }
}

#[test]
fn duplicates_are_found_by_phone_and_email_without_revealing_others() {
    for t in TestStore::each() {
        let s = &t.store;
        let m1 = manager(s, "m1@example.com");
        let m2 = manager(s, "m2@example.com");
        let first = s
            .create_contact(
                &m1,
                &contact("Anna", &["+7 495 123-45-67"], &["anna@example.com"])
                    .validate(ru())
                    .unwrap(),
            )
            .unwrap();
        s.create_contact(
            &m2,
            &contact("Other", &[], &["ANNA@example.com"])
                .validate(ru())
                .unwrap(),
        )
        .unwrap();
        let draft = contact("Anna 2", &["8 495 1234567"], &["Anna@Example.com"])
            .validate(ru())
            .unwrap();
        let d = s.contact_duplicates(&m1, &draft, None).unwrap();
        assert_eq!(d.visible.len(), 1, "{}", t.backend_name());
        assert_eq!(d.visible[0].id, first.id);
        assert_eq!(d.visible[0].matched, "+74951234567");
        assert_eq!(d.hidden, 1, "m2's card is counted, not shown");
        // Editing a card is not a duplicate of itself.
        let own = contact("Anna", &["+7 495 123-45-67"], &[])
            .validate(ru())
            .unwrap();
        assert!(
            s.contact_duplicates(&m1, &own, Some(first.id))
                .unwrap()
                .is_empty()
        );
    }
}

#[test]
fn search_by_word_prefix_in_any_script_email_and_phone_suffix() {
    for t in TestStore::each() {
        let s = &t.store;
        let a = admin(s);
        for (name, phone, email) in [
            ("Анна Петрова", "+7 495 123-45-67", "anna@example.ru"),
            ("Zoë Martin", "+1 212 555 0100", "zoe@example.com"),
            ("שָׂרָה כהן", "050-123-4567", "sarah@example.co.il"),
            ("محمد علي", "+971 50 123 4568", "m@example.ae"),
            ("Пётр Анисимов", "+7 812 315-20-01", "petr@example.ru"),
        ] {
            let mut c = contact(name, &[phone], &[email]);
            c.phones = vec![phone.to_string()];
            let region: Region = if name.starts_with('ש') {
                "IL".parse().unwrap()
            } else {
                ru()
            };
            s.create_contact(
                &a,
                &c.validate(region).unwrap_or_else(|e| panic!("{name}: {e}")),
            )
            .unwrap();
        }
        s.create_company(
            &a,
            &CompanyInput {
                name: "Анкор Групп".into(),
                ..Default::default()
            }
            .validate(ru())
            .unwrap(),
        )
        .unwrap();
        let names = |q: &str| -> Vec<String> {
            let r = s.search(&a, q, 20).unwrap();
            let mut v: Vec<String> = r
                .contacts
                .into_iter()
                .map(|c| c.name)
                .chain(r.companies.into_iter().map(|c| c.name))
                .collect();
            v.sort();
            v
        };
        assert_eq!(
            names("ан"),
            ["Анкор Групп", "Анна Петрова", "Пётр Анисимов"]
        );
        assert_eq!(names("АНН"), ["Анна Петрова"]);
        assert_eq!(
            names("петр"),
            ["Анна Петрова", "Пётр Анисимов"],
            "ё folds to е"
        );
        assert_eq!(names("пет ан"), ["Анна Петрова", "Пётр Анисимов"]);
        assert_eq!(names("петрова ан"), ["Анна Петрова"]);
        assert_eq!(names("zoe"), ["Zoë Martin"]);
        assert_eq!(names("שר"), ["שָׂרָה כהן"]);
        assert_eq!(names("عل"), ["محمد علي"]);
        assert_eq!(names("4567"), ["Анна Петрова", "שָׂרָה כהן"]);
        assert_eq!(names("45-67"), ["Анна Петрова", "שָׂרָה כהן"]);
        assert_eq!(names("1234567"), ["Анна Петрова", "שָׂרָה כהן"]);
        assert_eq!(names("ZOE@ex"), ["Zoë Martin"]);
        assert!(names("а").is_empty(), "one letter is too short");
        assert!(names("xyz").is_empty());
    }
}

#[test]
fn lists_page_sort_and_filter() {
    for t in TestStore::each() {
        let s = &t.store;
        let a = admin(s);
        let m = manager(s, "m@example.com");
        for (i, name) in ["charlie", "Alpha", "bravo", "Delta", "echo"]
            .iter()
            .enumerate()
        {
            let mut c = contact(name, &[], &[]);
            if i % 2 == 0 {
                c.tags = vec!["VIP".into()];
            }
            if i == 4 {
                c.responsible_id = m.user_id();
            }
            s.create_contact(&a, &c.validate(ru()).unwrap()).unwrap();
        }
        let q = ListQuery {
            per_page: 2,
            ..Default::default()
        };
        let p1 = s.list_contacts(&a, &q).unwrap();
        assert_eq!(
            p1.items.iter().map(|r| r.name.as_str()).collect::<Vec<_>>(),
            ["Alpha", "bravo"]
        );
        assert!(p1.has_next);
        let p3 = s
            .list_contacts(
                &a,
                &ListQuery {
                    page: 3,
                    ..q.clone()
                },
            )
            .unwrap();
        assert_eq!(p3.items.len(), 1);
        assert!(!p3.has_next);
        let desc = s
            .list_contacts(
                &a,
                &ListQuery {
                    desc: true,
                    ..Default::default()
                },
            )
            .unwrap();
        assert_eq!(desc.items[0].name, "echo");
        let created = s
            .list_contacts(
                &a,
                &ListQuery {
                    sort: SortKey::Created,
                    ..Default::default()
                },
            )
            .unwrap();
        assert_eq!(created.items[0].name, "charlie");
        let vip = s
            .list_contacts(
                &a,
                &ListQuery {
                    tag: Some("vip".into()),
                    ..Default::default()
                },
            )
            .unwrap();
        assert_eq!(
            vip.items
                .iter()
                .map(|r| r.name.as_str())
                .collect::<Vec<_>>(),
            ["bravo", "charlie", "echo"]
        );
        assert_eq!(vip.items[0].tags, ["VIP"]);
        let mine = s
            .list_contacts(
                &a,
                &ListQuery {
                    responsible_id: m.user_id(),
                    ..Default::default()
                },
            )
            .unwrap();
        assert_eq!(mine.items.len(), 1);
        assert_eq!(mine.items[0].name, "echo");
    }
}

/// Tag filters give the rows of the unfiltered list that carry the tag, in its order, page after
/// page by offset or cursor: for a common tag (which SQLite reads by walking the list's order)
/// and a rare one (read by collecting the tagged rows), for a reader who sees everything and
/// one who sees part.
#[test]
fn tag_filters_keep_the_list_order_across_pages() {
    for t in TestStore::each() {
        let s = &t.store;
        let a = admin(s);
        let m = manager(s, "m@example.com");
        // Names repeat, so the id breaks ties; contacts and companies with the same id carry
        // different tags.
        for i in 0..40 {
            let name = format!("{} {}", ["Zed", "anna", "Boris", "Anna"][i % 4], i % 7);
            let tags = |skip: usize| {
                let mut v = Vec::new();
                if i % 4 != skip {
                    v.push("VIP".to_string());
                }
                if i % 13 == 5 {
                    v.push("Rare".to_string());
                }
                v
            };
            let mut c = contact(&name, &[], &[]);
            c.tags = tags(3);
            c.visible_to_all = i % 3 == 0;
            c.responsible_id = (i % 5 == 0).then(|| m.user_id()).flatten();
            s.create_contact(&a, &c.validate(ru()).unwrap()).unwrap();
            let co = CompanyInput {
                name,
                tags: tags(0),
                visible_to_all: i % 3 == 1,
                responsible_id: (i % 5 == 1).then(|| m.user_id()).flatten(),
                ..Default::default()
            };
            s.create_company(&a, &co.validate(ru()).unwrap()).unwrap();
        }
        let has = |tags: &[String], tag: &str| tags.iter().any(|t| t.to_lowercase() == tag);
        for reader in [&a, &m] {
            for sort in [SortKey::Name, SortKey::Created, SortKey::Updated] {
                for desc in [false, true] {
                    for tag in ["vip", "rare"] {
                        let all = ListQuery {
                            per_page: 200,
                            sort,
                            desc,
                            ..Default::default()
                        };
                        let q = ListQuery {
                            per_page: 4,
                            tag: Some(tag.into()),
                            ..all.clone()
                        };
                        let case = format!("{} {sort:?} desc={desc} {tag}", t.backend_name());
                        let want: Vec<i64> = s
                            .list_contacts(reader, &all)
                            .unwrap()
                            .items
                            .iter()
                            .filter(|r| has(&r.tags, tag))
                            .map(|r| r.id)
                            .collect();
                        assert!(!want.is_empty(), "{case}");
                        let (mut by_page, mut by_cursor) = (Vec::new(), Vec::new());
                        for page in 1.. {
                            let p = s.list_contacts(reader, &ListQuery { page, ..q.clone() });
                            let p = p.unwrap();
                            by_page.extend(p.items.iter().map(|r| r.id));
                            if !p.has_next {
                                break;
                            }
                        }
                        let mut after = None;
                        loop {
                            let (p, next) =
                                s.list_contacts_after(reader, &q, after.as_ref()).unwrap();
                            by_cursor.extend(p.items.iter().map(|r| r.id));
                            match next {
                                Some(c) => after = Some(c),
                                None => break,
                            }
                        }
                        assert_eq!(by_page, want, "contacts by page: {case}");
                        assert_eq!(by_cursor, want, "contacts by cursor: {case}");

                        let want: Vec<i64> = s
                            .list_companies(reader, &all)
                            .unwrap()
                            .items
                            .iter()
                            .filter(|r| has(&r.tags, tag))
                            .map(|r| r.id)
                            .collect();
                        let (mut by_page, mut by_cursor) = (Vec::new(), Vec::new());
                        for page in 1.. {
                            let p = s.list_companies(reader, &ListQuery { page, ..q.clone() });
                            let p = p.unwrap();
                            by_page.extend(p.items.iter().map(|r| r.id));
                            if !p.has_next {
                                break;
                            }
                        }
                        let mut after = None;
                        loop {
                            let (p, next) =
                                s.list_companies_after(reader, &q, after.as_ref()).unwrap();
                            by_cursor.extend(p.items.iter().map(|r| r.id));
                            match next {
                                Some(c) => after = Some(c),
                                None => break,
                            }
                        }
                        assert_eq!(by_page, want, "companies by page: {case}");
                        assert_eq!(by_cursor, want, "companies by cursor: {case}");
                    }
                }
            }
        }
    }
}

#[test]
fn companies_with_contact_persons() {
    for t in TestStore::each() {
        let s = &t.store;
        let a = admin(s);
        let input = CompanyInput {
            name: "ООО «Ромашка»".into(),
            industry: "Retail".into(),
            website: "romashka.ru".into(),
            phones: vec!["+7 495 765-43-21".into()],
            tax_id: "7701234567".into(),
            ..Default::default()
        };
        let co = s
            .create_company(&a, &input.validate(ru()).unwrap())
            .unwrap();
        assert_eq!(co.phones[0].e164(), "+74957654321");
        for name in ["Иван Бухгалтер", "Мария Закупки"] {
            let mut c = contact(name, &[], &[]);
            c.company_id = Some(co.id);
            let c = s.create_contact(&a, &c.validate(ru()).unwrap()).unwrap();
            assert_eq!(c.company_name.as_deref(), Some("ООО «Ромашка»"));
        }
        let people = s.company_people(&a, co.id).unwrap();
        assert_eq!(
            people.iter().map(|p| p.name.as_str()).collect::<Vec<_>>(),
            ["Иван Бухгалтер", "Мария Закупки"]
        );
        assert_eq!(
            s.company_by_name(&a, " ооо «ромашка» ").unwrap(),
            Some(co.id)
        );
        assert_eq!(
            s.suggest_companies(&a, "ром", 10).unwrap(),
            vec![(co.id, "ООО «Ромашка»".to_string())]
        );
        let list = s.list_companies(&a, &ListQuery::default()).unwrap();
        assert_eq!(list.items[0].phone.as_deref(), Some("+7 495 765-43-21"));

        s.delete_company(&a, co.id).unwrap();
        let left = s.list_contacts(&a, &ListQuery::default()).unwrap();
        assert_eq!(left.items.len(), 2, "contact persons outlive their company");
        assert!(left.items.iter().all(|r| r.company_id.is_none()));
    }
}

#[test]
fn invalid_changes_leave_nothing_behind() {
    for t in TestStore::each() {
        let s = &t.store;
        let a = admin(s);
        let c = s
            .create_contact(
                &a,
                &contact("Keep", &["+7 495 123-45-67"], &[])
                    .validate(ru())
                    .unwrap(),
            )
            .unwrap();
        let mut bad = contact("Changed", &["+7 495 000-00-00"], &[]);
        bad.company_id = Some(999_999);
        assert!(
            s.update_contact(&a, c.id, &bad.validate(ru()).unwrap())
                .is_err()
        );
        let after = s.contact(&a, c.id).unwrap();
        assert_eq!(after.name, "Keep");
        assert_eq!(after.phones[0].e164(), "+74951234567");
        assert_eq!(s.audit_entries(&a, "contact", c.id).unwrap().len(), 1);
        assert_eq!(domain(s.contact(&a, 424_242).unwrap_err()), Error::NotFound);
    }
}

#[test]
fn sessions_and_api_tokens() {
    for t in TestStore::each() {
        let s = &t.store;
        let a = admin(s);
        let uid = a.user_id().unwrap();
        s.create_session(uid, "hash-1", "csrf-1", chrono::Duration::hours(1))
            .unwrap();
        s.create_session(uid, "hash-old", "csrf-2", chrono::Duration::seconds(-1))
            .unwrap();
        let live = s.session("hash-1").unwrap().unwrap();
        assert_eq!(live.user.id, uid);
        assert_eq!(live.csrf_token, "csrf-1");
        assert!(s.session("hash-old").unwrap().is_none(), "expired");
        assert!(s.session("nope").unwrap().is_none());
        s.delete_session("hash-1").unwrap();
        assert!(s.session("hash-1").unwrap().is_none());

        s.create_api_token(uid, "site", "tok-hash").unwrap();
        assert_eq!(s.api_token_user("tok-hash").unwrap().unwrap().id, uid);
        assert!(s.api_token_user("other").unwrap().is_none());

        // A new password signs the user out everywhere.
        s.create_session(uid, "hash-2", "c", chrono::Duration::hours(1))
            .unwrap();
        s.set_password(&a, uid, "new-hash").unwrap();
        assert!(s.session("hash-2").unwrap().is_none());
        let (user, hash) = s.user_for_login("ADMIN@example.com").unwrap().unwrap();
        assert_eq!((user.id, hash.as_str()), (uid, "new-hash"));
        // E-mails are unique regardless of case.
        let dup = UserDraft::new("Admin@Example.com", "", Role::Manager, "en").unwrap();
        assert!(matches!(
            domain(s.create_user(&a, &dup, "h").unwrap_err()),
            Error::Invalid(_)
        ));
    }
}

#[test]
fn bulk_insert_is_searchable_and_keeps_ids_in_step() {
    for t in TestStore::each() {
        let s = &t.store;
        let a = admin(s);
        let companies: Vec<_> = (0..3)
            .map(|i| {
                CompanyInput {
                    name: format!("Bulk Co {i}"),
                    ..Default::default()
                }
                .validate(ru())
                .unwrap()
            })
            .collect();
        let co_ids = s.bulk_insert_companies(&a, &companies).unwrap();
        let contacts: Vec<_> = (0..1200)
            .map(|i| {
                let mut c = contact(
                    &format!("Bulk Person{i}"),
                    &[&format!("+7 495 {:03}-00-{:02}", i / 100, i % 100)],
                    &[],
                );
                c.company_id = Some(co_ids[i % 3]);
                c.validate(ru()).unwrap()
            })
            .collect();
        let ids = s.bulk_insert_contacts(&a, &contacts).unwrap();
        assert_eq!(ids.len(), 1200);
        s.optimize().unwrap();
        let c = s.contact(&a, ids[1001]).unwrap();
        assert_eq!(c.name, "Bulk Person1001");
        assert_eq!(c.phones[0].e164(), "+74950100001");
        assert_eq!(c.company_id, Some(co_ids[1001 % 3]));
        assert_eq!(s.search(&a, "person100", 50).unwrap().contacts.len(), 11);
        // The identity sequence moved past the batch: a normal insert still works.
        let next = s
            .create_contact(&a, &contact("After", &[], &[]).validate(ru()).unwrap())
            .unwrap();
        assert!(next.id > ids[1199]);
    }
}

#[test]
fn database_urls_are_explicit() {
    use crm_store::{DbConfig, DbUrl};
    assert!(DbUrl::parse("mysql://x").is_err());
    assert!(
        DbUrl::parse("/no/such/file.db").is_err(),
        "a bare path must exist"
    );
    assert!(matches!(
        DbUrl::parse("postgresql://u@h/db"),
        Ok(DbUrl::Postgres(_))
    ));
    let err = Store::open(&DbConfig {
        url: "sqlite:///no/such/dir/crm.db".into(),
        pool_size: 1,
    })
    .unwrap_err();
    assert!(err.to_string().contains("does not exist"), "{err}");
    assert_eq!(
        crm_store::mask_url("postgres://crm:secret@db/crm"),
        "postgres://crm:***@db/crm"
    );
}
