-- Shipping: carrier accounts, warehouses, shipments and their label files.
-- Double purchases are prevented here, not by application checks: one live shipment per order, and a purchase
-- reference is never used twice in an account.

CREATE TABLE carrier_accounts (
    carrier_account_id TEXT PRIMARY KEY,
    account_id         TEXT NOT NULL REFERENCES accounts (account_id),
    -- Wharf carrier code (`ups`).
    carrier            TEXT NOT NULL,
    name               TEXT NOT NULL,
    create_date        TIMESTAMPTZ NOT NULL,
    modify_date        TIMESTAMPTZ NOT NULL,
    -- The domain CarrierAccount (account number, base URL, label format); never the credentials.
    doc                JSONB NOT NULL,
    -- The credentials, sealed by the caller with the installation's master key.
    sealed_secret      BYTEA NOT NULL,
    UNIQUE (account_id, name)
);

CREATE TABLE warehouses (
    warehouse_id TEXT PRIMARY KEY,
    account_id   TEXT NOT NULL REFERENCES accounts (account_id),
    name         TEXT NOT NULL,
    is_default   BOOLEAN NOT NULL DEFAULT FALSE,
    create_date  TIMESTAMPTZ NOT NULL,
    modify_date  TIMESTAMPTZ NOT NULL,
    -- The domain Warehouse (origin and return addresses).
    doc          JSONB NOT NULL,
    UNIQUE (account_id, name)
);
CREATE UNIQUE INDEX warehouses_one_default ON warehouses (account_id) WHERE is_default;

CREATE TABLE shipments (
    shipment_id TEXT PRIMARY KEY,
    account_id  TEXT NOT NULL,
    store_id    TEXT NOT NULL,
    order_id    TEXT NOT NULL REFERENCES orders (order_id),
    kind        TEXT NOT NULL CHECK (kind IN ('label', 'manual', 'external', 'pickup')),
    state       TEXT NOT NULL CHECK (state IN ('purchasing', 'active', 'failed', 'voided')),
    -- The idempotency reference sent to the carrier with the purchase.
    reference   TEXT NOT NULL,
    test_label  BOOLEAN NOT NULL DEFAULT FALSE,
    batch_id    TEXT,
    create_date TIMESTAMPTZ NOT NULL,
    -- While purchasing: when the current purchase attempt started (its lease).
    modify_date TIMESTAMPTZ NOT NULL,
    -- The domain Shipment, without its label files.
    doc         JSONB NOT NULL,
    FOREIGN KEY (account_id, store_id) REFERENCES stores (account_id, store_id),
    CONSTRAINT shipments_unique_reference UNIQUE (account_id, reference)
);
-- One live (being bought, or bought) shipment per order: a second concurrent purchase is refused here and finds
-- the first. Shipments Sears recorded outside Wharf and test labels do not count.
CREATE UNIQUE INDEX shipments_one_live_per_order ON shipments (order_id)
    WHERE state IN ('purchasing', 'active') AND kind <> 'external' AND NOT test_label;
CREATE INDEX shipments_by_order ON shipments (order_id, create_date);
CREATE INDEX shipments_by_batch ON shipments (batch_id) WHERE batch_id IS NOT NULL;
CREATE INDEX shipments_purchasing ON shipments (modify_date) WHERE state = 'purchasing';

-- Label files, one per package, kept apart so listing shipments never loads images.
CREATE TABLE shipment_labels (
    shipment_id TEXT NOT NULL REFERENCES shipments (shipment_id) ON DELETE CASCADE,
    sequence    INTEGER NOT NULL,
    -- gif | png | zpl | pdf
    format      TEXT NOT NULL,
    -- Base64, as the domain LabelFile carries it.
    data        TEXT NOT NULL,
    PRIMARY KEY (shipment_id, sequence)
);
