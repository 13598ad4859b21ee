#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Website lead forms in storage — settings for administrators only, posts that become leads
//! with their responsible in turn, and conversion into the form's pipeline — on SQLite and
//! (with CRM_TEST_POSTGRES_URL) PostgreSQL alike.

use std::collections::BTreeMap;

use crm_core::{
    Actor, Conversion, DealInput, Error, FieldSpec, FormField, LeadFormInput, LeadStatus, Part,
    PipelineInput, Region, Role, StageInput, StageKind, UserDraft,
};
use crm_store::testing::TestStore;
use crm_store::{Store, StoreError};

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

fn domain(e: StoreError) -> Error {
    match e {
        StoreError::Domain(d) => d,
        other => panic!("expected a domain error, got {other}"),
    }
}

fn settings(department_id: Option<i64>, responsible_id: Option<i64>) -> LeadFormInput {
    LeadFormInput {
        name: "Callback".into(),
        fields: vec![
            FieldSpec {
                field: FormField::Name,
                required: false,
            },
            FieldSpec {
                field: FormField::Phone,
                required: true,
            },
        ],
        responsible_id,
        department_id,
        origins: "https://example.com".into(),
        active: true,
        ..Default::default()
    }
}

fn post(name: &str) -> BTreeMap<String, String> {
    [("name", name), ("phone", "+7 495 123-45-67")]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[test]
fn forms_are_for_administrators_and_keep_their_settings() {
    for t in TestStore::each() {
        let s = &t.store;
        let admin = user(s, "boss@example.com", Role::Admin);
        let m = user(s, "m@example.com", Role::Manager);
        let draft = settings(None, m.user_id()).validate().unwrap();
        assert!(matches!(
            domain(s.create_lead_form(&m, &draft, "k1", "h1").unwrap_err()),
            Error::Forbidden
        ));
        assert!(matches!(
            domain(s.lead_forms(&m).unwrap_err()),
            Error::Forbidden
        ));
        let f = s.create_lead_form(&admin, &draft, "k1", "h1").unwrap();
        assert_eq!(f.key, "k1");
        assert_eq!(f.fields, draft.fields);
        assert_eq!(f.origins[0].as_str(), "https://example.com");
        let (found, hash) = s.public_lead_form("k1").unwrap().unwrap();
        assert_eq!((found.id, hash.as_str()), (f.id, "h1"));

        // A pipeline that does not exist is refused and changes nothing.
        let mut bad = draft.clone();
        bad.pipeline_id = Some(999_999);
        let Error::Invalid(e) = domain(s.update_lead_form(&admin, f.id, &bad).unwrap_err()) else {
            panic!("expected invalid")
        };
        assert_eq!(e.get("pipeline_id"), Some("error-pipeline-not-found"));
        assert_eq!(s.lead_form(&admin, f.id).unwrap().pipeline_id, None);

        // Turned off: the public address knows it no more, and posts find nothing.
        let mut off = draft.clone();
        off.active = false;
        s.update_lead_form(&admin, f.id, &off).unwrap();
        assert!(s.public_lead_form("k1").unwrap().is_none());
        let lead = f.lead_draft(&post("Ann"), None, ru()).unwrap();
        assert!(matches!(
            domain(s.submit_lead_form("k1", &lead).unwrap_err()),
            Error::NotFound
        ));

        s.set_lead_form_token(&admin, f.id, "h2").unwrap();
        s.update_lead_form(&admin, f.id, &draft).unwrap();
        assert_eq!(s.public_lead_form("k1").unwrap().unwrap().1, "h2");
        s.delete_lead_form(&admin, f.id).unwrap();
        assert!(s.lead_forms(&admin).unwrap().is_empty());
    }
}

#[test]
fn a_department_gets_leads_in_turn_and_they_convert_into_the_forms_pipeline() {
    for t in TestStore::each() {
        let s = &t.store;
        let admin = user(s, "boss@example.com", Role::Admin);
        let members: Vec<Actor> = ["a", "b", "c"]
            .iter()
            .map(|n| user(s, &format!("{n}@example.com"), Role::Manager))
            .collect();
        let dept = s.save_department(&admin, "Web sales", None).unwrap();
        for m in &members {
            s.set_user_department(&admin, m.user_id().unwrap(), Some(dept.id))
                .unwrap();
        }
        let stage = |name: &str, kind| StageInput {
            id: None,
            name: name.into(),
            probability: 10,
            color: "#123456".into(),
            kind,
        };
        let wholesale = s
            .create_pipeline(
                &admin,
                &PipelineInput {
                    name: "Wholesale".into(),
                    stages: vec![
                        stage("First call", StageKind::Open),
                        stage("Won", StageKind::Won),
                        stage("Lost", StageKind::Lost),
                    ],
                }
                .validate()
                .unwrap(),
            )
            .unwrap();
        let mut input = settings(Some(dept.id), None);
        input.pipeline_id = Some(wholesale.id);
        let form = s
            .create_lead_form(&admin, &input.validate().unwrap(), "rr", "h")
            .unwrap();

        let mut given = Vec::new();
        for i in 0..4 {
            let d = form
                .lead_draft(&post(&format!("Visitor {i}")), None, ru())
                .unwrap();
            let lead = s.submit_lead_form("rr", &d).unwrap();
            assert_eq!(lead.source, "web_form");
            assert_eq!(lead.title, "Callback");
            assert_eq!(lead.pipeline_id, Some(wholesale.id));
            given.push(lead.responsible_id.unwrap());
        }
        let ids: Vec<i64> = members.iter().map(|m| m.user_id().unwrap()).collect();
        assert_eq!(given, [ids[0], ids[1], ids[2], ids[0]]);
        let n = s.notifications(&members[1], None, 5).unwrap();
        assert_eq!(n.len(), 1);
        assert_eq!(n[0].kind, "lead_from_form");
        assert_eq!(n[0].args["who"], "Visitor 1");

        // Converted without a stage picked, the deal opens in the form's pipeline.
        let lead_id = s
            .list_leads(&members[0], None, &Default::default())
            .unwrap()
            .items[0]
            .id;
        let lead = s.lead(&members[0], lead_id).unwrap();
        let deal = DealInput {
            title: "From the site".into(),
            ..Default::default()
        }
        .validate(crm_core::Currency::parse("RUB").unwrap())
        .unwrap();
        let done = s
            .convert_lead(
                &members[0],
                lead.id,
                &Conversion {
                    contact: Part::New(lead.contact_input().validate(ru()).unwrap()),
                    company: Part::Skip,
                    deal: Some(deal),
                },
            )
            .unwrap();
        assert_eq!(done.status, LeadStatus::Converted);
        let opened = s.deal(&members[0], done.deal_id.unwrap()).unwrap();
        assert_eq!(opened.pipeline_id, wholesale.id);
    }
}
