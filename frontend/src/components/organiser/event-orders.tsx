import Link from "next/link";
import { Download } from "lucide-react";

import { Alert, AlertDescription, AlertTitle } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Label } from "@/components/ui/label";
import { NativeSelect } from "@/components/ui/native-select";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { Field } from "@/components/field";
import { OrderRefundCells, type AttendeeRules } from "@/components/organiser/order-refund";
import type { Order } from "@/lib/api/types";
import { formatEventTime, formatMoney } from "@/lib/format";
import { SORTS, STATUS_GROUPS, ordersHref, type OrderFilter } from "@/lib/order-filter";

/** What the event page read of the orders list: a page, or why there is none. */
export type OrdersLoad = { page: { orders: Order[]; next_cursor?: string | null } } | { problem: string };

/**
 * The event's orders, a page at a time: search, status and sort as a plain GET form (the
 * address keeps them, and it works before any script has loaded), Previous and Next by
 * the API's cursor, and the CSV downloads of every order and every attendee.
 */
export function EventOrders({
  eventId,
  timeZone,
  attendees,
  filter,
  loaded,
  links,
  firstPage,
}: {
  eventId: string;
  timeZone: string;
  /** What the event asks about attendees and when it starts, for the names' corrections. */
  attendees?: AttendeeRules;
  filter: OrderFilter;
  loaded: OrdersLoad;
  links: { next?: string; previous?: string };
  firstPage: boolean;
}) {
  const filtered = Boolean(filter.q || filter.status);
  return (
    <div className="space-y-4">
      <div className="flex flex-wrap gap-2">
        <Button asChild variant="outline" size="sm">
          <a href={`/api/organiser/events/${eventId}/orders.csv`} download>
            <Download aria-hidden /> Orders (CSV)
          </a>
        </Button>
        <Button asChild variant="outline" size="sm">
          <a href={`/api/organiser/events/${eventId}/attendees.csv`} download>
            <Download aria-hidden /> Attendees (CSV)
          </a>
        </Button>
      </div>

      <form method="get" action={`/organiser/events/${eventId}#orders`} aria-label="Find orders" className="rounded-lg border p-4">
        <div className="grid gap-4 sm:grid-cols-[2fr_1fr_1fr]">
          <Field
            id="q"
            label="Search"
            type="search"
            defaultValue={filter.q}
            placeholder="Email, order id or attendee"
            hint="The start of a buyer's email, an order id or an attendee's name."
            autoComplete="off"
          />
          <div className="grid content-start gap-1.5">
            <Label htmlFor="status">Status</Label>
            <NativeSelect id="status" name="status" defaultValue={filter.status ?? ""}>
              <option value="">Any</option>
              {STATUS_GROUPS.map((group) => (
                <option key={group.value} value={group.value}>
                  {group.label}
                </option>
              ))}
            </NativeSelect>
          </div>
          <div className="grid content-start gap-1.5">
            <Label htmlFor="sort">Order</Label>
            <NativeSelect id="sort" name="sort" defaultValue={filter.sort ?? "newest"}>
              {SORTS.map((sort) => (
                <option key={sort.value} value={sort.value}>
                  {sort.label}
                </option>
              ))}
            </NativeSelect>
          </div>
        </div>
        {filter.limit ? <input type="hidden" name="limit" value={filter.limit} /> : null}
        <div className="mt-4 flex flex-wrap gap-2">
          <Button type="submit">Show orders</Button>
          {filtered || filter.sort ? (
            <Button asChild variant="ghost">
              <Link href={ordersHref(eventId, {})}>Clear</Link>
            </Button>
          ) : null}
        </div>
      </form>

      {"problem" in loaded ? (
        <Alert variant="destructive">
          <AlertTitle>Orders cannot be shown</AlertTitle>
          <AlertDescription>{loaded.problem}</AlertDescription>
        </Alert>
      ) : loaded.page.orders.length === 0 ? (
        <p className="rounded-lg border border-dashed p-6 text-center text-sm text-muted-foreground" data-state="empty">
          {filtered ? "No order matches." : firstPage ? "No orders yet." : "No more orders."}
        </p>
      ) : (
        <Table aria-label="Orders" className="[&_td]:px-1 [&_th]:px-1 sm:[&_td]:px-2 sm:[&_th]:px-2">
          <TableHeader>
            <TableRow>
              <TableHead className="hidden sm:table-cell">Order</TableHead>
              <TableHead>Buyer</TableHead>
              <TableHead className="hidden text-right sm:table-cell">Tickets</TableHead>
              <TableHead className="hidden text-right sm:table-cell">Total</TableHead>
              <TableHead>Status</TableHead>
              <TableHead className="sr-only">Refund</TableHead>
            </TableRow>
          </TableHeader>
          <TableBody>
            {loaded.page.orders.map((o) => (
              <TableRow key={o.order_id}>
                {/* A phone shows buyer, status and refund; the rest is in the refund panel. */}
                <TableCell className="hidden sm:table-cell">
                  <span className="block font-mono text-xs">{o.order_id.slice(0, 8)}</span>
                  <span className="block text-xs text-muted-foreground">{formatEventTime(o.created_at, timeZone)}</span>
                </TableCell>
                <TableCell className="max-w-28 sm:max-w-48">
                  <span className="block truncate" title={o.email}>
                    {o.email}
                  </span>
                  {o.tickets.some((t) => t.attendee_name) ? (
                    <span className="block truncate text-xs text-muted-foreground" data-attendees>
                      {o.tickets
                        .map((t) => t.attendee_name)
                        .filter(Boolean)
                        .join(", ")}
                    </span>
                  ) : null}
                  <Link
                    href={`/audit/orders/${o.order_id}`}
                    aria-label={`History of order ${o.order_id.slice(0, 8)}`}
                    className="text-xs text-primary underline-offset-4 hover:underline"
                  >
                    History
                  </Link>
                </TableCell>
                <TableCell className="hidden text-right tabular-nums sm:table-cell">{o.tickets.length}</TableCell>
                <TableCell className="hidden text-right sm:table-cell">{formatMoney(o.total)}</TableCell>
                <OrderRefundCells initial={o} label={`order ${o.order_id.slice(0, 8)} of ${o.email}`} attendees={attendees} />
              </TableRow>
            ))}
          </TableBody>
        </Table>
      )}

      {links.previous || links.next ? (
        <nav aria-label="Pages of orders" className="flex flex-wrap items-center gap-2">
          {!firstPage ? (
            <Button asChild variant="outline" size="sm">
              <Link href={ordersHref(eventId, filter)}>First page</Link>
            </Button>
          ) : null}
          {links.previous ? (
            <Button asChild variant="outline" size="sm">
              <Link href={links.previous}>Previous page</Link>
            </Button>
          ) : null}
          {links.next ? (
            <Button asChild size="sm">
              <Link href={links.next}>Next page</Link>
            </Button>
          ) : null}
        </nav>
      ) : null}
    </div>
  );
}
