-- Speed (issue 16): a tickets email carries its QR codes as base64 PNGs, which pglz, the
-- default, spent CPU trying to compress on every message queued during a sale (1.9 % of
-- the machine in a paying rush's profile), mostly in vain. lz4 gives up on
-- incompressible data quickly and still compresses the text parts. Rows stored before
-- keep their pglz values; both read back the same.
ALTER TABLE mail_outbox ALTER COLUMN message SET COMPRESSION lz4;
ALTER TABLE mail_outbox ALTER COLUMN text_body SET COMPRESSION lz4;
