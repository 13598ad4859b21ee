DROP TABLE jobs;
DROP TABLE notifications;
DROP TABLE task_comments;
DROP TABLE tasks;
DROP TABLE attachments;
DROP TABLE activities;
DROP TABLE department_members;
DROP TABLE departments;
ALTER TABLE users DROP COLUMN time_zone;
