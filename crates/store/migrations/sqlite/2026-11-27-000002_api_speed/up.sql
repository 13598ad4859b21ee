-- Deal lists sorted by expected close date put undated deals last in either direction
-- ("expected_close IS NULL" leads the order), which the plain (expected_close, id) index
-- cannot serve: one index per direction lets a page read a few rows instead of sorting
-- every visible deal.
DROP INDEX deals_expected_close;
CREATE INDEX deals_expected_close_asc ON deals ((expected_close IS NULL), expected_close, id);
CREATE INDEX deals_expected_close_desc ON deals ((expected_close IS NULL), expected_close DESC, id DESC);
