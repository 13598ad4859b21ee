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

/// The id at the end of a redirect's Location (`/leads/12` -> 12).
fn location_id<B>(res: &actix_web::dev::ServiceResponse<B>) -> i64 {
    let to = res.headers().get("location").unwrap().to_str().unwrap();
    to.rsplit('/').next().unwrap().parse().unwrap()
}

#[actix_rt::test]
async fn pages_of_leads_products_and_pipelines() {
    for db in TestStore::each() {
        let f = fixture(db);
        let app = app!(f);
        let admin = sign_in(&app, "admin@example.com").await;
        let manager = sign_in(&app, "m1@example.com").await;

        // A lead by hand, then converted into a contact and a deal.
        let res = test::call_service(&app, get(&admin, "/leads/new")).await;
        assert_eq!(res.status(), StatusCode::OK);
        let res = test::call_service(
            &app,
            post(
                &admin,
                "/leads",
                &[
                    ("name", "Пётр <b>"),
                    ("phone", "8 (812) 555-12-34"),
                    ("source", "call"),
                ],
            ),
        )
        .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        let lead = location_id(&res);
        let html =
            body_text(test::call_service(&app, get(&admin, &format!("/leads/{lead}"))).await).await;
        assert!(html.contains("Пётр &lt;b&gt;"), "escaped on the card");
        let res = test::call_service(&app, post(&admin, "/leads", &[("source", "pigeon")])).await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);

        let pipelines = f.state.store.pipelines().unwrap();
        let first = pipelines[0].stages[0].id.to_string();
        let res = test::call_service(&app, get(&admin, &format!("/leads/{lead}/convert"))).await;
        assert_eq!(res.status(), StatusCode::OK);
        let res = test::call_service(
            &app,
            post(
                &admin,
                &format!("/leads/{lead}/convert"),
                &[
                    ("contact", "new"),
                    ("company", "none"),
                    ("create_deal", "1"),
                    ("deal_title", ""),
                    ("stage_id", &first),
                    ("amount", "-5"),
                ],
            ),
        )
        .await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let q = crm_core::ListQuery::default();
        let a = crm_core::Actor::system();
        assert!(
            f.state
                .store
                .list_contacts(&a, &q)
                .unwrap()
                .items
                .is_empty(),
            "nothing half-made"
        );
        let res = test::call_service(
            &app,
            post(
                &admin,
                &format!("/leads/{lead}/convert"),
                &[
                    ("contact", "new"),
                    ("company", "none"),
                    ("create_deal", "1"),
                    ("deal_title", "Звонок Петра"),
                    ("stage_id", &first),
                    ("amount", "1 500,50"),
                    ("currency", "RUB"),
                ],
            ),
        )
        .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        let deal = f.state.store.deal(&a, location_id(&res)).unwrap();
        assert_eq!(
            (deal.amount, deal.title.as_str()),
            (150_050, "Звонок Петра")
        );
        assert_eq!(
            f.state
                .store
                .contact(&a, deal.contact_id.unwrap())
                .unwrap()
                .phones[0]
                .e164(),
            "+78125551234"
        );
        // The contact's card lists the deal, with a link to start another.
        let cid = deal.contact_id.unwrap();
        let html =
            body_text(test::call_service(&app, get(&admin, &format!("/contacts/{cid}"))).await)
                .await;
        assert!(
            html.contains("Звонок Петра") && html.contains(&format!("/deals/new?contact_id={cid}"))
        );
        // Another manager cannot open it.
        let res = test::call_service(&app, get(&manager, &format!("/leads/{lead}"))).await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND);

        // The catalogue: admins edit it, managers read it.
        let res = test::call_service(
            &app,
            post(
                &admin,
                "/products",
                &[
                    ("name", "Дверь"),
                    ("price", "9 990"),
                    ("currency", "rub"),
                    ("active", "1"),
                ],
            ),
        )
        .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        let res = test::call_service(
            &app,
            post(&manager, "/products", &[("name", "X"), ("currency", "RUB")]),
        )
        .await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN);
        let res = test::call_service(
            &app,
            post(
                &admin,
                "/products",
                &[("name", "Y"), ("price", "1,234"), ("currency", "EURO")],
            ),
        )
        .await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = body_text(test::call_service(&app, get(&manager, "/products")).await).await;
        assert!(html.contains("Дверь"));
        let res = test::call_service(&app, get(&manager, "/products/suggest?q=%D0%B4%D0%B2")).await;
        assert_eq!(json_of(res).await[0]["name"], "Дверь");

        // Pipelines: administrators only; a stage holding deals asks where they go.
        let res = test::call_service(&app, get(&manager, "/pipelines")).await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN);
        let res = test::call_service(&app, get(&admin, "/pipelines")).await;
        assert_eq!(res.status(), StatusCode::OK);
        let res = test::call_service(&app, post(&admin, "/pipelines", &[("name", "Опт")])).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        let pid = location_id(&res);
        let res = test::call_service(&app, get(&admin, &format!("/pipelines/{pid}"))).await;
        assert_eq!(res.status(), StatusCode::OK);
        let res = test::call_service(
            &app,
            post(
                &admin,
                &format!("/pipelines/{pid}/stages"),
                &[
                    ("name", "Замер"),
                    ("probability", "abc"),
                    ("color", "#00ff00"),
                    ("kind", "open"),
                ],
            ),
        )
        .await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let res = test::call_service(
            &app,
            post(
                &admin,
                &format!("/pipelines/{pid}/stages"),
                &[
                    ("name", "Замер"),
                    ("probability", "40"),
                    ("color", "#00ff00"),
                    ("kind", "open"),
                ],
            ),
        )
        .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        let sid = deal.stage_id;
        let res = test::call_service(&app, get(&admin, &format!("/stages/{sid}/delete"))).await;
        assert_eq!(res.status(), StatusCode::OK);
        let res = test::call_service(
            &app,
            post(&admin, &format!("/stages/{sid}/delete"), &[("move_to", "")]),
        )
        .await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let target = pipelines[0].stages[1].id.to_string();
        let res = test::call_service(
            &app,
            post(
                &admin,
                &format!("/stages/{sid}/delete"),
                &[("move_to", &target)],
            ),
        )
        .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        assert_eq!(
            f.state.store.deal(&a, deal.id).unwrap().stage_id,
            pipelines[0].stages[1].id
        );
        let res =
            test::call_service(&app, post(&admin, "/lost-reasons", &[("name", "Дорого")])).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
    }
}

