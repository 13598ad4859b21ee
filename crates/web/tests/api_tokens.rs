//! API tokens (scope, revocation, last use), rate limits, idempotency keys and cursor paging
//! over HTTP, on SQLite and (with CRM_TEST_POSTGRES_URL) PostgreSQL.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use actix_web::http::StatusCode;
use actix_web::test;
use crm_core::TokenScope;
use crm_store::testing::TestStore;
use crm_web::WebConfig;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

mod common;

use common::*;

async fn json_of<B: actix_web::body::MessageBody>(res: actix_web::dev::ServiceResponse<B>) -> Value
where
    B::Error: std::fmt::Debug,
{
    serde_json::from_str(&body_text(res).await).unwrap()
}

/// A token of `scope` for `email`, made through the store as the profile page does.
fn scoped_token(store: &crm_store::Store, email: &str, scope: TokenScope) -> String {
    let (user, _) = store.user_for_login(email).unwrap().unwrap();
    let token = crm_web::auth::new_secret();
    store
        .create_scoped_api_token(
            &user.actor(),
            user.id,
            "test",
            &crm_web::auth::secret_hash(&token),
            scope,
        )
        .unwrap();
    token
}

fn with_key(req: test::TestRequest, key: &str) -> test::TestRequest {
    req.insert_header(("Idempotency-Key", key))
}

fn post_json(uri: &str, token: &str, body: &Value) -> test::TestRequest {
    test::TestRequest::post()
        .uri(uri)
        .insert_header(("Authorization", format!("Bearer {token}")))
        .set_json(body)
}

#[actix_rt::test]
async fn read_tokens_only_read_and_revoked_tokens_are_refused() {
    for db in TestStore::each() {
        let f = fixture(db);
        let app = app!(f);
        let read = scoped_token(&f.state.store, "m1@example.com", TokenScope::Read);
        let res = test::call_service(&app, api("GET", "/api/v1/contacts", &read, None)).await;
        assert_eq!(res.status(), StatusCode::OK);
        for (method, uri) in [
            ("POST", "/api/v1/contacts"),
            ("PATCH", "/api/v1/contacts/1"),
            ("DELETE", "/api/v1/contacts/1"),
        ] {
            let res =
                test::call_service(&app, api(method, uri, &read, Some(json!({"name": "X"})))).await;
            assert_eq!(res.status(), StatusCode::FORBIDDEN, "{method} {uri}");
            assert_eq!(json_of(res).await["error"]["code"], "insufficient_scope");
        }
        let res = test::call_service(&app, api("GET", "/api/v1/contacts", &read, None)).await;
        assert_eq!(
            json_of(res).await["items"],
            json!([]),
            "nothing was written"
        );

        // Tokens from before scopes (and `crm token create` by default) still write.
        let res = test::call_service(
            &app,
            api(
                "POST",
                "/api/v1/contacts",
                &f.admin_token,
                Some(json!({"name": "Anna"})),
            ),
        )
        .await;
        assert_eq!(res.status(), StatusCode::CREATED);

        // Revoked on the profile page: refused from the next request on.
        let b = sign_in(&app, "m1@example.com").await;
        let (m1, _) = f
            .state
            .store
            .user_for_login("m1@example.com")
            .unwrap()
            .unwrap();
        let id = f.state.store.api_tokens(&m1.actor(), Some(m1.id)).unwrap()[0].id;
        // Nobody else revokes it from their profile, not even an administrator.
        let admin = sign_in(&app, "admin@example.com").await;
        let res = test::call_service(
            &app,
            post(&admin, &format!("/profile/tokens/{id}/revoke"), &[]),
        )
        .await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND);
        // Not without the form's CSRF token.
        let res = test::call_service(
            &app,
            test::TestRequest::post()
                .uri(&format!("/profile/tokens/{id}/revoke"))
                .insert_header(("Cookie", b.cookie.clone()))
                .set_form([("csrf_token", "forged")])
                .to_request(),
        )
        .await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN);
        let res = test::call_service(&app, api("GET", "/api/v1/contacts", &read, None)).await;
        assert_eq!(res.status(), StatusCode::OK);
        let res =
            test::call_service(&app, post(&b, &format!("/profile/tokens/{id}/revoke"), &[])).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        let res = test::call_service(&app, api("GET", "/api/v1/contacts", &read, None)).await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(json_of(res).await["error"]["code"], "unauthorized");
        let html = body_text(test::call_service(&app, get(&b, "/profile")).await).await;
        assert!(html.contains("Revoked "), "the list says so");
    }
}

