-- Sears's rate limits, shared by every process of the installation (SPEC §12, decision 13).
-- Instants are fixed-width UTC text as in the initial migration.

-- One row: how long every store waits after Sears answered `403 rate limited`.
CREATE TABLE sears_rate_back_off (
    installation   INTEGER PRIMARY KEY CHECK (installation = 1),
    back_off_until TEXT
) STRICT;
INSERT INTO sears_rate_back_off (installation, back_off_until) VALUES (1, NULL);

-- One fixed window per counter (`requests-per-minute`, `seller/ID/asn-files-per-hour`, ...): it starts with
-- the first call after the previous window ended. `window_end` serves pruning only.
CREATE TABLE sears_rate_windows (
    bucket_key   TEXT PRIMARY KEY,
    window_start TEXT NOT NULL,
    window_end   TEXT NOT NULL,
    calls        INTEGER NOT NULL CHECK (calls >= 0)
) STRICT;
CREATE INDEX sears_rate_windows_by_end ON sears_rate_windows (window_end);
