DROP TABLE lead_form_entries;
DROP TABLE lead_forms;
