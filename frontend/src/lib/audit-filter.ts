import { pageLinks as cursorPageLinks, readBack, writeBack } from "@/lib/cursor-pages";

/**
 * The log page's filter, as the address bar carries it: what a person types (dates, not
 * instants) on one side, the query of `GET /audit/log` on the other.
 */
export type LogFilter = {
  event_id?: string;
  aggregate_type?: string;
  event_type?: string;
  /** First day, `YYYY-MM-DD` in UTC, included. */
  from?: string;
  /** Last day, `YYYY-MM-DD` in UTC, included. */
  until?: string;
};

/** The aggregate types of the log, for the filter's choice. */
export const AGGREGATE_TYPES = ["Event", "Inventory", "Order", "Admission", "Account"] as const;

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const KEYS = ["event_id", "aggregate_type", "event_type", "from", "until"] as const;

/** The filter from the page's search parameters (empty values dropped). */
export function readFilter(params: Record<string, string | string[] | undefined>): LogFilter {
  const filter: LogFilter = {};
  for (const key of KEYS) {
    const value = params[key];
    const text = (Array.isArray(value) ? value[0] : value)?.trim();
    if (text) filter[key] = text;
  }
  return filter;
}

/** A date the person typed that is not a day; the API would not be asked. */
export function filterError(filter: LogFilter): string | undefined {
  if (filter.from && !DAY.test(filter.from)) return "“From” must be a date (YYYY-MM-DD).";
  if (filter.until && !DAY.test(filter.until)) return "“Until” must be a date (YYYY-MM-DD).";
  return undefined;
}

/** The query of `GET /audit/log`: days become instants, `until` the next day's midnight (exclusive). */
export function logQuery(filter: LogFilter): Record<string, string> {
  const query: Record<string, string> = {};
  if (filter.event_id) query.event_id = filter.event_id;
  if (filter.aggregate_type) query.aggregate_type = filter.aggregate_type;
  if (filter.event_type) query.event_type = filter.event_type;
  if (filter.from) query.since = `${filter.from}T00:00:00Z`;
  if (filter.until) {
    const next = new Date(`${filter.until}T00:00:00Z`);
    next.setUTCDate(next.getUTCDate() + 1);
    query.until = next.toISOString();
  }
  return query;
}

/** This page's own address for a filter (and a cursor, for the next page). */
export function pageHref(filter: LogFilter & { limit?: string }, after?: string, back?: string[]): string {
  const params = new URLSearchParams(filter as Record<string, string>);
  if (after) params.set("after", after);
  if (back && back.length > 0) params.set("back", writeBack(back));
  const search = params.toString();
  return search ? `/audit?${search}` : "/audit";
}

export { readBack };

/** Where Next and Previous lead from the page read after `after`, having come through `back`. */
export function pageLinks(
  filter: LogFilter & { limit?: string },
  after: string | undefined,
  back: string[],
  nextCursor: string | null | undefined,
): { next?: string; previous?: string } {
  return cursorPageLinks((cursor, stack) => pageHref(filter, cursor, stack), after, back, nextCursor);
}
