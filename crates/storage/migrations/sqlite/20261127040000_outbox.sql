-- The transactional outbox: messages to the world (the Sears shipment update, line cancellations, customer
-- e-mails), inserted in the same transaction as the change that causes them and delivered by workers.
-- Instants are fixed-width UTC text as in the initial migration.
CREATE TABLE outbox (
    message_id      TEXT PRIMARY KEY,
    account_id      TEXT NOT NULL,
    store_id        TEXT NOT NULL,
    order_id        TEXT NOT NULL REFERENCES orders (order_id),
    -- sears_shipment | sears_line_cancel | shipment_email | delivery_email (wharf_domain::outbox::MessageKind)
    kind            TEXT NOT NULL,
    state           TEXT NOT NULL CHECK (state IN ('pending', 'sent', 'delivered', 'failed', 'needs_manual_action')),
    -- Never the same message twice (e.g. one Sears shipment update per order: 'sears_shipment:ord_…').
    dedupe_key      TEXT NOT NULL UNIQUE,
    payload         TEXT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    last_error      TEXT,
    -- For Sears feeds: the document-id whose processing report decides the outcome.
    external_id     TEXT,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
) STRICT;
CREATE INDEX outbox_due ON outbox (kind, next_attempt_at) WHERE state IN ('pending', 'sent');
CREATE INDEX outbox_by_order ON outbox (order_id);
CREATE INDEX outbox_by_external_id ON outbox (external_id) WHERE external_id IS NOT NULL;