#[actix_rt::test]
async fn tokens_are_made_on_the_profile_shown_once_and_their_last_use_is_shown() {
    for db in TestStore::each() {
        let f = fixture(db);
        let app = app!(f);
        let b = sign_in(&app, "m1@example.com").await;
        let html = body_text(test::call_service(&app, get(&b, "/profile")).await).await;
        assert!(html.contains("You have no API tokens yet."));

        let res = test::call_service(
            &app,
            post(&b, "/profile/tokens", &[("name", " "), ("scope", "write")]),
        )
        .await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let res = test::call_service(
            &app,
            post(
                &b,
                "/profile/tokens",
                &[("name", "site"), ("scope", "root")],
            ),
        )
        .await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            body_text(res)
                .await
                .contains("Choose read only or read and write.")
        );

        let res = test::call_service(
            &app,
            post(
                &b,
                "/profile/tokens",
                &[("name", "zapier sync"), ("scope", "write")],
            ),
        )
        .await;
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(res.headers().get("cache-control").unwrap(), "no-store");
        let html = body_text(res).await;
        let at = html.find("<code id=\"new-token\">").unwrap() + 21;
        let secret = html[at..at + 64].to_string();
        assert!(html.contains("zapier sync"));
        assert!(html.contains("never"), "not used yet");

        let res = test::call_service(&app, api("GET", "/api/v1/contacts", &secret, None)).await;
        assert_eq!(res.status(), StatusCode::OK);
        let html = body_text(test::call_service(&app, get(&b, "/profile")).await).await;
        assert!(!html.contains(&secret), "the secret is shown once only");
        assert!(!html.contains(">never<"), "the use is on the list: {html}");

        // Another user's profile does not list it.
        let b2 = sign_in(&app, "m2@example.com").await;
        let html = body_text(test::call_service(&app, get(&b2, "/profile")).await).await;
        assert!(!html.contains("zapier sync"));
        // And without the form's CSRF token nothing is made.
        let res = test::call_service(
            &app,
            test::TestRequest::post()
                .uri("/profile/tokens")
                .insert_header(("Cookie", b2.cookie.clone()))
                .set_form([("csrf_token", "forged"), ("name", "x"), ("scope", "read")])
                .to_request(),
        )
        .await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN);
    }
}

#[actix_rt::test]
async fn requests_past_the_burst_get_429_with_retry_after() {
    for db in TestStore::each() {
        let config = WebConfig {
            api_requests_per_minute: 6,
            api_burst: 3,
            ..WebConfig::default()
        };
        let f = fixture_with(db, config);
        let app = app!(f);
        for _ in 0..3 {
            let res =
                test::call_service(&app, api("GET", "/api/v1/contacts", &f.admin_token, None))
                    .await;
            assert_eq!(res.status(), StatusCode::OK);
        }
        let res =
            test::call_service(&app, api("GET", "/api/v1/contacts", &f.admin_token, None)).await;
        assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
        let wait: u64 = res
            .headers()
            .get("retry-after")
            .unwrap()
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!((1..=10).contains(&wait), "one request per 10 s: {wait}");
        assert_eq!(json_of(res).await["error"]["code"], "rate_limited");

        // Another token has its own budget.
        let other = token_for(&f.state.store, "m1@example.com");
        let res = test::call_service(&app, api("GET", "/api/v1/contacts", &other, None)).await;
        assert_eq!(res.status(), StatusCode::OK);

        // Guessing tokens spends the address's budget: after the burst, 429 instead of 401.
        let guess = |i: u32| {
            test::TestRequest::get()
                .uri("/api/v1/contacts")
                .peer_addr("192.0.2.7:40000".parse().unwrap())
                .insert_header(("Authorization", format!("Bearer guess-{i}")))
                .to_request()
        };
        for i in 0..3 {
            let res = test::call_service(&app, guess(i)).await;
            assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
        }
        let res = test::call_service(&app, guess(3)).await;
        assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
        assert!(res.headers().get("retry-after").is_some());
    }
}

