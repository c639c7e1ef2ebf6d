"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import { useCallback, useEffect, useRef, useState } from "react";
import { Clock, Loader2, TicketPercent, TicketX } from "lucide-react";

import { Alert, AlertDescription, AlertTitle } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardFooter, CardHeader, CardTitle } from "@/components/ui/card";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { AttendeeFields, asksAttendees, attendeesBody, type AttendeeInput } from "@/components/attendee-fields";
import { Countdown, useSecondsLeft } from "@/components/countdown";
import { DiscountedPrice, times } from "@/components/discounted-price";
import { StateScreen } from "@/components/state-screen";
import { FailureScreen } from "@/components/failure-screen";
import { PanelLoading } from "@/components/panel-loading";
import { quoteCode } from "@/components/promo-code";
import { useAccountEmail } from "@/lib/account-email";
import { browserApi, call } from "@/lib/api/browser";
import { fieldErrors, failureMessage, type Failure } from "@/lib/api/problem";
import type { CodeQuote, EventDetail, Money, Reservation } from "@/lib/api/types";
import { codeEffect } from "@/lib/codes";
import { formatEventTime, formatMoney } from "@/lib/format";
import { adoptLinkedHoldToken, endHold, holdEnding, holdToken, type HoldEnding } from "@/lib/holds";

type State =
  | { phase: "loading" }
  | { phase: "failed"; failure: Failure }
  | { phase: "ready"; reservation: Reservation; event: EventDetail | null; quote: CodeQuote | null }
  | { phase: "ended"; ending: HoldEnding };

/**
 * A live hold: what is held, the countdown to its expiry, the buyer's email, on to payment.
 * `codeNotApplied` is the promo code the hold was placed without, its uses gone meanwhile.
 */
