/**
 * Previous and Next through a list the API pages by an opaque cursor that only goes
 * forward (the event log, an event's orders). The page keeps, in its address (`back`), the
 * cursor of every page it came through: Next pushes the current one, Previous pops the
 * last. The first page, which has no cursor, is `~` (outside the cursors' URL-safe base64
 * alphabet); pages are joined by `.` (outside it too).
 */
const BACK_SEPARATOR = ".";
const FIRST_PAGE = "~";
const CURSOR = /^[A-Za-z0-9_-]+$/;

/** The address of the page read after `cursor`, having come through `back`. */
export type PageHref = (cursor?: string, back?: string[]) => string;

/** The `back` stack of the address; empty when missing or not one this page wrote. */
export function readBack(params: Record<string, string | string[] | undefined>): string[] {
  const raw = params.back;
  if (typeof raw !== "string" || raw === "") return [];
  const stack = raw.split(BACK_SEPARATOR);
  return stack.every((entry) => entry === FIRST_PAGE || CURSOR.test(entry)) ? stack : [];
}

/** The `back` stack as the address carries it. */
export function writeBack(back: string[]): string {
  return back.join(BACK_SEPARATOR);
}

/** Where Next and Previous lead from the page read after `cursor`, having come through `back`. */
export function pageLinks(
  href: PageHref,
  cursor: string | undefined,
  back: string[],
  nextCursor: string | null | undefined,
): { next?: string; previous?: string } {
  const next = nextCursor ? href(nextCursor, [...back, cursor ?? FIRST_PAGE]) : undefined;
  if (back.length === 0) return { next };
  const previous = back[back.length - 1];
  return { next, previous: href(previous === FIRST_PAGE ? undefined : previous, back.slice(0, -1)) };
}