#[actix_rt::test]
async fn idempotent_posts_run_once() {
    for db in TestStore::each() {
        let f = fixture(db);
        let app = app!(f);
        let token = token_for(&f.state.store, "m1@example.com");
        let body = json!({"name": "Once Only", "phones": ["+7 495 123-45-67"]});
        let send = |b: &Value, key: &str| {
            with_key(post_json("/api/v1/contacts", &token, b), key).to_request()
        };

        let first = test::call_service(&app, send(&body, "order-1")).await;
        assert_eq!(first.status(), StatusCode::CREATED);
        assert!(first.headers().get("idempotent-replayed").is_none());
        let first = body_text(first).await;
        let again = test::call_service(&app, send(&body, "order-1")).await;
        assert_eq!(again.status(), StatusCode::CREATED);
        assert_eq!(again.headers().get("idempotent-replayed").unwrap(), "true");
        assert!(
            again
                .headers()
                .get("content-type")
                .unwrap()
                .to_str()
                .unwrap()
                .starts_with("application/json")
        );
        assert_eq!(body_text(again).await, first, "the same answer");
        let list =
            json_of(test::call_service(&app, api("GET", "/api/v1/contacts", &token, None)).await)
                .await;
        assert_eq!(list["items"].as_array().unwrap().len(), 1, "one contact");

        // The same key with another body is a client bug: refused, nothing made.
        let other = json!({"name": "Someone Else"});
        let res = test::call_service(&app, send(&other, "order-1")).await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            json_of(res).await["error"]["code"],
            "idempotency_key_reused"
        );
        // Keys are the user's own: another user's same key is a new request.
        let admin_req = with_key(
            post_json("/api/v1/contacts", &f.admin_token, &other),
            "order-1",
        );
        let res = test::call_service(&app, admin_req.to_request()).await;
        assert_eq!(res.status(), StatusCode::CREATED);

        // Refusals are kept as well: the retry of an invalid request gets the same 422.
        let bad = json!({"name": ""});
        let res = test::call_service(&app, send(&bad, "bad-1")).await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let res = test::call_service(&app, send(&bad, "bad-1")).await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(res.headers().get("idempotent-replayed").unwrap(), "true");

        // While the first request with a key runs, a second one is told so.
        let (m1, _) = f
            .state
            .store
            .user_for_login("m1@example.com")
            .unwrap()
            .unwrap();
        let running = json!({"name": "Slow"});
        let mut h = Sha256::new();
        h.update(b"POST\n/api/v1/contacts\n");
        h.update(serde_json::to_vec(&running).unwrap());
        let fingerprint = hex::encode(h.finalize());
        f.state
            .store
            .begin_idempotent(m1.id, "slow-1", &fingerprint, chrono::Utc::now())
            .unwrap();
        let res = test::call_service(&app, send(&running, "slow-1")).await;
        assert_eq!(res.status(), StatusCode::CONFLICT);
        assert_eq!(
            json_of(res).await["error"]["code"],
            "idempotency_key_in_progress"
        );

        // A key must be printable ASCII of 1 to 255 characters.
        let res = test::call_service(&app, send(&body, &"k".repeat(256))).await;
        assert_eq!(res.status(), StatusCode::BAD_REQUEST);
        let list =
            json_of(test::call_service(&app, api("GET", "/api/v1/contacts", &token, None)).await)
                .await;
        assert_eq!(list["items"].as_array().unwrap().len(), 1, "still one");
    }
}

