#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Sales storage — pipelines, products, deals, the board and leads — on SQLite and (with
//! CRM_TEST_POSTGRES_URL) PostgreSQL alike.

use crm_core::{
    Actor, CompanyInput, Conversion, Currency, DealFilter, DealInput, DealSort, Error, LeadInput,
    LeadStatus, LineInput, ListQuery, Part, PipelineInput, ProductInput, Region, Role, SaleKind,
    StageInput, StageKind, UserDraft,
};
use crm_store::testing::TestStore;
use crm_store::{Store, StoreError};

fn ru() -> Region {
    "RU".parse().unwrap()
}

fn eur() -> Currency {
    Currency::parse("EUR").unwrap()
}

fn user(store: &Store, email: &str, role: Role) -> Actor {
    let d = UserDraft::new(email, email, role, "en").unwrap();
    store
        .create_user(&Actor::system(), &d, "hash")
        .unwrap()
        .actor()
}

fn domain(e: StoreError) -> Error {
    match e {
        StoreError::Domain(d) => d,
        other => panic!("expected a domain error, got {other}"),
    }
}

fn field(e: StoreError) -> (String, &'static str) {
    match domain(e) {
        Error::Invalid(f) => {
            let first = f.iter().next().unwrap();
            (first.field.clone(), first.code)
        }
        other => panic!("expected invalid, got {other}"),
    }
}

fn deal(title: &str, amount: &str) -> DealInput {
    DealInput {
        title: title.into(),
        amount: amount.into(),
        ..Default::default()
    }
}

fn line(name: &str, q: &str, p: &str, d: &str) -> LineInput {
    LineInput {
        name: name.into(),
        quantity: q.into(),
        unit_price: p.into(),
        discount: d.into(),
        ..Default::default()
    }
}

fn stage(name: &str, kind: StageKind) -> StageInput {
    StageInput {
        id: None,
        name: name.into(),
        probability: 50,
        color: "#123456".into(),
        kind,
    }
}

fn stage_of(s: &Store, pipeline_id: i64, kind: StageKind, nth: usize) -> i64 {
    s.pipeline(pipeline_id)
        .unwrap()
        .stages
        .iter()
        .filter(|st| st.kind == kind)
        .nth(nth)
        .unwrap()
        .id
}

#[test]
fn a_default_pipeline_exists_and_admins_shape_pipelines() {
    for t in TestStore::each() {
        let s = &t.store;
        let a = user(s, "admin@example.com", Role::Admin);
        let m = user(s, "m@example.com", Role::Manager);
        let all = s.pipelines().unwrap();
        assert_eq!(all.len(), 1, "{}", t.backend_name());
        assert_eq!(all[0].stages.len(), 6);
        assert!(!s.lost_reasons(false).unwrap().is_empty());

        let input = PipelineInput {
            name: "Wholesale".into(),
            stages: vec![
                stage("Call", StageKind::Open),
                stage("Won", StageKind::Won),
                stage("Lost", StageKind::Lost),
            ],
        };
        let draft = input.validate().unwrap();
        assert!(matches!(
            domain(s.create_pipeline(&m, &draft).unwrap_err()),
            Error::Forbidden
        ));
        let p = s.create_pipeline(&a, &draft).unwrap();
        assert_eq!(p.position, 1);
        let measuring = s
            .add_stage(&a, p.id, &stage("Measuring", StageKind::Open))
            .unwrap();
        // A new open stage goes before the closed ones.
        let names: Vec<String> = s
            .pipeline(p.id)
            .unwrap()
            .stages
            .into_iter()
            .map(|s| s.name)
            .collect();
        assert_eq!(names, ["Call", "Measuring", "Won", "Lost"]);
        let moved = s.move_stage(&a, measuring.id, 0).unwrap();
        assert_eq!(moved.stages[0].name, "Measuring");
        let mut renamed = stage("Замер", StageKind::Open);
        renamed.probability = 40;
        assert_eq!(
            s.update_stage(&a, measuring.id, &renamed).unwrap().name,
            "Замер"
        );
        // The last won stage cannot become open: deals must be able to close.
        let won = stage_of(s, p.id, StageKind::Won, 0);
        assert_eq!(
            field(
                s.update_stage(&a, won, &stage("W", StageKind::Open))
                    .unwrap_err()
            )
            .1,
            "error-stages-need-each-kind"
        );
        assert_eq!(
            s.pipeline(p.id).unwrap().stage(won).unwrap().kind,
            StageKind::Won
        );
    }
}

