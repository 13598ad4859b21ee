//! Website lead forms over HTTP: the administrators' settings pages and the public endpoint
//! other sites post to (origins, CORS, the token, the honeypot, the rate limit, validation),
//! on SQLite and (with CRM_TEST_POSTGRES_URL) PostgreSQL.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use actix_web::http::StatusCode;
use actix_web::test;
use crm_core::{Actor, Lead, ListQuery, Role, UserDraft};
use crm_store::testing::TestStore;
use serde_json::{Value, json};

mod common;

use common::*;

const SITE: &str = "https://example.com";

fn user_id(f: &Fixture, email: &str) -> i64 {
    f.state.store.user_for_login(email).unwrap().unwrap().0.id
}

fn leads(f: &Fixture) -> Vec<Lead> {
    let store = &f.state.store;
    let rows = store
        .list_leads(&Actor::system(), None, &ListQuery::default())
        .unwrap()
        .items;
    // Oldest first.
    rows.iter()
        .rev()
        .map(|r| store.lead(&Actor::system(), r.id).unwrap())
        .collect()
}

fn between<'a>(text: &'a str, start: &str, end: &str) -> &'a str {
    let at = text
        .find(start)
        .unwrap_or_else(|| panic!("{start} in {text}"))
        + start.len();
    let len = text[at..].find(end).unwrap();
    &text[at..at + len]
}

/// A form made through the settings page: its key and its token (shown once, on that page).
struct Made {
    id: i64,
    key: String,
    token: String,
}

async fn make_form<S, B>(app: &S, admin: &Browser, extra: &[(&str, &str)]) -> Made
where
    S: actix_web::dev::Service<
            actix_http::Request,
            Response = actix_web::dev::ServiceResponse<B>,
            Error = actix_web::Error,
        >,
    B: actix_web::body::MessageBody,
    B::Error: std::fmt::Debug,
{
    let mut fields: Vec<(&str, &str)> = vec![
        ("name", "Callback"),
        ("field_name", "optional"),
        ("field_phone", "optional"),
        ("field_email", "required"),
        ("field_message", "optional"),
        ("origins", "https://example.com\nhttps://www.example.com"),
        ("active", "1"),
    ];
    fields.extend_from_slice(extra);
    let res = test::call_service(app, post(admin, "/lead-forms", &fields)).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let html = body_text(res).await;
    let endpoint = between(&html, "<code id=\"form-endpoint\">", "</code>").to_string();
    let key = endpoint.rsplit('/').next().unwrap().to_string();
    let token = between(&html, "<code id=\"form-token\">", "</code>").to_string();
    let id = between(&html, "action=\"/lead-forms/", "/")
        .parse()
        .unwrap();
    assert_eq!(token.len(), 64);
    assert!(html.contains(&format!(
        "name=&quot;{}&quot;",
        crm_core::lead_form::HONEYPOT
    )));
    assert!(
        html.contains("tabindex=&quot;-1&quot;"),
        "the honeypot is out of reach"
    );
    Made { id, key, token }
}

/// A visitor's browser on `origin` posting the form from `peer`.
fn visit(key: &str, origin: Option<&str>, peer: &str) -> test::TestRequest {
    let req = test::TestRequest::post()
        .uri(&format!("/f/{key}"))
        .peer_addr(format!("{peer}:40000").parse().unwrap());
    match origin {
        Some(o) => req.insert_header(("Origin", o)),
        None => req,
    }
}

fn header(res: &actix_web::dev::ServiceResponse<impl Sized>, name: &str) -> Option<String> {
    res.headers()
        .get(name)
        .map(|v| v.to_str().unwrap().to_string())
}

