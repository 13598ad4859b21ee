//! Sales over HTTP — the API and the pages of leads, deals, the board, products and pipelines —
//! with real sessions and CSRF, on SQLite and (with CRM_TEST_POSTGRES_URL) PostgreSQL.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use actix_web::http::StatusCode;
use actix_web::test;
use crm_store::testing::TestStore;
use serde_json::{Value, json};

mod common;

use common::*;

async fn json_of<B: actix_web::body::MessageBody>(res: actix_web::dev::ServiceResponse<B>) -> Value
where
    B::Error: std::fmt::Debug,
{
    serde_json::from_str(&body_text(res).await).unwrap()
}

#[actix_rt::test]
async fn api_deals_with_lines_versions_and_bad_input() {
    for db in TestStore::each() {
        let f = fixture(db);
        let app = app!(f);
        let admin = &f.admin_token;
        let res = test::call_service(&app, api("GET", "/api/v1/pipelines", admin, None)).await;
        assert_eq!(res.status(), StatusCode::OK);
        let pipelines = json_of(res).await;
        let stages = pipelines[0]["stages"].as_array().unwrap().clone();
        assert_eq!(stages.len(), 6);

        let res = test::call_service(
            &app,
            api(
                "POST",
                "/api/v1/products",
                admin,
                Some(json!({"name": "Окно ПВХ", "price": "12500.50", "currency": "RUB", "sku": "W-1"})),
            ),
        )
        .await;
        assert_eq!(res.status(), StatusCode::CREATED);
        let product = json_of(res).await;
        let manager = token_for(&f.state.store, "m1@example.com");
        let res = test::call_service(
            &app,
            api(
                "POST",
                "/api/v1/products",
                &manager,
                Some(json!({"name": "X", "currency": "RUB"})),
            ),
        )
        .await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN);
        let res = test::call_service(
            &app,
            api(
                "GET",
                "/api/v1/products?q=%D0%BE%D0%BA%D0%BD",
                &manager,
                None,
            ),
        )
        .await;
        assert_eq!(json_of(res).await["items"][0]["sku"], "W-1");

        // A deal whose amount is the sum of its lines, priced from the product.
        let res = test::call_service(
            &app,
            api(
                "POST",
                "/api/v1/deals",
                admin,
                Some(json!({
                    "title": "Окна на дачу",
                    "amount": 1,
                    "lines": [
                        {"product_id": product["id"], "quantity": "2", "unit_price": "12500.50", "discount": "10"},
                        {"name": "Монтаж", "quantity": 1, "unit_price": 3000}
                    ]
                })),
            ),
        )
        .await;
        assert_eq!(res.status(), StatusCode::CREATED);
        let deal = json_of(res).await;
        // 2 × 12500.50 × 0.9 = 22500.90; + 3000.00
        assert_eq!(deal["amount"], 2_550_090);
        assert_eq!(deal["currency"], "RUB");
        assert_eq!(deal["lines"][0]["name"], "Окно ПВХ");
        let id = deal["id"].as_i64().unwrap();

        // Bad lines: each problem named by field, nothing changed.
        let res = test::call_service(
            &app,
            api(
                "PATCH",
                &format!("/api/v1/deals/{id}"),
                admin,
                Some(json!({
                    "currency": "XYZ",
                    "lines": [
                        {"name": "a", "quantity": "-1", "unit_price": "1"},
                        {"name": "b", "quantity": "1", "unit_price": "1", "discount": "101"},
                        {"name": "c", "quantity": "1", "unit_price": "99999999999999999999"}
                    ]
                })),
            ),
        )
        .await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let err = json_of(res).await;
        let fields = &err["error"]["fields"];
        for k in [
            "currency",
            "lines[0].quantity",
            "lines[1].discount",
            "lines[2].unit_price",
        ] {
            assert!(fields[k].is_string(), "{k}: {err}");
        }

        // Another pipeline's stage is refused.
        let res = test::call_service(
            &app,
            api(
                "POST",
                "/api/v1/pipelines",
                admin,
                Some(json!({"name": "Опт", "stages": [
                    {"name": "Звонок", "kind": "open", "probability": 20},
                    {"name": "Оплата", "kind": "won", "probability": 100},
                    {"name": "Отказ", "kind": "lost"}
                ]})),
            ),
        )
        .await;
        assert_eq!(res.status(), StatusCode::CREATED);
        let other = json_of(res).await;
        let res = test::call_service(
            &app,
            api(
                "POST",
                &format!("/api/v1/deals/{id}/move"),
                admin,
                Some(json!({"stage_id": other["stages"][0]["id"]})),
            ),
        )
        .await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(json_of(res).await["error"]["fields"]["stage_id"].is_string());

        // Two clients with the same version: the second is told the deal changed.
        let v = deal["version"].as_i64().unwrap();
        let move_to = |stage: &Value| {
            api(
                "POST",
                &format!("/api/v1/deals/{id}/move"),
                admin,
                Some(json!({"stage_id": stage["id"], "version": v})),
            )
        };
        let res = test::call_service(&app, move_to(&stages[1])).await;
        assert_eq!(res.status(), StatusCode::OK);
        let res = test::call_service(&app, move_to(&stages[2])).await;
        assert_eq!(res.status(), StatusCode::CONFLICT);
        let res = test::call_service(
            &app,
            api("GET", &format!("/api/v1/deals/{id}/history"), admin, None),
        )
        .await;
        let history = json_of(res).await;
        assert_eq!(history.as_array().unwrap().len(), 2);
        assert_eq!(history[1]["to_stage"], stages[1]["name"]);

        // Lost needs a reason from the list.
        let lost = stages.iter().find(|s| s["kind"] == "lost").unwrap();
        let res = test::call_service(
            &app,
            api(
                "POST",
                &format!("/api/v1/deals/{id}/move"),
                admin,
                Some(json!({"stage_id": lost["id"]})),
            ),
        )
        .await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let res = test::call_service(&app, api("GET", "/api/v1/lost-reasons", admin, None)).await;
        let reason = json_of(res).await[0]["id"].clone();
        let res = test::call_service(
            &app,
            api(
                "POST",
                &format!("/api/v1/deals/{id}/move"),
                admin,
                Some(json!({"stage_id": lost["id"], "lost_reason_id": reason})),
            ),
        )
        .await;
        assert_eq!(res.status(), StatusCode::OK);
        let res =
            test::call_service(&app, api("GET", "/api/v1/deals?state=lost", admin, None)).await;
        assert_eq!(json_of(res).await["items"][0]["id"], id);

        // Managers do not see the admin's private deal.
        let res = test::call_service(
            &app,
            api("GET", &format!("/api/v1/deals/{id}"), &manager, None),
        )
        .await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND);
        let res = test::call_service(&app, api("GET", "/api/v1/deals", &manager, None)).await;
        assert!(json_of(res).await["items"].as_array().unwrap().is_empty());
    }
}

