//! What the contact and company forms share: the responsible-user picker, the duplicate check
//! and the translation of checkbox and id fields.

use actix_web::web;
use crm_core::{Actor, Error, FieldErrors, Role};
use crm_store::Duplicates;
use serde::Serialize;

use crate::auth::Session;
use crate::error::WebError;
use crate::pages::{Page, blocking};
use crate::state::AppState;

#[derive(Serialize)]
pub struct UserOption {
    id: i64,
    name: String,
}

/// Active users to choose as responsible: admins choose anyone, managers only themselves (an
/// empty list hides the picker).
pub async fn responsible_options(
    state: &web::Data<AppState>,
    session: &Session,
) -> Result<Vec<UserOption>, WebError> {
    if session.user.role != Role::Admin {
        return Ok(Vec::new());
    }
    let st = state.clone();
    let users = blocking(move || st.store.users()).await?;
    Ok(users
        .into_iter()
        .filter(|u| u.active)
        .map(|u| UserOption {
            id: u.id,
            name: u.name,
        })
        .collect())
}

/// An optional id typed into a form: empty is none, anything else must be a number.
pub fn optional_id(errors: &mut FieldErrors, field: &str, value: &str) -> Option<i64> {
    let v = value.trim();
    if v.is_empty() {
        return None;
    }
    match v.parse::<i64>() {
        Ok(id) => Some(id),
        Err(_) => {
            errors.add(field, "error-number-invalid");
            None
        }
    }
}

/// A checkbox's submitted value.
pub fn checked(value: &Option<String>) -> bool {
    value.as_deref().is_some_and(|v| !v.is_empty() && v != "0")
}

/// Field errors out of a failed validation or store call; any other error passes through.
pub fn field_errors(e: WebError) -> Result<FieldErrors, WebError> {
    match e {
        WebError::Domain(Error::Invalid(errors)) => Ok(errors),
        other => Err(other),
    }
}

/// Puts what the form needs besides its values into the page.
pub fn decorate(
    page: &mut Page,
    users: &[UserOption],
    duplicates: &Duplicates,
    errors: &FieldErrors,
) {
    page.insert("users", users)
        .insert("duplicates", &duplicates.visible)
        .insert("hidden_duplicates", &duplicates.hidden)
        .errors(errors);
    if errors.is_empty() && !duplicates.is_empty() {
        page.status(actix_web::http::StatusCode::CONFLICT);
    }
}

/// The actor of a page request.
pub fn actor(session: &Session) -> Actor {
    session.user.actor()
}
