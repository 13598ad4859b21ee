-- The task lists of the API read one assignee's open (or done) tasks by id: a page is the
-- index's first rows instead of every task of the assignee sorted.
CREATE INDEX tasks_assignee_open_id ON tasks (assignee_id, id) WHERE done_at IS NULL;
CREATE INDEX tasks_assignee_done_id ON tasks (assignee_id, id) WHERE done_at IS NOT NULL;

-- A pipeline's open (won, lost) deals by amount, either direction, read in order from the
-- index instead of every open deal sorted.
CREATE INDEX deals_pipeline_state_amount ON deals (pipeline_id, state, amount, id);
