//! Webhooks end to end: administrators' pages with real sessions and CSRF, deliveries sent by
//! the worker's delivery step to a real HTTP receiver on 127.0.0.1 that checks the signature,
//! retries after a failure, and the private-network refusal after name resolution — on SQLite
//! and (with CRM_TEST_POSTGRES_URL) PostgreSQL.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

use actix_web::http::StatusCode;
use actix_web::test;
use chrono::{Duration, Utc};
use crm_core::Actor;
use crm_core::webhook::DeliveryStatus;
use crm_store::testing::TestStore;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

mod common;

use common::*;

/// One request as the receiver saw it.
struct Received {
    headers: HashMap<String, String>,
    body: Vec<u8>,
}

/// A small HTTP server on 127.0.0.1: answers the n-th request with `statuses[n]` (200 past
/// the end) and keeps what it was sent.
fn receiver(statuses: Vec<u16>) -> (u16, Arc<Mutex<Vec<Received>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let got = Arc::new(Mutex::new(Vec::new()));
    let seen = got.clone();
    std::thread::spawn(move || {
        for (i, stream) in listener.incoming().enumerate() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut line = String::new();
            reader.read_line(&mut line).unwrap();
            let mut headers = HashMap::new();
            loop {
                line.clear();
                reader.read_line(&mut line).unwrap();
                if line.trim().is_empty() {
                    break;
                }
                if let Some((k, v)) = line.split_once(':') {
                    headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_string());
                }
            }
            let len: usize = headers
                .get("content-length")
                .and_then(|l| l.parse().ok())
                .unwrap_or(0);
            let mut body = vec![0; len];
            reader.read_exact(&mut body).unwrap();
            let status = statuses.get(i).copied().unwrap_or(200);
            seen.lock().unwrap().push(Received { headers, body });
            let answer = if status == 200 { "thanks" } else { "try later" };
            let _ = write!(
                stream,
                "HTTP/1.1 {status} X\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{answer}",
                answer.len()
            );
        }
    });
    (port, got)
}