#[actix_rt::test]
async fn an_allowed_site_posts_a_lead_with_its_page_and_tags_and_others_are_refused() {
    for db in TestStore::each() {
        let f = fixture(db);
        let app = app!(f);
        let admin = sign_in(&app, "admin@example.com").await;
        let m1 = user_id(&f, "m1@example.com");
        let made = make_form(&app, &admin, &[("assignee", &format!("user:{m1}"))]).await;

        // Preflight: the allowed site may post JSON; another may not.
        let res = test::call_service(
            &app,
            test::TestRequest::default()
                .method(actix_web::http::Method::OPTIONS)
                .uri(&format!("/f/{}", made.key))
                .insert_header(("Origin", "https://www.example.com"))
                .insert_header(("Access-Control-Request-Method", "POST"))
                .insert_header(("Access-Control-Request-Headers", "content-type"))
                .to_request(),
        )
        .await;
        assert_eq!(res.status(), StatusCode::NO_CONTENT);
        assert_eq!(
            header(&res, "access-control-allow-origin").as_deref(),
            Some("https://www.example.com")
        );
        assert_eq!(header(&res, "vary").as_deref(), Some("Origin"));
        assert!(
            header(&res, "access-control-allow-methods")
                .unwrap()
                .contains("POST")
        );
        assert!(
            header(&res, "access-control-allow-headers")
                .unwrap()
                .to_lowercase()
                .contains("content-type")
        );
        let res = test::call_service(
            &app,
            test::TestRequest::default()
                .method(actix_web::http::Method::OPTIONS)
                .uri(&format!("/f/{}", made.key))
                .insert_header(("Origin", "https://evil.example"))
                .insert_header(("Access-Control-Request-Method", "POST"))
                .to_request(),
        )
        .await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN);
        assert_eq!(header(&res, "access-control-allow-origin"), None);

        // A plain form post from the site: a lead with the page and UTM tags, for m1.
        let res = test::call_service(
            &app,
            visit(&made.key, Some(SITE), "198.51.100.1")
                .set_form([
                    ("name", "Анна"),
                    ("phone", "+7 495 123-45-67"),
                    ("email", "anna@example.org"),
                    ("message", "Need 3 windows"),
                    ("page_url", "https://example.com/windows?utm_source=yandex"),
                    ("utm_source", "yandex"),
                    ("utm_medium", "cpc"),
                    ("utm_campaign", "autumn"),
                    ("utm_term", "pvc windows"),
                    ("utm_content", "banner-1"),
                    ("website", ""),
                ])
                .to_request(),
        )
        .await;
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(
            header(&res, "access-control-allow-origin").as_deref(),
            Some(SITE)
        );
        assert!(res.response().cookies().next().is_none(), "no cookies");
        assert!(body_text(res).await.contains("Thank you"));
        let all = leads(&f);
        assert_eq!(all.len(), 1);
        let lead = &all[0];
        assert_eq!(lead.source, "web_form");
        assert_eq!(lead.title, "Callback");
        assert_eq!(lead.name, "Анна");
        assert_eq!(lead.phone_e164.as_deref(), Some("+74951234567"));
        assert_eq!(lead.message, "Need 3 windows");
        assert_eq!(
            lead.page_url,
            "https://example.com/windows?utm_source=yandex"
        );
        assert_eq!(
            [
                &lead.utm_source,
                &lead.utm_medium,
                &lead.utm_campaign,
                &lead.utm_term,
                &lead.utm_content
            ],
            ["yandex", "cpc", "autumn", "pvc windows", "banner-1"]
        );
        assert_eq!(lead.responsible_id, Some(m1));
        assert_eq!(f.state.store.unread_notifications(m1).unwrap().0, 1);
        let b = sign_in(&app, "m1@example.com").await;
        let notices = body_text(test::call_service(&app, get(&b, "/notifications")).await).await;
        assert!(notices.contains("New request from the form “Callback”: Анна"));

        // Other sites, or none named at all, are refused and write nothing.
        for origin in [
            Some("https://evil.example"),
            Some("http://example.com"),
            None,
        ] {
            let res = test::call_service(
                &app,
                visit(&made.key, origin, "198.51.100.2")
                    .set_form([("email", "x@example.org")])
                    .to_request(),
            )
            .await;
            assert_eq!(res.status(), StatusCode::FORBIDDEN, "{origin:?}");
            assert_eq!(header(&res, "access-control-allow-origin"), None);
        }
        assert_eq!(leads(&f).len(), 1);

        // No Origin header: the Referer's origin counts; the page comes from it too.
        let res = test::call_service(
            &app,
            visit(&made.key, None, "198.51.100.3")
                .insert_header(("Referer", "https://www.example.com/contact"))
                .set_form([("email", "ref@example.org")])
                .to_request(),
        )
        .await;
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(leads(&f)[1].page_url, "https://www.example.com/contact");

        // A bot filling the honeypot sees the same success; nothing is written.
        let res = test::call_service(
            &app,
            visit(&made.key, Some(SITE), "198.51.100.4")
                .set_form([("email", "bot@example.org"), ("website", "http://spam")])
                .to_request(),
        )
        .await;
        assert_eq!(res.status(), StatusCode::OK);
        assert!(body_text(res).await.contains("Thank you"));
        let res = test::call_service(
            &app,
            visit(&made.key, Some(SITE), "198.51.100.4")
                .set_json(json!({"email": "bot@example.org", "website": "x"}))
                .to_request(),
        )
        .await;
        assert_eq!(res.status(), StatusCode::CREATED);
        assert_eq!(leads(&f).len(), 2);

        // A script on the site posting JSON.
        let res = test::call_service(
            &app,
            visit(&made.key, Some(SITE), "198.51.100.5")
                .set_json(json!({"email": "js@example.org", "name": "Bob"}))
                .to_request(),
        )
        .await;
        assert_eq!(res.status(), StatusCode::CREATED);
        assert_eq!(
            header(&res, "access-control-allow-origin").as_deref(),
            Some(SITE)
        );
        let body: Value = serde_json::from_str(&body_text(res).await).unwrap();
        assert_eq!(body, json!({"ok": true}));
        assert_eq!(leads(&f).len(), 3);

        // An unknown key.
        let res = test::call_service(
            &app,
            visit("nope", Some(SITE), "198.51.100.6")
                .set_form([("email", "a@b.co")])
                .to_request(),
        )
        .await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND);
        let _ = made.id;
    }
}

