//! The record kinds of the REST API and how each maps onto the store.

use crm_core::{
    Actor, Company, CompanyDraft, CompanyInput, CompanyPatch, CompanyRow, Contact, ContactDraft,
    ContactInput, ContactPatch, ContactRow, ListQuery, Page, Region,
};
use crm_store::{Store, StoreResult};

use crate::api::records::Record;

/// `/api/v1/contacts`.
pub struct Contacts;

impl Record for Contacts {
    const PATH: &'static str = "contacts";
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
    const PATH: &'static str = "companies";
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
