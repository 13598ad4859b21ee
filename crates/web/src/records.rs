//! The kinds of record that pages and the REST API serve alike, and how each maps onto the
//! store. Handlers are written once, generically, over [`Record`].

use crm_core::{
    Actor, Company, CompanyDraft, CompanyInput, CompanyPatch, CompanyRow, Contact, ContactDraft,
    ContactInput, ContactPatch, ContactRow, ListQuery, ObjectKind, Page, Region,
};
use crm_store::{Duplicates, Store, StoreResult};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// A kind of record: its names, its input types, and its store operations.
pub trait Record: 'static {
    const KIND: ObjectKind;
    /// The plural used in paths (`/contacts`, `/api/v1/contacts`) and template folders.
    const PATH: &'static str;
    /// The singular used in message keys (`flash-contact-created`).
    const ONE: &'static str;
    /// The full body of a create.
    type Input: DeserializeOwned + Send + 'static;
    /// The body of a partial update.
    type Patch: DeserializeOwned + Send + 'static;
    type Draft: Clone + Send + 'static;
    type Full: Serialize + Send + 'static;
    type Row: Serialize + Send + 'static;

    fn validate(input: &Self::Input, region: Region) -> crm_core::Result<Self::Draft>;
    fn patch(patch: Self::Patch, current: &Self::Full) -> Self::Input;
    fn id(record: &Self::Full) -> i64;
    /// Who is responsible for the record, and whether everyone may see it.
    fn owner(record: &Self::Full) -> (Option<i64>, bool);
    fn list(store: &Store, actor: &Actor, q: &ListQuery) -> StoreResult<Page<Self::Row>>;
    fn search(store: &Store, actor: &Actor, text: &str, limit: i64) -> StoreResult<Vec<Self::Row>>;
    fn get(store: &Store, actor: &Actor, id: i64) -> StoreResult<Self::Full>;
    fn duplicates(store: &Store, actor: &Actor, draft: &Self::Draft) -> StoreResult<Duplicates>;
    fn create(store: &Store, actor: &Actor, draft: &Self::Draft) -> StoreResult<Self::Full>;
    fn update(
        store: &Store,
        actor: &Actor,
        id: i64,
        draft: &Self::Draft,
    ) -> StoreResult<Self::Full>;
    fn delete(store: &Store, actor: &Actor, id: i64) -> StoreResult<()>;
}

/// `/api/v1/contacts`.
pub struct Contacts;

impl Record for Contacts {
    const KIND: ObjectKind = ObjectKind::Contact;
    const PATH: &'static str = "contacts";
    const ONE: &'static str = "contact";
    type Input = ContactInput;
    type Patch = ContactPatch;
    type Draft = ContactDraft;
    type Full = Contact;
    type Row = ContactRow;

    fn validate(input: &ContactInput, region: Region) -> crm_core::Result<ContactDraft> {
        input.validate(region)
    }
    fn patch(patch: ContactPatch, current: &Contact) -> ContactInput {
        patch.apply(current.to_input())
    }
    fn id(record: &Contact) -> i64 {
        record.id
    }
    fn owner(record: &Contact) -> (Option<i64>, bool) {
        (record.responsible_id, record.visible_to_all)
    }
    fn duplicates(store: &Store, actor: &Actor, draft: &ContactDraft) -> StoreResult<Duplicates> {
        store.contact_duplicates(actor, draft, None)
    }
    fn list(store: &Store, actor: &Actor, q: &ListQuery) -> StoreResult<Page<ContactRow>> {
        store.list_contacts(actor, q)
    }
    fn search(
        store: &Store,
        actor: &Actor,
        text: &str,
        limit: i64,
    ) -> StoreResult<Vec<ContactRow>> {
        Ok(store.search(actor, text, limit)?.contacts)
    }
    fn get(store: &Store, actor: &Actor, id: i64) -> StoreResult<Contact> {
        store.contact(actor, id)
    }
    fn create(store: &Store, actor: &Actor, draft: &ContactDraft) -> StoreResult<Contact> {
        store.create_contact(actor, draft)
    }
    fn update(store: &Store, actor: &Actor, id: i64, draft: &ContactDraft) -> StoreResult<Contact> {
        store.update_contact(actor, id, draft)
    }
    fn delete(store: &Store, actor: &Actor, id: i64) -> StoreResult<()> {
        store.delete_contact(actor, id)
    }
}

/// `/api/v1/companies`.
pub struct Companies;

impl Record for Companies {
    const KIND: ObjectKind = ObjectKind::Company;
    const PATH: &'static str = "companies";
    const ONE: &'static str = "company";
    type Input = CompanyInput;
    type Patch = CompanyPatch;
    type Draft = CompanyDraft;
    type Full = Company;
    type Row = CompanyRow;

    fn validate(input: &CompanyInput, region: Region) -> crm_core::Result<CompanyDraft> {
        input.validate(region)
    }
    fn patch(patch: CompanyPatch, current: &Company) -> CompanyInput {
        patch.apply(current.to_input())
    }
    fn id(record: &Company) -> i64 {
        record.id
    }
    fn owner(record: &Company) -> (Option<i64>, bool) {
        (record.responsible_id, record.visible_to_all)
    }
    fn duplicates(store: &Store, actor: &Actor, draft: &CompanyDraft) -> StoreResult<Duplicates> {
        store.company_duplicates(actor, draft, None)
    }
    fn list(store: &Store, actor: &Actor, q: &ListQuery) -> StoreResult<Page<CompanyRow>> {
        store.list_companies(actor, q)
    }
    fn search(
        store: &Store,
        actor: &Actor,
        text: &str,
        limit: i64,
    ) -> StoreResult<Vec<CompanyRow>> {
        Ok(store.search(actor, text, limit)?.companies)
    }
    fn get(store: &Store, actor: &Actor, id: i64) -> StoreResult<Company> {
        store.company(actor, id)
    }
    fn create(store: &Store, actor: &Actor, draft: &CompanyDraft) -> StoreResult<Company> {
        store.create_company(actor, draft)
    }
    fn update(store: &Store, actor: &Actor, id: i64, draft: &CompanyDraft) -> StoreResult<Company> {
        store.update_company(actor, id, draft)
    }
    fn delete(store: &Store, actor: &Actor, id: i64) -> StoreResult<()> {
        store.delete_company(actor, id)
    }
}