#[actix_rt::test]
async fn api_leads_are_created_and_converted() {
    for db in TestStore::each() {
        let f = fixture(db);
        let app = app!(f);
        let token = token_for(&f.state.store, "m1@example.com");
        let res = test::call_service(
            &app,
            api(
                "POST",
                "/api/v1/leads",
                &token,
                Some(json!({
                    "source": "web_form", "name": "Мария", "phone": "8 (495) 765-43-21",
                    "company_name": "ИП Мария", "message": "Нужна дверь",
                    "utm_source": "google", "page_url": "https://example.com/doors"
                })),
            ),
        )
        .await;
        assert_eq!(res.status(), StatusCode::CREATED);
        let lead = json_of(res).await;
        assert_eq!(lead["phone_e164"], "+74957654321");
        assert_eq!(lead["status"], "new");
        let id = lead["id"].as_i64().unwrap();
        let res = test::call_service(
            &app,
            api(
                "POST",
                "/api/v1/leads",
                &token,
                Some(json!({"source": "fax"})),
            ),
        )
        .await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);

        let res = test::call_service(
            &app,
            api(
                "POST",
                &format!("/api/v1/leads/{id}/convert"),
                &token,
                Some(json!({"contact": "new", "company": "new", "deal": {"title": "Дверь", "amount": "15000"}})),
            ),
        )
        .await;
        assert_eq!(res.status(), StatusCode::OK);
        let done = json_of(res).await;
        assert_eq!(done["status"], "converted");
        let deal_id = done["deal_id"].as_i64().unwrap();
        let res = test::call_service(
            &app,
            api("GET", &format!("/api/v1/deals/{deal_id}"), &token, None),
        )
        .await;
        let deal = json_of(res).await;
        assert_eq!(deal["contact_id"], done["contact_id"]);
        assert_eq!(deal["lead_id"], id);
        assert_eq!(deal["source"], "web_form");
        let res = test::call_service(
            &app,
            api("GET", "/api/v1/leads?status=converted", &token, None),
        )
        .await;
        assert_eq!(json_of(res).await["items"][0]["id"], id);
        // The other manager sees none of it.
        let other = token_for(&f.state.store, "m2@example.com");
        let res = test::call_service(
            &app,
            api("GET", &format!("/api/v1/leads/{id}"), &other, None),
        )
        .await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND);
    }
}
