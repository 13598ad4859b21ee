#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The OpenAPI document: every route of the API's scope in the route table is in it (and
//! nothing else), it is OpenAPI 3.x with every `$ref` resolving, it needs no token; and the API
//! page renders it for people in their language, linked from the profile.

use std::collections::BTreeSet;

use actix_web::http::StatusCode;
use actix_web::test;
use crm_store::testing::TestStore;
use serde_json::Value;

mod common;

use common::*;

/// `(METHOD, path)` of every route registered in the `/api/v1` scope of routes.rs, read from
/// its source: actix cannot list its routes, and the table is written in one fixed style.
fn api_routes() -> BTreeSet<(String, String)> {
    let source = include_str!("../src/routes.rs");
    let scope = source
        .split("web::scope(\"/api/v1\")")
        .nth(1)
        .expect("routes.rs has the /api/v1 scope");
    let compact: String = scope.split_whitespace().collect();
    let mut routes = BTreeSet::new();
    for call in compact.split(".route(").skip(1) {
        let path = call.split('"').nth(1).expect("a route's path literal");
        let method = call
            .split(',')
            .nth(1)
            .and_then(|m| m.split("()").next())
            .expect("a route's method");
        routes.insert((method.to_uppercase(), format!("/api/v1{path}")));
    }
    routes
}

fn documented(doc: &Value) -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in ["get", "post", "put", "patch", "delete"] {
            if item.get(method).is_some() {
                out.insert((method.to_uppercase(), path.clone()));
            }
        }
    }
    out
}

/// Every `$ref` string anywhere in `v`.
fn refs<'a>(v: &'a Value, out: &mut Vec<&'a str>) {
    match v {
        Value::Object(m) => {
            for (k, v) in m {
                match (k.as_str(), v) {
                    ("$ref", Value::String(r)) => out.push(r),
                    _ => refs(v, out),
                }
            }
        }
        Value::Array(a) => a.iter().for_each(|v| refs(v, out)),
        _ => {}
    }
}

async fn fetch_document() -> Value {
    let db = TestStore::each().into_iter().next().unwrap();
    let f = fixture(db);
    let app = app!(f);
    // No token: the document describes the API and holds no data.
    let res = test::call_service(
        &app,
        test::TestRequest::get()
            .uri("/api/v1/openapi.json")
            .to_request(),
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        res.headers().get("content-type").unwrap(),
        "application/json"
    );
    serde_json::from_str(&body_text(res).await).expect("the document is JSON")
}

#[actix_rt::test]
async fn every_api_route_is_documented_and_nothing_else() {
    let doc = fetch_document().await;
    let routes = api_routes();
    assert!(routes.len() > 50, "the route table was read: {routes:?}");
    assert!(routes.contains(&("PATCH".into(), "/api/v1/stages/{id}".into())));
    let documented = documented(&doc);
    let missing: Vec<_> = routes.difference(&documented).collect();
    assert!(
        missing.is_empty(),
        "routes without documentation: {missing:?}"
    );
    let stale: Vec<_> = documented.difference(&routes).collect();
    assert!(stale.is_empty(), "documented but not routed: {stale:?}");
}

#[actix_rt::test]
async fn the_document_is_openapi_3_with_every_ref_resolving() {
    let doc = fetch_document().await;
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    assert_eq!(
        doc["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
    let mut all = Vec::new();
    refs(&doc, &mut all);
    assert!(
        all.len() > 100,
        "the document uses references: {}",
        all.len()
    );
    for r in all {
        let pointer = r.strip_prefix('#').expect("a local reference");
        assert!(doc.pointer(pointer).is_some(), "{r} resolves to nothing");
    }
    let mut ids = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let id = op["operationId"].as_str().unwrap();
            assert!(ids.insert(id.to_string()), "operation id {id} used twice");
            assert!(
                !op["summary"].as_str().unwrap_or("").is_empty(),
                "{method} {path}"
            );
            assert!(op["tags"][0].is_string(), "{method} {path} has a tag");
            let responses = op["responses"].as_object().unwrap();
            assert!(
                responses.keys().any(|s| s.starts_with('2')),
                "{method} {path}"
            );
            if path != "/api/v1/openapi.json" {
                // Every call needs the token, so every call may be refused for it.
                assert!(responses.contains_key("401"), "{method} {path}");
            }
        }
    }
    // The error body and the shapes the API sends are described, not left free-form.
    let error = &doc["components"]["schemas"]["ErrorDetail"];
    assert_eq!(error["required"], serde_json::json!(["code", "message"]));
    let create = &doc["paths"]["/api/v1/contacts"]["post"];
    assert_eq!(
        create["requestBody"]["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/ContactInput"
    );
    assert_eq!(
        create["responses"]["422"]["$ref"],
        "#/components/responses/Invalid"
    );
    assert!(
        doc["paths"]["/api/v1/openapi.json"]["get"]["security"] == serde_json::json!([{}]),
        "the document itself is open"
    );
}

#[actix_rt::test]
async fn the_api_page_renders_the_document_in_the_readers_language() {
    for db in TestStore::each() {
        let f = fixture(db);
        let app = app!(f);
        let res = test::call_service(
            &app,
            test::TestRequest::get()
                .uri("/api/docs")
                .insert_header(("Accept-Language", "ru"))
                .to_request(),
        )
        .await;
        assert_eq!(res.status(), StatusCode::OK);
        let html = body_text(res).await;
        assert!(html.contains("Подпись запросов"), "Russian headings");
        assert!(html.contains("<code>/api/v1/contacts/{id}</code>"));
        assert!(html.contains("id=\"tag-pipelines\""), "grouped by tag");
        // Method, summary, parameters, shapes and a curl line for an endpoint.
        assert!(html.contains(">PATCH</span> <code>/api/v1/stages/{id}</code>"));
        assert!(html.contains("Change a stage (administrators)"));
        assert!(html.contains("<code>move_to</code>"));
        assert!(
            html.contains("the <code>Location</code> header"),
            "code spans as code"
        );
        assert!(
            html.contains("&quot;stage_id&quot;: integer"),
            "request shape"
        );
        let at = html
            .find("1/move")
            .or_else(|| html.find("move_deal"))
            .unwrap_or(0);
        assert!(html.contains(
            "curl -X POST -H &quot;Authorization: Bearer $CRM_TOKEN&quot; -H &#39;Content-Type: \
             application/json&#39; -d &#39;{&quot;stage_id&quot;:1}&#39; \
             &#39;http://localhost:8080/api/v1/deals/1/move&#39;"
        ), "{}", &html[at.saturating_sub(300)..at + 50]);
        assert!(
            !html.contains("<script src=\"http"),
            "nothing fetched from elsewhere"
        );

        // The profile, where a user learns about tokens, links to the page.
        let m1 = sign_in(&app, "m1@example.com").await;
        let res = test::call_service(&app, get(&m1, "/profile")).await;
        assert!(body_text(res).await.contains("href=\"/api/docs\""));
        let res = test::call_service(&app, get(&m1, "/api/docs")).await;
        let html = body_text(res).await;
        assert!(html.contains("Signing requests"), "English for m1");
        assert!(html.contains("Needs no token."), "the document's own entry");
    }
}
