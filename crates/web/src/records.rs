//! The kinds of record that pages and the REST API serve alike, and how each maps onto the
//! store. Handlers are written once, generically, over [`Record`].

use crm_core::{
    Actor, Company, CompanyDraft, CompanyInput, CompanyPatch, CompanyRow, Contact, ContactDraft,
    ContactInput, ContactPatch, ContactRow, Cursor, Deal, DealDraft, DealInput, DealPatch, Lead,
    LeadDraft, LeadInput, LeadPatch, ListQuery, ObjectKind, Page, Product, ProductDraft,
    ProductInput, ProductPatch,
};
use crm_store::{Duplicates, Store, StoreResult};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::state::AppState;

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

    fn validate(input: &Self::Input, state: &AppState) -> crm_core::Result<Self::Draft>;
    fn patch(patch: Self::Patch, current: &Self::Full) -> Self::Input;
    fn id(record: &Self::Full) -> i64;
    /// Who is responsible for the record, and whether everyone may see it.
    fn owner(record: &Self::Full) -> (Option<i64>, bool);
    fn get(store: &Store, actor: &Actor, id: i64) -> StoreResult<Self::Full>;
    /// Existing cards the new one may duplicate (none for kinds without phones or e-mails).
    fn duplicates(_store: &Store, _actor: &Actor, _draft: &Self::Draft) -> StoreResult<Duplicates> {
        Ok(Duplicates::default())
    }
    fn create(store: &Store, actor: &Actor, draft: &Self::Draft) -> StoreResult<Self::Full>;
    fn update(
        store: &Store,
        actor: &Actor,
        id: i64,
        draft: &Self::Draft,
    ) -> StoreResult<Self::Full>;
    /// Deletes the record; returns the storage keys of the files that went with it, for the
    /// caller to remove from disk.
    fn delete(store: &Store, actor: &Actor, id: i64) -> StoreResult<Vec<String>>;
}

/// Cards listed by name, creation or update, and found by the search box: contacts and
/// companies.
pub trait Listed: Record {
    type Row: Serialize + Send + 'static;

    fn list(store: &Store, actor: &Actor, q: &ListQuery) -> StoreResult<Page<Self::Row>>;
    /// The page after `after` (the query's page without one) and the next page's cursor.
    fn list_after(
        store: &Store,
        actor: &Actor,
        q: &ListQuery,
        after: Option<&Cursor>,
    ) -> StoreResult<(Page<Self::Row>, Option<Cursor>)>;
    fn search(store: &Store, actor: &Actor, text: &str, limit: i64) -> StoreResult<Vec<Self::Row>>;
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

