import { minorPerMajor } from "@/lib/format";

/** A price typed by an organiser, read in the currency's own decimals. */
export type ParsedPrice = { ok: true; amountMinor: number } | { ok: false; message: string };

/**
 * Reads "25", "25.5" or "25,50" as integer minor units of `currency`, exactly (no float
 * rounding): more decimals than the currency has is refused rather than rounded, so 0.001
 * EUR never becomes a free ticket. The ceiling is the API's to decide; an amount beyond
 * what a JSON number holds exactly is sent as the largest one, which the API refuses.
 */
export function parsePrice(text: string, currency: string): ParsedPrice {
  const digits = Math.round(Math.log10(minorPerMajor(currency)));
  const example = digits === 0 ? "25" : `25.${"0".repeat(digits)}`;
  const match = /^(\d+)(?:[.,](\d+))?$/.exec(text.trim());
  if (!match) return { ok: false, message: `The price must be a number such as ${example}.` };
  const whole = match[1] ?? "0";
  const fraction = match[2] ?? "";
  if (fraction.length > digits) {
    const allowed = digits === 0 ? "no decimals" : `at most ${digits} decimal${digits === 1 ? "" : "s"}`;
    return { ok: false, message: `Prices in ${currency} have ${allowed}: ${text.trim()} is not a price you can charge.` };
  }
  const minor = BigInt(whole) * 10n ** BigInt(digits) + BigInt(fraction.padEnd(digits, "0") || "0");
  const safe = minor > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(minor);
  return { ok: true, amountMinor: safe };
}
