DROP INDEX deals_pipeline_state_amount;
DROP INDEX tasks_assignee_done_id;
DROP INDEX tasks_assignee_open_id;
DROP INDEX tags_company_name;
DROP INDEX tags_contact_name;
CREATE INDEX tags_name_lower ON tags (name_lower);
