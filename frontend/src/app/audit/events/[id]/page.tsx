import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { ChevronLeft } from "lucide-react";

import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { FailureScreen } from "@/components/failure-screen";
import { HistoryTimeline } from "@/components/audit/history-timeline";
import { load, serverApi } from "@/lib/api/server";
import { shortId } from "@/lib/audit";
import { getViewer, isAuditor, isOrganiser } from "@/lib/session";

export const metadata: Metadata = { title: "Event history", robots: { index: false } };
export const dynamic = "force-dynamic";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** An event's story and its orders in short, for its organiser, auditors and admins. */
export default async function EventHistoryPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  if (!UUID.test(id)) notFound();
  const api = await serverApi();
  const [loaded, viewer] = await Promise.all([
    load(() => api.GET("/audit/events/{event_id}/history", { params: { path: { event_id: id } } })),
    getViewer(),
  ]);
  if (!loaded.ok) return <FailureScreen failure={loaded.failure} what="event history" />;
  const history = loaded.data;
  const back = isOrganiser(viewer)
    ? { href: `/organiser/events/${history.event_id}`, label: "Manage event" }
    : isAuditor(viewer)
      ? { href: `/audit?event_id=${history.event_id}`, label: "The event's log" }
      : null;
  return (
    <div className="space-y-6">
      {back ? (
        <Link href={back.href} className="inline-flex items-center gap-1 text-sm text-muted-foreground hover:text-foreground">
          <ChevronLeft aria-hidden className="size-4" /> {back.label}
        </Link>
      ) : null}
      <header className="space-y-1">
        <h1 className="text-2xl font-bold tracking-tight">
          Event history <span className="font-mono text-lg text-muted-foreground">{shortId(history.event_id)}</span>
        </h1>
        <p className="text-sm text-muted-foreground">
          What happened to the event, its tickets and its door, oldest first. Times are in the event&apos;s time zone (
          {history.time_zone ?? "UTC"}).
        </p>
      </header>

      <Card>
        <CardHeader>
          <CardTitle>Orders</CardTitle>
          <CardDescription>In the order they were placed, each with its latest fact.</CardDescription>
        </CardHeader>
        <CardContent>
          {history.orders.length === 0 ? (
            <p className="rounded-lg border border-dashed p-6 text-center text-sm text-muted-foreground" data-state="empty">
              No orders yet.
            </p>
          ) : (
            <ul aria-label="Orders of the event" className="divide-y">
              {history.orders.map((o) => (
                <li key={o.order_id} className="flex flex-col gap-1 py-3 sm:flex-row sm:items-start sm:gap-4">
                  <Link
                    href={`/audit/orders/${o.order_id}`}
                    aria-label={`History of order ${shortId(o.order_id)}`}
                    className="shrink-0 font-mono text-sm font-medium text-primary underline-offset-4 hover:underline"
                  >
                    {shortId(o.order_id)}
                  </Link>
                  <p className="min-w-0 flex-1 text-sm break-words">{o.latest}</p>
                  <p className="shrink-0 text-xs text-muted-foreground">
                    {o.facts} {o.facts === 1 ? "fact" : "facts"}
                  </p>
                </li>
              ))}
            </ul>
          )}
        </CardContent>
      </Card>

      <section aria-labelledby="event-facts" className="space-y-3">
        <h2 id="event-facts" className="text-lg font-semibold">
          The event and its inventory
        </h2>
        <HistoryTimeline
          facts={history.facts}
          timeZone={history.time_zone}
          viewer={viewer}
          label="Event history"
          organiserId={history.organiser_id}
        />
      </section>
    </div>
  );
}
