-- Sears's rate limits, shared by every process of the installation (SPEC §12, decision 13).

-- One row: how long every store waits after Sears answered `403 rate limited`. Every admission locks it first,
-- so admissions of all processes take turns.
CREATE TABLE sears_rate_back_off (
    installation   BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (installation),
    back_off_until TIMESTAMPTZ
);
INSERT INTO sears_rate_back_off (installation, back_off_until) VALUES (TRUE, NULL);

-- One fixed window per counter (`requests-per-minute`, `seller/ID/asn-files-per-hour`, ...): it starts with
-- the first call after the previous window ended. `window_end` serves pruning only.
CREATE TABLE sears_rate_windows (
    bucket_key   TEXT PRIMARY KEY,
    window_start TIMESTAMPTZ NOT NULL,
    window_end   TIMESTAMPTZ NOT NULL,
    calls        INTEGER NOT NULL CHECK (calls >= 0)
);
CREATE INDEX sears_rate_windows_by_end ON sears_rate_windows (window_end);

-- Admits one call at p_now against the buckets (key, limit, window length in microseconds), in one round trip
-- and atomically: either the call counts in every bucket and (NULL, NULL) is returned, or nothing is counted and
-- the latest instant at which every limit allows the call is returned with what ends then (0: the back-off;
-- i: the i-th bucket, 1-based; on a tie the earlier). The same steps as the Sears client's in-memory limiter.
-- Each statement of a PL/pgSQL function reads what committed before it, so once the back-off row's lock is
-- held, the windows read are those the previous admission left.
CREATE FUNCTION sears_rate_admit(
    p_now TIMESTAMPTZ,
    p_keys TEXT[],
    p_limits INTEGER[],
    p_window_micros BIGINT[]
) RETURNS TABLE (wait_until TIMESTAMPTZ, wait_on INTEGER)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    v_back_off TIMESTAMPTZ;
    v_until TIMESTAMPTZ;
    v_on INTEGER;
    v_start TIMESTAMPTZ;
    v_calls INTEGER;
    v_end TIMESTAMPTZ;
    v_window INTERVAL;
    v_count INTEGER := COALESCE(array_length(p_keys, 1), 0);
BEGIN
    SELECT b.back_off_until INTO v_back_off FROM sears_rate_back_off b WHERE b.installation FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'the row of sears_rate_back_off is missing; run wharf migrate on a fresh database';
    END IF;
    IF v_back_off > p_now THEN
        v_until := v_back_off;
        v_on := 0;
    END IF;
    FOR i IN 1 .. v_count LOOP
        SELECT w.window_start, w.calls INTO v_start, v_calls FROM sears_rate_windows w WHERE w.bucket_key = p_keys[i];
        IF FOUND THEN
            v_end := v_start + p_window_micros[i] * INTERVAL '1 microsecond';
            IF p_now < v_end AND v_calls >= p_limits[i] AND (v_until IS NULL OR v_end > v_until) THEN
                v_until := v_end;
                v_on := i;
            END IF;
        END IF;
    END LOOP;
    IF v_until IS NOT NULL THEN
        RETURN QUERY SELECT v_until, v_on;
        RETURN;
    END IF;
    FOR i IN 1 .. v_count LOOP
        v_window := p_window_micros[i] * INTERVAL '1 microsecond';
        INSERT INTO sears_rate_windows AS w (bucket_key, window_start, window_end, calls)
        VALUES (p_keys[i], p_now, p_now + v_window, 1)
        ON CONFLICT (bucket_key) DO UPDATE SET
            window_start = CASE WHEN p_now >= w.window_start + v_window THEN p_now ELSE w.window_start END,
            window_end = CASE WHEN p_now >= w.window_start + v_window THEN p_now ELSE w.window_start END + v_window,
            calls = CASE WHEN p_now >= w.window_start + v_window THEN 1 ELSE w.calls + 1 END;
    END LOOP;
    -- Windows that have ended count for nothing: prune them (the ones just counted are kept).
    DELETE FROM sears_rate_windows w WHERE w.window_end <= p_now AND w.bucket_key <> ALL (p_keys);
    RETURN QUERY SELECT NULL::TIMESTAMPTZ, NULL::INTEGER;
END
$$;
