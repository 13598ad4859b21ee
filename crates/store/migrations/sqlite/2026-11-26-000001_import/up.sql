-- Imports of contacts and companies from files: the file's settings, progress committed with
-- each batch (so a killed import resumes where it stopped), counts, and each failed row.
-- Records an import created carry its id, so a cancelled import can be taken back whole.

CREATE TABLE imports (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('contacts', 'companies')),
    status TEXT NOT NULL CHECK (status IN ('draft', 'queued', 'running', 'done', 'failed', 'cancelled')),
    file_key TEXT NOT NULL,
    file_name TEXT NOT NULL,
    file_size INTEGER NOT NULL,
    settings TEXT NOT NULL,
    rows_total INTEGER,
    rows_done INTEGER NOT NULL DEFAULT 0,
    last_row INTEGER NOT NULL DEFAULT 0,
    created INTEGER NOT NULL DEFAULT 0,
    updated INTEGER NOT NULL DEFAULT 0,
    merged INTEGER NOT NULL DEFAULT 0,
    skipped INTEGER NOT NULL DEFAULT 0,
    failed INTEGER NOT NULL DEFAULT 0,
    companies_created INTEGER NOT NULL DEFAULT 0,
    error TEXT NOT NULL DEFAULT '',
    created_by INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at TIMESTAMP NOT NULL,
    started_at TIMESTAMP,
    finished_at TIMESTAMP,
    -- The worker running it, and until when: a killed worker's import is resumed by another.
    locked_by TEXT NOT NULL DEFAULT '',
    locked_until TIMESTAMP
);
CREATE INDEX imports_status ON imports (status, id);
CREATE INDEX imports_created_by ON imports (created_by);
CREATE INDEX imports_created_at ON imports (created_at, id);

CREATE TABLE import_failures (
    id INTEGER PRIMARY KEY,
    import_id INTEGER NOT NULL REFERENCES imports (id) ON DELETE CASCADE,
    row_number INTEGER NOT NULL,
    column_name TEXT NOT NULL,
    reason TEXT NOT NULL
);
CREATE INDEX import_failures_import_id ON import_failures (import_id, row_number);

-- The mapping last used for files with the same header row, offered again next time.
CREATE TABLE import_mappings (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    headers_hash TEXT NOT NULL,
    mapping TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (kind, headers_hash)
);

-- Provenance, not a foreign key: imports are never deleted, and the mark must not stop a
-- contact or company from being deleted.
ALTER TABLE contacts ADD COLUMN import_id INTEGER;
ALTER TABLE companies ADD COLUMN import_id INTEGER;
CREATE INDEX contacts_import_id ON contacts (import_id) WHERE import_id IS NOT NULL;
CREATE INDEX companies_import_id ON companies (import_id) WHERE import_id IS NOT NULL;
CREATE INDEX companies_tax_id ON companies (tax_id) WHERE tax_id <> '';
