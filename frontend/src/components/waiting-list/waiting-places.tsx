"use client";

import Link from "next/link";
import { useCallback, useEffect, useState } from "react";
import { BellRing, Hourglass } from "lucide-react";

import { Button } from "@/components/ui/button";
import { JoinWaitingListForm } from "@/components/waiting-list/join-form";
import { browserApi, call } from "@/lib/api/browser";
import { failureMessage, problemSlug, type Failure } from "@/lib/api/problem";
import type { TicketType, WaitingEntry } from "@/lib/api/types";
import { formatEventTime } from "@/lib/format";
import { rememberHoldToken } from "@/lib/holds";
import { forgetWaitingEntry, waitingEntries, type StoredEntry } from "@/lib/waiting";

/** How often a place's standing is asked again while the page is open (an offer can come any time). */
const REFRESH_MS = 20_000;

type Place = { stored: StoredEntry; entry: WaitingEntry | null; failure: Failure | null };

/** Whether a place is still in play: in line, or with tickets held for it. */
function stillOn(status: WaitingEntry["status"]): boolean {
  return status === "waiting" || status === "offered";
}

/**
 * Under one ticket type of the event page: this browser's places on its waiting list and
 * where they stand (number in line, an offer to pay, how it ended), and, when the type is
 * sold out and the list open, the button that opens the form to join it.
 */
export function WaitingPlaces({
  eventId,
  ticketType,
  timeZone,
  canJoin,
  offerHours,
}: {
  eventId: string;
  ticketType: TicketType;
  timeZone: string;
  /** Sold out, and the organiser keeps the waiting list open. */
  canJoin: boolean;
  /** How long an offer holds its tickets, in hours. */
  offerHours: number;
}) {
  const [places, setPlaces] = useState<Place[]>([]);
  const [joining, setJoining] = useState(false);

  const refresh = useCallback(async () => {
    const mine = waitingEntries(eventId).filter((e) => e.ticketTypeId === ticketType.id);
    const answers = await Promise.all(
      mine.map(async (stored) => ({
        stored,
        result: await call(() =>
          browserApi.GET("/waiting-list/{entry_id}", {
            params: { path: { entry_id: stored.entryId } },
            headers: { Authorization: `Bearer ${stored.token}` },
          }),
        ),
      })),
    );
    setPlaces((before) => {
      const shown = (id: string) => before.find((p) => p.stored.entryId === id);
      const next = answers.flatMap(({ stored, result }): Place[] => {
        if (result.ok) {
          // Said once, then forgotten: a place that is over needs no more asking.
          if (!stillOn(result.data.status)) forgetWaitingEntry(stored.entryId);
          return result.data.status === "left" ? [] : [{ stored, entry: result.data, failure: null }];
        }
        const { failure } = result;
        // The token is not (or no longer) good for it: nothing this browser can show.
        if (failure.kind === "problem" && (failure.status === 401 || failure.status === 403)) {
          forgetWaitingEntry(stored.entryId);
          return [];
        }
        const known = shown(stored.entryId);
        // Not found yet: the places' read model follows the join a moment later.
        if (failure.kind === "problem" && failure.status === 404) return known ? [known] : [];
        return [known ? { ...known, failure } : { stored, entry: null, failure }];
      });
      // What ended since the page opened stays said until the page closes.
      const ended = before.filter((p) => p.entry && !stillOn(p.entry.status) && !mine.some((m) => m.entryId === p.stored.entryId));
      return [...ended, ...next];
    });
  }, [eventId, ticketType.id]);

  useEffect(() => {
    void refresh();
    const timer = window.setInterval(() => void refresh(), REFRESH_MS);
    return () => window.clearInterval(timer);
  }, [refresh]);

  const waiting = places.some((p) => !p.entry || stillOn(p.entry.status));
  if (places.length === 0 && !canJoin) return null;
  return (
    <div className="mt-3 space-y-3" data-waiting-list={ticketType.name}>
      {places.map((place) => (
        <PlaceView
          key={place.stored.entryId}
          place={place}
          typeName={ticketType.name}
          timeZone={timeZone}
          onLeft={() => {
            forgetWaitingEntry(place.stored.entryId);
            setPlaces((all) => all.filter((p) => p.stored.entryId !== place.stored.entryId));
          }}
          onStale={() => void refresh()}
        />
      ))}
      {canJoin && !waiting ? (
        joining ? (
          <div className="rounded-lg border bg-muted/40 p-3">
            <JoinWaitingListForm
              eventId={eventId}
              ticketType={ticketType}
              offerHours={offerHours}
              onCancel={() => setJoining(false)}
              onJoined={(joined) => {
                setJoining(false);
                // The join's answer first: the places' read model follows it a moment later.
                setPlaces((all) => [...all.filter((p) => p.stored.entryId !== joined.stored.entryId), { ...joined, failure: null }]);
              }}
            />
          </div>
        ) : (
          <Button type="button" variant="outline" size="sm" className="w-full sm:w-auto" onClick={() => setJoining(true)}>
            <Hourglass aria-hidden /> Join the waiting list
          </Button>
        )
      ) : null}
    </div>
  );
}