/// HMAC-SHA256 written out from RFC 2104, apart from the code under test.
fn hmac_sha256(key: &[u8], msg: &[u8]) -> String {
    let mut k = [0u8; 64];
    if key.len() > 64 {
        k[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        k[..key.len()].copy_from_slice(key);
    }
    let ipad: Vec<u8> = k.iter().map(|b| b ^ 0x36).collect();
    let opad: Vec<u8> = k.iter().map(|b| b ^ 0x5c).collect();
    let inner = Sha256::new()
        .chain_update(&ipad)
        .chain_update(msg)
        .finalize();
    let outer = Sha256::new()
        .chain_update(&opad)
        .chain_update(inner)
        .finalize();
    hex::encode(outer)
}

fn created_id<B>(res: &actix_web::dev::ServiceResponse<B>) -> i64 {
    let to = res.headers().get("location").unwrap().to_str().unwrap();
    to.rsplit('/').next().unwrap().parse().unwrap()
}

#[actix_rt::test]
async fn deliveries_are_signed_retried_and_logged() {
    for db in TestStore::each() {
        let f = fixture(db);
        let app = app!(f);
        let admin = sign_in(&app, "admin@example.com").await;
        let (port, got) = receiver(vec![500]);
        let url = format!("http://127.0.0.1:{port}/hook");

        // 127.0.0.1 is refused without the allowance, and nothing is saved.
        let res = test::call_service(
            &app,
            post(
                &admin,
                "/webhooks",
                &[
                    ("url", &url),
                    ("events", "contact.created"),
                    ("active", "1"),
                ],
            ),
        )
        .await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(body_text(res).await.contains("Private network address"));
        let system = Actor::system();
        assert!(f.state.store.webhooks(&system).unwrap().is_empty());

        let res = test::call_service(
            &app,
            post(
                &admin,
                "/webhooks",
                &[
                    ("url", &url),
                    ("events", "contact.created"),
                    ("events", "deal.won"),
                    ("active", "1"),
                    ("allow_private_network", "1"),
                    ("description", "Accounting"),
                ],
            ),
        )
        .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        let hook = created_id(&res);
        let sub = f.state.store.webhook(&system, hook).unwrap();
        assert!(sub.allow_private_network && sub.active);
        assert_eq!(sub.events.names(), ["contact.created", "deal.won"]);

        // A contact created through the API queues a delivery with the change.
        let res = test::call_service(
            &app,
            api(
                "POST",
                "/api/v1/contacts",
                &f.admin_token,
                Some(json!({"name": "Анна Иванова"})),
            ),
        )
        .await;
        assert_eq!(res.status(), StatusCode::CREATED);
        let contact_id = created_id(&res);

        let store = &f.state.store;
        let now = Utc::now() + Duration::seconds(1);
        assert_eq!(crm_web::webhooks::deliver_due(store, "t", now).unwrap(), 1);
        let d = &store.webhook_deliveries(&system, hook).unwrap()[0];
        assert_eq!(d.status, DeliveryStatus::Pending);
        assert_eq!((d.attempts, d.http_status), (1, Some(500)));
        assert_eq!(d.response, "try later");
        // Not again before its back-off, then again a minute later: the receiver says yes.
        assert_eq!(crm_web::webhooks::deliver_due(store, "t", now).unwrap(), 0);
        let later = now + Duration::minutes(2);
        assert_eq!(
            crm_web::webhooks::deliver_due(store, "t", later).unwrap(),
            1
        );
        let d = &store.webhook_deliveries(&system, hook).unwrap()[0];
        assert_eq!(d.status, DeliveryStatus::Delivered);
        assert_eq!((d.attempts, d.http_status), (2, Some(200)));
        assert_eq!(d.error, "");
        assert!(d.duration_ms.is_some());

        let got = std::mem::take(&mut *got.lock().unwrap());
        assert_eq!(got.len(), 2);
        for r in got.iter() {
            let h = &r.headers;
            assert_eq!(h["content-type"], "application/json");
            assert_eq!(h["x-crm-event"], "contact.created");
            assert_eq!(h["x-crm-delivery"], d.id.to_string());
            let ts = &h["x-crm-timestamp"];
            let age = Utc::now().timestamp() - ts.parse::<i64>().unwrap();
            assert!((0..60).contains(&age), "a current unix time");
            let mut signed = format!("{ts}.").into_bytes();
            signed.extend_from_slice(&r.body);
            assert_eq!(
                h["x-crm-signature"],
                format!("sha256={}", hmac_sha256(sub.secret.as_bytes(), &signed))
            );
            let body: Value = serde_json::from_slice(&r.body).unwrap();
            assert_eq!(body["id"], d.id);
            assert_eq!(body["event"], "contact.created");
            assert_eq!(body["data"]["id"], contact_id);
            assert_eq!(body["data"]["name"], "Анна Иванова");
        }
        assert_eq!(got[0].body, got[1].body, "a retry sends the same body");

        // The administrator sees the delivery on the subscription's page.
        let res = test::call_service(&app, get(&admin, &format!("/webhooks/{hook}"))).await;
        assert_eq!(res.status(), StatusCode::OK);
        let html = body_text(res).await;
        assert!(html.contains(&sub.secret));
        assert!(html.contains("contact.created") && html.contains("Delivered"));
    }
}

#[actix_rt::test]
async fn a_name_that_resolves_to_a_private_address_is_not_sent() {
    for db in TestStore::each() {
        let f = fixture(db);
        let app = app!(f);
        let admin = sign_in(&app, "admin@example.com").await;
        let (port, got) = receiver(vec![]);
        // A name passes when saved; it is checked once resolved, at every delivery.
        let url = format!("http://localhost:{port}/hook");
        let res = test::call_service(
            &app,
            post(
                &admin,
                "/webhooks",
                &[("url", &url), ("events", "*"), ("active", "1")],
            ),
        )
        .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        let hook = created_id(&res);
        let res =
            test::call_service(&app, post(&admin, &format!("/webhooks/{hook}/test"), &[])).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);

        let store = &f.state.store;
        let now = Utc::now() + Duration::seconds(1);
        assert_eq!(crm_web::webhooks::deliver_due(store, "t", now).unwrap(), 1);
        assert!(
            got.lock().unwrap().is_empty(),
            "no request reached 127.0.0.1"
        );
        let d = &store.webhook_deliveries(&Actor::system(), hook).unwrap()[0];
        assert_eq!(d.status, DeliveryStatus::Refused);
        assert_eq!(d.event, "webhook.test");
        assert!(d.error.contains("private network"), "{}", d.error);
        assert_eq!(d.http_status, None);
        // Refused is final: nothing is tried again.
        let later = now + Duration::days(1);
        assert_eq!(
            crm_web::webhooks::deliver_due(store, "t", later).unwrap(),
            0
        );

        // With the allowance the same name is reached.
        let res = test::call_service(
            &app,
            post(
                &admin,
                &format!("/webhooks/{hook}"),
                &[
                    ("url", &url),
                    ("events", "*"),
                    ("active", "1"),
                    ("allow_private_network", "1"),
                ],
            ),
        )
        .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        store.send_test_webhook(&Actor::system(), hook).unwrap();
        assert_eq!(
            crm_web::webhooks::deliver_due(store, "t", later).unwrap(),
            1
        );
        assert_eq!(got.lock().unwrap().len(), 1);
        let d = &store.webhook_deliveries(&Actor::system(), hook).unwrap()[0];
        assert_eq!(d.status, DeliveryStatus::Delivered);
    }
}

