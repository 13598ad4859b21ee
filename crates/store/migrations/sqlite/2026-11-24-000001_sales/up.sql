-- Sales: pipelines and their stages, lost reasons, the product catalogue, leads, deals with
-- their line items, tags and stage history. Money is integer minor units plus an ISO code.

CREATE TABLE pipelines (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    position INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

-- Stages are archived, never deleted: the stage history and the funnel reports keep them.
CREATE TABLE stages (
    id INTEGER PRIMARY KEY,
    pipeline_id INTEGER NOT NULL REFERENCES pipelines (id),
    name TEXT NOT NULL,
    position INTEGER NOT NULL,
    probability INTEGER NOT NULL CHECK (probability BETWEEN 0 AND 100),
    color TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('open', 'won', 'lost')),
    archived BOOLEAN NOT NULL DEFAULT 0
);
CREATE INDEX stages_pipeline_id ON stages (pipeline_id, position);

CREATE TABLE lost_reasons (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    position INTEGER NOT NULL,
    active BOOLEAN NOT NULL DEFAULT 1
);

CREATE TABLE products (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    sort_name TEXT NOT NULL,
    sku TEXT NOT NULL DEFAULT '',
    unit TEXT NOT NULL DEFAULT '',
    price BIGINT NOT NULL,
    currency TEXT NOT NULL,
    category TEXT NOT NULL DEFAULT '',
    active BOOLEAN NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX products_sort_name ON products (sort_name, id);
CREATE INDEX products_sku ON products (sku);

-- Folded words of product names and SKUs, for suggestions by first letters.
CREATE TABLE product_terms (
    id INTEGER PRIMARY KEY,
    product_id INTEGER NOT NULL REFERENCES products (id) ON DELETE CASCADE,
    term TEXT NOT NULL
);
CREATE INDEX product_terms_term ON product_terms (term, product_id);
CREATE INDEX product_terms_product_id ON product_terms (product_id);

CREATE TABLE deals (
    id INTEGER PRIMARY KEY,
    title TEXT NOT NULL,
    sort_title TEXT NOT NULL,
    pipeline_id INTEGER NOT NULL REFERENCES pipelines (id),
    stage_id INTEGER NOT NULL REFERENCES stages (id),
    -- The stage's kind, kept beside it so lists filter open/won/lost without a join.
    state TEXT NOT NULL CHECK (state IN ('open', 'won', 'lost')),
    amount BIGINT NOT NULL,
    currency TEXT NOT NULL,
    probability INTEGER CHECK (probability BETWEEN 0 AND 100),
    responsible_id INTEGER REFERENCES users (id) ON DELETE SET NULL,
    deal_type TEXT NOT NULL DEFAULT '',
    source TEXT NOT NULL DEFAULT '',
    expected_close DATE,
    contact_id INTEGER REFERENCES contacts (id) ON DELETE SET NULL,
    company_id INTEGER REFERENCES companies (id) ON DELETE SET NULL,
    visible_to_all BOOLEAN NOT NULL DEFAULT 0,
    lost_reason_id INTEGER REFERENCES lost_reasons (id) ON DELETE SET NULL,
    closed_at TIMESTAMP,
    notes TEXT NOT NULL DEFAULT '',
    version BIGINT NOT NULL DEFAULT 1,
    created_by INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
-- A board column: its newest cards, and its count and totals from the index alone (open
-- deals have no close time; closed columns count recent closes only, by close time).
CREATE INDEX deals_stage_updated ON deals (stage_id, updated_at, id);
CREATE INDEX deals_stage_totals ON deals (stage_id, closed_at, currency, amount, responsible_id, visible_to_all);
CREATE INDEX deals_pipeline_id ON deals (pipeline_id, updated_at);
CREATE INDEX deals_updated_at ON deals (updated_at, id);
CREATE INDEX deals_created_at ON deals (created_at, id);
CREATE INDEX deals_sort_title ON deals (sort_title, id);
CREATE INDEX deals_amount ON deals (amount, id);
CREATE INDEX deals_expected_close ON deals (expected_close, id);
CREATE INDEX deals_responsible_id ON deals (responsible_id, updated_at);
CREATE INDEX deals_state_closed_at ON deals (state, closed_at);
CREATE INDEX deals_contact_id ON deals (contact_id, state);
CREATE INDEX deals_company_id ON deals (company_id, state);
CREATE INDEX deals_lost_reason_id ON deals (lost_reason_id);
CREATE INDEX deals_created_by ON deals (created_by);

-- Per-stage counts and sums of deals, kept by triggers so that the board's headline figures
-- cost a few rows whatever the number of deals. One row per stage, close day (0001-01-01 for
-- open deals), currency, responsible (0 for none) and visibility, as the scope filters them.
CREATE TABLE deal_totals (
    stage_id INTEGER NOT NULL,
    closed_on DATE NOT NULL,
    currency TEXT NOT NULL,
    responsible_key INTEGER NOT NULL,
    visible_to_all BOOLEAN NOT NULL,
    deals BIGINT NOT NULL,
    amount BIGINT NOT NULL,
    PRIMARY KEY (stage_id, closed_on, currency, responsible_key, visible_to_all)
);

CREATE TRIGGER deal_totals_insert AFTER INSERT ON deals BEGIN
    INSERT INTO deal_totals (stage_id, closed_on, currency, responsible_key, visible_to_all, deals, amount)
    VALUES (NEW.stage_id, COALESCE(date(NEW.closed_at), '0001-01-01'), NEW.currency,
            COALESCE(NEW.responsible_id, 0), NEW.visible_to_all, 1, NEW.amount)
    ON CONFLICT (stage_id, closed_on, currency, responsible_key, visible_to_all)
    DO UPDATE SET deals = deals + 1, amount = amount + excluded.amount;
END;

CREATE TRIGGER deal_totals_delete AFTER DELETE ON deals BEGIN
    UPDATE deal_totals SET deals = deals - 1, amount = amount - OLD.amount
    WHERE stage_id = OLD.stage_id AND closed_on = COALESCE(date(OLD.closed_at), '0001-01-01')
      AND currency = OLD.currency AND responsible_key = COALESCE(OLD.responsible_id, 0)
      AND visible_to_all = OLD.visible_to_all;
END;

CREATE TRIGGER deal_totals_update
AFTER UPDATE OF stage_id, closed_at, currency, responsible_id, visible_to_all, amount ON deals BEGIN
    UPDATE deal_totals SET deals = deals - 1, amount = amount - OLD.amount
    WHERE stage_id = OLD.stage_id AND closed_on = COALESCE(date(OLD.closed_at), '0001-01-01')
      AND currency = OLD.currency AND responsible_key = COALESCE(OLD.responsible_id, 0)
      AND visible_to_all = OLD.visible_to_all;
    INSERT INTO deal_totals (stage_id, closed_on, currency, responsible_key, visible_to_all, deals, amount)
    VALUES (NEW.stage_id, COALESCE(date(NEW.closed_at), '0001-01-01'), NEW.currency,
            COALESCE(NEW.responsible_id, 0), NEW.visible_to_all, 1, NEW.amount)
    ON CONFLICT (stage_id, closed_on, currency, responsible_key, visible_to_all)
    DO UPDATE SET deals = deals + 1, amount = amount + excluded.amount;
END;

CREATE TABLE deal_lines (
    id INTEGER PRIMARY KEY,
    deal_id INTEGER NOT NULL REFERENCES deals (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    product_id INTEGER REFERENCES products (id) ON DELETE SET NULL,
    name TEXT NOT NULL,
    quantity_milli BIGINT NOT NULL CHECK (quantity_milli > 0),
    unit_price BIGINT NOT NULL CHECK (unit_price >= 0),
    discount_bp BIGINT NOT NULL CHECK (discount_bp BETWEEN 0 AND 10000),
    total BIGINT NOT NULL
);
CREATE INDEX deal_lines_deal_id ON deal_lines (deal_id, position);
CREATE INDEX deal_lines_product_id ON deal_lines (product_id);

CREATE TABLE deal_tags (
    id INTEGER PRIMARY KEY,
    deal_id INTEGER NOT NULL REFERENCES deals (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    name_lower TEXT NOT NULL
);
CREATE INDEX deal_tags_deal_id ON deal_tags (deal_id);
CREATE INDEX deal_tags_name_lower ON deal_tags (name_lower, deal_id);

CREATE TABLE deal_stage_changes (
    id INTEGER PRIMARY KEY,
    deal_id INTEGER NOT NULL REFERENCES deals (id) ON DELETE CASCADE,
    from_stage_id INTEGER REFERENCES stages (id),
    to_stage_id INTEGER NOT NULL REFERENCES stages (id),
    user_id INTEGER REFERENCES users (id) ON DELETE SET NULL,
    at TIMESTAMP NOT NULL
);
CREATE INDEX deal_stage_changes_deal_id ON deal_stage_changes (deal_id, at);
CREATE INDEX deal_stage_changes_from_stage_id ON deal_stage_changes (from_stage_id);
CREATE INDEX deal_stage_changes_to_stage_id ON deal_stage_changes (to_stage_id, at);
CREATE INDEX deal_stage_changes_user_id ON deal_stage_changes (user_id);

CREATE TABLE leads (
    id INTEGER PRIMARY KEY,
    title TEXT NOT NULL,
    source TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('new', 'in_progress', 'converted', 'junk')),
    name TEXT NOT NULL DEFAULT '',
    company_name TEXT NOT NULL DEFAULT '',
    phone TEXT NOT NULL DEFAULT '',
    phone_e164 TEXT,
    email TEXT NOT NULL DEFAULT '',
    email_lower TEXT,
    message TEXT NOT NULL DEFAULT '',
    utm_source TEXT NOT NULL DEFAULT '',
    utm_medium TEXT NOT NULL DEFAULT '',
    utm_campaign TEXT NOT NULL DEFAULT '',
    utm_term TEXT NOT NULL DEFAULT '',
    utm_content TEXT NOT NULL DEFAULT '',
    page_url TEXT NOT NULL DEFAULT '',
    responsible_id INTEGER REFERENCES users (id) ON DELETE SET NULL,
    contact_id INTEGER REFERENCES contacts (id) ON DELETE SET NULL,
    company_id INTEGER REFERENCES companies (id) ON DELETE SET NULL,
    deal_id INTEGER REFERENCES deals (id) ON DELETE SET NULL,
    converted_at TIMESTAMP,
    created_by INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX leads_created_at ON leads (created_at, id);
CREATE INDEX leads_status ON leads (status, created_at, id);
CREATE INDEX leads_responsible_id ON leads (responsible_id, created_at);
CREATE INDEX leads_phone_e164 ON leads (phone_e164);
CREATE INDEX leads_email_lower ON leads (email_lower);
CREATE INDEX leads_contact_id ON leads (contact_id);
CREATE INDEX leads_company_id ON leads (company_id);
CREATE INDEX leads_deal_id ON leads (deal_id);
CREATE INDEX leads_created_by ON leads (created_by);

-- What a new installation sells with until the administrator shapes its own.
INSERT INTO pipelines (id, name, position, created_at, updated_at)
VALUES (1, 'Sales', 0, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP);
INSERT INTO stages (pipeline_id, name, position, probability, color, kind) VALUES
    (1, 'New', 0, 10, '#64748b', 'open'),
    (1, 'Qualified', 1, 30, '#2563eb', 'open'),
    (1, 'Proposal', 2, 60, '#7c3aed', 'open'),
    (1, 'Negotiation', 3, 80, '#d97706', 'open'),
    (1, 'Won', 4, 100, '#16a34a', 'won'),
    (1, 'Lost', 5, 0, '#dc2626', 'lost');
INSERT INTO lost_reasons (name, position) VALUES
    ('Too expensive', 0),
    ('Chose a competitor', 1),
    ('No budget', 2),
    ('No answer', 3),
    ('Not a fit', 4);
