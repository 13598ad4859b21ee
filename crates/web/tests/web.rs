//! The web application in-process, through actix's test service, with real sessions and CSRF,
//! on SQLite and (with CRM_TEST_POSTGRES_URL) PostgreSQL.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use actix_web::http::StatusCode;
use actix_web::test;
use crm_core::Actor;
use crm_store::testing::TestStore;
use crm_web::{AppState, WebConfig};
use serde_json::{Value, json};

mod common;

use common::*;

#[actix_rt::test]
async fn sign_in_sign_out_and_csrf() {
    for db in TestStore::each() {
        let f = fixture(db);
        let app = app!(f);
        // Pages need a session.
        let res = test::call_service(
            &app,
            test::TestRequest::get()
                .uri("/contacts?page=2")
                .to_request(),
        )
        .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        assert_eq!(
            res.headers().get("location").unwrap(),
            "/login?next=%2Fcontacts%3Fpage%3D2"
        );
        // A wrong password re-renders the form with a message, no session.
        let login =
            test::call_service(&app, test::TestRequest::get().uri("/login").to_request()).await;
        let pre = cookie_value(&login, "crm_csrf").unwrap();
        let res = test::call_service(
            &app,
            test::TestRequest::post()
                .uri("/login")
                .insert_header(("Cookie", format!("crm_csrf={pre}")))
                .set_form([
                    ("email", "admin@example.com"),
                    ("password", "nope nope nope"),
                    ("csrf_token", pre.as_str()),
                ])
                .to_request(),
        )
        .await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
        assert!(cookie_value(&res, "crm_session").is_none());
        assert!(body_text(res).await.contains("Wrong e-mail or password"));
        // A login form without its CSRF pair is refused.
        let res = test::call_service(
            &app,
            test::TestRequest::post()
                .uri("/login")
                .set_form([
                    ("email", "admin@example.com"),
                    ("password", PASSWORD),
                    ("csrf_token", "x"),
                ])
                .to_request(),
        )
        .await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN);

        let b = sign_in(&app, "admin@example.com").await;
        let res = test::call_service(&app, get(&b, "/contacts")).await;
        assert_eq!(res.status(), StatusCode::OK);
        // Sign-out needs the token too, then the session is gone.
        let res = test::call_service(
            &app,
            test::TestRequest::post()
                .uri("/logout")
                .insert_header(("Cookie", b.cookie.clone()))
                .set_form([("csrf_token", "forged")])
                .to_request(),
        )
        .await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN);
        let res = test::call_service(&app, post(&b, "/logout", &[])).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        let res = test::call_service(&app, get(&b, "/contacts")).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
    }
}

#[actix_rt::test]
async fn repeated_failures_are_throttled() {
    let f = fixture(TestStore::sqlite());
    let app = app!(f);
    let login = test::call_service(&app, test::TestRequest::get().uri("/login").to_request()).await;
    let pre = cookie_value(&login, "crm_csrf").unwrap();
    let mut statuses = Vec::new();
    for _ in 0..7 {
        let res = test::call_service(
            &app,
            test::TestRequest::post()
                .uri("/login")
                .insert_header(("Cookie", format!("crm_csrf={pre}")))
                .set_form([
                    ("email", "m1@example.com"),
                    ("password", "guess guess guess"),
                    ("csrf_token", pre.as_str()),
                ])
                .to_request(),
        )
        .await;
        statuses.push(res.status().as_u16());
    }
    assert_eq!(statuses, [401, 401, 401, 401, 401, 429, 429]);
}

