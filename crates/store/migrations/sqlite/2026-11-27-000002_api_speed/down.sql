DROP INDEX deals_expected_close_desc;
DROP INDEX deals_expected_close_asc;
CREATE INDEX deals_expected_close ON deals (expected_close, id);
