-- Telling the world (issue 6): what the outbox workers keep beside the outbox table.

-- A store's own customer e-mail templates (minijinja); without one the built-in template applies.
CREATE TABLE email_templates (
    store_id    TEXT NOT NULL REFERENCES stores (store_id) ON DELETE CASCADE,
    -- shipment_email | delivery_email (wharf_domain::outbox::MessageKind)
    kind        TEXT NOT NULL CHECK (kind IN ('shipment_email', 'delivery_email')),
    account_id  TEXT NOT NULL,
    subject     TEXT NOT NULL,
    html        TEXT NOT NULL,
    text        TEXT NOT NULL,
    modify_date TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (store_id, kind),
    FOREIGN KEY (account_id, store_id) REFERENCES stores (account_id, store_id)
);

-- Customer cancellation and return requests read from Sears on every import, one row per request line.
CREATE TABLE customer_requests (
    store_id          TEXT NOT NULL REFERENCES stores (store_id) ON DELETE CASCADE,
    kind              TEXT NOT NULL CHECK (kind IN ('cancellation', 'return')),
    request_id        TEXT NOT NULL,
    line_number       INTEGER NOT NULL,
    account_id        TEXT NOT NULL,
    order_id          TEXT REFERENCES orders (order_id),
    po_number         TEXT NOT NULL,
    po_date           DATE NOT NULL,
    quantity          INTEGER NOT NULL,
    status            TEXT NOT NULL,
    reason            TEXT NOT NULL,
    request_date      DATE,
    customer_comments TEXT,
    first_seen        TIMESTAMPTZ NOT NULL,
    last_seen         TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (store_id, kind, request_id, line_number)
);
CREATE INDEX customer_requests_by_account ON customer_requests (account_id, kind, status);
CREATE INDEX customer_requests_by_order ON customer_requests (order_id) WHERE order_id IS NOT NULL;

-- Alert conditions already e-mailed, so an alert is not repeated every few minutes.
CREATE TABLE alert_records (
    account_id   TEXT NOT NULL REFERENCES accounts (account_id),
    alert_key    TEXT NOT NULL,
    first_seen   TIMESTAMPTZ NOT NULL,
    last_sent_at TIMESTAMPTZ,
    detail       TEXT NOT NULL,
    PRIMARY KEY (account_id, alert_key)
);

-- Workers look up the messages of one Sears feed (its document-id) per store, and an order's messages.
CREATE INDEX outbox_by_store_due ON outbox (store_id, kind, next_attempt_at) WHERE state IN ('pending', 'sent');
CREATE INDEX outbox_by_account_state ON outbox (account_id, state, updated_at);
