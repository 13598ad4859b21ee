-- Activities and their attachments, tasks and their comments, notifications, the job queue,
-- departments (whose heads see their people's tasks) and each user's time zone.

ALTER TABLE users ADD COLUMN time_zone TEXT NOT NULL DEFAULT '';

CREATE TABLE departments (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    head_id INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX departments_head_id ON departments (head_id);

CREATE TABLE department_members (
    user_id INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    department_id INTEGER NOT NULL REFERENCES departments (id) ON DELETE CASCADE
) WITHOUT ROWID;
CREATE INDEX department_members_department_id ON department_members (department_id);

-- An activity lives on its home card and is copied onto the cards above it (a deal's call is
-- also on its contact's and company's timelines), so every timeline is one index range.
CREATE TABLE activities (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('call', 'meeting', 'note', 'email', 'file', 'event')),
    occurred_at TIMESTAMP NOT NULL,
    ends_at TIMESTAMP,
    direction TEXT NOT NULL DEFAULT '',
    duration_s INTEGER,
    result TEXT NOT NULL DEFAULT '',
    recording_url TEXT NOT NULL DEFAULT '',
    subject TEXT NOT NULL DEFAULT '',
    body TEXT NOT NULL DEFAULT '',
    event TEXT NOT NULL DEFAULT '',
    data TEXT NOT NULL DEFAULT '{}',
    home TEXT NOT NULL CHECK (home IN ('contact', 'company', 'deal', 'lead')),
    contact_id INTEGER REFERENCES contacts (id) ON DELETE SET NULL,
    company_id INTEGER REFERENCES companies (id) ON DELETE SET NULL,
    deal_id INTEGER REFERENCES deals (id) ON DELETE SET NULL,
    lead_id INTEGER REFERENCES leads (id) ON DELETE SET NULL,
    author_id INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX activities_contact ON activities (contact_id, occurred_at, id);
CREATE INDEX activities_company ON activities (company_id, occurred_at, id);
CREATE INDEX activities_deal ON activities (deal_id, occurred_at, id);
CREATE INDEX activities_lead ON activities (lead_id, occurred_at, id);
CREATE INDEX activities_author ON activities (author_id, kind, occurred_at);

CREATE TABLE attachments (
    id INTEGER PRIMARY KEY,
    activity_id INTEGER NOT NULL REFERENCES activities (id) ON DELETE CASCADE,
    file_name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    storage_key TEXT NOT NULL UNIQUE,
    uploaded_by INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX attachments_activity_id ON attachments (activity_id);
CREATE INDEX attachments_uploaded_by ON attachments (uploaded_by);

CREATE TABLE tasks (
    id INTEGER PRIMARY KEY,
    title TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    assignee_id INTEGER REFERENCES users (id) ON DELETE SET NULL,
    author_id INTEGER REFERENCES users (id) ON DELETE SET NULL,
    due_at TIMESTAMP,
    remind_before_min INTEGER,
    remind_at TIMESTAMP,
    repeat_days INTEGER,
    repeat_until DATE,
    contact_id INTEGER REFERENCES contacts (id) ON DELETE SET NULL,
    company_id INTEGER REFERENCES companies (id) ON DELETE SET NULL,
    deal_id INTEGER REFERENCES deals (id) ON DELETE SET NULL,
    lead_id INTEGER REFERENCES leads (id) ON DELETE SET NULL,
    done_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
-- "My tasks" and the calendar read one user's open tasks by deadline.
CREATE INDEX tasks_assignee_open ON tasks (assignee_id, due_at, id) WHERE done_at IS NULL;
CREATE INDEX tasks_assignee_due ON tasks (assignee_id, due_at);
CREATE INDEX tasks_author_id ON tasks (author_id);
CREATE INDEX tasks_contact_id ON tasks (contact_id);
CREATE INDEX tasks_company_id ON tasks (company_id);
CREATE INDEX tasks_deal_id ON tasks (deal_id);
CREATE INDEX tasks_lead_id ON tasks (lead_id);

CREATE TABLE task_comments (
    id INTEGER PRIMARY KEY,
    task_id INTEGER NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    author_id INTEGER REFERENCES users (id) ON DELETE SET NULL,
    body TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX task_comments_task_id ON task_comments (task_id, id);
CREATE INDEX task_comments_author_id ON task_comments (author_id);

CREATE TABLE notifications (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    args TEXT NOT NULL DEFAULT '{}',
    link TEXT NOT NULL DEFAULT '',
    once_key TEXT UNIQUE,
    created_at TIMESTAMP NOT NULL,
    read_at TIMESTAMP
);
CREATE INDEX notifications_user_id ON notifications (user_id, id);
CREATE INDEX notifications_unread ON notifications (user_id) WHERE read_at IS NULL;

-- The job queue: a worker claims due rows for a lease; finishing marks them done in the same
-- transaction as their effects. A key makes a periodic job unique per period.
CREATE TABLE jobs (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    run_at TIMESTAMP NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT NOT NULL DEFAULT '',
    locked_by TEXT,
    locked_until TIMESTAMP,
    done_at TIMESTAMP,
    once_key TEXT UNIQUE,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX jobs_due ON jobs (run_at) WHERE done_at IS NULL;
CREATE INDEX jobs_done_at ON jobs (done_at) WHERE done_at IS NOT NULL;
