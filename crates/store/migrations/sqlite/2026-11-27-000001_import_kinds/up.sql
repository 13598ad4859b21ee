-- Imports of companies, leads, deals and products: the kinds an import may be, and the mark on
-- the leads, deals and products an import created, so that undoing it takes them back.
-- SQLite cannot change a CHECK: the two tables are rebuilt with their rows.
CREATE TABLE imports_new (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('contacts', 'companies', 'leads', 'deals', 'products')),
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
INSERT INTO imports_new SELECT * FROM imports;
CREATE TABLE import_failures_new (
    id INTEGER PRIMARY KEY,
    import_id INTEGER NOT NULL REFERENCES imports_new (id) ON DELETE CASCADE,
    row_number INTEGER NOT NULL,
    column_name TEXT NOT NULL,
    reason TEXT NOT NULL
);
INSERT INTO import_failures_new SELECT * FROM import_failures WHERE import_id IN (SELECT id FROM imports_new);
DROP TABLE import_failures;
DROP TABLE imports;
-- Renaming rewrites import_failures_new's reference to the new name.
ALTER TABLE imports_new RENAME TO imports;
ALTER TABLE import_failures_new RENAME TO import_failures;
CREATE INDEX imports_status ON imports (status, id);
CREATE INDEX imports_created_by ON imports (created_by);
CREATE INDEX imports_created_at ON imports (created_at, id);
CREATE INDEX import_failures_import_id ON import_failures (import_id, row_number);

-- Provenance, not foreign keys (as on contacts and companies).
ALTER TABLE leads ADD COLUMN import_id INTEGER;
ALTER TABLE deals ADD COLUMN import_id INTEGER;
ALTER TABLE products ADD COLUMN import_id INTEGER;
CREATE INDEX leads_import_id ON leads (import_id) WHERE import_id IS NOT NULL;
CREATE INDEX deals_import_id ON deals (import_id) WHERE import_id IS NOT NULL;
CREATE INDEX products_import_id ON products (import_id) WHERE import_id IS NOT NULL;
