DROP INDEX deals_pipeline_state_amount;
DROP INDEX tasks_assignee_done_id;
DROP INDEX tasks_assignee_open_id;
