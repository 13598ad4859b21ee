//! Domain types and rules of the CRM. No I/O, no SQL, no HTTP: everything here is pure and
//! testable, and the store and the web front-end build on it.

pub mod actor;
pub mod company;
pub mod contact;
pub mod email;
pub mod error;
pub mod listing;
pub mod party;
pub mod phone;
pub mod text;
pub mod user;

pub use actor::{Action, Actor, ObjectKind, Role, Scope};
pub use company::{Company, CompanyDraft, CompanyInput, CompanyPatch, CompanyRow, ContactPerson};
pub use contact::{Contact, ContactDraft, ContactInput, ContactPatch, ContactRow};
pub use email::Email;
pub use error::{Error, FieldErrors, Result};
pub use listing::{ListQuery, Page, SortKey};
pub use phone::{Phone, Region};
pub use user::{User, UserDraft};
