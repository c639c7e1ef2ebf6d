import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { ChevronLeft, History, ScanLine } from "lucide-react";

import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { CheckInCounts } from "@/components/door/check-in-counts";
import { FailureScreen } from "@/components/failure-screen";
import { CapacityPoolsPanel } from "@/components/organiser/capacity-pools-panel";
import { DoorStaffPanel } from "@/components/organiser/door-staff-panel";
import { EventActions } from "@/components/organiser/event-actions";
import { EventForm } from "@/components/organiser/event-form";
import { EventImagesPanel } from "@/components/organiser/event-images-panel";
import { VouchersPanel } from "@/components/organiser/vouchers-panel";
import { WaitingListPanel } from "@/components/organiser/waiting-list-panel";
import { RequireOrganiser } from "@/components/organiser/require-organiser";
import { StatusBadge } from "@/components/organiser/status-badge";
import { TicketTypeForm } from "@/components/organiser/ticket-type-form";
import { TicketTypeRowActions } from "@/components/organiser/ticket-type-row-actions";
import { EventOrders, type OrdersLoad } from "@/components/organiser/event-orders";
import { failureMessage } from "@/lib/api/problem";
import { load, serverApi } from "@/lib/api/server";
import { pageLinks, readBack } from "@/lib/cursor-pages";
import { ORDERS_PAGE, ordersHref, readOrderFilter } from "@/lib/order-filter";
import { formatEventClock, formatEventTime, formatMoney } from "@/lib/format";

export const metadata: Metadata = { title: "Manage event", robots: { index: false } };
export const dynamic = "force-dynamic";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

type SearchParams = Record<string, string | string[] | undefined>;

export default async function ManageEventPage({
  params,
  searchParams,
}: {
  params: Promise<{ id: string }>;
  searchParams: Promise<SearchParams>;
}) {
  const { id } = await params;
  if (!UUID.test(id)) notFound();
  return (
    <RequireOrganiser next={`/organiser/events/${id}`}>
      <ManageEvent id={id} search={await searchParams} />
    </RequireOrganiser>
  );
}

