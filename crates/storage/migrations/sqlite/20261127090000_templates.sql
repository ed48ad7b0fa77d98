-- Named templates (automation chooses them for an order): per account, a name unique per kind. The
-- store-wide templates (print_settings, email_templates) are unchanged and apply when an order names none.

CREATE TABLE named_slip_templates (
    account_id  TEXT NOT NULL REFERENCES accounts (account_id),
    name        TEXT NOT NULL,
    source      TEXT NOT NULL,
    modify_date TEXT NOT NULL,
    PRIMARY KEY (account_id, name)
) STRICT;

CREATE TABLE named_email_templates (
    account_id  TEXT NOT NULL REFERENCES accounts (account_id),
    -- shipment_email | delivery_email (wharf_domain::outbox::MessageKind)
    kind        TEXT NOT NULL CHECK (kind IN ('shipment_email', 'delivery_email')),
    name        TEXT NOT NULL,
    subject     TEXT NOT NULL,
    html        TEXT NOT NULL,
    text        TEXT NOT NULL,
    modify_date TEXT NOT NULL,
    PRIMARY KEY (account_id, kind, name)
) STRICT;
