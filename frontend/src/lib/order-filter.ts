import { writeBack } from "@/lib/cursor-pages";

/**
 * The organiser's orders list as the event page's address carries it: a search, a status
 * group and a sort, the cursor of the page shown and the way back (`back`). The same names
 * as the query of `GET /organiser/events/{id}/orders`, so the address passes on as it is.
 */
export type OrderFilter = {
  q?: string;
  status?: OrderStatusGroup;
  sort?: OrderSort;
  /** Orders per page, when not {@link ORDERS_PAGE} (`?limit=`, 1 to 100). */
  limit?: number;
};

export type OrderStatusGroup = "paid" | "partially_refunded" | "refunded" | "cancelled" | "pending";
export type OrderSort = "newest" | "oldest";

/** The status groups, as the filter offers them. */
export const STATUS_GROUPS: { value: OrderStatusGroup; label: string }[] = [
  { value: "paid", label: "Paid" },
  { value: "partially_refunded", label: "Partly refunded" },
  { value: "refunded", label: "Refunded" },
  { value: "cancelled", label: "Cancelled or expired" },
  { value: "pending", label: "Pending payment" },
];

/** The sorts, as the filter offers them. */
export const SORTS: { value: OrderSort; label: string }[] = [
  { value: "newest", label: "Newest first" },
  { value: "oldest", label: "Oldest first" },
];

/** Orders per page of the event page. */
export const ORDERS_PAGE = 25;

function first(value: string | string[] | undefined): string | undefined {
  const text = (Array.isArray(value) ? value[0] : value)?.trim();
  return text ? text : undefined;
}

/** The filter from the page's search parameters; values the API would not take are dropped. */
export function readOrderFilter(params: Record<string, string | string[] | undefined>): OrderFilter {
  const filter: OrderFilter = {};
  const q = first(params.q);
  if (q) filter.q = q;
  const status = first(params.status);
  if (STATUS_GROUPS.some((group) => group.value === status)) filter.status = status as OrderStatusGroup;
  const sort = first(params.sort);
  if (sort === "oldest") filter.sort = sort;
  const limit = Number(first(params.limit));
  if (Number.isInteger(limit) && limit >= 1 && limit <= 100 && limit !== ORDERS_PAGE) filter.limit = limit;
  return filter;
}

/** The event page's address for `filter`, at the page after `cursor` (the orders card in view). */
export function ordersHref(eventId: string, filter: OrderFilter, cursor?: string, back?: string[]): string {
  const params = new URLSearchParams(
    Object.entries(filter).map(([key, value]) => [key, String(value)] as [string, string]),
  );
  if (cursor) params.set("cursor", cursor);
  if (back && back.length > 0) params.set("back", writeBack(back));
  const search = params.toString();
  return `/organiser/events/${eventId}${search ? `?${search}` : ""}#orders`;
}