#[test]
fn deleting_a_stage_moves_its_deals_and_loses_none() {
    for t in TestStore::each() {
        let s = &t.store;
        let a = user(s, "admin@example.com", Role::Admin);
        let p = s.pipelines().unwrap().remove(0);
        let (first, second) = (p.stages[0].id, p.stages[1].id);
        let d1 = s
            .create_deal(&a, &deal("One", "10").validate(eur()).unwrap())
            .unwrap();
        let d2 = s
            .create_deal(&a, &deal("Two", "20").validate(eur()).unwrap())
            .unwrap();
        assert_eq!(d1.stage_id, first);
        assert_eq!(s.stage_deal_count(first).unwrap(), 2);
        assert!(matches!(
            domain(s.delete_stage(&a, first, None).unwrap_err()),
            Error::Conflict("error-stage-holds-deals")
        ));
        let after = s.delete_stage(&a, first, Some(second)).unwrap();
        assert!(after.stage(first).is_none());
        for d in [d1.id, d2.id] {
            let now = s.deal(&a, d).unwrap();
            assert_eq!(now.stage_id, second, "{}", t.backend_name());
            let history = s.deal_history(&a, d).unwrap();
            assert_eq!(history.len(), 2);
            assert_eq!(history[1].to_stage, p.stages[1].name);
        }
    }
}

#[test]
fn deals_total_their_lines_and_refuse_foreign_stages() {
    for t in TestStore::each() {
        let s = &t.store;
        let a = user(s, "admin@example.com", Role::Admin);
        let other = s
            .create_pipeline(
                &a,
                &PipelineInput {
                    name: "Other".into(),
                    stages: vec![
                        stage("O", StageKind::Open),
                        stage("W", StageKind::Won),
                        stage("L", StageKind::Lost),
                    ],
                }
                .validate()
                .unwrap(),
            )
            .unwrap();
        let product = s
            .create_product(
                &a,
                &ProductInput {
                    name: "Окно ПВХ".into(),
                    price: "150".into(),
                    currency: "EUR".into(),
                    ..Default::default()
                }
                .validate()
                .unwrap(),
            )
            .unwrap();
        let mut input = deal("Windows", "999");
        let mut by_product = line("", "2", "150", "10");
        by_product.product_id = Some(product.id);
        input.lines = Some(vec![by_product, line("Installation", "1.5", "20.01", "")]);
        let d = s.create_deal(&a, &input.validate(eur()).unwrap()).unwrap();
        // 2 × 150 × 0.9 = 270.00; 1.5 × 20.01 = 30.015 -> 30.02
        assert_eq!(d.lines[0].name, "Окно ПВХ");
        assert_eq!(d.lines[1].total, 3_002);
        assert_eq!(d.amount, 27_000 + 3_002, "{}", t.backend_name());
        assert_eq!(d.probability, 10);
        assert_eq!(d.version, 1);

        // Moving to a stage of another pipeline is refused, and nothing changes.
        let foreign = other.stages[0].id;
        assert_eq!(
            field(s.move_deal(&a, d.id, foreign, None, None).unwrap_err()),
            ("stage_id".to_string(), "error-stage-not-in-pipeline")
        );
        let mut edit = d.to_input();
        edit.stage_id = Some(foreign);
        assert_eq!(
            field(
                s.update_deal(&a, d.id, &edit.validate(eur()).unwrap())
                    .unwrap_err()
            )
            .1,
            "error-stage-not-in-pipeline"
        );
        assert_eq!(s.deal(&a, d.id).unwrap().stage_id, d.stage_id);

        // The form keeps the lines; replacing them recomputes the amount.
        let mut edit = d.to_input();
        edit.title = "Windows 2".into();
        edit.amount = "1".into();
        let saved = s
            .update_deal(&a, d.id, &edit.validate(eur()).unwrap())
            .unwrap();
        assert_eq!((saved.amount, saved.lines.len()), (30_002, 2));
        let lines = crm_core::deal::check_lines(
            &mut crm_core::FieldErrors::new(),
            &[line("Door", "1", "500", "")],
            eur(),
        )
        .0;
        let relined = s
            .set_deal_lines(&a, d.id, Some(saved.version), &lines)
            .unwrap();
        assert_eq!(relined.amount, 50_000);
        assert_eq!(relined.version, saved.version + 1);
        // Changing the currency under existing lines would change their meaning.
        let mut edit = relined.to_input();
        edit.currency = "JPY".into();
        edit.amount = String::new();
        assert_eq!(
            field(
                s.update_deal(&a, d.id, &edit.validate(eur()).unwrap())
                    .unwrap_err()
            )
            .1,
            "error-currency-has-lines"
        );
    }
}

