-- Wharf on PostgreSQL. Instants are TIMESTAMPTZ (UTC), Sears civil dates (US Central) are DATE,
-- documents are JSONB, raw marketplace documents BYTEA.
-- Natural keys are unique constraints: the application never checks for duplicates itself.

CREATE TABLE accounts (
    account_id  TEXT PRIMARY KEY,
    -- The installation's first account (`wharf` without multi-tenancy uses only this one).
    is_default  BOOLEAN NOT NULL DEFAULT FALSE,
    name        TEXT NOT NULL,
    alert_email TEXT,
    create_date TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX accounts_one_default ON accounts (is_default) WHERE is_default;

CREATE TABLE stores (
    store_id      TEXT PRIMARY KEY,
    account_id    TEXT NOT NULL REFERENCES accounts (account_id),
    store_name    TEXT NOT NULL,
    marketplace   TEXT NOT NULL,
    seller_id     TEXT NOT NULL,
    active        BOOLEAN NOT NULL,
    create_date   TIMESTAMPTZ NOT NULL,
    modify_date   TIMESTAMPTZ NOT NULL,
    -- The domain Store (connection and settings).
    doc           JSONB NOT NULL,
    -- The Sears authorization key, sealed by the caller; never part of `doc`.
    sealed_secret BYTEA NOT NULL,
    -- Lets child tables require that their store belongs to their account.
    UNIQUE (account_id, store_id),
    UNIQUE (account_id, store_name),
    -- One store per marketplace seller: two would import every order twice.
    UNIQUE (account_id, marketplace, seller_id)
);

CREATE TABLE store_import_state (
    store_id             TEXT PRIMARY KEY REFERENCES stores (store_id) ON DELETE CASCADE,
    last_success_at      TIMESTAMPTZ,
    last_attempt_at      TIMESTAMPTZ,
    current_error        TEXT,
    failing_since        TIMESTAMPTZ,
    consecutive_failures INTEGER NOT NULL DEFAULT 0,
    next_run_at          TIMESTAMPTZ,
    waiting_reason       TEXT
);

CREATE TABLE orders (
    order_id     TEXT PRIMARY KEY,
    account_id   TEXT NOT NULL,
    store_id     TEXT NOT NULL,
    po_number    TEXT NOT NULL,
    po_date      DATE NOT NULL,
    order_number TEXT NOT NULL,
    order_key    TEXT NOT NULL,
    status       TEXT NOT NULL,
    order_date   TIMESTAMPTZ NOT NULL,
    ship_by      TIMESTAMPTZ,
    modify_date  TIMESTAMPTZ NOT NULL,
    -- The whole domain Order; the columns above are copies for lookups and filters.
    doc          JSONB NOT NULL,
    FOREIGN KEY (account_id, store_id) REFERENCES stores (account_id, store_id),
    -- PO numbers repeat over time: the natural key is (store, PO number, PO date).
    UNIQUE (store_id, po_number, po_date)
)
-- A compressed order document (~2.5 KB) stays in the row instead of moving to the TOAST table, which
-- would cost a second heap and index insert per order.
WITH (toast_tuple_target = 4096);
CREATE INDEX orders_by_date ON orders (account_id, order_date, order_id);
CREATE INDEX orders_by_status ON orders (account_id, status, order_date);
CREATE INDEX orders_by_number ON orders (account_id, order_number);
CREATE INDEX orders_by_order_key ON orders (account_id, order_key);
CREATE INDEX orders_open_by_store ON orders (store_id, po_date) WHERE status NOT IN ('shipped', 'cancelled');

-- The marketplace document each order was last read from, byte for byte.
CREATE TABLE order_raw (
    order_id TEXT PRIMARY KEY REFERENCES orders (order_id) ON DELETE CASCADE,
    document BYTEA NOT NULL
);

CREATE TABLE order_history (
    seq      BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    order_id TEXT NOT NULL REFERENCES orders (order_id) ON DELETE CASCADE,
    at       TIMESTAMPTZ NOT NULL,
    -- The domain HistoryEntry.
    entry    JSONB NOT NULL
);
CREATE INDEX order_history_by_order ON order_history (order_id, at, seq);

CREATE TABLE products (
    product_id  TEXT PRIMARY KEY,
    account_id  TEXT NOT NULL REFERENCES accounts (account_id),
    sku         TEXT NOT NULL,
    modify_date TIMESTAMPTZ NOT NULL,
    -- The domain Product.
    doc         JSONB NOT NULL,
    UNIQUE (account_id, sku)
);

CREATE TABLE import_runs (
    run_id     TEXT PRIMARY KEY,
    account_id TEXT NOT NULL,
    store_id   TEXT NOT NULL,
    started_at TIMESTAMPTZ NOT NULL,
    outcome    TEXT NOT NULL,
    -- The domain ImportRun.
    doc        JSONB NOT NULL,
    FOREIGN KEY (account_id, store_id) REFERENCES stores (account_id, store_id)
);
CREATE INDEX import_runs_by_account ON import_runs (account_id, started_at);
CREATE INDEX import_runs_by_store ON import_runs (store_id, started_at);

-- Orders Sears returned that the import rule did not take, with why (nothing is dropped silently).
CREATE TABLE skipped_orders (
    store_id   TEXT NOT NULL,
    po_number  TEXT NOT NULL,
    po_date    DATE NOT NULL,
    account_id TEXT NOT NULL,
    order_date TIMESTAMPTZ,
    -- The domain SkipReason.
    reason     JSONB NOT NULL,
    message    TEXT NOT NULL,
    first_seen TIMESTAMPTZ NOT NULL,
    last_seen  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (store_id, po_number, po_date),
    FOREIGN KEY (account_id, store_id) REFERENCES stores (account_id, store_id)
);
CREATE INDEX skipped_orders_by_account ON skipped_orders (account_id, last_seen);

-- The job queue and scheduler. A completed job is deleted; a job that failed for good stays as 'dead'.
CREATE TABLE jobs (
    job_id       TEXT PRIMARY KEY,
    kind         TEXT NOT NULL,
    unique_key   TEXT,
    payload      JSONB NOT NULL,
    state        TEXT NOT NULL CHECK (state IN ('queued', 'running', 'dead')),
    run_at       TIMESTAMPTZ NOT NULL,
    attempts     INTEGER NOT NULL DEFAULT 0,
    max_attempts INTEGER NOT NULL,
    last_error   TEXT,
    locked_by    TEXT,
    locked_until TIMESTAMPTZ,
    created_at   TIMESTAMPTZ NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL
);
-- At most one live job per key (e.g. one import job per store); dead jobs keep their key for the record.
CREATE UNIQUE INDEX jobs_live_unique_key ON jobs (unique_key) WHERE state <> 'dead';
CREATE INDEX jobs_due ON jobs (run_at, job_id) WHERE state <> 'dead';
CREATE INDEX jobs_dead ON jobs (updated_at) WHERE state = 'dead';

-- Order documents (3-5 KB of JSON) and raw documents (1-3 KB) pass the 2 KB TOAST threshold, so PostgreSQL
-- compresses them; its default pglz takes most of an import's time, lz4 a fraction. Servers built without
-- lz4 keep their default.
DO $$
BEGIN
    IF 'lz4' = ANY (SELECT unnest(enumvals) FROM pg_settings WHERE name = 'default_toast_compression') THEN
        ALTER TABLE orders ALTER COLUMN doc SET COMPRESSION lz4;
        ALTER TABLE order_raw ALTER COLUMN document SET COMPRESSION lz4;
        ALTER TABLE order_history ALTER COLUMN entry SET COMPRESSION lz4;
    END IF;
END
$$;
