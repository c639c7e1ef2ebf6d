"use client";

import { useState } from "react";
import { Undo2 } from "lucide-react";

import { asksAttendees } from "@/components/attendee-fields";
import { EditAttendees } from "@/components/organiser/order-attendees";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { ResendTickets } from "@/components/resend-tickets";
import { TableCell } from "@/components/ui/table";
import { browserApi, call } from "@/lib/api/browser";
import { failureMessage, type Failure } from "@/lib/api/problem";
import type { AttendeeQuestions } from "@/lib/api/types";
import { formatMoney } from "@/lib/format";
import { codeDiscount, orderStatusLabel, type Order } from "@/lib/orders";
import { usePanelFocus } from "@/lib/panel-focus";

/** Orders whose tickets nobody will use: no attendee to correct. */
const CLOSED: Order["status"][] = ["expired", "cancelled", "payment_refused", "refunded"];

/** What the event asks about its attendees and when it starts: whether names may be corrected. */
export type AttendeeRules = { questions: AttendeeQuestions; startsAt: string };

/**
 * An order row's status and action cells (refund, correct the attendees, resend the tickets email). The organiser picks which tickets to refund;
 * the order the API answers replaces the row's, since the orders list itself comes from a
 * read model that may not have the refund yet.
 */
export function OrderRefundCells({ initial, label, attendees }: { initial: Order; label: string; attendees?: AttendeeRules }) {
  const [order, setOrder] = useState(initial);
  const refundable = order.status === "paid" || order.status === "partially_refunded";
  // Until the event starts, on any order still standing (paid or not), when the event asks.
  const correctable =
    attendees &&
    asksAttendees(attendees.questions) &&
    !CLOSED.includes(order.status) &&
    Date.parse(attendees.startsAt) > Date.now();
  return (
    <>
      <TableCell className="whitespace-normal">
        <div className="flex flex-col items-start gap-1">
          <Badge variant={order.status === "paid" ? "success" : "secondary"}>{orderStatusLabel(order.status)}</Badge>
          {order.refunded.amount_minor > 0 ? (
            <span className="text-xs text-muted-foreground">{formatMoney(order.refunded)} refunded</span>
          ) : null}
          {order.code ? <OrderCode code={order.code} order={order} /> : null}
        </div>
      </TableCell>
      <TableCell>
        {refundable || correctable ? (
          <div className="flex flex-col items-end gap-2">
            {refundable ? <RefundTickets order={order} label={label} onRefunded={setOrder} /> : null}
            {correctable ? (
              <EditAttendees order={order} questions={attendees.questions} label={label} onSaved={setOrder} />
            ) : null}
            {refundable ? <ResendTickets orderId={order.order_id} organiser compact label="Resend tickets email" /> : null}
          </div>
        ) : null}
      </TableCell>
    </>
  );
}

/** The promo code an order was priced with, and what it took off the list prices. */
function OrderCode({ code, order }: { code: string; order: Order }) {
  const discount = codeDiscount(order.lines);
  return (
    <span className="text-xs text-muted-foreground" data-order-code={code}>
      Code <span className="font-mono tracking-wide">{code}</span>
      {discount.amount_minor > 0 ? ` · ${formatMoney(discount)} off` : ""}
    </span>
  );
}

function plural(n: number): string {
  return `${n} ${n === 1 ? "ticket" : "tickets"}`;
}

/**
 * Choose tickets, then confirm: refunds them through the payment provider. An order priced
 * with a promo code offers to give the code's use back with them (off by default: the API
 * keeps it spent unless told).
 */
