// Ticket codes minted the way the API signs them (docs/tickets.md), from the ticket secret
// the harness gives every platform: what a door scanner would read off a buyer's QR code.
import { createHmac, createPrivateKey, sign } from "node:crypto";

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
// PKCS#8 DER prefix of an Ed25519 private key; the 32-byte seed follows.
const ED25519_PKCS8_PREFIX = Buffer.from("302e020100300506032b657004220420", "hex");

function uuidBytes(id) {
  return Buffer.from(id.replaceAll("-", ""), "hex");
}

function base32(bytes) {
  let bits = 0;
  let value = 0;
  let text = "";
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      text += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) text += ALPHABET[(value << (5 - bits)) & 31];
  return text;
}

/** The code of `ticketId` of `eventId`, as its QR code carries it. */
export function ticketCode(eventId, ticketId, secret = process.env.E2E_TICKET_SECRET) {
  if (!secret) throw new Error("E2E_TICKET_SECRET is not set (run the tests through e2e/run.mjs)");
  const seed = createHmac("sha256", secret)
    .update("carneau/ticket-signing-key/v1/")
    .update(uuidBytes(eventId))
    .digest();
  const key = createPrivateKey({ key: Buffer.concat([ED25519_PKCS8_PREFIX, seed]), format: "der", type: "pkcs8" });
  const body = Buffer.concat([Buffer.from([1]), uuidBytes(eventId), uuidBytes(ticketId)]);
  const signature = sign(null, Buffer.concat([Buffer.from("carneau-ticket-code/v1"), body]), key);
  return base32(Buffer.concat([body, signature]));
}
