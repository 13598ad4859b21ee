-- Tag filters read the tagged ids from an index alone, one per owner kind, so a contacts list
-- does not pass over the companies' tags. Together they replace the plain name index: each tag
-- row still goes into one name index, so imports write no more than before.
DROP INDEX tags_name_lower;
CREATE INDEX tags_contact_name ON tags (name_lower, contact_id) WHERE contact_id IS NOT NULL;
CREATE INDEX tags_company_name ON tags (name_lower, company_id) WHERE company_id IS NOT NULL;

-- The task lists of the API read one assignee's open (or done) tasks by id: a page is the
-- index's first rows instead of every task of the assignee sorted.
CREATE INDEX tasks_assignee_open_id ON tasks (assignee_id, id) WHERE done_at IS NULL;
CREATE INDEX tasks_assignee_done_id ON tasks (assignee_id, id) WHERE done_at IS NOT NULL;

-- A pipeline's open (won, lost) deals by amount, either direction, read in order from the
-- index instead of every open deal sorted.
CREATE INDEX deals_pipeline_state_amount ON deals (pipeline_id, state, amount, id);