#[actix_rt::test]
async fn only_administrators_reach_the_webhook_pages() {
    for db in TestStore::each() {
        let f = fixture(db);
        let app = app!(f);
        let admin = sign_in(&app, "admin@example.com").await;
        let manager = sign_in(&app, "m1@example.com").await;
        let res = test::call_service(
            &app,
            post(
                &admin,
                "/webhooks",
                &[("url", "https://hooks.example.com/in"), ("events", "*")],
            ),
        )
        .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        let hook = created_id(&res);
        let system = Actor::system();
        let secret = f.state.store.webhook(&system, hook).unwrap().secret;

        for uri in ["/webhooks", "/webhooks/new", &format!("/webhooks/{hook}")] {
            let res = test::call_service(&app, get(&manager, uri)).await;
            assert_eq!(res.status(), StatusCode::FORBIDDEN, "{uri}");
            assert!(!body_text(res).await.contains(&secret));
        }
        for uri in [
            "/webhooks".to_string(),
            format!("/webhooks/{hook}"),
            format!("/webhooks/{hook}/rotate"),
            format!("/webhooks/{hook}/test"),
            format!("/webhooks/{hook}/delete"),
        ] {
            let res = test::call_service(
                &app,
                post(
                    &manager,
                    &uri,
                    &[("url", "https://evil.example.com/"), ("events", "*")],
                ),
            )
            .await;
            assert_eq!(res.status(), StatusCode::FORBIDDEN, "{uri}");
        }
        assert_eq!(f.state.store.webhook(&system, hook).unwrap().secret, secret);
        assert!(
            f.state
                .store
                .webhook_deliveries(&system, hook)
                .unwrap()
                .is_empty()
        );

        // The admin's list shows it, and the menu links to it for admins only.
        let res = test::call_service(&app, get(&admin, "/webhooks")).await;
        assert_eq!(res.status(), StatusCode::OK);
        let html = body_text(res).await;
        assert!(html.contains("https://hooks.example.com/in"));
        assert!(html.contains("href=\"/webhooks\""));
        let res = test::call_service(&app, get(&manager, "/contacts")).await;
        assert!(!body_text(res).await.contains("href=\"/webhooks\""));

        // A form without its CSRF token changes nothing.
        let req = test::TestRequest::post()
            .uri(&format!("/webhooks/{hook}/rotate"))
            .insert_header(("Cookie", admin.cookie.clone()))
            .set_form([("csrf_token", "x")])
            .to_request();
        let res = test::call_service(&app, req).await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN);
        assert_eq!(f.state.store.webhook(&system, hook).unwrap().secret, secret);

        // Rotate, then delete, as the administrator.
        let res =
            test::call_service(&app, post(&admin, &format!("/webhooks/{hook}/rotate"), &[])).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        assert_ne!(f.state.store.webhook(&system, hook).unwrap().secret, secret);
        let res =
            test::call_service(&app, post(&admin, &format!("/webhooks/{hook}/delete"), &[])).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        assert!(f.state.store.webhooks(&system).unwrap().is_empty());
    }
}
