-- Website lead forms: what a form shows, who gets its leads (one user, or a department's
-- active members in turn, the turn kept here so that every app node agrees), which sites may
-- post to it, and the hash of its server-to-server token.

CREATE TABLE lead_forms (
    id INTEGER PRIMARY KEY,
    public_key TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    -- JSON: [{"field": "phone", "required": true}, ...]
    fields TEXT NOT NULL,
    pipeline_id INTEGER REFERENCES pipelines (id) ON DELETE SET NULL,
    responsible_id INTEGER REFERENCES users (id) ON DELETE SET NULL,
    department_id INTEGER REFERENCES departments (id) ON DELETE SET NULL,
    last_assigned_id INTEGER REFERENCES users (id) ON DELETE SET NULL,
    -- One origin a line.
    origins TEXT NOT NULL DEFAULT '',
    redirect_url TEXT NOT NULL DEFAULT '',
    token_hash TEXT NOT NULL,
    active BOOLEAN NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    CHECK (responsible_id IS NULL OR department_id IS NULL)
);
CREATE INDEX lead_forms_pipeline_id ON lead_forms (pipeline_id);
CREATE INDEX lead_forms_responsible_id ON lead_forms (responsible_id);
CREATE INDEX lead_forms_department_id ON lead_forms (department_id);
CREATE INDEX lead_forms_last_assigned_id ON lead_forms (last_assigned_id);

-- The leads a form brought in, with the pipeline their deal goes to when converted (kept
-- beside the lead so that a later change of the form leaves earlier leads as they came).
CREATE TABLE lead_form_entries (
    lead_id INTEGER PRIMARY KEY REFERENCES leads (id) ON DELETE CASCADE,
    form_id INTEGER REFERENCES lead_forms (id) ON DELETE SET NULL,
    pipeline_id INTEGER REFERENCES pipelines (id) ON DELETE SET NULL,
    created_at TIMESTAMP NOT NULL
) WITHOUT ROWID;
CREATE INDEX lead_form_entries_form_id ON lead_form_entries (form_id, created_at);
CREATE INDEX lead_form_entries_pipeline_id ON lead_form_entries (pipeline_id);
