-- Batches: orders whose labels are bought together, each order's result in its batch, and print settings.
CREATE TABLE batches (
    batch_id        TEXT PRIMARY KEY,
    account_id      TEXT NOT NULL REFERENCES accounts (account_id),
    -- 1, 2, 3... within the account, for people ("Batch #3").
    batch_number    INTEGER NOT NULL,
    state           TEXT NOT NULL CHECK (state IN ('open', 'processing', 'processed', 'archived')),
    -- The store the batch was limited to, if any.
    store_id        TEXT,
    created_at      TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL,
    processed_at    TIMESTAMPTZ,
    archived_at     TIMESTAMPTZ,
    -- The processor buying the labels and the end of its lease (extended while it works; a crashed
    -- processor's lease runs out and the next one takes over).
    processor       TEXT,
    processor_until TIMESTAMPTZ,
    UNIQUE (account_id, batch_number)
);
CREATE INDEX batches_by_account ON batches (account_id, created_at);

CREATE TABLE batch_orders (
    batch_id    TEXT NOT NULL REFERENCES batches (batch_id) ON DELETE CASCADE,
    order_id    TEXT NOT NULL REFERENCES orders (order_id),
    account_id  TEXT NOT NULL,
    position    INTEGER NOT NULL,
    result      TEXT NOT NULL CHECK (result IN ('pending', 'invalid', 'bought', 'failed', 'removed')),
    -- True while the batch is open or processing and the order is still in it.
    holds_order BOOLEAN NOT NULL,
    shipment_id TEXT,
    attempts    INTEGER NOT NULL DEFAULT 0,
    -- Problems, warnings, the purchase error and the label summary (OrderOutcome).
    outcome     JSONB NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (batch_id, order_id),
    CHECK (result <> 'removed' OR NOT holds_order)
);
-- An order is in at most one open or processing batch.
CREATE UNIQUE INDEX batch_orders_one_open_batch ON batch_orders (order_id) WHERE holds_order;
CREATE INDEX batch_orders_by_order ON batch_orders (order_id);

-- Packing-slip template, label messages, printer resolution... for the account (scope '') or one store
-- (scope = its store id) (PrintSettings).
CREATE TABLE print_settings (
    account_id TEXT NOT NULL REFERENCES accounts (account_id),
    scope      TEXT NOT NULL,
    settings   JSONB NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (account_id, scope)
);
