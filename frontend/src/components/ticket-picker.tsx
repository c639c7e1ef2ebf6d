"use client";

import { useRouter } from "next/navigation";
import { useEffect, useMemo, useState } from "react";
import { Minus, Plus } from "lucide-react";

import { Alert, AlertDescription, AlertTitle } from "@/components/ui/alert";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { DiscountedPrice } from "@/components/discounted-price";
import { PromoCode, useCodeQuote } from "@/components/promo-code";
import { WaitingPlaces } from "@/components/waiting-list/waiting-places";
import { browserApi, call, idempotencyKey } from "@/lib/api/browser";
import { failureMessage, problemSlug, type Failure } from "@/lib/api/problem";
import type { Money, QuotedTicketType, TicketType } from "@/lib/api/types";
import { formatEventTime, formatMoney } from "@/lib/format";
import { holdWithoutCodeHref } from "@/lib/codes";
import { rememberHoldToken } from "@/lib/holds";

type SaleState = "on-sale" | "sold-out" | "not-yet" | "ended";

function saleState(t: TicketType, now: number): SaleState {
  if (now < Date.parse(t.sale_opens_at)) return "not-yet";
  if (now >= Date.parse(t.sale_closes_at)) return "ended";
  if (t.availability.available <= 0) return "sold-out";
  return "on-sale";
}

/** A ticket type as offered: with a code applied, its price with the code and whether the code unlocked it. */
type Offered = TicketType & Partial<Pick<QuotedTicketType, "price_with_code" | "discounted" | "unlocked">>;

/** What one ticket of `t` costs the buyer: with the applied code's discount, if any. */
const unitPrice = (t: Offered): Money => t.price_with_code ?? t.price;

/**
 * Ticket types with their live availability, quantity steppers, a promo code field and
 * the hold button. With a code applied, the types are the code's (hidden ones it unlocks
 * included), priced with it, and the hold carries the code. Under a sold-out type, its
 * waiting list when the organiser keeps one, and this browser's places on it.
 */
