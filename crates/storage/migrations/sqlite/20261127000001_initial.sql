-- Wharf on SQLite.
-- Instants are UTC text of fixed width, 'YYYY-MM-DDTHH:MM:SS.ffffffZ', so text order is time order.
-- Sears civil dates (US Central) are 'YYYY-MM-DD'. Documents are JSON text; booleans are 0/1.
-- Natural keys are unique constraints: the application never checks for duplicates itself.

CREATE TABLE accounts (
    account_id  TEXT PRIMARY KEY,
    -- The installation's first account (`wharf` without multi-tenancy uses only this one).
    is_default  INTEGER NOT NULL DEFAULT 0 CHECK (is_default IN (0, 1)),
    name        TEXT NOT NULL,
    alert_email TEXT,
    create_date TEXT NOT NULL
) STRICT;
CREATE UNIQUE INDEX accounts_one_default ON accounts (is_default) WHERE is_default = 1;

CREATE TABLE stores (
    store_id      TEXT PRIMARY KEY,
    account_id    TEXT NOT NULL REFERENCES accounts (account_id),
    store_name    TEXT NOT NULL,
    marketplace   TEXT NOT NULL,
    seller_id     TEXT NOT NULL,
    active        INTEGER NOT NULL CHECK (active IN (0, 1)),
    create_date   TEXT NOT NULL,
    modify_date   TEXT NOT NULL,
    -- The domain Store (connection and settings) as JSON.
    doc           TEXT NOT NULL,
    -- The Sears authorization key, sealed by the caller; never part of `doc`.
    sealed_secret BLOB NOT NULL,
    -- Lets child tables require that their store belongs to their account.
    UNIQUE (account_id, store_id),
    UNIQUE (account_id, store_name),
    -- One store per marketplace seller: two would import every order twice.
    UNIQUE (account_id, marketplace, seller_id)
) STRICT;

CREATE TABLE store_import_state (
    store_id             TEXT PRIMARY KEY REFERENCES stores (store_id) ON DELETE CASCADE,
    last_success_at      TEXT,
    last_attempt_at      TEXT,
    current_error        TEXT,
    failing_since        TEXT,
    consecutive_failures INTEGER NOT NULL DEFAULT 0,
    next_run_at          TEXT,
    waiting_reason       TEXT
) STRICT;

CREATE TABLE orders (
    order_id     TEXT PRIMARY KEY,
    account_id   TEXT NOT NULL,
    store_id     TEXT NOT NULL,
    po_number    TEXT NOT NULL,
    po_date      TEXT NOT NULL,
    order_number TEXT NOT NULL,
    order_key    TEXT NOT NULL,
    status       TEXT NOT NULL,
    order_date   TEXT NOT NULL,
    ship_by      TEXT,
    modify_date  TEXT NOT NULL,
    -- The whole domain Order as JSON; the columns above are copies for lookups and filters.
    doc          TEXT NOT NULL,
    FOREIGN KEY (account_id, store_id) REFERENCES stores (account_id, store_id),
    -- PO numbers repeat over time: the natural key is (store, PO number, PO date).
    UNIQUE (store_id, po_number, po_date)
) STRICT;
CREATE INDEX orders_by_date ON orders (account_id, order_date, order_id);
CREATE INDEX orders_by_status ON orders (account_id, status, order_date);
CREATE INDEX orders_by_number ON orders (account_id, order_number);
CREATE INDEX orders_by_order_key ON orders (account_id, order_key);
CREATE INDEX orders_open_by_store ON orders (store_id, po_date) WHERE status NOT IN ('shipped', 'cancelled');

-- The marketplace document each order was last read from, byte for byte.
CREATE TABLE order_raw (
    order_id TEXT PRIMARY KEY REFERENCES orders (order_id) ON DELETE CASCADE,
    document BLOB NOT NULL
) STRICT;

CREATE TABLE order_history (
    seq      INTEGER PRIMARY KEY,
    order_id TEXT NOT NULL REFERENCES orders (order_id) ON DELETE CASCADE,
    at       TEXT NOT NULL,
    -- The domain HistoryEntry as JSON.
    entry    TEXT NOT NULL
) STRICT;
CREATE INDEX order_history_by_order ON order_history (order_id, at, seq);

CREATE TABLE products (
    product_id  TEXT PRIMARY KEY,
    account_id  TEXT NOT NULL REFERENCES accounts (account_id),
    sku         TEXT NOT NULL,
    modify_date TEXT NOT NULL,
    -- The domain Product as JSON.
    doc         TEXT NOT NULL,
    UNIQUE (account_id, sku)
) STRICT;

CREATE TABLE import_runs (
    run_id     TEXT PRIMARY KEY,
    account_id TEXT NOT NULL,
    store_id   TEXT NOT NULL,
    started_at TEXT NOT NULL,
    outcome    TEXT NOT NULL,
    -- The domain ImportRun as JSON.
    doc        TEXT NOT NULL,
    FOREIGN KEY (account_id, store_id) REFERENCES stores (account_id, store_id)
) STRICT;
CREATE INDEX import_runs_by_account ON import_runs (account_id, started_at);
CREATE INDEX import_runs_by_store ON import_runs (store_id, started_at);

-- Orders Sears returned that the import rule did not take, with why (nothing is dropped silently).
CREATE TABLE skipped_orders (
    store_id   TEXT NOT NULL,
    po_number  TEXT NOT NULL,
    po_date    TEXT NOT NULL,
    account_id TEXT NOT NULL,
    order_date TEXT,
    -- The domain SkipReason as JSON.
    reason     TEXT NOT NULL,
    message    TEXT NOT NULL,
    first_seen TEXT NOT NULL,
    last_seen  TEXT NOT NULL,
    PRIMARY KEY (store_id, po_number, po_date),
    FOREIGN KEY (account_id, store_id) REFERENCES stores (account_id, store_id)
) STRICT;
CREATE INDEX skipped_orders_by_account ON skipped_orders (account_id, last_seen);

-- The job queue and scheduler. A completed job is deleted; a job that failed for good stays as 'dead'.
CREATE TABLE jobs (
    job_id       TEXT PRIMARY KEY,
    kind         TEXT NOT NULL,
    unique_key   TEXT,
    payload      TEXT NOT NULL,
    state        TEXT NOT NULL CHECK (state IN ('queued', 'running', 'dead')),
    run_at       TEXT NOT NULL,
    attempts     INTEGER NOT NULL DEFAULT 0,
    max_attempts INTEGER NOT NULL,
    last_error   TEXT,
    locked_by    TEXT,
    locked_until TEXT,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
) STRICT;
-- At most one live job per key (e.g. one import job per store); dead jobs keep their key for the record.
CREATE UNIQUE INDEX jobs_live_unique_key ON jobs (unique_key) WHERE state <> 'dead';
CREATE INDEX jobs_due ON jobs (run_at, job_id) WHERE state <> 'dead';
CREATE INDEX jobs_dead ON jobs (updated_at) WHERE state = 'dead';