#[actix_rt::test]
async fn the_sixth_quick_post_from_one_address_waits() {
    for db in TestStore::each() {
        let f = fixture(db);
        let app = app!(f);
        let admin = sign_in(&app, "admin@example.com").await;
        let m1 = user_id(&f, "m1@example.com");
        let made = make_form(
            &app,
            &admin,
            &[
                ("assignee", &format!("user:{m1}")),
                ("redirect_url", "https://example.com/thanks"),
            ],
        )
        .await;
        for i in 0..5 {
            let res = test::call_service(
                &app,
                visit(&made.key, Some(SITE), "203.0.113.9")
                    .set_form([("email", format!("v{i}@example.org").as_str())])
                    .to_request(),
            )
            .await;
            assert_eq!(res.status(), StatusCode::SEE_OTHER, "post {i}");
            assert_eq!(
                header(&res, "location").as_deref(),
                Some("https://example.com/thanks")
            );
        }
        let res = test::call_service(
            &app,
            visit(&made.key, Some(SITE), "203.0.113.9")
                .set_form([("email", "v6@example.org")])
                .to_request(),
        )
        .await;
        assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
        let wait: u64 = header(&res, "retry-after").unwrap().parse().unwrap();
        assert!((1..=60).contains(&wait));
        assert_eq!(leads(&f).len(), 5);
        // Another visitor is not held up.
        let res = test::call_service(
            &app,
            visit(&made.key, Some(SITE), "203.0.113.10")
                .set_form([("email", "other@example.org")])
                .to_request(),
        )
        .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
    }
}

