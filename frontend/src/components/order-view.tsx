"use client";

import Link from "next/link";
import { useCallback, useEffect, useState } from "react";
import { CalendarPlus, Loader2, MapPin, TicketPercent } from "lucide-react";

import { Alert, AlertDescription, AlertTitle } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { FailureScreen } from "@/components/failure-screen";
import { PanelLoading } from "@/components/panel-loading";
import { AttendeeCorrections } from "@/components/attendee-corrections";
import { DiscountedPrice, times } from "@/components/discounted-price";
import { ResendTickets } from "@/components/resend-tickets";
import { StateScreen } from "@/components/state-screen";
import { TicketCard } from "@/components/ticket-card";
import { browserApi, call } from "@/lib/api/browser";
import type { Failure } from "@/lib/api/problem";
import type { EventDetail } from "@/lib/api/types";
import { formatEventTime, formatMoney } from "@/lib/format";
import { endHold, forgetHoldToken } from "@/lib/holds";
import { codeDiscount, isPaid, isPending, viaProxy } from "@/lib/orders";
import type { Order, OrderLine, OrderStatus } from "@/lib/api/types";

// While the provider's confirmation travels (webhook or simulated page), look again.
const POLL_MS = 1500;

// Typed, so a misspelt or retired status here fails typecheck instead of never matching.
const UNPAID: readonly OrderStatus[] = ["awaiting_payment", "cancelled", "expired"];

type State = { phase: "loading" } | { phase: "failed"; failure: Failure } | { phase: "ready"; order: Order };

