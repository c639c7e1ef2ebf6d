"use client";

import { useState } from "react";
import { Mail } from "lucide-react";

import { Button } from "@/components/ui/button";
import { browserApi, call, idempotencyKey } from "@/lib/api/browser";
import { failureMessage, problemSlug, type Failure } from "@/lib/api/problem";

type Sent = { email: string; tickets: number };

/** Why a resend was refused, as a sentence for the person who clicked. */
function refusal(failure: Failure): string {
  switch (problemSlug(failure)) {
    case "rate-limited":
      return `These tickets were already emailed again several times. You can ask again ${askAgain(failure)}; meanwhile, check the spam folder.`;
    case "no-tickets-to-resend":
      return "There are no valid tickets to email: the order is not paid yet, or every ticket was refunded.";
    default:
      return failureMessage(failure);
  }
}

/** When the limit lets the person ask again, from the refusal's `Retry-After`. */
function askAgain(failure: Failure): string {
  const seconds = failure.kind === "problem" ? failure.retryAfterSeconds : undefined;
  if (seconds === undefined) return "later";
  if (seconds <= 60) return "in a minute";
  const minutes = Math.ceil(seconds / 60);
  if (minutes < 60) return `in ${minutes} minutes`;
  const hours = Math.ceil(minutes / 60);
  return hours === 1 ? "in an hour" : `in ${hours} hours`;
}

function tickets(n: number): string {
  return `${n} ${n === 1 ? "ticket" : "tickets"}`;
}

/**
 * Asks for the order's tickets email again: the buyer (with the order link's key, or
 * signed in) or, with `organiser`, the event's organiser. One idempotency key per
 * request, kept across a failed try so a retry never sends twice.
 */
export function ResendTickets({
  orderId,
  orderKey,
  organiser = false,
  label,
  compact = false,
  centred = false,
}: {
  orderId: string;
  orderKey?: string | null;
  organiser?: boolean;
  label: string;
  /** In a table row: only the icon on a phone, the sentence under it kept short. */
  compact?: boolean;
  /** Under a centred heading: the button and its sentence centred too. */
  centred?: boolean;
}) {
  const [key, setKey] = useState(idempotencyKey);
  const [busy, setBusy] = useState(false);
  const [sent, setSent] = useState<Sent | null>(null);
  const [failure, setFailure] = useState<Failure | null>(null);

  const resend = async () => {
    setBusy(true);
    setFailure(null);
    setSent(null);
    const header = { "Idempotency-Key": key };
    const result = await call(() =>
      organiser
        ? browserApi.POST("/organiser/orders/{order_id}/tickets-email", {
            params: { path: { order_id: orderId }, header },
          })
        : browserApi.POST("/orders/{order_id}/tickets-email", {
            params: { path: { order_id: orderId }, query: orderKey ? { key: orderKey } : {}, header },
          }),
    );
    setBusy(false);
    if (!result.ok) return setFailure(result.failure);
    setSent({ email: result.data.email, tickets: result.data.tickets });
    setKey(idempotencyKey());
  };

  return (
    <div
      className={
        compact
          ? "flex flex-col items-end gap-1 whitespace-normal"
          : centred
            ? "flex flex-col items-center gap-2 text-center"
            : "flex flex-col items-start gap-2"
      }
      data-resend-tickets={orderId}
    >
      <Button size="sm" variant="outline" onClick={resend} disabled={busy} aria-label={compact ? label : undefined}>
        <Mail aria-hidden />
        <span className={compact ? "hidden sm:inline" : undefined}>{busy ? "Sending…" : label}</span>
      </Button>
      <div aria-live="polite" className={compact ? "max-w-56 text-right text-xs" : "text-sm"}>
        {sent ? (
          <p role="status" data-resend-sent>
            {organiser
              ? `The tickets email is on its way to ${sent.email} again, with ${tickets(sent.tickets)}.`
              : `We emailed your ${tickets(sent.tickets)} again to ${sent.email}. It can take a minute to arrive; check the spam folder too.`}
          </p>
        ) : null}
        {failure ? (
          <p role="alert" className="text-destructive" data-resend-refused>
            {refusal(failure)}
          </p>
        ) : null}
      </div>
    </div>
  );
}
