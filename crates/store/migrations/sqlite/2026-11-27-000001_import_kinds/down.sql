DROP INDEX products_import_id;
DROP INDEX deals_import_id;
DROP INDEX leads_import_id;
ALTER TABLE products DROP COLUMN import_id;
ALTER TABLE deals DROP COLUMN import_id;
ALTER TABLE leads DROP COLUMN import_id;
CREATE TABLE imports_new (
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
INSERT INTO imports_new SELECT * FROM imports WHERE kind IN ('contacts', 'companies');
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