export function TicketPicker({
  eventId,
  ticketTypes: listed,
  timeZone,
  initialCode,
  waitingListOpen,
  offerHours,
}: {
  eventId: string;
  ticketTypes: TicketType[];
  timeZone: string;
  /** A code from the page's link (`?code=`), applied on arrival. */
  initialCode: string | null;
  /** Whether buyers may join the waiting list of a sold-out type. */
  waitingListOpen: boolean;
  /** How long an offer from the waiting list holds its tickets, in hours. */
  offerHours: number;
}) {
  const router = useRouter();
  const code = useCodeQuote(eventId, initialCode);
  const { quote } = code;
  // The quote's types, with the availability the page last refreshed where it has them.
  const ticketTypes: Offered[] = useMemo(() => {
    if (!quote) return listed;
    const fresh = new Map(listed.map((t) => [t.id, t]));
    return quote.ticket_types.map((t) => ({ ...t, availability: fresh.get(t.id)?.availability ?? t.availability }));
  }, [listed, quote]);
  const [quantities, setQuantities] = useState<Record<string, number>>({});
  const [failure, setFailure] = useState<Failure | null>(null);
  const [busy, setBusy] = useState(false);
  // One key per purchase attempt: a retried click returns the same hold.
  const [attemptKey, setAttemptKey] = useState(idempotencyKey);
  const now = Date.now();
  const appliedCode = quote?.code ?? null;

  // Another code (or none) is another request: a new key, and nothing left to hold that
  // the buyer can no longer see.
  useEffect(() => {
    setAttemptKey(idempotencyKey());
    setFailure(null);
  }, [appliedCode]);

  const lines = useMemo(
    () =>
      ticketTypes
        .map((t) => ({ ticket_type_id: t.id, quantity: quantities[t.id] ?? 0, type: t }))
        .filter((l) => l.quantity > 0),
    [quantities, ticketTypes],
  );
  const total = lines.reduce((sum, l) => sum + l.quantity * unitPrice(l.type).amount_minor, 0);
  const currency = ticketTypes[0]?.price.currency ?? "EUR";

  const promoCode = <PromoCode state={code} initialCode={initialCode} timeZone={timeZone} />;
  if (ticketTypes.length === 0) {
    // Nothing public on sale yet; a presale code may still show what it unlocks.
    return (
      <Card className="divide-y" data-state="empty">
        <p className="p-5 text-sm text-muted-foreground">Tickets are not on sale yet. Check back soon.</p>
        <div className="p-4">{promoCode}</div>
      </Card>
    );
  }

  const setQuantity = (t: Offered, value: number) => {
    const max = Math.min(t.availability.available, t.max_per_order);
    const next = Math.max(0, Math.min(max, Number.isFinite(value) ? Math.trunc(value) : 0));
    setQuantities((q) => ({ ...q, [t.id]: next }));
    setAttemptKey(idempotencyKey());
    setFailure(null);
  };

  const hold = async () => {
    setBusy(true);
    setFailure(null);
    const result = await call(() =>
      browserApi.POST("/events/{event_id}/reservations", {
        params: { path: { event_id: eventId }, header: { "Idempotency-Key": attemptKey } },
        body: {
          lines: lines.map(({ ticket_type_id, quantity }) => ({ ticket_type_id, quantity })),
          code: appliedCode,
          // In a rush the code may run out between the quote and the hold: asking again
          // without it would cost the buyer their place, so the hold falls back at once.
          ...(appliedCode ? { if_code_used_up: "hold_without_code" as const } : {}),
        },
      }),
    );
    if (result.ok) {
      if (result.data.token) rememberHoldToken(result.data.id, result.data.token);
      const notApplied = result.data.code_not_applied;
      router.push(notApplied ? holdWithoutCodeHref(result.data.id, notApplied.code) : `/holds/${result.data.id}`);
      return;
    }
    setBusy(false);
    setFailure(result.failure);
    setAttemptKey(idempotencyKey());
    if (problemSlug(result.failure) === "sold-out") router.refresh();
  };

  return (
    <Card className="divide-y">
      <ul aria-label="Ticket types" className="divide-y">
        {ticketTypes.map((t) => {
          const state = saleState(t, now);
          const quantity = quantities[t.id] ?? 0;
          const max = Math.min(t.availability.available, t.max_per_order);
          const inputId = `qty-${t.id}`;
          return (
            <li key={t.id} className="p-4" data-ticket-type={t.name} data-sale-state={state}>
              <div className="flex items-center gap-3">
                <div className="min-w-0 flex-1">
                  <label htmlFor={inputId} className="flex flex-wrap items-center gap-x-2 font-medium">
                    {t.name}
                    {t.unlocked ? <Badge variant="secondary">Presale</Badge> : null}
                  </label>
                  <p className="text-sm">
                    <DiscountedPrice price={unitPrice(t)} list={t.price} />
                  </p>
                  <p className="text-xs text-muted-foreground">
                    {state === "sold-out" ? (
                      <Badge variant="destructive">Sold out</Badge>
                    ) : state === "not-yet" ? (
                      <>On sale from {formatEventTime(t.sale_opens_at, timeZone)}</>
                    ) : state === "ended" ? (
                      <>Sale ended</>
                    ) : t.availability.available <= 20 ? (
                      <span className="font-medium text-warning">Only {t.availability.available} left</span>
                    ) : (
                      <>Available</>
                    )}
                  </p>
                </div>
                <div className="flex items-center gap-1">
                  <Button
                    type="button"
                    variant="outline"
                    size="icon"
                    className="size-9"
                    aria-label={`One less ${t.name}`}
                    disabled={state !== "on-sale" || quantity <= 0}
                    onClick={() => setQuantity(t, quantity - 1)}
                  >
                    <Minus />
                  </Button>
                  <input
                    id={inputId}
                    type="number"
                    inputMode="numeric"
                    min={0}
                    max={max}
                    value={quantity}
                    disabled={state !== "on-sale"}
                    aria-label={`Quantity of ${t.name}`}
                    onChange={(ev) => setQuantity(t, ev.target.valueAsNumber)}
                    className="h-9 w-12 rounded-md border border-input bg-background text-center text-sm focus-visible:ring-2 focus-visible:ring-ring focus-visible:outline-none disabled:opacity-50"
                  />
                  <Button
                    type="button"
                    variant="outline"
                    size="icon"
                    className="size-9"
                    aria-label={`One more ${t.name}`}
                    disabled={state !== "on-sale" || quantity >= max}
                    onClick={() => setQuantity(t, quantity + 1)}
                  >
                    <Plus />
                  </Button>
                </div>
              </div>
              <WaitingPlaces
                eventId={eventId}
                ticketType={t}
                timeZone={timeZone}
                canJoin={waitingListOpen && state === "sold-out"}
                offerHours={offerHours}
              />
            </li>
          );
        })}
      </ul>
      <div className="space-y-3 p-4">
        {promoCode}
        {failure ? (
          <Alert variant="destructive">
            <AlertTitle>
              {problemSlug(failure) === "sold-out"
                ? "Not enough tickets left"
                : problemSlug(failure)?.startsWith("voucher-")
                  ? "Could not use this code"
                  : "Could not hold these tickets"}
            </AlertTitle>
            <AlertDescription>{failureMessage(failure)}</AlertDescription>
          </Alert>
        ) : null}
        <div className="flex items-center justify-between text-sm">
          <span className="text-muted-foreground">Total</span>
          <span className="text-base font-semibold" aria-live="polite">
            {formatMoney({ amount_minor: total, currency })}
          </span>
        </div>
        <Button className="w-full" size="lg" disabled={lines.length === 0 || busy} onClick={hold}>
          {busy ? "Holding…" : "Hold tickets"}
        </Button>
        <p className="text-center text-xs text-muted-foreground">
          We keep them for you for a few minutes while you pay.
        </p>
      </div>
    </Card>
  );
}

