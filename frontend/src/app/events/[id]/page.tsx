import type { Metadata } from "next";
import { cache } from "react";
import { notFound } from "next/navigation";
import { CalendarDays, Clock, MapPin } from "lucide-react";

import { Alert, AlertDescription, AlertTitle } from "@/components/ui/alert";
import { Badge } from "@/components/ui/badge";
import { FailureScreen } from "@/components/failure-screen";
import { AutoRefresh } from "@/components/auto-refresh";
import { EventPicture } from "@/components/event-picture";
import { TicketPicker } from "@/components/ticket-picker";
import { load, serverApi } from "@/lib/api/server";
import { CODE_PARAM } from "@/lib/codes";
import { formatEventTime } from "@/lib/format";
import { RichText } from "@/components/rich-text";

export const dynamic = "force-dynamic";

type Params = Promise<{ id: string }>;
type SearchParams = Promise<Record<string, string | string[] | undefined>>;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

// One API call per request, shared by the metadata and the page.
const loadEvent = cache(async (id: string) => {
  const api = await serverApi();
  return load(() => api.GET("/events/{event_id}", { params: { path: { event_id: id } } }));
});

export async function generateMetadata({ params }: { params: Params }): Promise<Metadata> {
  const { id } = await params;
  if (!UUID.test(id)) notFound();
  const event = await loadEvent(id);
  if (!event.ok) {
    if (event.failure.kind === "problem" && event.failure.status === 404) notFound();
    return { title: "Event" };
  }
  const description =
    event.data.description.slice(0, 200) ||
    `${event.data.title} at ${event.data.venue.name}, ${formatEventTime(event.data.starts_at, event.data.time_zone)}`;
  return {
    title: event.data.title,
    description,
    openGraph: { title: event.data.title, description, type: "website" },
    twitter: { card: "summary", title: event.data.title, description },
  };
}

export default async function EventPage({ params, searchParams }: { params: Params; searchParams: SearchParams }) {
  const { id } = await params;
  // A promo code shared in the link (`?code=EARLY-BIRD`), applied by the ticket picker.
  const code = (await searchParams)[CODE_PARAM];
  if (!UUID.test(id)) notFound();
  const event = await loadEvent(id);
  if (!event.ok) {
    if (event.failure.kind === "problem" && event.failure.status === 404) notFound();
    return <FailureScreen failure={event.failure} what="event" />;
  }
  const e = event.data;
  const cancelled = e.status === "cancelled";
  const [poster, ...more] = e.images;
  return (
    <article className="grid gap-8 lg:grid-cols-[1fr_24rem]">
      <AutoRefresh seconds={15} />
      <div className="space-y-6">
        {poster ? (
          <EventPicture
            image={poster}
            sizes="(min-width: 1024px) calc(100vw - 28rem), 100vw"
            className="max-h-[32rem] rounded-xl"
            eager
          />
        ) : null}
        <header className="space-y-3">
          {cancelled ? <Badge variant="destructive">Cancelled</Badge> : null}
          <h1 className="text-3xl font-bold tracking-tight text-balance sm:text-4xl">{e.title}</h1>
          <dl className="grid gap-2 text-sm sm:text-base">
            <div className="flex items-start gap-2">
              <dt>
                <CalendarDays aria-hidden className="mt-0.5 size-4 text-muted-foreground" />
                <span className="sr-only">Starts</span>
              </dt>
              <dd>
                <time dateTime={e.starts_at}>{formatEventTime(e.starts_at, e.time_zone)}</time>
              </dd>
            </div>
            <div className="flex items-start gap-2">
              <dt>
                <Clock aria-hidden className="mt-0.5 size-4 text-muted-foreground" />
                <span className="sr-only">Ends</span>
              </dt>
              <dd className="text-muted-foreground">
                until <time dateTime={e.ends_at}>{formatEventTime(e.ends_at, e.time_zone)}</time>
                <span className="block text-xs">Times in the event&apos;s time zone ({e.time_zone}).</span>
              </dd>
            </div>
            <div className="flex items-start gap-2">
              <dt>
                <MapPin aria-hidden className="mt-0.5 size-4 text-muted-foreground" />
                <span className="sr-only">Venue</span>
              </dt>
              <dd>
                <span className="font-medium">{e.venue.name}</span>
                {e.venue.address ? <span className="block text-muted-foreground">{e.venue.address}</span> : null}
              </dd>
            </div>
          </dl>
        </header>
        {e.description ? (
          <section aria-labelledby="about" className="space-y-2">
            <h2 id="about" className="text-lg font-semibold">
              About this event
            </h2>
            <RichText text={e.description} className="leading-relaxed text-muted-foreground" />
          </section>
        ) : null}
        {more.length > 0 ? (
          <section aria-labelledby="pictures" className="space-y-2">
            <h2 id="pictures" className="text-lg font-semibold">
              Pictures
            </h2>
            <ul className="grid grid-cols-2 gap-3 sm:grid-cols-3">
              {more.map((image) => (
                <li key={image.id}>
                  <EventPicture image={image} sizes="(min-width: 640px) 16rem, 50vw" className="aspect-square rounded-lg" />
                </li>
              ))}
            </ul>
          </section>
        ) : null}
      </div>
      <aside aria-labelledby="tickets-title" className="lg:sticky lg:top-20 lg:self-start">
        <h2 id="tickets-title" className="mb-3 text-lg font-semibold">
          Tickets
        </h2>
        {cancelled ? (
          <Alert variant="destructive">
            <AlertTitle>This event has been cancelled</AlertTitle>
            <AlertDescription>
              {e.cancellation_reason ? <p className="whitespace-pre-line">The organiser says: {e.cancellation_reason}</p> : null}
              <p>No tickets are on sale. Paid orders are refunded automatically.</p>
            </AlertDescription>
          </Alert>
        ) : (
          <TicketPicker
            eventId={e.id}
            ticketTypes={e.ticket_types}
            timeZone={e.time_zone}
            initialCode={typeof code === "string" && code.trim() !== "" ? code : null}
            // Absent from details cached before waiting lists existed: open, as the API says.
            waitingListOpen={e.waiting_list_open ?? true}
            offerHours={e.waiting_list_offer_hours ?? 24}
          />
        )}
      </aside>
    </article>
  );
}
