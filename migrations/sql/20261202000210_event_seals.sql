-- Tamper evidence (docs/audit.md): a hash chain over the event log in the auditors'
-- order, (transaction_id, global_position), written by one sealer (a projector, so its
-- rows move with its checkpoint in projector_checkpoints).
--
-- seal = SHA-256(previous seal || canonical encoding of the event's row); the first
-- event's previous seal is 32 zero bytes. `ordinal` numbers the events of the chain from
-- 1, so a checkpoint's event count is its head's ordinal. The payload and metadata
-- digests (SHA-256 of their jsonb text) only serve to say which part of a row was
-- edited when the chain breaks there.
CREATE TABLE event_seals
(
    transaction_id  xid8        NOT NULL,
    global_position bigint      NOT NULL,
    ordinal         bigint      NOT NULL CHECK (ordinal >= 1),
    event_id        uuid        NOT NULL,
    payload_digest  bytea       NOT NULL CHECK (octet_length(payload_digest) = 32),
    metadata_digest bytea       NOT NULL CHECK (octet_length(metadata_digest) = 32),
    seal            bytea       NOT NULL CHECK (octet_length(seal) = 32),
    sealed_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (transaction_id, global_position),
    CONSTRAINT event_seals_one_chain UNIQUE (ordinal)
);

-- Signed heads of the chain (Ed25519), written periodically by the checkpoint signer.
-- An auditor copies them out of the system (`carneau log checkpoint`): a chain rewritten
-- by someone able to edit these tables cannot match a head signed before.
CREATE TABLE event_seal_checkpoints
(
    transaction_id  xid8        NOT NULL,
    global_position bigint      NOT NULL,
    event_count     bigint      NOT NULL CHECK (event_count >= 1),
    head_seal       bytea       NOT NULL CHECK (octet_length(head_seal) = 32),
    signed_at       timestamptz NOT NULL,
    public_key      bytea       NOT NULL CHECK (octet_length(public_key) = 32),
    signature       bytea       NOT NULL CHECK (octet_length(signature) = 64),
    PRIMARY KEY (transaction_id, global_position, public_key)
);
