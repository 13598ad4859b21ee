//! Staff accounts.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::actor::{Actor, Role};
use crate::email::Email;
use crate::error::{FieldErrors, Result};
use crate::party;

/// Shortest password accepted: long passphrases beat complexity rules.
pub const MIN_PASSWORD_CHARS: usize = 10;
pub const MAX_PASSWORD_CHARS: usize = 512;

/// Languages the interface speaks.
pub const LOCALES: &[&str] = &["en", "ru"];

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct User {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub active: bool,
    pub locale: String,
    pub created_at: DateTime<Utc>,
    /// An IANA zone name; empty: the installation's.
    pub time_zone: String,
}

impl User {
    pub fn actor(&self) -> Actor {
        Actor::user(self.id, self.role)
    }
}

/// A checked new user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserDraft {
    pub email: Email,
    pub name: String,
    pub role: Role,
    pub locale: String,
}

impl UserDraft {
    pub fn new(email: &str, name: &str, role: Role, locale: &str) -> Result<UserDraft> {
        let mut e = FieldErrors::new();
        let email = match Email::parse(email) {
            Ok(email) => Some(email),
            Err(code) => {
                e.add("email", code);
                None
            }
        };
        let name = party::line(&mut e, "name", name, false);
        if !LOCALES.contains(&locale) {
            e.add("locale", "error-locale-unknown");
        }
        let Some(email) = email else {
            return Err(crate::Error::Invalid(e));
        };
        e.into_result(UserDraft {
            name: if name.is_empty() {
                email.raw().to_string()
            } else {
                name
            },
            email,
            role,
            locale: locale.to_string(),
        })
    }
}

/// Checks a new password's length (in characters, so any script counts alike).
pub fn check_password(password: &str) -> Result<(), &'static str> {
    let n = password.chars().count();
    if n < MIN_PASSWORD_CHARS {
        Err("error-password-too-short")
    } else if n > MAX_PASSWORD_CHARS {
        Err("error-too-long")
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_draft_checks() {
        let d = UserDraft::new("Boss@Example.com", "", Role::Admin, "ru").unwrap();
        assert_eq!(d.name, "Boss@Example.com");
        assert_eq!(d.email.lower(), "boss@example.com");
        assert!(UserDraft::new("nope", "x", Role::Admin, "en").is_err());
        assert!(UserDraft::new("a@b.cd", "x", Role::Admin, "xx").is_err());
    }

    #[test]
    fn password_length() {
        assert!(check_password("short").is_err());
        assert!(check_password("долгий пароль").is_ok());
    }
}
