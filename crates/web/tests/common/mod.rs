//! What the web tests share: a fixture with users and an API token, a signed-in browser with
//! its session cookie and CSRF token, and request builders.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::{test, web};
use crm_core::{Actor, Role, UserDraft};
use crm_store::testing::TestStore;
use crm_web::{AppState, WebConfig};
use serde_json::Value;

pub const PASSWORD: &str = "correct horse battery";

pub struct Fixture {
    pub _db: TestStore,
    pub state: web::Data<AppState>,
    pub admin_token: String,
    /// Holds `state.files` (attached files) when the config named no folder of its own;
    /// removed with the fixture.
    pub _files: tempfile::TempDir,
}

pub fn fixture(db: TestStore) -> Fixture {
    // Tests fire API requests far faster than any client; the rate limit has tests of its own.
    let config = WebConfig {
        api_requests_per_minute: 0,
        ..WebConfig::default()
    };
    fixture_with(db, config)
}

pub fn fixture_with(db: TestStore, mut config: WebConfig) -> Fixture {
    let files = tempfile::tempdir().unwrap();
    // Uploads go to a fresh folder per fixture, never to `./files` in the source tree.
    if config.files_dir == WebConfig::default().files_dir {
        config.files_dir = files.path().display().to_string();
    }
    let store = db.store.clone();
    let hash = crm_web::auth::hash_password(PASSWORD).unwrap();
    for (email, role) in [
        ("admin@example.com", Role::Admin),
        ("m1@example.com", Role::Manager),
        ("m2@example.com", Role::Manager),
    ] {
        let d = UserDraft::new(email, email.split('@').next().unwrap(), role, "en").unwrap();
        store.create_user(&Actor::system(), &d, &hash).unwrap();
    }
    let admin_token = token_for(&store, "admin@example.com");
    let state = AppState::new(
        store,
        "RU".parse().unwrap(),
        crm_core::Currency::parse("RUB").unwrap(),
        config,
    )
    .unwrap();
    Fixture {
        _db: db,
        state: web::Data::new(state),
        admin_token,
        _files: files,
    }
}

pub fn token_for(store: &crm_store::Store, email: &str) -> String {
    let (user, _) = store.user_for_login(email).unwrap().unwrap();
    let token = crm_web::auth::new_secret();
    store
        .create_api_token(user.id, "test", &crm_web::auth::secret_hash(&token))
        .unwrap();
    token
}

pub fn cookie_value<B>(res: &ServiceResponse<B>, name: &str) -> Option<String> {
    res.response()
        .cookies()
        .find(|c| c.name() == name)
        .map(|c| c.value().to_string())
}

pub async fn body_text<B: MessageBody>(res: ServiceResponse<B>) -> String
where
    B::Error: std::fmt::Debug,
{
    String::from_utf8(test::read_body(res).await.to_vec()).unwrap()
}

pub fn hidden_csrf(html: &str) -> String {
    let at = html
        .find("name=\"csrf_token\" value=\"")
        .expect("a CSRF field")
        + 25;
    html[at..at + 64].to_string()
}

/// A signed-in browser: its session cookie and the session's CSRF token.
pub struct Browser {
    pub cookie: String,
    pub csrf: String,
}

pub async fn sign_in<S, B>(app: &S, email: &str) -> Browser
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
    B::Error: std::fmt::Debug,
{
    let res = test::call_service(app, test::TestRequest::get().uri("/login").to_request()).await;
    let pre = cookie_value(&res, "crm_csrf").unwrap();
    let req = test::TestRequest::post()
        .uri("/login")
        .insert_header(("Cookie", format!("crm_csrf={pre}")))
        .set_form([
            ("email", email),
            ("password", PASSWORD),
            ("csrf_token", &pre),
        ])
        .to_request();
    let res = test::call_service(app, req).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER, "sign-in of {email}");
    let cookie = format!("crm_session={}", cookie_value(&res, "crm_session").unwrap());
    let res = test::call_service(
        app,
        test::TestRequest::get()
            .uri("/contacts/new")
            .insert_header(("Cookie", cookie.clone()))
            .to_request(),
    )
    .await;
    let csrf = hidden_csrf(&body_text(res).await);
    Browser { cookie, csrf }
}

#[macro_export]
macro_rules! app {
    ($f:expr) => {
        test::init_service(crm_web::app!($f.state.clone())).await
    };
}

pub fn get(b: &Browser, uri: &str) -> actix_http::Request {
    test::TestRequest::get()
        .uri(uri)
        .insert_header(("Cookie", b.cookie.clone()))
        .to_request()
}

pub fn post(b: &Browser, uri: &str, fields: &[(&str, &str)]) -> actix_http::Request {
    let mut form: Vec<(&str, &str)> = vec![("csrf_token", &b.csrf)];
    form.extend_from_slice(fields);
    test::TestRequest::post()
        .uri(uri)
        .insert_header(("Cookie", b.cookie.clone()))
        .set_form(form)
        .to_request()
}

pub fn api(method: &str, uri: &str, token: &str, body: Option<Value>) -> actix_http::Request {
    let req = match method {
        "GET" => test::TestRequest::get(),
        "POST" => test::TestRequest::post(),
        "PATCH" => test::TestRequest::patch(),
        "DELETE" => test::TestRequest::delete(),
        _ => unreachable!(),
    }
    .uri(uri)
    .insert_header(("Authorization", format!("Bearer {token}")));
    match body {
        Some(b) => req.set_json(b).to_request(),
        None => req.to_request(),
    }
}