#[actix_rt::test]
async fn contact_form_validation_duplicates_and_escaping() {
    for db in TestStore::each() {
        let f = fixture(db);
        let app = app!(f);
        let b = sign_in(&app, "admin@example.com").await;
        // Every problem comes back next to its field; nothing is stored.
        let long = "x".repeat(500);
        let res = test::call_service(
            &app,
            post(
                &b,
                "/contacts",
                &[
                    ("name", ""),
                    ("phones", "not a phone"),
                    ("emails", "nope"),
                    ("position", &long),
                    ("birthday", "31.12.1999"),
                ],
            ),
        )
        .await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = body_text(res).await;
        for msg in [
            "This field is required",
            "does not look like a phone number",
            "does not look like an e-mail",
            "This is too long",
            "YYYY-MM-DD",
        ] {
            assert!(html.contains(msg), "{msg}");
        }
        assert!(html.contains("not a phone"), "the typed value is kept");
        let f2 = f
            .state
            .store
            .list_contacts(&Actor::system(), &Default::default())
            .unwrap();
        assert!(f2.items.is_empty());
        // A garbled body (its token unreadable) or an oversized one is refused; nothing is stored.
        let res = test::call_service(
            &app,
            test::TestRequest::post()
                .uri("/contacts")
                .insert_header(("Cookie", b.cookie.clone()))
                .insert_header(("Content-Type", "application/x-www-form-urlencoded"))
                .set_payload("csrf_token=%zz&name=%&&=")
                .to_request(),
        )
        .await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN);
        let huge = "x".repeat(2 * 1024 * 1024);
        let res = test::call_service(
            &app,
            post(&b, "/contacts", &[("name", "Big"), ("notes", &huge)]),
        )
        .await;
        assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);
        assert!(
            f.state
                .store
                .list_contacts(&Actor::system(), &Default::default())
                .unwrap()
                .items
                .is_empty()
        );
        // Unknown company and malformed responsible id are field errors too.
        let res = test::call_service(
            &app,
            post(
                &b,
                "/contacts",
                &[
                    ("name", "A"),
                    ("company", "No Such Co"),
                    ("responsible_id", "abc"),
                ],
            ),
        )
        .await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = body_text(res).await;
        assert!(html.contains("There is no such company"));
        assert!(html.contains("Enter a number"));

        // Create; a second card with the same phone is held back with a link to the first.
        let res = test::call_service(
            &app,
            post(
                &b,
                "/contacts",
                &[
                    ("name", "<script>alert(1)</script>"),
                    ("phones", "8 (495) 123-45-67"),
                ],
            ),
        )
        .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        let first = res
            .headers()
            .get("location")
            .unwrap()
            .to_str()
            .unwrap()
            .to_string();
        let res = test::call_service(
            &app,
            post(
                &b,
                "/contacts",
                &[("name", "Second"), ("phones", "+7 495 1234567")],
            ),
        )
        .await;
        assert_eq!(res.status(), StatusCode::CONFLICT);
        let html = body_text(res).await;
        assert!(
            html.contains(&format!("href=\"{first}\"")),
            "links the existing card"
        );
        assert!(html.contains("+74951234567"));
        assert!(
            !html.contains("<script>alert(1)</script>"),
            "names are escaped"
        );
        assert!(html.contains("&lt;script&gt;"));
        let res = test::call_service(
            &app,
            post(
                &b,
                "/contacts",
                &[
                    ("name", "Second"),
                    ("phones", "+7 495 1234567"),
                    ("confirm_duplicate", "1"),
                ],
            ),
        )
        .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        // The card shows the number as typed and the flash message once.
        let res = test::call_service(&app, get(&b, &first)).await;
        assert_eq!(res.status(), StatusCode::OK);
        let html = body_text(res).await;
        assert!(html.contains("8 (495) 123-45-67"));
        // Editing keeps validation: a bad e-mail is refused and the card stays as it was.
        let res = test::call_service(
            &app,
            post(&b, &first, &[("name", "Renamed"), ("emails", "bad@")]),
        )
        .await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let res = test::call_service(
            &app,
            post(
                &b,
                &first,
                &[("name", "Renamed"), ("phones", "8 (495) 123-45-67")],
            ),
        )
        .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        let html = body_text(test::call_service(&app, get(&b, &first)).await).await;
        assert!(html.contains("Renamed"));
        // Delete.
        let res = test::call_service(&app, post(&b, &format!("{first}/delete"), &[])).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        let res = test::call_service(&app, get(&b, &first)).await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND);
    }
}