/// Walks a list by `next_cursor`, returning the ids in the order given.
async fn walk<S, B>(app: &S, token: &str, first: &str) -> (Vec<i64>, usize)
where
    S: actix_web::dev::Service<
            actix_http::Request,
            Response = actix_web::dev::ServiceResponse<B>,
            Error = actix_web::Error,
        >,
    B: actix_web::body::MessageBody,
    B::Error: std::fmt::Debug,
{
    let (mut ids, mut calls) = (Vec::new(), 0);
    let mut uri = first.to_string();
    loop {
        calls += 1;
        let res = test::call_service(app, api("GET", &uri, token, None)).await;
        assert_eq!(res.status(), StatusCode::OK, "{uri}");
        let page = json_of(res).await;
        let items = page["items"].as_array().unwrap();
        ids.extend(items.iter().map(|i| i["id"].as_i64().unwrap()));
        match page["next_cursor"].as_str() {
            Some(c) => {
                assert_eq!(page["has_next"], true);
                let base = first.split('?').next().unwrap();
                let sep = if first.contains('?') {
                    format!("{}&", first.split_once('?').unwrap().1)
                } else {
                    String::new()
                };
                uri = format!("{base}?{sep}cursor={c}");
            }
            None => {
                assert!(page["next_cursor"].is_null(), "null at the end: {page}");
                return (ids, calls);
            }
        }
    }
}

#[actix_rt::test]
async fn cursors_walk_a_list_once_in_order_within_the_callers_view() {
    for db in TestStore::each() {
        let f = fixture(db);
        let app = app!(f);
        let store = &f.state.store;
        let actor_of = |email: &str| store.user_for_login(email).unwrap().unwrap().0.actor();
        let (m1, m2) = (actor_of("m1@example.com"), actor_of("m2@example.com"));
        // 120 contacts: 80 of m1's (some with equal names, so ties fall to the id) and 40 of
        // m2's.
        let mut mine = Vec::new();
        for i in 0..120 {
            let actor = if i % 3 == 2 { &m2 } else { &m1 };
            let input = crm_core::ContactInput {
                name: format!("Person {:03}", i % 50),
                ..Default::default()
            };
            let c = store
                .create_contact(actor, &input.validate(f.state.region).unwrap())
                .unwrap();
            if i % 3 != 2 {
                mine.push((format!("person {:03}", i % 50), c.id));
            }
        }
        let admin = &f.admin_token;
        let (all, calls) = walk(&app, admin, "/api/v1/contacts?limit=50").await;
        assert_eq!(calls, 3, "50 + 50 + 20");
        assert_eq!(all.len(), 120);
        let mut unique = all.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), 120, "each exactly once");

        // A manager's token walks only their own 80, in name order (ties by id).
        let m1_token = token_for(store, "m1@example.com");
        let (seen, calls) = walk(&app, &m1_token, "/api/v1/contacts?limit=50").await;
        assert_eq!(calls, 2);
        mine.sort();
        assert_eq!(seen, mine.iter().map(|m| m.1).collect::<Vec<_>>());

        // Newest first, by the creation time.
        let (newest, _) = walk(
            &app,
            &m1_token,
            "/api/v1/contacts?sort=created&desc=true&limit=30",
        )
        .await;
        let mut by_id = seen.clone();
        by_id.sort_unstable_by(|a, b| b.cmp(a));
        assert_eq!(newest, by_id);

        // A cursor made for one order is refused by another; junk is refused too.
        let res = test::call_service(
            &app,
            api("GET", "/api/v1/contacts?limit=50", &m1_token, None),
        )
        .await;
        let cursor = json_of(res).await["next_cursor"]
            .as_str()
            .unwrap()
            .to_string();
        for uri in [
            format!("/api/v1/contacts?sort=created&cursor={cursor}"),
            format!("/api/v1/contacts?desc=true&cursor={cursor}"),
            format!("/api/v1/contacts?page=2&cursor={cursor}"),
            "/api/v1/contacts?cursor=bm90LWEtY3Vyc29y".to_string(),
        ] {
            let res = test::call_service(&app, api("GET", &uri, &m1_token, None)).await;
            assert_eq!(res.status(), StatusCode::BAD_REQUEST, "{uri}");
        }
        // Pages still work for existing clients.
        let res = test::call_service(
            &app,
            api("GET", "/api/v1/contacts?page=2&per_page=50", admin, None),
        )
        .await;
        let page = json_of(res).await;
        assert_eq!(page["page"], 2);
        assert_eq!(page["items"][0]["id"].as_i64().unwrap(), all[50]);

        // Products and leads walk the same way.
        let (leads, _) = walk(&app, admin, "/api/v1/leads?limit=2").await;
        assert!(leads.is_empty());
        let res = test::call_service(&app, api("GET", "/api/v1/tasks?limit=1", admin, None)).await;
        assert!(json_of(res).await["next_cursor"].is_null());
    }
}

