import type { Metadata } from "next";
import Link from "next/link";
import { ChevronRight, ScanLine } from "lucide-react";

import { Badge } from "@/components/ui/badge";
import { FailureScreen } from "@/components/failure-screen";
import { RequireViewer } from "@/components/require-viewer";
import { StateScreen } from "@/components/state-screen";
import { load, serverApi } from "@/lib/api/server";
import { formatEventTime } from "@/lib/format";

export const metadata: Metadata = { title: "Door" };
export const dynamic = "force-dynamic";

export default function DoorPage() {
  return (
    <RequireViewer next="/door">
      <DoorEvents />
    </RequireViewer>
  );
}

async function DoorEvents() {
  const api = await serverApi();
  const loaded = await load(() => api.GET("/door/events"));
  if (!loaded.ok) return <FailureScreen failure={loaded.failure} what="door list" />;
  const { events } = loaded.data;
  return (
    <div className="mx-auto max-w-2xl space-y-6">
      <header className="space-y-1">
        <h1 className="text-2xl font-bold tracking-tight">Door</h1>
        <p className="text-muted-foreground">Pick the event you scan tickets for. The scanner keeps working without a network once opened.</p>
      </header>
      {events.length === 0 ? (
        <StateScreen kind="empty" level={2} title="No doors to work">
          <p>You can scan tickets for events you organise, or those whose organiser gave you door access.</p>
        </StateScreen>
      ) : (
        <ul aria-label="Events to scan for" className="space-y-3">
          {events.map((event) => (
            <li key={event.id}>
              <Link
                href={`/door/events/${event.id}`}
                className="flex min-h-16 items-center gap-3 rounded-xl border bg-card p-4 shadow-sm transition-colors hover:bg-accent focus-visible:ring-2 focus-visible:ring-ring focus-visible:outline-none"
              >
                <span className="flex size-11 shrink-0 items-center justify-center rounded-lg bg-primary text-primary-foreground">
                  <ScanLine aria-hidden className="size-5" />
                </span>
                <span className="min-w-0 flex-1">
                  <span className="flex flex-wrap items-center gap-x-2">
                    <span className="text-base font-semibold break-words">{event.title}</span>
                    {event.status === "cancelled" ? <Badge variant="destructive">Cancelled</Badge> : null}
                  </span>
                  <span className="block text-sm text-muted-foreground">{formatEventTime(event.starts_at, event.time_zone)}</span>
                  <span className="block truncate text-sm text-muted-foreground">{event.venue_name}</span>
                </span>
                <ChevronRight aria-hidden className="size-5 shrink-0 text-muted-foreground" />
              </Link>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
