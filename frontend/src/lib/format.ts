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

/**
 * Day and month for compact cards, and the year when it is not the current one (`now`'s
 * year, both in the event's zone): "3 Mar" this year, "3 Mar 2027" otherwise.
 */
export function formatEventDay(
  iso: string,
  timeZone: string,
  now: Date = new Date(),
): { day: string; month: string; year: string | null } {
  const date = new Date(iso);
  const yearOf = (d: Date) => new Intl.DateTimeFormat(LOCALE, { timeZone, year: "numeric" }).format(d);
  const year = yearOf(date);
  return {
    day: new Intl.DateTimeFormat(LOCALE, { timeZone, day: "numeric" }).format(date),
    month: new Intl.DateTimeFormat(LOCALE, { timeZone, month: "short" }).format(date),
    year: year === yearOf(now) ? null : year,
  };
}

/** Time of day in the event's zone, e.g. "19:00 CET". */
export function formatEventClock(iso: string, timeZone: string): string {
  return new Intl.DateTimeFormat(LOCALE, { timeZone, hour: "2-digit", minute: "2-digit", timeZoneName: "short" }).format(
    new Date(iso),
  );
}

/** Seconds left as m:ss, or h:mm:ss from an hour (a waiting-list offer holds for a day). */
export function formatCountdown(totalSeconds: number): string {
  const s = Math.max(0, Math.floor(totalSeconds));
  const ss = String(s % 60).padStart(2, "0");
  if (s < 3600) return `${Math.floor(s / 60)}:${ss}`;
  return `${Math.floor(s / 3600)}:${String(Math.floor(s / 60) % 60).padStart(2, "0")}:${ss}`;
}
