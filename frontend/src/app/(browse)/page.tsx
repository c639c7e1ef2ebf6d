import Link from "next/link";
import { MapPin, Search } from "lucide-react";

import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { EventPicture } from "@/components/event-picture";
import { FailureScreen } from "@/components/failure-screen";
import { StateScreen } from "@/components/state-screen";
import { load, serverApi } from "@/lib/api/server";
import type { EventSummary } from "@/lib/api/types";
import { formatEventClock, formatEventDay, formatMoney } from "@/lib/format";

export const dynamic = "force-dynamic";

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

function single(value: string | string[] | undefined): string {
  return (Array.isArray(value) ? value[0] : value)?.trim() ?? "";
}

/** `YYYY-MM-DD` from a date input as the start of that day in UTC, RFC 3339. */
function dayStart(day: string): string | undefined {
  return /^\d{4}-\d{2}-\d{2}$/.test(day) ? `${day}T00:00:00Z` : undefined;
}

function dayAfter(day: string): string | undefined {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) return undefined;
  const date = new Date(`${day}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + 1);
  return date.toISOString().replace(".000Z", "Z");
}

export default async function EventsPage({ searchParams }: { searchParams: SearchParams }) {
  const params = await searchParams;
  const q = single(params.q);
  const from = single(params.from);
  const to = single(params.to);
  const cursor = single(params.cursor);
  const api = await serverApi();
  const page = await load(() =>
    api.GET("/events", {
      params: {
        query: {
          q: q || undefined,
          from: dayStart(from),
          to: dayAfter(to),
          cursor: cursor || undefined,
          limit: 12,
        },
      },
    }),
  );
  const filtered = Boolean(q || from || to);

  return (
    <div className="space-y-8">
      <section className="space-y-2">
        <h1 className="text-3xl font-bold tracking-tight sm:text-4xl">Find your next night out</h1>
        <p className="text-muted-foreground">Pick an event, hold your tickets for 15 minutes, pay safely.</p>
      </section>

      <form role="search" action="/" method="get" className="grid gap-3 rounded-xl border bg-card p-4 md:grid-cols-[1fr_auto_auto] md:items-end">
        <div className="grid gap-1.5">
          <Label htmlFor="q">Search</Label>
          <div className="relative">
            <Search aria-hidden className="pointer-events-none absolute top-1/2 left-3 size-4 -translate-y-1/2 text-muted-foreground" />
            <Input id="q" name="q" type="search" defaultValue={q} placeholder="Artist, venue, city…" className="pl-9" maxLength={200} />
          </div>
        </div>
        <div className="grid grid-cols-2 gap-3">
          <div className="grid gap-1.5">
            <Label htmlFor="from">From</Label>
            <Input id="from" name="from" type="date" defaultValue={from} />
          </div>
          <div className="grid gap-1.5">
            <Label htmlFor="to">Until</Label>
            <Input id="to" name="to" type="date" defaultValue={to} />
          </div>
        </div>
        <div className="flex gap-2">
          <Button type="submit" className="flex-1 md:flex-none">
            Search
          </Button>
          {filtered ? (
            <Button asChild variant="ghost">
              <Link href="/">Clear</Link>
            </Button>
          ) : null}
        </div>
      </form>

      {!page.ok ? (
        <FailureScreen failure={page.failure} what="listing" level={2} />
      ) : page.data.items.length === 0 ? (
        <StateScreen
          kind="empty"
          level={2}
          title={filtered ? "No events match your search" : "No events on sale yet"}
          actions={
            filtered ? (
              <Button asChild variant="outline">
                <Link href="/">Show all events</Link>
              </Button>
            ) : undefined
          }
        >
          <p>{filtered ? "Try other words or a wider date range." : "Come back soon: organisers are preparing their shows."}</p>
        </StateScreen>
      ) : (
        <section aria-label="Events" className="space-y-6">
          <ul className="grid gap-4 sm:grid-cols-2 lg:grid-cols-3">
            {page.data.items.map((event) => (
              <li key={event.id}>
                <EventCard event={event} />
              </li>
            ))}
          </ul>
          {page.data.next_cursor ? (
            <div className="flex justify-center">
              <Button asChild variant="outline">
                <Link
                  href={{ pathname: "/", query: { ...(q && { q }), ...(from && { from }), ...(to && { to }), cursor: page.data.next_cursor } }}
                >
                  More events
                </Link>
              </Button>
            </div>
          ) : null}
        </section>
      )}
    </div>
  );
}

function EventCard({ event }: { event: EventSummary }) {
  const { day, month, year } = formatEventDay(event.starts_at, event.time_zone);
  return (
    <Card className="group relative h-full overflow-hidden transition-shadow focus-within:ring-2 focus-within:ring-ring hover:shadow-md">
      {event.poster ? (
        <EventPicture
          image={event.poster}
          sizes="(min-width: 1024px) 22rem, (min-width: 640px) 50vw, 100vw"
          className="aspect-[16/9]"
        />
      ) : null}
      <div className="flex gap-4 p-4">
        <div className="flex w-14 shrink-0 flex-col items-center justify-center rounded-lg bg-accent py-2 text-accent-foreground">
          <span className="text-xl leading-none font-bold">{day}</span>
          <span className="text-xs font-medium uppercase">{month}</span>
          {year ? (
            <span className="text-xs font-medium" data-event-year>
              {year}
            </span>
          ) : null}
        </div>
        <div className="min-w-0 flex-1 space-y-1">
          <h2 className="font-semibold leading-snug">
            <Link href={`/events/${event.id}`} className="after:absolute after:inset-0 focus:outline-none">
              {event.title}
            </Link>
          </h2>
          <p className="flex items-center gap-1 truncate text-sm text-muted-foreground">
            <MapPin aria-hidden className="size-3.5 shrink-0" />
            <span className="truncate">{event.venue.name}</span>
          </p>
          <p className="text-sm text-muted-foreground">{formatEventClock(event.starts_at, event.time_zone)}</p>
          {event.price_from ? (
            <p className="pt-1 text-sm font-medium">from {formatMoney(event.price_from)}</p>
          ) : null}
        </div>
      </div>
    </Card>
  );
}