/** The page checkout returns to: waits for the payment to be confirmed, then shows the tickets. */
export function OrderView({ orderId, orderKey, cancelled }: { orderId: string; orderKey: string | null; cancelled: boolean }) {
  const [state, setState] = useState<State>({ phase: "loading" });
  const [event, setEvent] = useState<EventDetail | null>(null);

  const load = useCallback(async () => {
    const result = await call(() =>
      browserApi.GET("/orders/{order_id}", {
        params: { path: { order_id: orderId }, query: orderKey ? { key: orderKey } : {} },
      }),
    );
    if (!result.ok) {
      setState({ phase: "failed", failure: result.failure });
      return null;
    }
    setState({ phase: "ready", order: result.data });
    // Paid, or over without payment: the hold's token has no more use. A paid hold's
    // link keeps pointing here, for a buyer who comes back to it.
    const order = result.data;
    if (isPaid(order.status)) {
      const orderHref = `/orders/${orderId}${orderKey ? `?key=${encodeURIComponent(orderKey)}` : ""}`;
      endHold(order.reservation_id, { ended: "sold", eventId: order.event_id, orderHref });
    } else if (!isPending(order.status)) {
      forgetHoldToken(order.reservation_id);
    }
    return result.data;
  }, [orderId, orderKey]);

  useEffect(() => {
    let timer: number | undefined;
    let stopped = false;
    const tick = async () => {
      const order = await load();
      if (!stopped && order && isPending(order.status) && !(cancelled && order.status === "awaiting_payment")) timer = window.setTimeout(tick, POLL_MS);
    };
    void tick();
    return () => {
      stopped = true;
      window.clearTimeout(timer);
    };
  }, [load, cancelled]);

  const eventId = state.phase === "ready" ? state.order.event_id : null;
  useEffect(() => {
    if (!eventId) return;
    void call(() => browserApi.GET("/events/{event_id}", { params: { path: { event_id: eventId } } })).then((r) => {
      if (r.ok) setEvent(r.data);
    });
  }, [eventId]);

  if (state.phase === "loading") {
    return <PanelLoading label="Loading your order…" />;
  }
  if (state.phase === "failed") return <FailureScreen failure={state.failure} what="order" />;

  const { order } = state;
  const eventLink = (
    <Button asChild variant="outline">
      <Link href={`/events/${order.event_id}`}>Back to the event</Link>
    </Button>
  );

  if (cancelled && UNPAID.includes(order.status)) {
    return (
      <StateScreen
        kind="failed"
        title="Payment not completed"
        actions={
          <>
            {order.status === "awaiting_payment" && order.checkout_url ? (
              <Button asChild>
                <a href={order.checkout_url}>Try paying again</a>
              </Button>
            ) : null}
            {eventLink}
          </>
        }
      >
        <p>
          The payment was cancelled or did not go through, so nothing was charged.{" "}
          {order.status === "awaiting_payment"
            ? "Your tickets stay held until the hold runs out."
            : "The tickets went back on sale; you can pick them again."}
        </p>
      </StateScreen>
    );
  }
  if (isPending(order.status)) {
    return (
      <StateScreen kind="tickets" title={
          order.status === "payment_received"
            ? "Payment received, issuing your tickets…"
            : order.status === "payment_pending"
              ? "Your bank is processing the payment…"
              : "Confirming your payment…"
        }>
        <p role="status" className="flex items-center justify-center gap-2">
          <Loader2 aria-hidden className="size-4 animate-spin" /> This usually takes a few seconds. Keep this page open.
        </p>
      </StateScreen>
    );
  }
  if (order.status === "expired" || order.status === "cancelled") {
    return (
      <StateScreen kind="expired" title="This order was not paid in time" actions={eventLink}>
        <p>The hold ran out before the payment arrived, so the tickets went back on sale. Nothing was charged.</p>
      </StateScreen>
    );
  }
  if (order.status === "payment_refused") {
    return (
      <StateScreen kind="failed" title="Your payment came too late" actions={eventLink}>
        <p>The tickets sold out after your hold ran out, so we refunded your payment in full. It can take a few days to show.</p>
      </StateScreen>
    );
  }

  const typeName = (id: string) => order.lines.find((l) => l.ticket_type_id === id)?.name ?? "Ticket";
  return (
    <div className="mx-auto max-w-3xl space-y-6" data-order-status={order.status}>
      <header className="space-y-2 text-center">
        <h1 className="text-3xl font-bold tracking-tight">
          {order.status === "refunded" ? "This order was refunded" : "You're going!"}
        </h1>
        <p className="text-muted-foreground">
          {event ? (
            <>
              <Link href={`/events/${event.id}`} className="font-medium text-foreground underline-offset-4 hover:underline">
                {event.title}
              </Link>{" "}
              · {event.venue.name} · {formatEventTime(event.starts_at, event.time_zone)}
            </>
          ) : null}
        </p>
        {order.status === "paid" ? (
          <p className="text-sm text-muted-foreground">Your tickets were also sent to {order.email}. Show a QR code at the door.</p>
        ) : null}
        {order.status === "paid" || order.status === "partially_refunded" ? (
          <ResendTickets orderId={order.order_id} orderKey={orderKey} label="Email my tickets again" centred />
        ) : null}
      </header>
      {event?.status === "cancelled" ? (
        <Alert variant="destructive" data-event-cancelled>
          <AlertTitle>This event has been cancelled</AlertTitle>
          <AlertDescription>
            {event.cancellation_reason ? <p className="whitespace-pre-line">The organiser says: {event.cancellation_reason}</p> : null}
            <p>Paid tickets are refunded automatically to the card that paid for them.</p>
          </AlertDescription>
        </Alert>
      ) : null}
      {order.status === "partially_refunded" ? (
        <Alert>
          <AlertTitle>Part of this order was refunded</AlertTitle>
          <AlertDescription>{formatMoney(order.refunded)} went back to your card; the refunded tickets no longer open the door.</AlertDescription>
        </Alert>
      ) : null}
      <section aria-label="Tickets" className="grid gap-4 sm:grid-cols-2">
        {order.tickets.map((t, i) => (
          <TicketCard
            key={t.ticket_id}
            index={i + 1}
            title={typeName(t.ticket_type_id)}
            status={t.status}
            checkedInAt={t.checked_in_at}
            attendee={t.attendee_name}
            timeZone={event?.time_zone}
            qrSrc={t.qr_svg_url ? viaProxy(t.qr_svg_url) : undefined}
          />
        ))}
      </section>
      {event && order.tickets.length > 0 ? (
        <AttendeeCorrections order={order} event={event} orderKey={orderKey} onSaved={() => void load()} />
      ) : null}
      {event ? (
        <Card>
          <CardHeader>
            <CardTitle>Where and when</CardTitle>
            <CardDescription>{formatEventTime(event.starts_at, event.time_zone)}</CardDescription>
          </CardHeader>
          <CardContent className="space-y-4 text-sm">
            <address className="flex gap-2 not-italic" aria-label="Venue">
              <MapPin aria-hidden className="mt-0.5 size-4 shrink-0 text-muted-foreground" />
              <span>
                <span className="font-medium">{event.venue.name}</span>
                {event.venue.address ? <span className="block whitespace-pre-line text-muted-foreground">{event.venue.address}</span> : null}
              </span>
            </address>
            <div className="flex flex-wrap gap-2">
              <Button asChild variant="outline" size="sm">
                <a href={`/api/events/${event.id}/calendar.ics`} download={`${event.title}.ics`}>
                  <CalendarPlus aria-hidden /> Add to calendar
                </a>
              </Button>
              <Button asChild variant="ghost" size="sm">
                <Link href={`/events/${event.id}`}>Event page</Link>
              </Button>
            </div>
          </CardContent>
        </Card>
      ) : null}
      <Card>
        <CardHeader>
          <CardTitle>Receipt</CardTitle>
          <CardDescription>Order {order.order_id}</CardDescription>
        </CardHeader>
        <CardContent>
          <ul className="divide-y text-sm">
            {order.lines.map((l: OrderLine) => (
              <li key={l.ticket_type_id} className="flex justify-between gap-4 py-2">
                <span>
                  {l.quantity} × {l.name}
                </span>
                <DiscountedPrice
                  price={times(l.unit_price, l.quantity)}
                  list={l.list_unit_price ? times(l.list_unit_price, l.quantity) : null}
                  className="justify-end text-right"
                />
              </li>
            ))}
          </ul>
          {order.code ? <CodeSavings code={order.code} lines={order.lines} /> : null}
          <div className="mt-2 flex justify-between border-t pt-3 font-semibold">
            <span>Total paid</span>
            <span>{formatMoney(order.total)}</span>
          </div>
          {order.refunded.amount_minor > 0 ? (
            <div className="flex justify-between pt-1 text-sm text-muted-foreground">
              <span>Refunded</span>
              <span>{formatMoney(order.refunded)}</span>
            </div>
          ) : null}
        </CardContent>
      </Card>
    </div>
  );
}

/** The code the order was placed with, and what it took off the list prices. */
function CodeSavings({ code, lines }: { code: string; lines: OrderLine[] }) {
  const saved = codeDiscount(lines);
  return (
    <p className="mt-2 flex gap-2 border-t pt-3 text-sm" data-code-applied={code}>
      <TicketPercent aria-hidden className="mt-0.5 size-4 shrink-0 text-success" />
      <span>
        Code <strong className="font-mono tracking-wide">{code}</strong>
        {saved.amount_minor > 0 ? <> saved you {formatMoney(saved)}.</> : <> applied.</>}
      </span>
    </p>
  );
}