#[actix_rt::test]
async fn pages_of_deals_the_board_and_line_items() {
    for db in TestStore::each() {
        let f = fixture(db);
        let app = app!(f);
        let admin = sign_in(&app, "admin@example.com").await;
        let manager = sign_in(&app, "m1@example.com").await;
        let a = crm_core::Actor::system();
        let pipeline = f.state.store.pipelines().unwrap().remove(0);
        let first = pipeline.stages[0].id.to_string();

        let res = test::call_service(&app, get(&admin, "/deals/new")).await;
        assert_eq!(res.status(), StatusCode::OK);
        let res = test::call_service(
            &app,
            post(
                &admin,
                "/deals",
                &[
                    ("title", "Окна <script>"),
                    ("stage_id", &first),
                    ("amount", "10 000"),
                    ("currency", "RUB"),
                    ("probability", ""),
                ],
            ),
        )
        .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        let id = location_id(&res);
        let res = test::call_service(
            &app,
            post(
                &admin,
                "/deals",
                &[
                    ("title", "Bad"),
                    ("stage_id", &first),
                    ("amount", "99999999999999999"),
                    ("currency", "ZZZ"),
                    ("probability", "150"),
                ],
            ),
        )
        .await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = body_text(res).await;
        assert!(
            html.contains("This number is too large"),
            "amount overflow named"
        );
        assert!(html.contains("ISO 4217"), "unknown currency named");

        for path in [
            "/deals/board",
            "/deals",
            &format!("/deals/{id}"),
            &format!("/deals/{id}/edit"),
        ] {
            let res = test::call_service(&app, get(&admin, path)).await;
            assert_eq!(res.status(), StatusCode::OK, "{path}");
            let html = body_text(res).await;
            assert!(
                html.contains("Окна &lt;script&gt;"),
                "{path} shows the escaped title"
            );
        }
        let res = test::call_service(
            &app,
            get(
                &admin,
                &format!("/deals/board/column?stage={first}&offset=0"),
            ),
        )
        .await;
        assert_eq!(res.status(), StatusCode::OK);
        assert!(
            body_text(res)
                .await
                .contains(&format!("data-deal-id=\"{id}\""))
        );
        // A manager sees neither the private deal on the board nor its card.
        let html = body_text(test::call_service(&app, get(&manager, "/deals/board")).await).await;
        assert!(!html.contains("Окна"));
        let res = test::call_service(&app, get(&manager, &format!("/deals/{id}"))).await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND);

        // Line items: rows in order, empty rows ignored, totals server-side.
        let lines = |rows: &[[&str; 5]]| -> Vec<(String, String)> {
            let mut v = vec![("csrf_token".to_string(), admin.csrf.clone())];
            for r in rows {
                for (k, val) in ["product_id", "name", "quantity", "unit_price", "discount"]
                    .iter()
                    .zip(r)
                {
                    v.push((k.to_string(), val.to_string()));
                }
            }
            v
        };
        let send = |fields: Vec<(String, String)>| {
            test::TestRequest::post()
                .uri(&format!("/deals/{id}/lines"))
                .insert_header(("Cookie", admin.cookie.clone()))
                .set_form(fields)
                .to_request()
        };
        let res = test::call_service(
            &app,
            send(lines(&[
                ["", "Окно", "2,5", "1000", "10"],
                ["", "", "", "", ""],
                ["", "Монтаж", "1", "500,01", ""],
            ])),
        )
        .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        let deal = f.state.store.deal(&a, id).unwrap();
        // 2.5 × 1000 × 0.9 = 2250.00; + 500.01
        assert_eq!((deal.lines.len(), deal.amount), (2, 275_001));
        let res = test::call_service(&app, send(lines(&[["", "Окно", "-1", "1000", "150"]]))).await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = body_text(res).await;
        assert!(html.contains("The quantity must be more than zero"));
        assert!(html.contains("Enter a discount from 0 to 100"));
        assert_eq!(
            f.state.store.deal(&a, id).unwrap().amount,
            275_001,
            "nothing changed"
        );

        // Moving from the card; a stale version from the board is told the deal changed.
        let second = pipeline.stages[1].id.to_string();
        let v = deal.version.to_string();
        let res = test::call_service(
            &app,
            post(
                &admin,
                &format!("/deals/{id}/move"),
                &[("stage_id", &second), ("version", &v)],
            ),
        )
        .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        let stale = test::TestRequest::post()
            .uri(&format!("/deals/{id}/move"))
            .insert_header(("Cookie", admin.cookie.clone()))
            .insert_header(("Accept", "application/json"))
            .set_form([
                ("csrf_token", admin.csrf.as_str()),
                ("stage_id", first.as_str()),
                ("version", v.as_str()),
            ])
            .to_request();
        let res = test::call_service(&app, stale).await;
        assert_eq!(res.status(), StatusCode::CONFLICT);
        let body = json_of(res).await;
        assert!(
            body["error"]["message"]
                .as_str()
                .unwrap()
                .contains("changed"),
            "{body}"
        );
        let lost = pipeline
            .stages
            .iter()
            .find(|s| s.kind == crm_core::StageKind::Lost)
            .unwrap();
        let res = test::call_service(
            &app,
            post(
                &admin,
                &format!("/deals/{id}/move"),
                &[("stage_id", &lost.id.to_string())],
            ),
        )
        .await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            body_text(res)
                .await
                .contains("Pick the reason the deal was lost")
        );
        let html =
            body_text(test::call_service(&app, get(&admin, &format!("/deals/{id}"))).await).await;
        assert!(
            html.contains(&pipeline.stages[1].name),
            "the history names the stage"
        );
    }
}