function RefundTickets({ order, label, onRefunded }: { order: Order; label: string; onRefunded: (order: Order) => void }) {
  const [open, setOpen] = useState(false);
  const [chosen, setChosen] = useState<string[]>([]);
  const [giveBackCode, setGiveBackCode] = useState(false);
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<Failure | null>(null);
  const lines = new Map(order.lines.map((l) => [l.ticket_type_id, l]));
  const currency = order.total.currency;
  const amount = chosen.reduce(
    (sum, id) => sum + (lines.get(order.tickets.find((t) => t.ticket_id === id)?.ticket_type_id ?? "")?.unit_price.amount_minor ?? 0),
    0,
  );
  const fieldsetId = `refund-${order.order_id}`;
  // Focus goes into the panel when it opens and back to its button when it closes.
  const { opener, panel } = usePanelFocus(open, "input:not(:disabled), button");

  const start = () => {
    setFailure(null);
    // Nothing ticked: a refund gives money back and voids tickets, so every ticket in it
    // is the organiser's own choice, never a default one click away.
    setChosen([]);
    setGiveBackCode(false);
    setOpen(true);
  };

  const toggle = (ticketId: string, on: boolean) =>
    setChosen((current) => (on ? [...current, ticketId] : current.filter((id) => id !== ticketId)));

  const refund = async () => {
    setBusy(true);
    setFailure(null);
    const result = await call(() =>
      browserApi.POST("/organiser/orders/{order_id}/refunds", {
        params: { path: { order_id: order.order_id } },
        body: { ticket_ids: chosen, give_back_code: giveBackCode },
      }),
    );
    setBusy(false);
    if (!result.ok) return setFailure(result.failure);
    setOpen(false);
    setChosen([]);
    onRefunded(result.data.order);
  };

  if (!open) {
    return (
      <div ref={opener} className="flex flex-col items-end gap-1">
        {/* An icon on a phone, where the orders table has no room for the word. */}
        <Button size="sm" variant="outline" onClick={start} aria-label={`Refund ${label}`}>
          <Undo2 aria-hidden className="sm:hidden" />
          <span className="hidden sm:inline">Refund</span>
        </Button>
      </div>
    );
  }

  return (
    // A sheet along the bottom of a phone's screen (the row has no room), in the row from sm up.
    <div
      ref={panel}
      role="dialog"
      aria-label={`Refund ${label}`}
      onKeyDown={(ev) => {
        if (ev.key === "Escape" && !busy) setOpen(false);
      }}
      className="fixed inset-x-0 bottom-0 z-50 flex flex-col gap-3 border-t bg-background p-4 whitespace-normal shadow-lg sm:static sm:z-auto sm:w-64 sm:rounded-lg sm:border sm:p-3 sm:shadow-none"
    >
      <p className="text-sm font-medium sm:hidden">
        Order {order.order_id.slice(0, 8)} · {formatMoney(order.total)}
      </p>
      <fieldset className="space-y-2" aria-describedby={`${fieldsetId}-hint`}>
        <legend className="text-sm font-medium">Tickets to refund</legend>
        <p id={`${fieldsetId}-hint`} className="text-xs text-muted-foreground">
          Refunded tickets stop opening the door and go back on sale.
        </p>
        {order.tickets.map((t, i) => {
          const id = `${fieldsetId}-${t.ticket_id}`;
          const line = lines.get(t.ticket_type_id);
          const refunded = t.status !== "valid";
          return (
            <div key={t.ticket_id} className="flex items-center gap-2 text-sm">
              <input
                id={id}
                type="checkbox"
                className="size-4 accent-primary"
                checked={chosen.includes(t.ticket_id)}
                disabled={refunded || busy}
                onChange={(ev) => toggle(t.ticket_id, ev.target.checked)}
              />
              <label htmlFor={id} className={refunded ? "text-muted-foreground line-through" : undefined}>
                Ticket {i + 1} · {line?.name ?? "Ticket"}
                {t.attendee_name ? ` · ${t.attendee_name}` : ""}
                {line ? ` · ${formatMoney(line.unit_price)}` : ""}
                {refunded ? " (refunded)" : ""}
              </label>
            </div>
          );
        })}
      </fieldset>
      {order.code ? (
        <div className="space-y-1">
          <div className="flex items-center gap-2 text-sm">
            <input
              id={`${fieldsetId}-code`}
              type="checkbox"
              className="size-4 accent-primary"
              checked={giveBackCode}
              disabled={busy}
              aria-describedby={`${fieldsetId}-code-hint`}
              onChange={(ev) => setGiveBackCode(ev.target.checked)}
            />
            <label htmlFor={`${fieldsetId}-code`}>Give the promo code&apos;s use back</label>
          </div>
          <p id={`${fieldsetId}-code-hint`} className="text-xs text-muted-foreground">
            Code <span className="font-mono">{order.code}</span>: another buyer can use what these tickets took. Left
            unticked, the use stays spent.
          </p>
        </div>
      ) : null}
      <p className="text-sm" aria-live="polite">
        {chosen.length === 0
          ? "Tick at least one ticket."
          : `${formatMoney({ amount_minor: amount, currency })} goes back to the buyer.`}
      </p>
      <div className="flex flex-wrap gap-2">
        <Button size="sm" variant="destructive" onClick={refund} disabled={busy || chosen.length === 0}>
          {busy ? "Refunding…" : chosen.length === 0 ? "Choose tickets" : `Confirm refund of ${plural(chosen.length)}`}
        </Button>
        <Button size="sm" variant="ghost" onClick={() => setOpen(false)} disabled={busy}>
          Keep
        </Button>
      </div>
      {failure ? (
        <p role="alert" className="text-xs text-destructive">
          {failureMessage(failure)}
        </p>
      ) : null}
    </div>
  );
}
