//! Domain types and rules of the CRM. No I/O, no SQL, no HTTP: everything here is pure and
//! testable, and the store and the web front-end build on it.

pub mod activity;
pub mod actor;
pub mod api;
pub mod card;
pub mod company;
pub mod contact;
pub mod deal;
pub mod deal_cursor;
pub mod email;
pub mod error;
pub mod export;
pub mod import;
pub mod import_kinds;
pub mod import_rows;
pub mod job;
pub mod lead;
pub mod lead_form;
pub mod listing;
pub mod money;
pub mod notification;
pub mod party;
pub mod phone;
pub mod pipeline;
pub mod product;
pub mod retention;
pub mod task;
pub mod text;
pub mod user;
pub mod webhook;
pub mod zone;

pub use activity::{
    Activity, ActivityDraft, ActivityInput, ActivityKind, Attachment, Direction, Timeline,
};
pub use actor::{Action, Actor, ObjectKind, Role, Scope};
pub use api::{ApiToken, TokenScope};
pub use card::{CardLabel, CardRef};
pub use company::{Company, CompanyDraft, CompanyInput, CompanyPatch, CompanyRow, ContactPerson};
pub use contact::{Contact, ContactDraft, ContactInput, ContactPatch, ContactRow};
pub use deal::{
    BoardColumn, Deal, DealDraft, DealFilter, DealInput, DealPatch, DealRow, DealSort, Line,
    LineDraft, LineInput, SaleKind, StageChange,
};
pub use deal_cursor::{DealCursor, DealPosition};
pub use email::Email;
pub use error::{Error, FieldErrors, Result};
pub use job::Job;
pub use lead::{
    Conversion, Lead, LeadDraft, LeadInput, LeadPatch, LeadRow, LeadStatus, Link, Part,
};
pub use lead_form::{
    Assignee, FieldSpec, FormField, LeadForm, LeadFormDraft, LeadFormInput, Origin,
};
pub use listing::{Cursor, ListQuery, Page, SortKey};
pub use money::Currency;
pub use notification::{Notice, NoticeKind, Notification};
pub use phone::{Phone, Region};
pub use pipeline::{Pipeline, PipelineDraft, PipelineInput, Stage, StageInput, StageKind};
pub use product::{Product, ProductDraft, ProductInput, ProductPatch};
pub use task::{Task, TaskComment, TaskDraft, TaskInput, TaskOwner, TaskSections};
pub use user::{User, UserDraft};
pub use zone::Zone;