    fn validate(input: &ContactInput, state: &AppState) -> crm_core::Result<ContactDraft> {
        input.validate(state.region)
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
    fn get(store: &Store, actor: &Actor, id: i64) -> StoreResult<Contact> {
        store.contact(actor, id)
    }
    fn create(store: &Store, actor: &Actor, draft: &ContactDraft) -> StoreResult<Contact> {
        store.create_contact(actor, draft)
    }
    fn update(store: &Store, actor: &Actor, id: i64, draft: &ContactDraft) -> StoreResult<Contact> {
        store.update_contact(actor, id, draft)
    }
    fn delete(store: &Store, actor: &Actor, id: i64) -> StoreResult<Vec<String>> {
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

    fn validate(input: &CompanyInput, state: &AppState) -> crm_core::Result<CompanyDraft> {
        input.validate(state.region)
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
    fn get(store: &Store, actor: &Actor, id: i64) -> StoreResult<Company> {
        store.company(actor, id)
    }
    fn create(store: &Store, actor: &Actor, draft: &CompanyDraft) -> StoreResult<Company> {
        store.create_company(actor, draft)
    }
    fn update(store: &Store, actor: &Actor, id: i64, draft: &CompanyDraft) -> StoreResult<Company> {
        store.update_company(actor, id, draft)
    }
    fn delete(store: &Store, actor: &Actor, id: i64) -> StoreResult<Vec<String>> {
        store.delete_company(actor, id)
    }
}

impl Listed for Contacts {
    type Row = ContactRow;

    fn list(store: &Store, actor: &Actor, q: &ListQuery) -> StoreResult<Page<ContactRow>> {
        store.list_contacts(actor, q)
    }
    fn list_after(
        store: &Store,
        actor: &Actor,
        q: &ListQuery,
        after: Option<&Cursor>,
    ) -> StoreResult<(Page<ContactRow>, Option<Cursor>)> {
        store.list_contacts_after(actor, q, after)
    }
    fn search(
        store: &Store,
        actor: &Actor,
        text: &str,
        limit: i64,
    ) -> StoreResult<Vec<ContactRow>> {
        Ok(store.search(actor, text, limit)?.contacts)
    }
}

impl Listed for Companies {
    type Row = CompanyRow;

    fn list(store: &Store, actor: &Actor, q: &ListQuery) -> StoreResult<Page<CompanyRow>> {
        store.list_companies(actor, q)
    }
    fn list_after(
        store: &Store,
        actor: &Actor,
        q: &ListQuery,
        after: Option<&Cursor>,
    ) -> StoreResult<(Page<CompanyRow>, Option<Cursor>)> {
        store.list_companies_after(actor, q, after)
    }
    fn search(
        store: &Store,
        actor: &Actor,
        text: &str,
        limit: i64,
    ) -> StoreResult<Vec<CompanyRow>> {
        Ok(store.search(actor, text, limit)?.companies)
    }
}

/// `/api/v1/deals`.
pub struct Deals;

impl Record for Deals {
    const KIND: ObjectKind = ObjectKind::Deal;
    const PATH: &'static str = "deals";
    const ONE: &'static str = "deal";
    type Input = DealInput;
    type Patch = DealPatch;
    type Draft = DealDraft;
    type Full = Deal;

    fn validate(input: &DealInput, state: &AppState) -> crm_core::Result<DealDraft> {
        input.validate(state.currency)
    }
    fn patch(patch: DealPatch, current: &Deal) -> DealInput {
        patch.apply(current.to_input())
    }
    fn id(record: &Deal) -> i64 {
        record.id
    }
    fn owner(record: &Deal) -> (Option<i64>, bool) {
        (record.responsible_id, record.visible_to_all)
    }
    fn get(store: &Store, actor: &Actor, id: i64) -> StoreResult<Deal> {
        store.deal(actor, id)
    }
    fn create(store: &Store, actor: &Actor, draft: &DealDraft) -> StoreResult<Deal> {
        store.create_deal(actor, draft)
    }
    fn update(store: &Store, actor: &Actor, id: i64, draft: &DealDraft) -> StoreResult<Deal> {
        store.update_deal(actor, id, draft)
    }
    fn delete(store: &Store, actor: &Actor, id: i64) -> StoreResult<Vec<String>> {
        store.delete_deal(actor, id)
    }
}

/// `/api/v1/leads`.
pub struct Leads;

impl Record for Leads {
    const KIND: ObjectKind = ObjectKind::Lead;
    const PATH: &'static str = "leads";
    const ONE: &'static str = "lead";
    type Input = LeadInput;
    type Patch = LeadPatch;
    type Draft = LeadDraft;
    type Full = Lead;

    fn validate(input: &LeadInput, state: &AppState) -> crm_core::Result<LeadDraft> {
        input.validate(state.region)
    }
    fn patch(patch: LeadPatch, current: &Lead) -> LeadInput {
        patch.apply(current.to_input())
    }
    fn id(record: &Lead) -> i64 {
        record.id
    }
    fn owner(record: &Lead) -> (Option<i64>, bool) {
        (record.responsible_id, false)
    }
    fn get(store: &Store, actor: &Actor, id: i64) -> StoreResult<Lead> {
        store.lead(actor, id)
    }
    fn create(store: &Store, actor: &Actor, draft: &LeadDraft) -> StoreResult<Lead> {
        store.create_lead(actor, draft)
    }
    fn update(store: &Store, actor: &Actor, id: i64, draft: &LeadDraft) -> StoreResult<Lead> {
        store.update_lead(actor, id, draft)
    }
    fn delete(store: &Store, actor: &Actor, id: i64) -> StoreResult<Vec<String>> {
        store.delete_lead(actor, id)
    }
}

/// `/api/v1/products`.
pub struct Products;

impl Record for Products {
    const KIND: ObjectKind = ObjectKind::Product;
    const PATH: &'static str = "products";
    const ONE: &'static str = "product";
    type Input = ProductInput;
    type Patch = ProductPatch;
    type Draft = ProductDraft;
    type Full = Product;

    fn validate(input: &ProductInput, _state: &AppState) -> crm_core::Result<ProductDraft> {
        input.validate()
    }
    fn patch(patch: ProductPatch, current: &Product) -> ProductInput {
        patch.apply(current.to_input())
    }
    fn id(record: &Product) -> i64 {
        record.id
    }
    /// The catalogue belongs to everyone; the policy lets only administrators change it.
    fn owner(_record: &Product) -> (Option<i64>, bool) {
        (None, true)
    }
    fn get(store: &Store, _actor: &Actor, id: i64) -> StoreResult<Product> {
        store.product(id)
    }
    fn create(store: &Store, actor: &Actor, draft: &ProductDraft) -> StoreResult<Product> {
        store.create_product(actor, draft)
    }
    fn update(store: &Store, actor: &Actor, id: i64, draft: &ProductDraft) -> StoreResult<Product> {
        store.update_product(actor, id, draft)
    }
    fn delete(store: &Store, actor: &Actor, id: i64) -> StoreResult<Vec<String>> {
        store.delete_product(actor, id).map(|()| Vec::new())
    }
}
