/**
 * Ticket codes as the server writes them (domain/src/ticket_code/): base32 (RFC 4648,
 * upper case, no padding) of version 0x01 | event id (16 bytes) | ticket id (16 bytes) |
 * Ed25519 signature (64 bytes); the signature covers the ASCII text
 * `carneau-ticket-code/v1` followed by the version, event id and ticket id bytes.
 * Checked here without a network, with the event's public key only.
 */

const VERSION = 1;
const CODE_BYTES = 1 + 16 + 16 + 64;
const CODE_CHARS = Math.ceil((CODE_BYTES * 8) / 5);
const CONTEXT = new TextEncoder().encode("carneau-ticket-code/v1");
const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/** A scanned code split into its parts, not yet verified. */
export type ScannedCode = { eventId: string; ticketId: string; signed: Uint8Array; signature: Uint8Array };

/** Why a code does not admit, offline: the server's `CodeError`. */
export type CodeCheck =
  | { ok: true; ticketId: string }
  | { ok: false; reason: "unreadable" | "forged" }
  | { ok: false; reason: "wrong_event"; eventId: string };

function base32Decode(text: string): Uint8Array | null {
  const out = new Uint8Array(Math.floor((text.length * 5) / 8));
  let bits = 0;
  let value = 0;
  let at = 0;
  for (const char of text) {
    const digit = ALPHABET.indexOf(char);
    if (digit < 0) return null;
    value = (value << 5) | digit;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out[at++] = (value >>> bits) & 0xff;
    }
  }
  // Leftover bits of the last character must be zero in a canonical encoding.
  if ((value & ((1 << bits) - 1)) !== 0) return null;
  return out;
}

function uuid(bytes: Uint8Array): string {
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Reads a scanned text; surrounding whitespace and lower case are accepted, like the server. */
export function parseCode(text: string): ScannedCode | null {
  const upper = text.trim().toUpperCase();
  if (upper.length !== CODE_CHARS) return null;
  const bytes = base32Decode(upper);
  if (!bytes || bytes.length !== CODE_BYTES || bytes[0] !== VERSION) return null;
  const signed = new Uint8Array(CONTEXT.length + 33);
  signed.set(CONTEXT);
  signed.set(bytes.subarray(0, 33), CONTEXT.length);
  return {
    eventId: uuid(bytes.subarray(1, 17)),
    ticketId: uuid(bytes.subarray(17, 33)),
    signed,
    signature: bytes.slice(33),
  };
}

/** The 32 bytes of a base64url public key (no padding). */
export function publicKeyBytes(base64url: string): Uint8Array {
  const base64 = base64url.replace(/-/g, "+").replace(/_/g, "/");
  const raw = atob(base64 + "=".repeat((4 - (base64.length % 4)) % 4));
  return Uint8Array.from(raw, (c) => c.charCodeAt(0));
}

/** Ed25519 verification: WebCrypto where the browser has it, else @noble/ed25519 (strict RFC 8032). */
async function verifySignature(publicKey: Uint8Array, signature: Uint8Array, message: Uint8Array): Promise<boolean> {
  try {
    const key = await crypto.subtle.importKey("raw", publicKey as BufferSource, { name: "Ed25519" }, false, ["verify"]);
    return await crypto.subtle.verify({ name: "Ed25519" }, key, signature as BufferSource, message as BufferSource);
  } catch {
    const ed = await import("@noble/ed25519");
    return ed.verifyAsync(signature, message, publicKey, { zip215: false });
  }
}

/** Checks a scanned text against `eventId`'s public key, as the server's `verify` does. */
export async function checkCode(text: string, eventId: string, publicKey: Uint8Array): Promise<CodeCheck> {
  const code = parseCode(text);
  if (!code) return { ok: false, reason: "unreadable" };
  if (code.eventId !== eventId.toLowerCase()) return { ok: false, reason: "wrong_event", eventId: code.eventId };
  const genuine = await verifySignature(publicKey, code.signature, code.signed);
  return genuine ? { ok: true, ticketId: code.ticketId } : { ok: false, reason: "forged" };
}
