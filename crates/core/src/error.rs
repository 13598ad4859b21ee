//! Domain failures. Messages are translation keys, so the web edge can show them in the user's
//! language; the API uses the English text of the same keys.

use std::fmt;

/// One field's problem: the field name and a translation key (`error-required`, ...).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FieldError {
    pub field: String,
    pub code: &'static str,
}

/// The per-field messages of an invalid input, in the order they were found.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct FieldErrors(Vec<FieldError>);

impl FieldErrors {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn add(&mut self, field: impl Into<String>, code: &'static str) {
        self.0.push(FieldError {
            field: field.into(),
            code,
        });
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Adds every error of `other` after this one's.
    pub fn merge(&mut self, other: FieldErrors) {
        self.0.extend(other.0);
    }

    pub fn iter(&self) -> impl Iterator<Item = &FieldError> {
        self.0.iter()
    }

    /// The first message for `field`, if any.
    pub fn get(&self, field: &str) -> Option<&'static str> {
        self.0.iter().find(|e| e.field == field).map(|e| e.code)
    }

    /// `Ok(value)` when no error was recorded, else the errors as [`Error::Invalid`].
    pub fn into_result<T>(self, value: T) -> Result<T> {
        if self.is_empty() {
            Ok(value)
        } else {
            Err(Error::Invalid(self))
        }
    }
}

/// What can go wrong in the domain, independent of storage or transport.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// The record does not exist *or the actor may not see it*: the two are indistinguishable on
    /// purpose, so that ids leak nothing.
    NotFound,
    /// The actor sees the record but may not do this to it.
    Forbidden,
    /// Input failed validation; nothing was changed.
    Invalid(FieldErrors),
    /// The change conflicts with existing data (a translation key).
    Conflict(&'static str),
}

impl Error {
    /// A single-field validation error.
    pub fn invalid(field: &str, code: &'static str) -> Self {
        let mut errors = FieldErrors::new();
        errors.add(field, code);
        Error::Invalid(errors)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::NotFound => f.write_str("not found"),
            Error::Forbidden => f.write_str("forbidden"),
            Error::Invalid(errors) => {
                f.write_str("invalid input:")?;
                for e in errors.iter() {
                    write!(f, " {}={}", e.field, e.code)?;
                }
                Ok(())
            }
            Error::Conflict(code) => write!(f, "conflict: {code}"),
        }
    }
}

impl std::error::Error for Error {}

pub type Result<T, E = Error> = std::result::Result<T, E>;
