-- Webhooks: subscriptions (an address, the events it wants, a signing secret) and the outbox
-- of deliveries, written in the same transaction as the change they announce and sent by the
-- worker under a lease, like the job queue.

CREATE TABLE webhooks (
    id INTEGER PRIMARY KEY,
    url TEXT NOT NULL,
    -- "*" or event names separated by commas.
    events TEXT NOT NULL,
    active BOOLEAN NOT NULL DEFAULT 1,
    allow_private_network BOOLEAN NOT NULL DEFAULT 0,
    description TEXT NOT NULL DEFAULT '',
    secret TEXT NOT NULL,
    created_by INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX webhooks_created_by ON webhooks (created_by);

CREATE TABLE webhook_deliveries (
    id INTEGER PRIMARY KEY,
    webhook_id INTEGER NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    event TEXT NOT NULL,
    data TEXT NOT NULL,
    occurred_at TIMESTAMP NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'delivered', 'failed', 'refused')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMP,
    locked_by TEXT,
    locked_until TIMESTAMP,
    last_attempt_at TIMESTAMP,
    http_status INTEGER,
    duration_ms BIGINT,
    error TEXT NOT NULL DEFAULT '',
    response TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL
);
-- A subscription's latest deliveries; the worker's due ones; the clean-up's settled ones.
CREATE INDEX webhook_deliveries_webhook_id ON webhook_deliveries (webhook_id, id);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_settled ON webhook_deliveries (created_at) WHERE status <> 'pending';
