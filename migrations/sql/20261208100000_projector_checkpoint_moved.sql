-- A projector's batch may be applied as one statement: its writes, its checkpoint's
-- move from where the batch started and its lock (projections/src/runner/statement.rs).
-- When the checkpoint is no longer where the batch started (a rebuild, or another
-- instance, moved it), none of the writes may commit: the statement calls this, whose
-- error rolls the whole statement back, and the runner reads SQLSTATE CK001 as "reload
-- the checkpoint".
CREATE FUNCTION projector_checkpoint_moved(projector text) RETURNS boolean
    LANGUAGE plpgsql AS
$$
BEGIN
    RAISE EXCEPTION 'the checkpoint of projector % moved under its batch', projector
        USING ERRCODE = 'CK001';
END;
$$;