#[actix_rt::test]
async fn deal_cursors_walk_each_order_once_and_refuse_other_orders() {
    for db in TestStore::each() {
        let f = fixture(db);
        let app = app!(f);
        let store = &f.state.store;
        let actor_of = |email: &str| store.user_for_login(email).unwrap().unwrap().0.actor();
        let (m1, m2) = (actor_of("m1@example.com"), actor_of("m2@example.com"));
        // 25 deals with repeating amounts and close dates, a third without a date; m2's
        // are private.
        let mut mine = Vec::new();
        for i in 0..25 {
            let actor = if i % 5 == 4 { &m2 } else { &m1 };
            let input = crm_core::DealInput {
                title: format!("Deal {}", i % 4),
                amount: format!("{}", (i % 3) * 1000),
                expected_close: (i % 3 != 0).then(|| format!("2027-02-{:02}", i % 4 + 1)),
                ..Default::default()
            };
            let d = store
                .create_deal(actor, &input.validate(f.state.currency).unwrap())
                .unwrap();
            if i % 5 != 4 {
                mine.push(d.id);
            }
        }
        let admin = &f.admin_token;
        let m1_token = token_for(store, "m1@example.com");
        for sort in ["updated", "created", "title", "amount", "expected_close"] {
            for desc in [false, true] {
                let order = format!("sort={sort}&desc={desc}");
                let res = test::call_service(
                    &app,
                    api(
                        "GET",
                        &format!("/api/v1/deals?{order}&per_page=200"),
                        admin,
                        None,
                    ),
                )
                .await;
                let by_offset: Vec<i64> = json_of(res).await["items"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|d| d["id"].as_i64().unwrap())
                    .collect();
                assert_eq!(by_offset.len(), 25);
                let (walked, calls) =
                    walk(&app, admin, &format!("/api/v1/deals?{order}&limit=7")).await;
                assert_eq!(calls, 4, "{order}: 7 + 7 + 7 + 4");
                assert_eq!(walked, by_offset, "{order}");
                // A manager's walk: their own deals only, in the same order.
                let (seen, _) =
                    walk(&app, &m1_token, &format!("/api/v1/deals?{order}&limit=6")).await;
                let expected: Vec<i64> = by_offset
                    .iter()
                    .copied()
                    .filter(|id| mine.contains(id))
                    .collect();
                assert_eq!(seen, expected, "{order}");
            }
        }
        // With a filter, the cursor continues the filtered list.
        let (costly, _) = walk(&app, admin, "/api/v1/deals?min_amount=1000&limit=5").await;
        assert_eq!(costly.len(), 16);

        // A cursor of one order is refused by another, and one of another list too.
        let res = test::call_service(
            &app,
            api("GET", "/api/v1/deals?sort=amount&limit=5", admin, None),
        )
        .await;
        let cursor = json_of(res).await["next_cursor"]
            .as_str()
            .unwrap()
            .to_string();
        let res =
            test::call_service(&app, api("GET", "/api/v1/contacts?limit=1", admin, None)).await;
        let contacts_cursor = json_of(res).await["next_cursor"]
            .as_str()
            .unwrap_or("bm90LWEtY3Vyc29y")
            .to_string();
        for uri in [
            format!("/api/v1/deals?sort=amount&desc=true&cursor={cursor}"),
            format!("/api/v1/deals?sort=title&cursor={cursor}"),
            format!("/api/v1/deals?sort=amount&page=2&cursor={cursor}"),
            format!("/api/v1/deals?cursor={contacts_cursor}"),
            "/api/v1/deals?cursor=bm90LWEtY3Vyc29y".to_string(),
        ] {
            let res = test::call_service(&app, api("GET", &uri, admin, None)).await;
            assert_eq!(res.status(), StatusCode::BAD_REQUEST, "{uri}");
            assert_eq!(json_of(res).await["error"]["code"], "bad_request", "{uri}");
        }
    }
}
