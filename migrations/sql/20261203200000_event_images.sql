-- Event images (issue 15).
--
-- The bytes of each stored rendition, when CARNEAU_IMAGE_STORE is `postgres` (the
-- default). Keyed by the upload's SHA-256 and the width: a key's bytes never change.
-- Written before the fact naming the image is appended; a row no fact names is harmless.
CREATE TABLE event_image_blobs (
    content_hash text        NOT NULL CHECK (content_hash ~ '^[0-9a-f]{64}$'),
    width        integer     NOT NULL CHECK (width > 0),
    bytes        bytea       NOT NULL,
    stored_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (content_hash, width)
);

-- The event's images in order (the poster first), as the last image fact left them:
-- [{ "id", "content_hash", "width", "height", "alt", "widths" }]. Written only by the
-- catalogue projector.
ALTER TABLE catalogue_events ADD COLUMN images jsonb NOT NULL DEFAULT '[]'::jsonb;
