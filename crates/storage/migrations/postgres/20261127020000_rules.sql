-- Automation rules, per account. Each account's rules are saved as a set (see crates/storage/src/rules.rs):
-- `rule_sets` carries the set's revision, the optimistic check every save goes through.
CREATE TABLE rule_sets (
    account_id  TEXT PRIMARY KEY REFERENCES accounts (account_id),
    revision    BIGINT NOT NULL CHECK (revision > 0),
    modify_date TIMESTAMPTZ NOT NULL
);

CREATE TABLE rules (
    account_id  TEXT NOT NULL REFERENCES rule_sets (account_id),
    rule_id     TEXT NOT NULL,
    -- Rules run by position, then id.
    position    BIGINT NOT NULL CHECK (position >= 0),
    enabled     BOOLEAN NOT NULL,
    name        TEXT NOT NULL,
    create_date TIMESTAMPTZ NOT NULL,
    modify_date TIMESTAMPTZ NOT NULL,
    -- The whole domain Rule; the columns above are copies for listing.
    doc         JSONB NOT NULL,
    PRIMARY KEY (account_id, rule_id)
);
CREATE INDEX rules_in_order ON rules (account_id, position, rule_id);

-- The hold-release job looks for held orders of every account; few orders are on hold at a time.
CREATE INDEX orders_on_hold ON orders (order_id) WHERE status = 'on_hold';
