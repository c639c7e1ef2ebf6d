/**
 * Conversions between a wall-clock time in an IANA zone (what an organiser types into a
 * `datetime-local` input) and a UTC instant (what the API stores), without a library.
 */

function offsetMinutes(instant: Date, timeZone: string): number {
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone,
    hourCycle: "h23",
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
  }).formatToParts(instant);
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  const asUtc = Date.UTC(get("year"), get("month") - 1, get("day"), get("hour"), get("minute"), get("second"));
  return Math.round((asUtc - instant.getTime()) / 60000);
}

/** `2027-03-01T19:00` in `Europe/Paris` -> `2027-03-01T18:00:00Z`. Undefined for a malformed input. */
export function zonedInputToUtc(local: string, timeZone: string): string | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/.exec(local);
  if (!match) return undefined;
  const [, y, mo, d, h, mi] = match.map(Number) as [number, number, number, number, number, number];
  const wall = Date.UTC(y, mo - 1, d, h, mi);
  // Two passes settle the offset across a daylight-saving change.
  let guess = wall - offsetMinutes(new Date(wall), timeZone) * 60000;
  guess = wall - offsetMinutes(new Date(guess), timeZone) * 60000;
  return new Date(guess).toISOString().replace(".000Z", "Z");
}

/** A UTC instant as the `datetime-local` value of its wall-clock time in `timeZone`. */
export function utcToZonedInput(iso: string, timeZone: string): string {
  const instant = new Date(iso);
  const shifted = new Date(instant.getTime() + offsetMinutes(instant, timeZone) * 60000);
  return shifted.toISOString().slice(0, 16);
}

/** Zones offered in the organiser's picker (the same list on server and browser, so no hydration drift). */
export const TIME_ZONES = [
  "Europe/Paris", "Europe/London", "Europe/Dublin", "Europe/Lisbon", "Europe/Madrid", "Europe/Brussels",
  "Europe/Amsterdam", "Europe/Berlin", "Europe/Zurich", "Europe/Rome", "Europe/Vienna", "Europe/Prague",
  "Europe/Warsaw", "Europe/Stockholm", "Europe/Oslo", "Europe/Copenhagen", "Europe/Helsinki", "Europe/Athens",
  "Europe/Istanbul", "Africa/Casablanca", "Africa/Lagos", "Africa/Johannesburg", "America/New_York",
  "America/Chicago", "America/Denver", "America/Los_Angeles", "America/Toronto", "America/Montreal",
  "America/Mexico_City", "America/Sao_Paulo", "America/Buenos_Aires", "Asia/Dubai", "Asia/Kolkata",
  "Asia/Singapore", "Asia/Hong_Kong", "Asia/Shanghai", "Asia/Tokyo", "Asia/Seoul", "Australia/Sydney",
  "Australia/Melbourne", "Pacific/Auckland", "UTC",
];

export const CURRENCIES = ["EUR", "GBP", "USD", "CHF", "CAD", "AUD", "JPY", "SEK", "NOK", "DKK", "PLN"];
