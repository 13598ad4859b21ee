DROP INDEX products_import_id;
DROP INDEX deals_import_id;
DROP INDEX leads_import_id;
ALTER TABLE products DROP COLUMN import_id;
ALTER TABLE deals DROP COLUMN import_id;
ALTER TABLE leads DROP COLUMN import_id;
DELETE FROM imports WHERE kind NOT IN ('contacts', 'companies');
ALTER TABLE imports DROP CONSTRAINT imports_kind_check;
ALTER TABLE imports ADD CONSTRAINT imports_kind_check CHECK (kind IN ('contacts', 'companies'));