#[actix_rt::test]
async fn managers_cannot_reach_each_others_records_by_any_route() {
    for db in TestStore::each() {
        let f = fixture(db);
        let app = app!(f);
        let m1 = sign_in(&app, "m1@example.com").await;
        let m2 = sign_in(&app, "m2@example.com").await;
        let m1_token = token_for(&f.state.store, "m1@example.com");
        let res = test::call_service(
            &app,
            post(
                &m2,
                "/contacts",
                &[("name", "Secret Client"), ("phones", "+7 495 765-43-21")],
            ),
        )
        .await;
        let secret = res
            .headers()
            .get("location")
            .unwrap()
            .to_str()
            .unwrap()
            .to_string();
        let id = secret.rsplit('/').next().unwrap().to_string();
        let res = test::call_service(&app, post(&m2, "/companies", &[("name", "Secret Co")])).await;
        let secret_co = res
            .headers()
            .get("location")
            .unwrap()
            .to_str()
            .unwrap()
            .to_string();

        // Pages: card, edit form, list, search, company card.
        for uri in [secret.clone(), format!("{secret}/edit"), secret_co.clone()] {
            let res = test::call_service(&app, get(&m1, &uri)).await;
            assert_eq!(res.status(), StatusCode::NOT_FOUND, "{uri}");
        }
        for uri in [
            "/contacts",
            "/search?q=secret",
            "/search?q=4321",
            "/companies",
            "/companies/suggest?q=sec",
        ] {
            let html = body_text(test::call_service(&app, get(&m1, uri)).await).await;
            assert!(!html.contains("Secret"), "{uri} shows nothing of m2's");
        }
        // Changes by form.
        for uri in [secret.clone(), format!("{secret}/delete")] {
            let res = test::call_service(&app, post(&m1, &uri, &[("name", "Stolen")])).await;
            assert_eq!(res.status(), StatusCode::NOT_FOUND, "{uri}");
        }
        // API.
        let res = test::call_service(
            &app,
            api("GET", &format!("/api/v1/contacts/{id}"), &m1_token, None),
        )
        .await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND);
        for uri in [
            "/api/v1/contacts",
            "/api/v1/contacts?q=secret",
            "/api/v1/companies?q=secret",
        ] {
            let body: Value = test::read_body_json(
                test::call_service(&app, api("GET", uri, &m1_token, None)).await,
            )
            .await;
            assert_eq!(body["items"], json!([]), "{uri}");
        }
        let res = test::call_service(
            &app,
            api(
                "PATCH",
                &format!("/api/v1/contacts/{id}"),
                &m1_token,
                Some(json!({"name": "Stolen"})),
            ),
        )
        .await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND);
        let res = test::call_service(
            &app,
            api("DELETE", &format!("/api/v1/contacts/{id}"), &m1_token, None),
        )
        .await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND);
        // The owner and the admin still see it, unchanged.
        let html = body_text(test::call_service(&app, get(&m2, &secret)).await).await;
        assert!(html.contains("Secret Client"));
        let res = test::call_service(
            &app,
            api(
                "GET",
                &format!("/api/v1/contacts/{id}"),
                &f.admin_token,
                None,
            ),
        )
        .await;
        assert_eq!(res.status(), StatusCode::OK);
    }
}

#[actix_rt::test]
async fn rest_api_contacts_and_companies() {
    for db in TestStore::each() {
        let f = fixture(db);
        let app = app!(f);
        let t = f.admin_token.clone();
        let res = test::call_service(
            &app,
            api(
                "POST",
                "/api/v1/companies",
                &t,
                Some(json!({"name": "Romashka", "phones": ["+7 495 765-43-21"]})),
            ),
        )
        .await;
        assert_eq!(res.status(), StatusCode::CREATED);
        let co: Value = test::read_body_json(res).await;
        let res = test::call_service(
            &app,
            api("POST", "/api/v1/contacts", &t, Some(json!({"name": "Анна Петрова", "phones": ["8 (495) 123-45-67"], "emails": ["Anna@Example.ru"], "company_id": co["id"]}))),
        )
        .await;
        assert_eq!(res.status(), StatusCode::CREATED);
        let location = res
            .headers()
            .get("location")
            .unwrap()
            .to_str()
            .unwrap()
            .to_string();
        let c: Value = test::read_body_json(res).await;
        assert_eq!(
            c["phones"][0],
            json!({"raw": "8 (495) 123-45-67", "e164": "+74951234567"})
        );
        assert_eq!(c["company_name"], "Romashka");
        assert_eq!(location, format!("/api/v1/contacts/{}", c["id"]));

        let found: Value = test::read_body_json(
            test::call_service(
                &app,
                api("GET", "/api/v1/contacts?q=%D0%B0%D0%BD%D0%BD", &t, None),
            )
            .await,
        )
        .await;
        assert_eq!(found["items"][0]["name"], "Анна Петрова");
        let listed: Value = test::read_body_json(
            test::call_service(&app, api("GET", "/api/v1/companies?per_page=1", &t, None)).await,
        )
        .await;
        assert_eq!(listed["items"][0]["name"], "Romashka");

        // PATCH changes only what it names.
        let res = test::call_service(
            &app,
            api("PATCH", &location, &t, Some(json!({"position": "CFO"}))),
        )
        .await;
        assert_eq!(res.status(), StatusCode::OK);
        let patched: Value = test::read_body_json(res).await;
        assert_eq!(patched["position"], "CFO");
        assert_eq!(patched["name"], "Анна Петрова");

        // Errors are JSON with a code, a message and fields; nothing changes.
        let res = test::call_service(
            &app,
            api(
                "POST",
                "/api/v1/contacts",
                &t,
                Some(json!({"name": "", "phones": ["xx"]})),
            ),
        )
        .await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let err: Value = test::read_body_json(res).await;
        assert_eq!(err["error"]["code"], "invalid");
        assert_eq!(err["error"]["fields"]["name"], "This field is required.");
        assert!(
            err["error"]["fields"]["phones"]
                .as_str()
                .unwrap()
                .contains("phone")
        );
        let res = test::call_service(
            &app,
            api(
                "POST",
                "/api/v1/contacts",
                &t,
                Some(json!({"name": "X", "nmae": "typo"})),
            ),
        )
        .await;
        assert_eq!(res.status(), StatusCode::BAD_REQUEST);
        let err: Value = test::read_body_json(res).await;
        assert!(err["error"]["message"].as_str().unwrap().contains("nmae"));
        let res = test::call_service(
            &app,
            test::TestRequest::post()
                .uri("/api/v1/contacts")
                .insert_header(("Authorization", format!("Bearer {t}")))
                .insert_header(("Content-Type", "application/json"))
                .set_payload("{not json")
                .to_request(),
        )
        .await;
        assert_eq!(res.status(), StatusCode::BAD_REQUEST);
        let res = test::call_service(
            &app,
            api(
                "PATCH",
                &location,
                &t,
                Some(json!({"name": "x".repeat(300)})),
            ),
        )
        .await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        for (uri, status) in [
            ("/api/v1/contacts/999999", 404),
            ("/api/v1/contacts/abc", 404),
            ("/api/v1/nope", 404),
        ] {
            let res = test::call_service(&app, api("GET", uri, &t, None)).await;
            assert_eq!(res.status().as_u16(), status, "{uri}");
            let err: Value = test::read_body_json(res).await;
            assert_eq!(err["error"]["code"], "not_found", "{uri}");
        }
        let res =
            test::call_service(&app, api("GET", "/api/v1/contacts", "wrong-token", None)).await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
        let unchanged: Value =
            test::read_body_json(test::call_service(&app, api("GET", &location, &t, None)).await)
                .await;
        assert_eq!(unchanged["name"], "Анна Петрова");

        let res = test::call_service(&app, api("DELETE", &location, &t, None)).await;
        assert_eq!(res.status(), StatusCode::NO_CONTENT);
        let res = test::call_service(&app, api("GET", &location, &t, None)).await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND);
    }
}

