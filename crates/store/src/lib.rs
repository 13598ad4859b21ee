//! Storage of the CRM: one portable Diesel schema over SQLite (the embedded default) and
//! PostgreSQL (for larger companies and several app nodes). Every read and write takes the acting
//! user, and the permission policy of `crm-core` becomes a `WHERE` clause here, in one function
//! per object kind.

mod activities;
mod audit;
pub mod backup;
mod bulk;
mod cards;
mod companies;
mod conn;
mod contacts;
mod deal_lists;
mod deals;
mod demo_work;
mod departments;
mod error;
mod idempotency;
mod import_deals;
mod import_kinds;
mod imports;
mod jobs;
mod lead_forms;
mod leads;
mod listing;
mod migrations;
mod notifications;
mod parties;
mod pipelines;
mod products;
mod reminders;
mod schema;
mod scope;
mod search;
mod sessions;
mod tasks;
mod users;
mod webhooks;

#[allow(clippy::panic)]
pub mod testing;

pub use activities::NewAttachment;
pub use audit::AuditEntry;
pub use bulk::BulkDeal;
pub use conn::{Backend, DbConfig, DbUrl, Store, mask_url};
pub use demo_work::{BulkActivity, BulkTask};
pub use departments::Department;
pub use error::{StoreError, StoreResult};
pub use idempotency::{IdempotencyStart, StoredAnswer};
pub use import_kinds::Batch;
pub use imports::{BatchOutcome, Failure, IMPORT_LEASE_SECONDS, ImportRecord, Lease, Prepared};
pub use jobs::{ClaimedJob, JobOutcome, QueueCounts};
pub use migrations::SchemaState;
pub use parties::{Duplicate, Duplicates};
pub use pipelines::LostReason;
pub use search::{SearchResults, searchable};
pub use sessions::{SessionInfo, TokenAuth};
pub use webhooks::{ClaimedDelivery, SHOWN_DELIVERIES};
