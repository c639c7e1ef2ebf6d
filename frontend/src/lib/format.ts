import type { Money } from "@/lib/api/types";

// One fixed locale, so the server's HTML and the browser's hydration agree.
const LOCALE = "en-GB";

/** A price from integer minor units, in the currency's own number of decimals. */
export function formatMoney(money: Money): string {
  const format = new Intl.NumberFormat(LOCALE, { style: "currency", currency: money.currency });
  const digits = format.resolvedOptions().maximumFractionDigits ?? 2;
  return format.format(money.amount_minor / 10 ** digits);
}

/** The number of minor units in one major unit of a currency (100 for EUR, 1 for JPY). */
export function minorPerMajor(currency: string): number {
  const digits = new Intl.NumberFormat(LOCALE, { style: "currency", currency }).resolvedOptions()
    .maximumFractionDigits;
  return 10 ** (digits ?? 2);
}

/** An instant shown in the event's own time zone, with the zone named. */
export function formatEventTime(iso: string, timeZone: string): string {
  return new Intl.DateTimeFormat(LOCALE, {
    timeZone,
    weekday: "short",
    day: "numeric",
    month: "short",
    year: "numeric",
    hour: "2-digit",
    minute: "2-digit",
    timeZoneName: "short",
  }).format(new Date(iso));
}

/** Day and month only, for compact cards. */
export function formatEventDay(iso: string, timeZone: string): { day: string; month: string } {
  const date = new Date(iso);
  return {
    day: new Intl.DateTimeFormat(LOCALE, { timeZone, day: "numeric" }).format(date),
    month: new Intl.DateTimeFormat(LOCALE, { timeZone, month: "short" }).format(date),
  };
}

/** Time of day in the event's zone, e.g. "19:00 CET". */
export function formatEventClock(iso: string, timeZone: string): string {
  return new Intl.DateTimeFormat(LOCALE, { timeZone, hour: "2-digit", minute: "2-digit", timeZoneName: "short" }).format(
    new Date(iso),
  );
}

/** Seconds left as m:ss. */
export function formatCountdown(totalSeconds: number): string {
  const s = Math.max(0, Math.floor(totalSeconds));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}
