-- Imports of companies, leads, deals and products: the kinds an import may be, and the mark on
-- the leads, deals and products an import created, so that undoing it takes them back.
ALTER TABLE imports DROP CONSTRAINT imports_kind_check;
ALTER TABLE imports ADD CONSTRAINT imports_kind_check
    CHECK (kind IN ('contacts', 'companies', 'leads', 'deals', 'products'));

-- Provenance, not foreign keys (as on contacts and companies).
ALTER TABLE leads ADD COLUMN import_id BIGINT;
ALTER TABLE deals ADD COLUMN import_id BIGINT;
ALTER TABLE products ADD COLUMN import_id BIGINT;
CREATE INDEX leads_import_id ON leads (import_id) WHERE import_id IS NOT NULL;
CREATE INDEX deals_import_id ON deals (import_id) WHERE import_id IS NOT NULL;
CREATE INDEX products_import_id ON products (import_id) WHERE import_id IS NOT NULL;