/** One place: its number in line and the way out, the offer to pay, or how it ended. */
function PlaceView({
  place,
  typeName,
  timeZone,
  onLeft,
  onStale,
}: {
  place: Place;
  typeName: string;
  timeZone: string;
  onLeft: () => void;
  /** The place moved on meanwhile (an offer came): ask again. */
  onStale: () => void;
}) {
  const [failure, setFailure] = useState<Failure | null>(null);
  const [busy, setBusy] = useState(false);
  const { stored, entry } = place;

  const leave = async () => {
    setBusy(true);
    setFailure(null);
    const result = await call(() =>
      browserApi.DELETE("/waiting-list/{entry_id}", {
        params: { path: { entry_id: stored.entryId } },
        headers: { Authorization: `Bearer ${stored.token}` },
      }),
    );
    setBusy(false);
    if (result.ok) return onLeft();
    setFailure(result.failure);
    if (problemSlug(result.failure) === "waiting-list-offered") onStale();
  };

  const box = "rounded-lg border p-3 text-sm";
  if (!entry) {
    return (
      <p className={box} data-waiting-status="unknown">
        Your place on the waiting list cannot be shown right now: {place.failure ? failureMessage(place.failure) : ""}
      </p>
    );
  }
  const tickets = `${entry.quantity} ${entry.quantity === 1 ? "ticket" : "tickets"}`;
  if (entry.status === "offered" && entry.offer) {
    const holdId = entry.offer.reservation_id;
    return (
      <div className={`${box} space-y-2 border-primary/30 bg-accent text-accent-foreground`} data-waiting-status="offered">
        <p className="flex gap-2 font-medium">
          <BellRing aria-hidden className="mt-0.5 size-4 shrink-0" />
          {typeName}: {tickets} held for you
          {entry.offer.expires_at ? ` until ${formatEventTime(entry.offer.expires_at, timeZone)}` : ""}.
        </p>
        <Button asChild size="sm">
          {/* The place's token is the hold's: the hold page then opens in this browser as from the email. */}
          <Link href={`/holds/${holdId}`} onClick={() => rememberHoldToken(holdId, stored.token)}>
            Pay for your tickets
          </Link>
        </Button>
      </div>
    );
  }
  if (entry.status === "waiting") {
    return (
      <div className={`${box} space-y-2`} data-waiting-status="waiting">
        <p className="font-medium" aria-live="polite">
          You are number {entry.position ?? "…"} in line for {typeName}.
        </p>
        <p className="text-muted-foreground">
          {tickets} for {entry.email}. We email you when tickets come back.
        </p>
        {failure ? (
          <p role="alert" className="text-destructive">
            Could not leave the waiting list: {failureMessage(failure)}
          </p>
        ) : null}
        <Button type="button" variant="ghost" size="sm" className="-ml-3" onClick={leave} disabled={busy}>
          {busy ? "Leaving…" : "Leave the waiting list"}
        </Button>
      </div>
    );
  }
  return (
    <p className={`${box} text-muted-foreground`} data-waiting-status={entry.status}>
      {entry.status === "bought"
        ? `You bought the ${typeName} tickets offered to you from the waiting list.`
        : entry.status === "lapsed"
          ? `The ${typeName} tickets offered to you were not paid in time and went to the next in line.`
          : entry.status === "declined"
            ? `You gave back the ${typeName} tickets offered to you.`
            : "Your place on the waiting list is over."}
    </p>
  );
}
