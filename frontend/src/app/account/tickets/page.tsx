import type { Metadata } from "next";
import Link from "next/link";

import { Button } from "@/components/ui/button";
import { FailureScreen } from "@/components/failure-screen";
import { RequireViewer } from "@/components/require-viewer";
import { ResendTickets } from "@/components/resend-tickets";
import { StateScreen } from "@/components/state-screen";
import { TicketCard } from "@/components/ticket-card";
import { load, serverApi } from "@/lib/api/server";
import { formatEventTime } from "@/lib/format";
import { viaProxy } from "@/lib/orders";
import type { Ticket } from "@/lib/api/types";

export const metadata: Metadata = { title: "My tickets" };
export const dynamic = "force-dynamic";

export default function MyTicketsPage() {
  return (
    <RequireViewer next="/account/tickets">
      <MyTickets />
    </RequireViewer>
  );
}

async function MyTickets() {
  const api = await serverApi();
  const loaded = await load(() => api.GET("/me/tickets"));
  if (!loaded.ok) return <FailureScreen failure={loaded.failure} what="ticket list" />;
  const { tickets } = loaded.data;
  if (tickets.length === 0) {
    return (
      <StateScreen
        kind="tickets"
        title="No tickets yet"
        actions={
          <Button asChild>
            <Link href="/">Find an event</Link>
          </Button>
        }
      >
        <p>Tickets you buy while logged in appear here, each with its QR code for the door.</p>
        <p>
          Bought tickets as a guest with your email? They appear here once you confirm the address with the link we
          emailed you (you can <Link href="/account" className="text-primary underline-offset-4 hover:underline">send it again</Link> from My account).
        </p>
      </StateScreen>
    );
  }
  const byEvent = new Map<string, Ticket[]>();
  for (const t of tickets) byEvent.set(t.event_id, [...(byEvent.get(t.event_id) ?? []), t]);
  // The ticket list does not carry the event's time zone: ask each event once, so times
  // read as the venue's clock (UTC if an event cannot be loaded).
  const zones = new Map(
    await Promise.all(
      [...byEvent.keys()].map(async (id) => {
        const event = await load(() => api.GET("/events/{event_id}", { params: { path: { event_id: id } } }));
        return [id, event.ok ? event.data.time_zone : "UTC"] as const;
      }),
    ),
  );
  return (
    <div className="space-y-8">
      <h1 className="text-2xl font-bold tracking-tight">My tickets</h1>
      {[...byEvent.values()].map((group) => {
        const first = group[0]!;
        return (
          <section key={first.event_id} aria-labelledby={`event-${first.event_id}`} className="space-y-3">
            <h2 id={`event-${first.event_id}`} className="text-lg font-semibold">
              <Link href={`/events/${first.event_id}`} className="underline-offset-4 hover:underline">
                {first.event_title}
              </Link>
              <span className="block text-sm font-normal text-muted-foreground">
                {first.venue_name ? `${first.venue_name} · ` : null}
                {first.starts_at ? (
                  <time dateTime={first.starts_at}>{formatEventTime(first.starts_at, zones.get(first.event_id) ?? "UTC")}</time>
                ) : null}
              </span>
            </h2>
            <div className="grid gap-4 sm:grid-cols-2 lg:grid-cols-3">
              {group.map((t, i) => (
                <TicketCard
                  key={t.ticket_id}
                  index={i + 1}
                  title={t.ticket_type_name}
                  status={t.state === "valid" ? "valid" : "refunded"}
                  checkedInAt={t.checked_in_at}
                  timeZone={zones.get(t.event_id) ?? "UTC"}
                  qrSrc={viaProxy(t.qr_svg_url)}
                />
              ))}
            </div>
            <div className="flex flex-wrap gap-4">
              {/* One button per order with a ticket still valid: the email is per order. */}
              {[...new Set(group.filter((t) => t.state === "valid").map((t) => t.order_id))].map((orderId, n, all) => (
                <ResendTickets
                  key={orderId}
                  orderId={orderId}
                  label={all.length > 1 ? `Email my tickets again (order ${n + 1})` : "Email my tickets again"}
                />
              ))}
            </div>
          </section>
        );
      })}
    </div>
  );
}