#[test]
fn a_stale_version_is_told_the_deal_changed() {
    for t in TestStore::each() {
        let s = &t.store;
        let a = user(s, "admin@example.com", Role::Admin);
        let b = user(s, "b@example.com", Role::Admin);
        let d = s
            .create_deal(&a, &deal("Shared", "10").validate(eur()).unwrap())
            .unwrap();
        let p = s.pipeline(d.pipeline_id).unwrap();
        let (s2, s3) = (p.stages[1].id, p.stages[2].id);
        // Both opened the deal at version 1; the first move wins, the second is refused.
        let first = s.move_deal(&a, d.id, s2, Some(d.version), None).unwrap();
        assert_eq!(first.version, 2);
        // Dropping a card where it already is changes nothing, not even the version.
        let same = s
            .move_deal(&a, d.id, s2, Some(first.version), None)
            .unwrap();
        assert_eq!(
            (same.version, s.deal_history(&a, d.id).unwrap().len()),
            (2, 2)
        );
        assert!(matches!(
            domain(
                s.move_deal(&b, d.id, s3, Some(d.version), None)
                    .unwrap_err()
            ),
            Error::Conflict("error-deal-changed")
        ));
        let mut stale = d.to_input();
        stale.title = "Overwritten".into();
        assert!(matches!(
            domain(
                s.update_deal(&b, d.id, &stale.validate(eur()).unwrap())
                    .unwrap_err()
            ),
            Error::Conflict("error-deal-changed")
        ));
        let now = s.deal(&a, d.id).unwrap();
        assert_eq!((now.stage_id, now.title.as_str()), (s2, "Shared"));

        // Racing threads: exactly one of them wins.
        let version = now.version;
        let results: Vec<bool> = std::thread::scope(|scope| {
            let handles: Vec<_> = [s3, p.stages[0].id]
                .into_iter()
                .map(|to| {
                    let actor = a;
                    scope.spawn(move || s.move_deal(&actor, d.id, to, Some(version), None).is_ok())
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        assert_eq!(
            results.iter().filter(|ok| **ok).count(),
            1,
            "{}",
            t.backend_name()
        );
        assert_eq!(s.deal(&a, d.id).unwrap().version, version + 1);
    }
}

#[test]
fn closing_needs_a_reason_for_lost_and_marks_new_and_repeat_customers() {
    for t in TestStore::each() {
        let s = &t.store;
        let a = user(s, "admin@example.com", Role::Admin);
        let client = s
            .create_company(
                &a,
                &CompanyInput {
                    name: "Acme".into(),
                    ..Default::default()
                }
                .validate(ru())
                .unwrap(),
            )
            .unwrap();
        let p = s.pipelines().unwrap().remove(0);
        let won = stage_of(s, p.id, StageKind::Won, 0);
        let lost = stage_of(s, p.id, StageKind::Lost, 0);
        let mut ids = Vec::new();
        for title in ["First", "Second", "Third"] {
            let mut input = deal(title, "100");
            input.company_id = Some(client.id);
            ids.push(
                s.create_deal(&a, &input.validate(eur()).unwrap())
                    .unwrap()
                    .id,
            );
        }
        assert_eq!(
            field(s.move_deal(&a, ids[2], lost, None, None).unwrap_err()),
            ("lost_reason_id".to_string(), "error-lost-reason-required")
        );
        let reason = s.lost_reasons(false).unwrap()[0].id;
        let l = s.move_deal(&a, ids[2], lost, None, Some(reason)).unwrap();
        assert_eq!(l.stage_kind, StageKind::Lost);
        assert!(l.closed_at.is_some() && l.lost_reason.is_some());
        let first = s.move_deal(&a, ids[0], won, None, None).unwrap();
        assert_eq!(
            first.sale,
            Some(SaleKind::NewCustomer),
            "{}",
            t.backend_name()
        );
        std::thread::sleep(std::time::Duration::from_millis(1100));
        let second = s.move_deal(&a, ids[1], won, None, None).unwrap();
        assert_eq!(second.sale, Some(SaleKind::Repeat { nth: 2 }));
        assert_eq!(
            s.deal(&a, ids[0]).unwrap().sale,
            Some(SaleKind::NewCustomer)
        );
        // Reopening clears the close.
        let reopened = s.move_deal(&a, ids[0], p.stages[0].id, None, None).unwrap();
        assert!(reopened.closed_at.is_none() && reopened.sale.is_none());
    }
}

#[test]
fn managers_see_own_and_public_deals_everywhere() {
    for t in TestStore::each() {
        let s = &t.store;
        let a = user(s, "admin@example.com", Role::Admin);
        let m = user(s, "m@example.com", Role::Manager);
        let n = user(s, "n@example.com", Role::Manager);
        let mine = s
            .create_deal(&m, &deal("Mine", "10").validate(eur()).unwrap())
            .unwrap();
        let theirs = s
            .create_deal(&n, &deal("Theirs", "20").validate(eur()).unwrap())
            .unwrap();
        let mut public = deal("Public", "30");
        public.visible_to_all = true;
        let public = s.create_deal(&n, &public.validate(eur()).unwrap()).unwrap();
        assert_eq!(mine.responsible_id, m.user_id());
        let page = s
            .list_deals(
                &m,
                &DealFilter::default(),
                DealSort::Title,
                false,
                &ListQuery::default(),
            )
            .unwrap();
        let titles: Vec<&str> = page.items.iter().map(|d| d.title.as_str()).collect();
        assert_eq!(titles, ["Mine", "Public"], "{}", t.backend_name());
        assert!(matches!(
            domain(s.deal(&m, theirs.id).unwrap_err()),
            Error::NotFound
        ));
        assert!(matches!(
            domain(
                s.move_deal(&m, public.id, public.stage_id, None, None)
                    .unwrap_err()
            ),
            Error::Forbidden
        ));
        let (_, columns) = s
            .board(&m, mine.pipeline_id, &DealFilter::default(), 20)
            .unwrap();
        assert_eq!(columns[0].count, 2);
        assert_eq!(columns[0].totals, vec![(eur(), 4_000)]);
        let (_, all) = s
            .board(&a, mine.pipeline_id, &DealFilter::default(), 20)
            .unwrap();
        assert_eq!(all[0].count, 3);
        // A manager cannot hand a deal to a colleague.
        let mut give = mine.to_input();
        give.responsible_id = n.user_id();
        assert_eq!(
            field(
                s.update_deal(&m, mine.id, &give.validate(eur()).unwrap())
                    .unwrap_err()
            )
            .1,
            "error-responsible-not-allowed"
        );
    }
}

#[test]
fn the_board_filters_and_pages_its_columns() {
    for t in TestStore::each() {
        let s = &t.store;
        let a = user(s, "admin@example.com", Role::Admin);
        let p = s.pipelines().unwrap().remove(0);
        for i in 0..25 {
            let mut input = deal(&format!("Deal {i:02}"), &format!("{}", i * 100));
            if i % 5 == 0 {
                input.tags = vec!["VIP".into()];
            }
            if i == 24 {
                input.currency = "USD".into();
            }
            s.create_deal(&a, &input.validate(eur()).unwrap()).unwrap();
        }
        let (_, columns) = s.board(&a, p.id, &DealFilter::default(), 10).unwrap();
        let first = &columns[0];
        assert_eq!(
            (first.count, first.cards.len(), first.has_more),
            (25, 10, true)
        );
        let eur_total: i64 = (0..24).map(|i| i * 100 * 100).sum();
        assert_eq!(first.totals[0], (eur(), eur_total), "{}", t.backend_name());
        assert_eq!(first.totals[1].0.code(), "USD");
        // Newest first; the next page continues where the first stopped.
        assert_eq!(first.cards[0].title, "Deal 24");
        let (more, has_more) = s
            .board_column(&a, first.stage.id, &DealFilter::default(), 20, 10)
            .unwrap();
        assert_eq!((more.len(), has_more), (5, false));
        assert_eq!(more[4].title, "Deal 00");
        let vip = DealFilter {
            tag: Some("vip".into()),
            min_amount: Some(50_000),
            ..Default::default()
        };
        let (_, columns) = s.board(&a, p.id, &vip, 10).unwrap();
        let titles: Vec<&str> = columns[0].cards.iter().map(|c| c.title.as_str()).collect();
        assert_eq!(titles, ["Deal 20", "Deal 15", "Deal 10", "Deal 05"]);
        let page = s
            .list_deals(&a, &vip, DealSort::Amount, true, &ListQuery::default())
            .unwrap();
        assert_eq!(page.items[0].title, "Deal 20");
    }
}

#[test]
fn products_are_suggested_by_first_letters() {
    for t in TestStore::each() {
        let s = &t.store;
        let a = user(s, "admin@example.com", Role::Admin);
        let m = user(s, "m@example.com", Role::Manager);
        for (name, sku, active) in [
            ("Окно ПВХ белое", "OK-1", true),
            ("Окно деревянное", "OK-2", true),
            ("Дверь входная", "DV-1", true),
            ("Окно старое", "OK-0", false),
        ] {
            let input = ProductInput {
                name: name.into(),
                sku: sku.into(),
                price: "100".into(),
                currency: "RUB".into(),
                active,
                ..Default::default()
            };
            s.create_product(&a, &input.validate().unwrap()).unwrap();
        }
        let names = |q: &str| -> Vec<String> {
            s.suggest_products(q, 10)
                .unwrap()
                .into_iter()
                .map(|p| p.name)
                .collect()
        };
        assert_eq!(
            names("ок"),
            ["Окно деревянное", "Окно ПВХ белое"],
            "{}",
            t.backend_name()
        );
        assert_eq!(names("окно бел"), ["Окно ПВХ белое"]);
        assert_eq!(names("дер"), ["Окно деревянное"]);
        assert_eq!(names("dv"), ["Дверь входная"]);
        assert!(names("xyz").is_empty());
        let bad = ProductInput {
            name: "x".into(),
            currency: "RUB".into(),
            ..Default::default()
        };
        assert!(matches!(
            domain(s.create_product(&m, &bad.validate().unwrap()).unwrap_err()),
            Error::Forbidden
        ));
    }
}

#[test]
fn converting_a_lead_is_all_or_nothing() {
    for t in TestStore::each() {
        let s = &t.store;
        let a = user(s, "admin@example.com", Role::Admin);
        let lead = s
            .create_lead(
                &a,
                &LeadInput {
                    name: "Иван Петров".into(),
                    company_name: "ООО Ромашка".into(),
                    phone: "8 (495) 123-45-67".into(),
                    email: "ivan@romashka.ru".into(),
                    message: "Три окна".into(),
                    source: "web_form".into(),
                    utm_source: "yandex".into(),
                    ..Default::default()
                }
                .validate(ru())
                .unwrap(),
            )
            .unwrap();
        assert_eq!(lead.status, LeadStatus::New);
        let contact = lead.contact_input().validate(ru()).unwrap();
        let company = lead.company_input().validate(ru()).unwrap();

        // A deal that cannot be placed fails the whole conversion.
        let other = s
            .create_pipeline(
                &a,
                &PipelineInput {
                    name: "Other".into(),
                    stages: vec![
                        stage("O", StageKind::Open),
                        stage("W", StageKind::Won),
                        stage("L", StageKind::Lost),
                    ],
                }
                .validate()
                .unwrap(),
            )
            .unwrap();
        let mut bad_deal = deal("Three windows", "300").validate(eur()).unwrap();
        bad_deal.pipeline_id = Some(s.pipelines().unwrap()[0].id);
        bad_deal.stage_id = Some(other.stages[0].id);
        let failed = s.convert_lead(
            &a,
            lead.id,
            &Conversion {
                contact: Part::New(contact.clone()),
                company: Part::New(company.clone()),
                deal: Some(bad_deal),
            },
        );
        assert!(failed.is_err());
        let q = ListQuery::default();
        assert!(
            s.list_contacts(&a, &q).unwrap().items.is_empty(),
            "{}",
            t.backend_name()
        );
        assert!(s.list_companies(&a, &q).unwrap().items.is_empty());
        assert_eq!(s.lead(&a, lead.id).unwrap().status, LeadStatus::New);

        let done = s
            .convert_lead(
                &a,
                lead.id,
                &Conversion {
                    contact: Part::New(contact),
                    company: Part::New(company),
                    deal: Some(deal("Three windows", "300").validate(eur()).unwrap()),
                },
            )
            .unwrap();
        assert_eq!(done.status, LeadStatus::Converted);
        let c = s.contact(&a, done.contact_id.unwrap()).unwrap();
        assert_eq!(c.phones[0].e164(), "+74951234567");
        assert_eq!(c.company_id, done.company_id);
        let d = s.deal(&a, done.deal_id.unwrap()).unwrap();
        assert_eq!(
            (d.contact_id, d.company_id),
            (done.contact_id, done.company_id)
        );
        assert_eq!((d.source.as_str(), d.lead_id), ("web_form", Some(lead.id)));
        assert!(matches!(
            domain(
                s.convert_lead(
                    &a,
                    lead.id,
                    &Conversion {
                        contact: Part::Skip,
                        company: Part::Skip,
                        deal: None
                    }
                )
                .unwrap_err()
            ),
            Error::Conflict("error-lead-converted")
        ));

        // The next lead from the same person finds the cards instead of duplicating them.
        let again = s
            .create_lead(
                &a,
                &LeadInput {
                    name: "Иван".into(),
                    phone: "+7 495 123 45 67".into(),
                    company_name: "ооо ромашка".into(),
                    ..Default::default()
                }
                .validate(ru())
                .unwrap(),
            )
            .unwrap();
        let matches = s.lead_matches(&a, &again).unwrap();
        let kinds: Vec<(&str, i64)> = matches.visible.iter().map(|d| (d.kind, d.id)).collect();
        assert!(kinds.contains(&("contact", c.id)), "{kinds:?}");
        assert!(
            kinds.contains(&("company", done.company_id.unwrap())),
            "{kinds:?}"
        );
        let linked = s
            .convert_lead(
                &a,
                again.id,
                &Conversion {
                    contact: Part::Existing(c.id),
                    company: Part::Existing(done.company_id.unwrap()),
                    deal: None,
                },
            )
            .unwrap();
        assert_eq!(linked.contact_id, Some(c.id));
        assert_eq!(s.list_contacts(&a, &q).unwrap().items.len(), 1);
    }
}

#[test]
fn managers_work_only_their_own_leads() {
    for t in TestStore::each() {
        let s = &t.store;
        let m = user(s, "m@example.com", Role::Manager);
        let n = user(s, "n@example.com", Role::Manager);
        let input = LeadInput {
            name: "Lead".into(),
            ..Default::default()
        };
        let mine = s.create_lead(&m, &input.validate(ru()).unwrap()).unwrap();
        let theirs = s.create_lead(&n, &input.validate(ru()).unwrap()).unwrap();
        let page = s.list_leads(&m, None, &ListQuery::default()).unwrap();
        assert_eq!(page.items.len(), 1);
        assert_eq!(page.items[0].id, mine.id);
        assert!(matches!(
            domain(s.lead(&m, theirs.id).unwrap_err()),
            Error::NotFound
        ));
        let mut junk = input.clone();
        junk.status = "junk".into();
        let j = s
            .update_lead(&m, mine.id, &junk.validate(ru()).unwrap())
            .unwrap();
        assert_eq!(j.status, LeadStatus::Junk);
        assert_eq!(
            s.list_leads(&m, Some(LeadStatus::New), &ListQuery::default())
                .unwrap()
                .items
                .len(),
            0
        );
    }
}

#[test]
fn the_board_shows_recent_closes_and_the_list_shows_all() {
    for t in TestStore::each() {
        let s = &t.store;
        let a = user(s, "admin@example.com", Role::Admin);
        let p = s.pipelines().unwrap().remove(0);
        let won = p.stages.iter().find(|s| s.kind == StageKind::Won).unwrap();
        let now = chrono::Utc::now().naive_utc();
        let bulk = |title: &str, days_ago: i64| {
            let mut d = deal(title, "100").validate(eur()).unwrap();
            d.pipeline_id = Some(p.id);
            d.stage_id = Some(won.id);
            crm_store::BulkDeal {
                draft: d,
                kind: StageKind::Won,
                first_stage_id: p.stages[0].id,
                created_at: now - chrono::Duration::days(days_ago + 5),
                moved_at: now - chrono::Duration::days(days_ago),
            }
        };
        s.bulk_insert_deals(&a, &[bulk("Old win", 90), bulk("Fresh win", 2)])
            .unwrap();
        let (_, columns) = s.board(&a, p.id, &DealFilter::default(), 20).unwrap();
        let column = columns.iter().find(|c| c.stage.id == won.id).unwrap();
        let titles: Vec<&str> = column.cards.iter().map(|c| c.title.as_str()).collect();
        assert_eq!(titles, ["Fresh win"], "{}", t.backend_name());
        assert_eq!((column.count, column.totals[0].1), (1, 10_000));
        let (more, _) = s
            .board_column(&a, won.id, &DealFilter::default(), 0, 20)
            .unwrap();
        assert_eq!(more.len(), 1);
        let listed = s
            .list_deals(
                &a,
                &DealFilter {
                    stage_id: Some(won.id),
                    ..Default::default()
                },
                DealSort::Title,
                false,
                &ListQuery::default(),
            )
            .unwrap();
        assert_eq!(listed.items.len(), 2);
        assert_eq!(s.deal_history(&a, listed.items[1].id).unwrap().len(), 2);
    }
}

/// (stage, count, [(currency, total)]) of each board column.
type Figures = Vec<(i64, i64, Vec<(String, i64)>)>;

#[test]
fn kept_board_totals_match_the_deals_after_every_kind_of_change() {
    for t in TestStore::each() {
        let s = &t.store;
        let a = user(s, "admin@example.com", Role::Admin);
        let m = user(s, "m@example.com", Role::Manager);
        let p = s.pipelines().unwrap().remove(0);
        let mut ids = Vec::new();
        for (i, who) in [a, a, m, m, m].iter().enumerate() {
            let mut input = deal(&format!("D{i}"), &format!("{}", (i + 1) * 10));
            input.visible_to_all = i == 1;
            if i == 4 {
                input.currency = "USD".into();
            }
            ids.push(
                s.create_deal(who, &input.validate(eur()).unwrap())
                    .unwrap()
                    .id,
            );
        }
        let won = p
            .stages
            .iter()
            .find(|s| s.kind == StageKind::Won)
            .unwrap()
            .id;
        s.move_deal(&a, ids[0], p.stages[1].id, None, None).unwrap();
        s.move_deal(&m, ids[2], won, None, None).unwrap();
        let lines = crm_core::deal::check_lines(
            &mut crm_core::FieldErrors::new(),
            &[line("X", "3", "7", "")],
            eur(),
        )
        .0;
        s.set_deal_lines(&m, ids[3], None, &lines).unwrap();
        let mut edit = s.deal(&a, ids[1]).unwrap().to_input();
        edit.responsible_id = m.user_id();
        edit.visible_to_all = false;
        s.update_deal(&a, ids[1], &edit.validate(eur()).unwrap())
            .unwrap();
        s.delete_deal(&m, ids[4]).unwrap();
        s.delete_stage(&a, p.stages[1].id, Some(p.stages[2].id))
            .unwrap();
        // Counted (an amount filter that admits all) and kept totals agree, for every scope.
        for who in [a, m] {
            let kept = s.board(&who, p.id, &DealFilter::default(), 20).unwrap().1;
            let counted = DealFilter {
                min_amount: Some(0),
                ..Default::default()
            };
            let counted = s.board(&who, p.id, &counted, 20).unwrap().1;
            let figures = |cols: &[crm_core::BoardColumn]| -> Figures {
                cols.iter()
                    .map(|c| {
                        let totals = c
                            .totals
                            .iter()
                            .map(|(cur, v)| (cur.code().to_string(), *v))
                            .collect();
                        (c.stage.id, c.count, totals)
                    })
                    .collect()
            };
            assert_eq!(figures(&kept), figures(&counted), "{}", t.backend_name());
            assert!(kept.iter().any(|c| c.count > 0));
        }
        let (_, cols) = s.board(&a, p.id, &DealFilter::default(), 20).unwrap();
        let third = cols.iter().find(|c| c.stage.id == p.stages[2].id).unwrap();
        assert_eq!(
            (third.count, third.totals[0].1),
            (1, 1_000),
            "moved with its stage"
        );
    }
}

#[test]
fn concurrent_moves_in_opposite_directions_never_deadlock() {
    for t in TestStore::each() {
        let s = &t.store;
        let a = user(s, "admin@example.com", Role::Admin);
        let p = s.pipelines().unwrap().remove(0);
        let (s1, s2) = (p.stages[0].id, p.stages[1].id);
        let ids: Vec<i64> = (0..4)
            .map(|i| {
                let d = deal(&format!("D{i}"), "10").validate(eur()).unwrap();
                s.create_deal(&a, &d).unwrap().id
            })
            .collect();
        // Half the threads move s1 -> s2 while the others move s2 -> s1: the kept totals'
        // rows are taken crosswise unless every change takes them in one order.
        let failures: usize = std::thread::scope(|scope| {
            let handles: Vec<_> = ids
                .iter()
                .enumerate()
                .map(|(i, &id)| {
                    scope.spawn(move || {
                        let (from, to) = if i % 2 == 0 { (s1, s2) } else { (s2, s1) };
                        if i % 2 == 1 {
                            s.move_deal(&a, id, from, None, None).unwrap();
                        }
                        (0..25)
                            .filter(|round| {
                                let target = if round % 2 == 0 { to } else { from };
                                s.move_deal(&a, id, target, None, None).is_err()
                            })
                            .count()
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).sum()
        });
        assert_eq!(failures, 0, "{}", t.backend_name());
        let kept = s.board(&a, p.id, &DealFilter::default(), 20).unwrap().1;
        let open: i64 = kept.iter().map(|c| c.count).sum();
        assert_eq!(open, 4);
    }
}

/// Walks the deal list by keyset pages of `per_page`, returning the ids in the order given.
fn walk_deals(s: &Store, a: &Actor, f: &DealFilter, sort: DealSort, desc: bool) -> Vec<i64> {
    let q = ListQuery {
        per_page: 4,
        ..Default::default()
    };
    let (mut ids, mut after) = (Vec::new(), None);
    loop {
        let (page, next) = s
            .list_deals_after(a, f, sort, desc, &q, after.as_ref())
            .unwrap();
        assert_eq!(page.has_next, next.is_some());
        ids.extend(page.items.iter().map(|d| d.id));
        match next {
            Some(c) => {
                assert!(c.fits(sort, desc));
                // Through the token, as a client would send it back.
                after = Some(crm_core::DealCursor::decode(&c.encode()).unwrap());
            }
            None => return ids,
        }
        assert!(ids.len() <= 100, "the walk does not end");
    }
}

#[test]
fn deal_cursors_walk_every_order_like_the_offset_list_on_every_backend() {
    use chrono::NaiveDate;
    for t in TestStore::each() {
        let s = &t.store;
        let backend = t.backend_name();
        let a = user(s, "admin@example.com", Role::Admin);
        let m = user(s, "m@example.com", Role::Manager);
        let n = user(s, "n@example.com", Role::Manager);
        // 30 deals: titles, amounts and close dates repeat (ties fall to the id), a quarter
        // have no close date; m owns a third, n the rest, some of n's public.
        let mut visible_to_m = Vec::new();
        for i in 0..30 {
            let mut input = deal(&format!("Deal {}", i % 7), &format!("{}", (i % 5) * 100));
            input.expected_close = (i % 4 != 0).then(|| format!("2027-01-{:02}", (i % 6) + 1));
            input.visible_to_all = i % 3 == 1;
            let actor = if i % 3 == 0 { &m } else { &n };
            let d = s
                .create_deal(actor, &input.validate(eur()).unwrap())
                .unwrap();
            if i % 3 != 2 {
                visible_to_m.push(d.id);
            }
        }
        let everyone = DealFilter::default();
        let costly = DealFilter {
            min_amount: Some(20_000),
            ..Default::default()
        };
        let sorts = [
            DealSort::Updated,
            DealSort::Created,
            DealSort::Title,
            DealSort::Amount,
            DealSort::ExpectedClose,
        ];
        for (actor, f, count) in [(&a, &everyone, 30), (&m, &everyone, 20), (&a, &costly, 18)] {
            for sort in sorts {
                for desc in [false, true] {
                    let what = format!("{backend} {sort:?} desc={desc} {f:?}");
                    let all = ListQuery {
                        per_page: 200,
                        ..Default::default()
                    };
                    let listed = s.list_deals(actor, f, sort, desc, &all).unwrap();
                    let offset_ids: Vec<i64> = listed.items.iter().map(|d| d.id).collect();
                    assert_eq!(offset_ids.len(), count, "{what}");
                    let walked = walk_deals(s, actor, f, sort, desc);
                    assert_eq!(walked, offset_ids, "{what}");
                    // Offset pages of the same size agree too.
                    let mut paged = Vec::new();
                    for page in 1..=8 {
                        let q = ListQuery {
                            page,
                            per_page: 4,
                            ..Default::default()
                        };
                        paged.extend(
                            s.list_deals(actor, f, sort, desc, &q)
                                .unwrap()
                                .items
                                .iter()
                                .map(|d| d.id),
                        );
                    }
                    assert_eq!(paged, offset_ids, "{what}");
                    // The order itself is the same on both backends: computed here.
                    let mut expected = listed.items.clone();
                    let dir = |o: std::cmp::Ordering| if desc { o.reverse() } else { o };
                    match sort {
                        DealSort::Amount => expected
                            .sort_by(|x, y| dir(x.amount.cmp(&y.amount).then(x.id.cmp(&y.id)))),
                        DealSort::ExpectedClose => expected.sort_by(|x, y| {
                            let undated = |d: &crm_core::DealRow| d.expected_close.is_none();
                            undated(x).cmp(&undated(y)).then(dir(x
                                .expected_close
                                .cmp(&y.expected_close)
                                .then(x.id.cmp(&y.id))))
                        }),
                        DealSort::Title => expected.sort_by(|x, y| {
                            dir(x
                                .title
                                .to_lowercase()
                                .cmp(&y.title.to_lowercase())
                                .then(x.id.cmp(&y.id)))
                        }),
                        DealSort::Updated | DealSort::Created => {}
                    }
                    let expected: Vec<i64> = expected.iter().map(|d| d.id).collect();
                    assert_eq!(offset_ids, expected, "{what}");
                }
            }
        }
        // The manager's walk holds exactly their own and the public deals.
        let mut seen = walk_deals(s, &m, &everyone, DealSort::ExpectedClose, true);
        seen.sort_unstable();
        visible_to_m.sort_unstable();
        assert_eq!(seen, visible_to_m, "{backend}");
        // Undated deals come last, ascending and descending.
        for desc in [false, true] {
            let all = ListQuery {
                per_page: 200,
                ..Default::default()
            };
            let rows = s
                .list_deals(&a, &everyone, DealSort::ExpectedClose, desc, &all)
                .unwrap()
                .items;
            let first_undated = rows.iter().position(|d| d.expected_close.is_none());
            assert_eq!(first_undated, Some(22), "{backend} desc={desc}");
            let edge = NaiveDate::from_ymd_opt(2027, 1, if desc { 6 } else { 1 });
            assert_eq!(rows[0].expected_close, edge, "{backend} desc={desc}");
        }
    }
}