#[actix_rt::test]
async fn a_server_posts_with_the_token_and_a_wrong_one_is_refused() {
    for db in TestStore::each() {
        let f = fixture(db);
        let app = app!(f);
        let admin = sign_in(&app, "admin@example.com").await;
        let m2 = user_id(&f, "m2@example.com");
        let made = make_form(&app, &admin, &[("assignee", &format!("user:{m2}"))]).await;
        let server = |token: &str, email: &str| {
            test::TestRequest::post()
                .uri(&format!("/f/{}", made.key))
                .peer_addr("192.0.2.1:50000".parse().unwrap())
                .insert_header(("Authorization", format!("Bearer {token}")))
                .set_json(json!({"email": email, "utm_source": "partner"}))
                .to_request()
        };
        let res = test::call_service(&app, server(&made.token, "s@example.org")).await;
        assert_eq!(res.status(), StatusCode::CREATED);
        let all = leads(&f);
        assert_eq!(all.len(), 1);
        assert_eq!(all[0].responsible_id, Some(m2));
        assert_eq!(all[0].utm_source, "partner");

        let res = test::call_service(&app, server(&"0".repeat(64), "w@example.org")).await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
        let body: Value = serde_json::from_str(&body_text(res).await).unwrap();
        assert_eq!(body["error"]["code"], "unauthorized");
        assert_eq!(leads(&f).len(), 1);

        // A new token replaces the old one at once.
        let res = test::call_service(
            &app,
            post(&admin, &format!("/lead-forms/{}/token", made.id), &[]),
        )
        .await;
        assert_eq!(res.status(), StatusCode::OK);
        let html = body_text(res).await;
        let fresh = between(&html, "<code id=\"form-token\">", "</code>").to_string();
        assert_ne!(fresh, made.token);
        let res = test::call_service(&app, server(&made.token, "old@example.org")).await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
        let res = test::call_service(&app, server(&fresh, "new@example.org")).await;
        assert_eq!(res.status(), StatusCode::CREATED);
        assert_eq!(leads(&f).len(), 2);
    }
}

#[actix_rt::test]
async fn a_department_gets_the_leads_in_turn() {
    for db in TestStore::each() {
        let f = fixture(db);
        let store = f.state.store.clone();
        let system = Actor::system();
        let d = UserDraft::new("m3@example.com", "m3", Role::Manager, "en").unwrap();
        store.create_user(&system, &d, "hash").unwrap();
        let dept = store.save_department(&system, "Web", None).unwrap();
        let members: Vec<i64> = ["m1@example.com", "m2@example.com", "m3@example.com"]
            .iter()
            .map(|e| user_id(&f, e))
            .collect();
        for m in &members {
            store
                .set_user_department(&system, *m, Some(dept.id))
                .unwrap();
        }
        let app = app!(f);
        let admin = sign_in(&app, "admin@example.com").await;
        let made = make_form(
            &app,
            &admin,
            &[("assignee", &format!("department:{}", dept.id))],
        )
        .await;
        for i in 0..4 {
            let res = test::call_service(
                &app,
                visit(&made.key, Some(SITE), &format!("198.51.100.{}", 20 + i))
                    .set_form([("email", format!("rr{i}@example.org").as_str())])
                    .to_request(),
            )
            .await;
            assert_eq!(res.status(), StatusCode::OK);
        }
        let given: Vec<Option<i64>> = leads(&f).iter().map(|l| l.responsible_id).collect();
        assert_eq!(
            given,
            [
                Some(members[0]),
                Some(members[1]),
                Some(members[2]),
                Some(members[0])
            ]
        );
        for (m, n) in members.iter().zip([2, 1, 1]) {
            assert_eq!(store.unread_notifications(*m).unwrap().0, n);
        }
    }
}

