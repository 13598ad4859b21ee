-- The foundation: staff, sessions, API tokens, companies, contacts, their phones, e-mails,
-- tags and search terms, and the audit log. Times are UTC.

CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    email TEXT NOT NULL,
    email_lower TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('admin', 'manager')),
    password_hash TEXT NOT NULL,
    active BOOLEAN NOT NULL DEFAULT 1,
    locale TEXT NOT NULL DEFAULT 'en',
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE sessions (
    id INTEGER PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf_token TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
CREATE INDEX sessions_user_id ON sessions (user_id);
CREATE INDEX sessions_expires_at ON sessions (expires_at);

CREATE TABLE api_tokens (
    id INTEGER PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX api_tokens_user_id ON api_tokens (user_id);

CREATE TABLE companies (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    sort_name TEXT NOT NULL,
    industry TEXT NOT NULL DEFAULT '',
    website TEXT NOT NULL DEFAULT '',
    address TEXT NOT NULL DEFAULT '',
    tax_id TEXT NOT NULL DEFAULT '',
    bank_details TEXT NOT NULL DEFAULT '',
    notes TEXT NOT NULL DEFAULT '',
    responsible_id INTEGER REFERENCES users (id) ON DELETE SET NULL,
    visible_to_all BOOLEAN NOT NULL DEFAULT 0,
    created_by INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX companies_sort_name ON companies (sort_name, id);
CREATE INDEX companies_created_at ON companies (created_at, id);
CREATE INDEX companies_updated_at ON companies (updated_at, id);
CREATE INDEX companies_responsible_id ON companies (responsible_id, sort_name);
CREATE INDEX companies_created_by ON companies (created_by);

CREATE TABLE contacts (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    sort_name TEXT NOT NULL,
    position TEXT NOT NULL DEFAULT '',
    company_id INTEGER REFERENCES companies (id) ON DELETE SET NULL,
    birthday DATE,
    address TEXT NOT NULL DEFAULT '',
    messengers TEXT NOT NULL DEFAULT '',
    notes TEXT NOT NULL DEFAULT '',
    responsible_id INTEGER REFERENCES users (id) ON DELETE SET NULL,
    visible_to_all BOOLEAN NOT NULL DEFAULT 0,
    created_by INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX contacts_sort_name ON contacts (sort_name, id);
CREATE INDEX contacts_created_at ON contacts (created_at, id);
CREATE INDEX contacts_updated_at ON contacts (updated_at, id);
CREATE INDEX contacts_responsible_id ON contacts (responsible_id, sort_name);
CREATE INDEX contacts_company_id ON contacts (company_id);
CREATE INDEX contacts_created_by ON contacts (created_by);

-- Phones, e-mails, tags and search terms belong to exactly one contact or one company.
CREATE TABLE phones (
    id INTEGER PRIMARY KEY,
    contact_id INTEGER REFERENCES contacts (id) ON DELETE CASCADE,
    company_id INTEGER REFERENCES companies (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    raw TEXT NOT NULL,
    e164 TEXT NOT NULL,
    digits_rev TEXT NOT NULL,
    CHECK ((contact_id IS NULL) <> (company_id IS NULL))
);
CREATE INDEX phones_contact_id ON phones (contact_id);
CREATE INDEX phones_company_id ON phones (company_id);
CREATE INDEX phones_e164 ON phones (e164);
-- Suffix search walks one kind's numbers only: partial indexes per owner kind.
CREATE INDEX phones_contact_digits_rev ON phones (digits_rev) WHERE contact_id IS NOT NULL;
CREATE INDEX phones_company_digits_rev ON phones (digits_rev) WHERE company_id IS NOT NULL;

CREATE TABLE emails (
    id INTEGER PRIMARY KEY,
    contact_id INTEGER REFERENCES contacts (id) ON DELETE CASCADE,
    company_id INTEGER REFERENCES companies (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    raw TEXT NOT NULL,
    lower TEXT NOT NULL,
    CHECK ((contact_id IS NULL) <> (company_id IS NULL))
);
CREATE INDEX emails_contact_id ON emails (contact_id);
CREATE INDEX emails_company_id ON emails (company_id);
CREATE INDEX emails_lower ON emails (lower);
CREATE INDEX emails_contact_lower ON emails (lower) WHERE contact_id IS NOT NULL;
CREATE INDEX emails_company_lower ON emails (lower) WHERE company_id IS NOT NULL;

CREATE TABLE tags (
    id INTEGER PRIMARY KEY,
    contact_id INTEGER REFERENCES contacts (id) ON DELETE CASCADE,
    company_id INTEGER REFERENCES companies (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    name_lower TEXT NOT NULL,
    CHECK ((contact_id IS NULL) <> (company_id IS NULL))
);
CREATE INDEX tags_contact_id ON tags (contact_id);
CREATE INDEX tags_company_id ON tags (company_id);
CREATE INDEX tags_name_lower ON tags (name_lower);

-- Folded words of names, for "first letters of any word" search on any backend.
CREATE TABLE search_terms (
    id INTEGER PRIMARY KEY,
    contact_id INTEGER REFERENCES contacts (id) ON DELETE CASCADE,
    company_id INTEGER REFERENCES companies (id) ON DELETE CASCADE,
    term TEXT NOT NULL,
    CHECK ((contact_id IS NULL) <> (company_id IS NULL))
);
-- One index per owner kind: a search for companies must not walk every contact's words.
CREATE INDEX search_terms_contact_term ON search_terms (term) WHERE contact_id IS NOT NULL;
CREATE INDEX search_terms_company_term ON search_terms (term) WHERE company_id IS NOT NULL;
CREATE INDEX search_terms_contact_id ON search_terms (contact_id);
CREATE INDEX search_terms_company_id ON search_terms (company_id);

CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY,
    at TIMESTAMP NOT NULL,
    user_id INTEGER REFERENCES users (id) ON DELETE SET NULL,
    action TEXT NOT NULL,
    object_kind TEXT NOT NULL,
    object_id INTEGER NOT NULL,
    changes TEXT NOT NULL
);
CREATE INDEX audit_log_object ON audit_log (object_kind, object_id);
CREATE INDEX audit_log_user_id ON audit_log (user_id);
CREATE INDEX audit_log_at ON audit_log (at);