#[actix_rt::test]
async fn language_error_pages_and_health() {
    let f = fixture(TestStore::sqlite());
    let app = app!(f);
    let b = sign_in(&app, "m1@example.com").await;
    let res = test::call_service(&app, post(&b, "/language", &[("lang", "ru")])).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let html = body_text(test::call_service(&app, get(&b, "/contacts")).await).await;
    assert!(html.contains("lang=\"ru\""));
    assert!(html.contains("Контакты"));
    let res = test::call_service(&app, get(&b, "/no/such/page")).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let html = body_text(res).await;
    assert!(
        html.contains("lang=\"ru\""),
        "error pages speak the user's language"
    );
    let res = test::call_service(&app, post(&b, "/language", &[("lang", "xx")])).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    // Signed out, the browser's language is used.
    let res = test::call_service(
        &app,
        test::TestRequest::get()
            .uri("/login")
            .insert_header(("Accept-Language", "ru-RU,ru;q=0.9"))
            .to_request(),
    )
    .await;
    assert!(body_text(res).await.contains("Войти"));
    let res = test::call_service(&app, test::TestRequest::get().uri("/healthz").to_request()).await;
    assert_eq!(res.status(), StatusCode::OK);
    let health: Value = test::read_body_json(res).await;
    assert_eq!(health["status"], "ok");
    assert!(health["schema_version"].is_string());
    // Security headers on every answer.
    let res = test::call_service(&app, get(&b, "/contacts")).await;
    assert!(res.headers().get("content-security-policy").is_some());
    assert!(res.headers().get("x-request-id").is_some());
}

#[actix_rt::test]
async fn times_show_in_the_installations_time_zone() {
    let config = WebConfig {
        time_zone: "Europe/Moscow".into(),
        ..WebConfig::default()
    };
    let f = fixture_with(TestStore::sqlite(), config);
    let app = app!(f);
    let b = sign_in(&app, "admin@example.com").await;
    let res = test::call_service(&app, post(&b, "/contacts", &[("name", "Clock")])).await;
    let card = res
        .headers()
        .get("location")
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    let html = body_text(test::call_service(&app, get(&b, &card)).await).await;
    assert!(html.contains(" MSK"), "Moscow time is named on the card");
    let bad = WebConfig {
        time_zone: "Mars/Olympus".into(),
        ..WebConfig::default()
    };
    let err = AppState::new(
        f.state.store.clone(),
        "RU".parse().unwrap(),
        crm_core::Currency::parse("RUB").unwrap(),
        bad,
    )
    .err()
    .unwrap();
    assert!(err.contains("Mars/Olympus"));
}