#[actix_rt::test]
async fn managers_cannot_reach_the_form_settings() {
    for db in TestStore::each() {
        let f = fixture(db);
        let app = app!(f);
        let admin = sign_in(&app, "admin@example.com").await;
        let m1 = user_id(&f, "m1@example.com");
        let made = make_form(&app, &admin, &[("assignee", &format!("user:{m1}"))]).await;
        let res = test::call_service(&app, get(&admin, "/lead-forms")).await;
        assert_eq!(res.status(), StatusCode::OK);
        assert!(body_text(res).await.contains("href=\"/lead-forms\""));

        let m = sign_in(&app, "m1@example.com").await;
        let page = body_text(test::call_service(&app, get(&m, "/contacts")).await).await;
        assert!(
            !page.contains("href=\"/lead-forms\""),
            "no link for managers"
        );
        let id = made.id.to_string();
        for uri in [
            "/lead-forms".to_string(),
            "/lead-forms/new".to_string(),
            format!("/lead-forms/{id}"),
            format!("/lead-forms/{id}/edit"),
        ] {
            let res = test::call_service(&app, get(&m, &uri)).await;
            assert_eq!(res.status(), StatusCode::FORBIDDEN, "GET {uri}");
        }
        for uri in [
            "/lead-forms".to_string(),
            format!("/lead-forms/{id}"),
            format!("/lead-forms/{id}/token"),
            format!("/lead-forms/{id}/delete"),
        ] {
            let res = test::call_service(
                &app,
                post(&m, &uri, &[("name", "Mine"), ("assignee", "user:1")]),
            )
            .await;
            assert_eq!(res.status(), StatusCode::FORBIDDEN, "POST {uri}");
        }
        let admin_actor = f
            .state
            .store
            .user_for_login("admin@example.com")
            .unwrap()
            .unwrap()
            .0
            .actor();
        let forms = f.state.store.lead_forms(&admin_actor).unwrap();
        assert_eq!(forms.len(), 1);
        assert_eq!(forms[0].name, "Callback");

        // The admin's own mistakes come back with their fields, and nothing is saved.
        let res = test::call_service(
            &app,
            post(
                &admin,
                "/lead-forms",
                &[
                    ("name", "Broken"),
                    ("field_message", "required"),
                    ("assignee", &format!("user:{m1}")),
                    ("origins", "https://example.com/path"),
                ],
            ),
        )
        .await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = body_text(res).await;
        assert!(html.contains("Show the phone or the e-mail field"));
        assert!(html.contains("Enter addresses like https://example.com"));
        assert_eq!(f.state.store.lead_forms(&admin_actor).unwrap().len(), 1);

        // Turned off, then deleted: the address answers 404.
        let res = test::call_service(
            &app,
            post(
                &admin,
                &format!("/lead-forms/{id}"),
                &[
                    ("name", "Callback"),
                    ("field_email", "required"),
                    ("assignee", &format!("user:{m1}")),
                    ("origins", SITE),
                ],
            ),
        )
        .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        let res = test::call_service(
            &app,
            visit(&made.key, Some(SITE), "198.51.100.30")
                .set_form([("email", "late@example.org")])
                .to_request(),
        )
        .await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND);
        let res =
            test::call_service(&app, post(&admin, &format!("/lead-forms/{id}/delete"), &[])).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        assert!(f.state.store.lead_forms(&admin_actor).unwrap().is_empty());
    }
}

#[actix_rt::test]
async fn an_invalid_email_is_refused_with_its_field_and_nothing_is_written() {
    for db in TestStore::each() {
        let f = fixture(db);
        let app = app!(f);
        let admin = sign_in(&app, "admin@example.com").await;
        let m1 = user_id(&f, "m1@example.com");
        let made = make_form(&app, &admin, &[("assignee", &format!("user:{m1}"))]).await;

        let res = test::call_service(
            &app,
            visit(&made.key, Some(SITE), "198.51.100.40")
                .set_json(json!({"email": "not an e-mail", "name": "Eve"}))
                .to_request(),
        )
        .await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            header(&res, "access-control-allow-origin").as_deref(),
            Some(SITE)
        );
        let body: Value = serde_json::from_str(&body_text(res).await).unwrap();
        assert_eq!(body["error"]["code"], "invalid");
        assert!(body["error"]["fields"]["email"].is_string(), "{body}");

        let res = test::call_service(
            &app,
            visit(&made.key, Some(SITE), "198.51.100.40")
                .insert_header(("Referer", "https://example.com/contact"))
                .insert_header(("Accept-Language", "ru"))
                .set_form([("email", "not an e-mail"), ("name", "Eve")])
                .to_request(),
        )
        .await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = body_text(res).await;
        assert!(html.contains("E-mail:"), "{html}");
        assert!(html.contains("href=\"https://example.com/contact\""));
        assert!(html.contains("Заявка не отправлена"));

        // Too big a body.
        let res = test::call_service(
            &app,
            visit(&made.key, Some(SITE), "198.51.100.41")
                .set_form([("email", "a@b.co"), ("message", &"x".repeat(70 * 1024))])
                .to_request(),
        )
        .await;
        assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);
        assert!(leads(&f).is_empty());
        assert_eq!(f.state.store.unread_notifications(m1).unwrap().0, 0);
    }
}
