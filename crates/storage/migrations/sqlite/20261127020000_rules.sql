-- Automation rules, per account. Each account's rules are saved as a set (see crates/storage/src/rules.rs):
-- `rule_sets` carries the set's revision, the optimistic check every save goes through.
-- Instants are fixed-width UTC text as in the initial migration.
CREATE TABLE rule_sets (
    account_id  TEXT PRIMARY KEY REFERENCES accounts (account_id),
    revision    INTEGER NOT NULL CHECK (revision > 0),
    modify_date TEXT NOT NULL
) STRICT;

CREATE TABLE rules (
    account_id  TEXT NOT NULL REFERENCES rule_sets (account_id),
    rule_id     TEXT NOT NULL,
    -- Rules run by position, then id.
    position    INTEGER NOT NULL CHECK (position >= 0),
    enabled     INTEGER NOT NULL CHECK (enabled IN (0, 1)),
    name        TEXT NOT NULL,
    create_date TEXT NOT NULL,
    modify_date TEXT NOT NULL,
    -- The whole domain Rule as JSON; the columns above are copies for listing.
    doc         TEXT NOT NULL,
    PRIMARY KEY (account_id, rule_id)
) STRICT;
CREATE INDEX rules_in_order ON rules (account_id, position, rule_id);

-- The hold-release job looks for held orders of every account; few orders are on hold at a time.
CREATE INDEX orders_on_hold ON orders (order_id) WHERE status = 'on_hold';
