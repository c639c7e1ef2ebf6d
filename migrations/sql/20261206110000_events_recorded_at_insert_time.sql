-- `recorded_at` is when the row was written, not when its transaction began (issue 16).
-- A desk's turn begins its transaction, waits for the stream's turn, catches up, decides
-- a whole batch and only then inserts: `now()` stamped its facts with the turn's start,
-- tens of milliseconds before they existed, and every lag measured from them (the
-- projectors' lag, the benchmark's read model freshness) counted the desk's decision as
-- the read models' delay. `clock_timestamp()` is read per row at the insert, a
-- millisecond or two before the commit. Rows written before keep their stamps; the
-- seals digest the stored value, so nothing sealed changes.
ALTER TABLE events ALTER COLUMN recorded_at SET DEFAULT clock_timestamp();