export function HoldView({ reservationId, codeNotApplied = null }: { reservationId: string; codeNotApplied?: string | null }) {
  const router = useRouter();
  const [state, setState] = useState<State>({ phase: "loading" });
  const [expired, setExpired] = useState(false);
  const [email, setEmail] = useAccountEmail();
  const [attendees, setAttendees] = useState<AttendeeInput[]>([]);
  const [checkoutFailure, setCheckoutFailure] = useState<Failure | null>(null);
  const [releaseFailure, setReleaseFailure] = useState<Failure | null>(null);
  const [busy, setBusy] = useState<"pay" | "release" | null>(null);

  const authHeaders = useCallback((): Record<string, string> => {
    const token = holdToken(reservationId);
    return token ? { Authorization: `Bearer ${token}` } : {};
  }, [reservationId]);

  const refresh = useCallback(async () => {
    // A link with the token (a waiting-list offer's email) works in any browser.
    adoptLinkedHoldToken(reservationId);
    // Ended in this browser already (the token is gone): say how, without asking the API.
    const ending = holdToken(reservationId) ? null : holdEnding(reservationId);
    if (ending) {
      setState({ phase: "ended", ending });
      return;
    }
    const result = await call(() =>
      browserApi.GET("/reservations/{reservation_id}", {
        params: { path: { reservation_id: reservationId } },
        headers: authHeaders(),
      }),
    );
    if (!result.ok) {
      setState({ phase: "failed", failure: result.failure });
      return;
    }
    const reservation = result.data;
    if (reservation.status === "expired" || reservation.status === "released") {
      setExpired(reservation.status === "expired");
      endHold(reservationId, { ended: reservation.status, eventId: reservation.event_id });
    }
    const code = reservation.code;
    // With a code: its prices, and the hidden types it unlocked (absent from the event).
    const [event, quote] = await Promise.all([
      call(() => browserApi.GET("/events/{event_id}", { params: { path: { event_id: reservation.event_id } } })),
      code ? quoteCode(reservation.event_id, code) : null,
    ]);
    setState({ phase: "ready", reservation, event: event.ok ? event.data : null, quote: quote?.ok ? quote.data : null });
  }, [authHeaders, reservationId]);

  useEffect(() => {
    void refresh();
  }, [refresh]);

  const reservation = state.phase === "ready" ? state.reservation : null;
  const deadline = reservation?.status === "held" && reservation.expires_at ? Date.parse(reservation.expires_at) : null;
  const eventIdOfHold = reservation?.event_id;
  const onEnd = useCallback(() => {
    setExpired(true);
    if (eventIdOfHold) endHold(reservationId, { ended: "expired", eventId: eventIdOfHold });
  }, [reservationId, eventIdOfHold]);
  const secondsLeft = useSecondsLeft(expired ? null : deadline, onEnd);
  // An offer from the waiting list: the address the buyer waited with is where the
  // tickets go, unless they type another.
  const offeredTo = reservation?.offered_to ?? null;
  const prefilled = useRef(false);
  useEffect(() => {
    if (!offeredTo || prefilled.current) return;
    // Once: a buyer who clears the field to type another address keeps it cleared.
    prefilled.current = true;
    if (!email) setEmail(offeredTo);
  }, [offeredTo, email, setEmail]);

  if (state.phase === "loading") {
    return <PanelLoading label="Loading your hold…" />;
  }
  if (state.phase === "failed") {
    return <FailureScreen failure={state.failure} what="hold" />;
  }
  if (state.phase === "ended") {
    const { ending } = state;
    const href = `/events/${ending.eventId}`;
    if (ending.ended === "sold") return <HoldPaid eventHref={href} orderHref={ending.orderHref} />;
    return ending.ended === "expired" ? <HoldExpired eventHref={href} /> : <HoldReleased eventHref={href} />;
  }

  const { event, quote } = state;
  const eventHref = `/events/${state.reservation.event_id}`;
  if (expired) {
    return <HoldExpired eventHref={eventHref} />;
  }
  if (state.reservation.status === "released") {
    return <HoldReleased eventHref={eventHref} />;
  }
  if (state.reservation.status === "sold") {
    return <HoldPaid eventHref={eventHref} />;
  }

  const code = state.reservation.code ?? null;
  const quoted = (id: string) => quote?.ticket_types.find((t) => t.id === id);
  const typeOf = (id: string) => quoted(id) ?? event?.ticket_types.find((t) => t.id === id);
  const currency = event?.currency ?? "EUR";
  // What one ticket costs this buyer: with the code's discount when the hold has a code.
  // Unknown (null) when the code's terms could not be read: the payment page has the price.
  const unitPrice = (id: string): Money | null => {
    if (code) return quoted(id)?.price_with_code ?? null;
    return typeOf(id)?.price ?? null;
  };
  const pricesKnown = state.reservation.lines.every((l) => unitPrice(l.ticket_type_id) !== null);
  const total = state.reservation.lines.reduce(
    (sum, l) => sum + l.quantity * (unitPrice(l.ticket_type_id)?.amount_minor ?? 0),
    0,
  );
  const errors = fieldErrors(checkoutFailure ?? undefined);
  const questions = event?.attendee_questions;
  // One per ticket, in the order the API counts them: each line's tickets in turn.
  const seats = state.reservation.lines.flatMap((line) =>
    Array.from({ length: line.quantity }, () => line.ticket_type_id),
  ).map((typeId, i) => ({ label: `Ticket ${i + 1} — ${typeOf(typeId)?.name ?? "Ticket"}` }));
  const attendeeErrors = Object.keys(errors).some((field) => field.startsWith("attendees"));
  // Nothing to pay (every ticket free): checkout issues the tickets at once, no payment page.
  const free = event !== null && pricesKnown && total === 0;

  const pay = async (ev: React.FormEvent) => {
    ev.preventDefault();
    setBusy("pay");
    setCheckoutFailure(null);
    const result = await call(() =>
      browserApi.POST("/reservations/{reservation_id}/checkout", {
        params: { path: { reservation_id: reservationId } },
        headers: authHeaders(),
        body: {
          email: email.trim(),
          attendees: asksAttendees(questions) ? attendeesBody(seats.map((_, i) => attendees[i] ?? { name: "", email: "" }), questions) : [],
        },
      }),
    );
    if (result.ok) {
      window.location.assign(result.data.checkout_url);
      return;
    }
    setBusy(null);
    setCheckoutFailure(result.failure);
  };

  const release = async () => {
    setBusy("release");
    setReleaseFailure(null);
    const result = await call(() =>
      browserApi.DELETE("/reservations/{reservation_id}", {
        params: { path: { reservation_id: reservationId } },
        headers: authHeaders(),
      }),
    );
    if (!result.ok) {
      setBusy(null);
      setReleaseFailure(result.failure);
      return;
    }
    endHold(reservationId, { ended: "released", eventId: state.reservation.event_id });
    router.push(eventHref);
  };

  return (
    <div className="mx-auto grid max-w-xl gap-6">
      <h1 className="sr-only">Your held tickets</h1>
      <div
        className="flex items-center gap-3 rounded-lg border border-primary/30 bg-accent px-4 py-3 text-accent-foreground"
        data-state="held"
      >
        <Clock aria-hidden className="size-5 shrink-0" />
        <p className="text-sm">
          Your tickets are held for{" "}
          <strong>{secondsLeft === null ? "…" : <Countdown secondsLeft={secondsLeft} />}</strong>. If time runs out
          before you {free ? "confirm" : "pay"},{" "}
          {offeredTo ? "they go to the next person on the waiting list" : "they go back on sale"} and nothing is
          charged.
        </p>
      </div>
      <Card>
        <CardHeader>
          <CardTitle>{event?.title ?? "Your tickets"}</CardTitle>
          {event ? (
            <CardDescription>
              {event.venue.name} · {formatEventTime(event.starts_at, event.time_zone)}
            </CardDescription>
          ) : null}
        </CardHeader>
        <CardContent>
          <ul className="divide-y text-sm" aria-label="Held tickets">
            {state.reservation.lines.map((line) => {
              const type = typeOf(line.ticket_type_id);
              const unit = unitPrice(line.ticket_type_id);
              return (
                <li key={line.ticket_type_id} className="flex justify-between gap-4 py-2">
                  <span>
                    {line.quantity} × {type?.name ?? "Ticket"}
                  </span>
                  {unit ? (
                    <DiscountedPrice
                      price={times(unit, line.quantity)}
                      list={type ? times(type.price, line.quantity) : null}
                      className="justify-end text-right"
                    />
                  ) : null}
                </li>
              );
            })}
          </ul>
          {code ? (
            <p className="mt-2 flex gap-2 border-t pt-3 text-sm" data-code-applied={code}>
              <TicketPercent aria-hidden className="mt-0.5 size-4 shrink-0 text-success" />
              <span>
                Code <strong className="font-mono tracking-wide">{code}</strong>
                {quote ? <span className="text-muted-foreground">: {codeEffect(quote)}</span> : <> applied; the payment page shows its price.</>}
              </span>
            </p>
          ) : null}
          {codeNotApplied && !code ? (
            <p className="mt-2 flex gap-2 border-t pt-3 text-sm" role="status" data-code-not-applied={codeNotApplied}>
              <TicketX aria-hidden className="mt-0.5 size-4 shrink-0 text-muted-foreground" />
              <span>
                Your code <strong className="font-mono tracking-wide">{codeNotApplied}</strong> has no use left, so
                these tickets are held at the regular price.
              </span>
            </p>
          ) : null}
          {pricesKnown ? (
            <div className="mt-2 flex justify-between border-t pt-3 font-semibold">
              <span>Total</span>
              <span>{formatMoney({ amount_minor: total, currency })}</span>
            </div>
          ) : null}
        </CardContent>
      </Card>
      <Card>
        <form onSubmit={pay} noValidate>
          <CardHeader>
            <CardTitle>Where should we send your tickets?</CardTitle>
            <CardDescription>Your tickets and receipt go to this address.</CardDescription>
          </CardHeader>
          <CardContent className="space-y-4">
            <div className="grid gap-1.5">
              <Label htmlFor="email">Email</Label>
              <Input
                id="email"
                type="email"
                autoComplete="email"
                required
                value={email}
                onChange={(ev) => setEmail(ev.target.value)}
                aria-invalid={Boolean(errors.email) || undefined}
                aria-describedby={errors.email ? "email-error" : undefined}
              />
              {errors.email ? (
                <p id="email-error" className="text-sm text-destructive">
                  {errors.email}
                </p>
              ) : null}
            </div>
            {asksAttendees(questions) ? (
              <div className="grid gap-2">
                <p className="text-sm font-medium">Who is each ticket for?</p>
                <AttendeeFields
                  seats={seats}
                  questions={questions}
                  values={attendees}
                  errors={errors}
                  onChange={(index, value) =>
                    setAttendees((current) => {
                      const next = seats.map((_, i) => current[i] ?? { name: "", email: "" });
                      next[index] = value;
                      return next;
                    })
                  }
                />
              </div>
            ) : null}
            {checkoutFailure && !errors.email && !attendeeErrors ? (
              <Alert variant="destructive">
                <AlertTitle>Could not start the payment</AlertTitle>
                <AlertDescription>{failureMessage(checkoutFailure)}</AlertDescription>
              </Alert>
            ) : null}
            {releaseFailure ? (
              <Alert variant="destructive">
                <AlertTitle>Could not release your tickets</AlertTitle>
                <AlertDescription>{failureMessage(releaseFailure)}</AlertDescription>
              </Alert>
            ) : null}
          </CardContent>
          <CardFooter className="flex-col-reverse items-stretch gap-2 sm:flex-row sm:justify-between">
            <Button type="button" variant="ghost" onClick={release} disabled={busy !== null}>
              {busy === "release" ? "Releasing…" : "Release my tickets"}
            </Button>
            <Button type="submit" size="lg" disabled={busy !== null || email.trim() === ""}>
              {busy === "pay" ? <Loader2 className="animate-spin" aria-hidden /> : null}
              {free ? "Get my free tickets" : "Continue to payment"}
            </Button>
          </CardFooter>
        </form>
      </Card>
    </div>
  );
}

