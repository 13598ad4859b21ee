DROP INDEX companies_tax_id;
DROP INDEX companies_import_id;
DROP INDEX contacts_import_id;
ALTER TABLE companies DROP COLUMN import_id;
ALTER TABLE contacts DROP COLUMN import_id;
DROP TABLE import_mappings;
DROP TABLE import_failures;
DROP TABLE imports;
