-- The task lists of the API read one assignee's open (or done) tasks by id: a page is the
-- index's first rows instead of every task of the assignee sorted.
CREATE INDEX tasks_assignee_open_id ON tasks (assignee_id, id) WHERE done_at IS NULL;
CREATE INDEX tasks_assignee_done_id ON tasks (assignee_id, id) WHERE done_at IS NOT NULL;