async function ManageEvent({ id, search }: { id: string; search: SearchParams }) {
  const api = await serverApi();
  // The orders list's search, filter, sort and page, as the address carries them.
  const filter = readOrderFilter(search);
  const cursor = typeof search.cursor === "string" && search.cursor ? search.cursor : undefined;
  const back = cursor ? readBack(search) : [];
  const [loaded, sales, orders, doorStaff, doubleEntries] = await Promise.all([
    load(() => api.GET("/organiser/events/{event_id}", { params: { path: { event_id: id } } })),
    load(() => api.GET("/organiser/events/{event_id}/sales", { params: { path: { event_id: id } } })),
    load(() =>
      api.GET("/organiser/events/{event_id}/orders", {
        params: { path: { event_id: id }, query: { ...filter, cursor, limit: filter.limit ?? ORDERS_PAGE } },
      }),
    ),
    load(() => api.GET("/organiser/events/{event_id}/door-staff", { params: { path: { event_id: id } } })),
    load(() => api.GET("/door/events/{event_id}/double-entries", { params: { path: { event_id: id } } })),
  ]);
  if (!loaded.ok) return <FailureScreen failure={loaded.failure} what="event" />;
  const event = loaded.data;
  const editable = event.status !== "cancelled";
  // Sales figures come from the orders read model; until it knows the event, the
  // availability of the event itself stands in (no revenue yet then).
  const ordersLoaded: OrdersLoad = orders.ok ? { page: orders.data } : { problem: failureMessage(orders.failure) };
  const orderLinks = pageLinks(
    (next, stack) => ordersHref(id, filter, next, stack),
    cursor,
    back,
    orders.ok ? orders.data.next_cursor : undefined,
  );
  const figures = new Map((sales.ok ? sales.data.ticket_types : []).map((t) => [t.ticket_type_id, t]));

  return (
    <div className="space-y-6">
      <Link href="/organiser" className="inline-flex items-center gap-1 text-sm text-muted-foreground hover:text-foreground">
        <ChevronLeft aria-hidden className="size-4" /> My events
      </Link>
      <header className="flex flex-col gap-4 sm:flex-row sm:items-start sm:justify-between">
        <div className="space-y-1">
          <div className="flex items-center gap-2">
            <h1 className="text-2xl font-bold tracking-tight">{event.title}</h1>
            <StatusBadge status={event.status} />
          </div>
          <p className="text-sm text-muted-foreground">
            {event.venue.name} · {formatEventTime(event.starts_at, event.time_zone)}
          </p>
        </div>
        <div className="flex flex-wrap items-start gap-2">
          <Button asChild variant="outline">
            <Link href={`/audit/events/${event.id}`}>
              <History aria-hidden /> Event history
            </Link>
          </Button>
          <EventActions event={event} />
        </div>
      </header>

      <Card>
        <CardHeader>
          <CardTitle>Ticket types and sales</CardTitle>
          <CardDescription>Live figures: held tickets are in buyers&apos; carts, sold ones are paid.</CardDescription>
        </CardHeader>
        <CardContent className="space-y-6">
          {event.ticket_types.length === 0 ? (
            <p className="rounded-lg border border-dashed p-6 text-center text-sm text-muted-foreground" data-state="empty">
              No ticket types yet. Add one below before you publish.
            </p>
          ) : (
            <Table aria-label="Ticket types" className="[&_td]:px-1 [&_th]:px-1 sm:[&_td]:px-2 sm:[&_th]:px-2">
              <TableHeader>
                <TableRow>
                  <TableHead>Ticket type</TableHead>
                  {/* A phone shows price, capacity and holds under the name, so sold, revenue
                      and the actions stay in view at 360 px. */}
                  <TableHead className="hidden text-right sm:table-cell">Price</TableHead>
                  <TableHead className="hidden text-right sm:table-cell">Capacity</TableHead>
                  <TableHead className="hidden text-right sm:table-cell">Held</TableHead>
                  <TableHead className="text-right">Sold</TableHead>
                  <TableHead className="text-right">Revenue</TableHead>
                  {editable ? <TableHead className="sr-only">Actions</TableHead> : null}
                </TableRow>
              </TableHeader>
              <TableBody>
                {event.ticket_types.map((t) => (
                  <TableRow key={t.id}>
                    <TableCell className="whitespace-normal font-medium">
                      {t.name}
                      {t.hidden ? (
                        <Badge variant="secondary" className="ml-2" title="Only buyers with a code that unlocks it can see and buy it.">
                          Hidden
                        </Badge>
                      ) : null}
                      {t.availability.available === 0 ? (
                        <Badge variant="destructive" className="ml-2">
                          Sold out
                        </Badge>
                      ) : null}
                      <span className="block text-xs font-normal text-muted-foreground sm:hidden">
                        {formatMoney(t.price)} · {t.capacity} places · {figures.get(t.id)?.held ?? t.availability.held} held
                      </span>
                    </TableCell>
                    <TableCell className="hidden text-right sm:table-cell">{formatMoney(t.price)}</TableCell>
                    <TableCell className="hidden text-right tabular-nums sm:table-cell">{t.capacity}</TableCell>
                    <TableCell className="hidden text-right tabular-nums sm:table-cell">
                      {figures.get(t.id)?.held ?? t.availability.held}
                    </TableCell>
                    <TableCell className="text-right tabular-nums">{figures.get(t.id)?.sold ?? t.availability.sold}</TableCell>
                    <TableCell className="text-right tabular-nums">
                      {formatMoney(figures.get(t.id)?.revenue ?? { amount_minor: 0, currency: t.price.currency })}
                    </TableCell>
                    {editable ? (
                      <TableCell>
                        <TicketTypeRowActions eventId={event.id} ticketType={t} />
                      </TableCell>
                    ) : null}
                  </TableRow>
                ))}
              </TableBody>
            </Table>
          )}
          {sales.ok ? (
            <p className="text-sm text-muted-foreground">
              Total revenue <strong className="text-foreground">{formatMoney(sales.data.total_revenue)}</strong> from{" "}
              {sales.data.orders_paid} paid {sales.data.orders_paid === 1 ? "order" : "orders"}.
            </p>
          ) : null}
          {editable ? (
            <section aria-labelledby="add-tt" className="space-y-3 border-t pt-6">
              <h2 id="add-tt" className="font-semibold">
                Add a ticket type
              </h2>
              <TicketTypeForm event={event} />
            </section>
          ) : null}
        </CardContent>
      </Card>

      {event.ticket_types.length > 0 || (event.capacity_pools ?? []).length > 0 ? (
        <Card id="shared-capacity" className="scroll-mt-20">
          <CardHeader>
            <CardTitle>Shared capacity</CardTitle>
            <CardDescription>
              A limit several ticket types draw from together, such as a venue of 1,000 for Standard, VIP and Student
              tickets. Each type keeps its own capacity too; buyers see the smaller of the two.
            </CardDescription>
          </CardHeader>
          <CardContent>
            <CapacityPoolsPanel event={event} editable={editable} />
          </CardContent>
        </Card>
      ) : null}

      {event.ticket_types.length > 0 ? (
        <Card id="waiting-list" className="scroll-mt-20">
          <CardHeader>
            <CardTitle>Waiting list</CardTitle>
            <CardDescription>
              Who waits for a sold-out ticket type, in the order they joined. Tickets that come back (a hold that lapses, a
              refund, more capacity) go to them first, by email.
            </CardDescription>
          </CardHeader>
          <CardContent>
            <WaitingListPanel eventId={event.id} timeZone={event.time_zone} editable={editable} />
          </CardContent>
        </Card>
      ) : null}

      {editable ? (
        <Card id="images" className="scroll-mt-20">
          <CardHeader>
            <CardTitle>Images</CardTitle>
            <CardDescription>
              The poster (the first image) shows on the listing and at the top of the event page; the others below it. Up to 8
              images, each with a text saying what it shows.
            </CardDescription>
          </CardHeader>
          <CardContent>
            <EventImagesPanel event={event} />
          </CardContent>
        </Card>
      ) : null}

      {editable ? (
        <Card id="codes" className="scroll-mt-20">
          <CardHeader>
            <CardTitle>Promo codes</CardTitle>
            <CardDescription>
              Codes buyers type for a discount. Each has a number of uses and may be limited to some ticket types or dates;
              switch one off at any time.
            </CardDescription>
          </CardHeader>
          <CardContent>
            <VouchersPanel event={event} />
          </CardContent>
        </Card>
      ) : null}

      <Card id="orders" className="scroll-mt-20">
        <CardHeader>
          <CardTitle>Orders</CardTitle>
          <CardDescription>
            Search, filter and page through every order. Refund some or all tickets of a paid order; they go back on sale.
            Downloads hold every order and every ticket, times in the event&apos;s time zone.
          </CardDescription>
        </CardHeader>
        <CardContent>
          <EventOrders
            eventId={event.id}
            timeZone={event.time_zone}
            attendees={event.attendee_questions ? { questions: event.attendee_questions, startsAt: event.starts_at } : undefined}
            filter={filter}
            loaded={ordersLoaded}
            links={orderLinks}
            firstPage={!cursor}
          />
        </CardContent>
      </Card>

      {event.status !== "draft" ? (
        <Card>
          <CardHeader>
            <CardTitle>At the door</CardTitle>
            <CardDescription>Tickets scanned in against tickets sold, live.</CardDescription>
          </CardHeader>
          <CardContent className="space-y-4">
            <CheckInCounts eventId={event.id} />
            <section aria-labelledby="double-entries" className="space-y-2">
              <h3 id="double-entries" className="font-semibold">
                Double entries
              </h3>
              {!doubleEntries.ok ? (
                <p className="text-sm text-muted-foreground">Double entries cannot be shown right now.</p>
              ) : doubleEntries.data.double_entries.length === 0 ? (
                <p className="text-sm text-muted-foreground" data-state="empty">
                  Nobody entered twice on one ticket.
                </p>
              ) : (
                <ul aria-label="Double entries" className="space-y-2 text-sm">
                  {doubleEntries.data.double_entries.map((d) => (
                    <li key={`${d.ticket_id}-${d.duplicate.scanned_at}`} className="rounded-lg border border-red-300 bg-red-50 p-3 text-red-950">
                      <span className="font-semibold">{d.ticket_type_name}</span> ticket {d.ticket_id.slice(0, 8)}: admitted{" "}
                      {formatEventClock(d.admission.scanned_at, event.time_zone)}
                      {d.admission.device_id ? ` on ${d.admission.device_id}` : " online"}, entered again{" "}
                      {formatEventClock(d.duplicate.scanned_at, event.time_zone)}
                      {d.duplicate.device_id ? ` on ${d.duplicate.device_id}` : ""}.
                    </li>
                  ))}
                </ul>
              )}
            </section>
            <div className="flex flex-wrap gap-2">
              <Button asChild variant="outline">
                <Link href={`/door/events/${event.id}`}>
                  <ScanLine aria-hidden /> Open the scanner
                </Link>
              </Button>
            </div>
          </CardContent>
        </Card>
      ) : null}

      {editable ? (
        <Card>
          <CardHeader>
            <CardTitle>Door staff</CardTitle>
            <CardDescription>
              People who scan tickets at the entrance need an account; give it access here. A removal holds from their next
              scan.
            </CardDescription>
          </CardHeader>
          <CardContent>
            <DoorStaffPanel
              eventId={event.id}
              timeZone={event.time_zone}
              initial={doorStaff.ok ? doorStaff.data.door_staff : null}
            />
          </CardContent>
        </Card>
      ) : null}

      {editable ? (
        <Card>
          <CardHeader>
            <CardTitle>Details</CardTitle>
            <CardDescription>Times are in the event&apos;s time zone.</CardDescription>
          </CardHeader>
          <CardContent>
            <EventForm event={event} />
          </CardContent>
        </Card>
      ) : null}
    </div>
  );
}