function HoldExpired({ eventHref }: { eventHref: string }) {
  return (
    <StateScreen
      kind="expired"
      title="Your hold has expired"
      actions={
        <Button asChild>
          <Link href={eventHref}>Pick tickets again</Link>
        </Button>
      }
    >
      <p>
        We kept your tickets for you for a while, but time ran out and they went back on sale. Nothing was charged.
        If they are still available, you can hold them again.
      </p>
    </StateScreen>
  );
}

function HoldReleased({ eventHref }: { eventHref: string }) {
  return (
    <StateScreen
      kind="tickets"
      title="You gave these tickets back"
      actions={
        <Button asChild variant="outline">
          <Link href={eventHref}>Back to the event</Link>
        </Button>
      }
    >
      <p>They are on sale again for everyone. Nothing was charged.</p>
    </StateScreen>
  );
}

function HoldPaid({ eventHref, orderHref }: { eventHref: string; orderHref?: string }) {
  return (
    <StateScreen
      kind="tickets"
      title="These tickets are paid for"
      actions={
        <>
          <Button asChild>
            {orderHref ? <Link href={orderHref}>See your order</Link> : <Link href="/account/tickets">My tickets</Link>}
          </Button>
          <Button asChild variant="outline">
            <Link href={eventHref}>Back to the event</Link>
          </Button>
        </>
      }
    >
      <p>
        The payment went through and this hold became an order. The tickets were sent to the email given at
        checkout; signed in, you also find them under My tickets.
      </p>
    </StateScreen>
  );
}

