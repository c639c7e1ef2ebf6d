"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";
import { Loader2 } from "lucide-react";

import { Button } from "@/components/ui/button";
import { Field, FormFailure } from "@/components/field";
import { useAccountEmail } from "@/lib/account-email";
import { browserApi, call, idempotencyKey } from "@/lib/api/browser";
import { fieldErrors, fieldSentence, problemSlug, type Failure } from "@/lib/api/problem";
import type { TicketType, WaitingEntry } from "@/lib/api/types";
import { rememberWaitingEntry, type StoredEntry } from "@/lib/waiting";

/** Refusals that mean the page is out of date: the type is on sale again, or the list closed. */
const STALE_PAGE = new Set([
  "tickets-available",
  "waiting-list-closed",
  "sale-not-open",
  "sale-closed",
  "event-not-on-sale",
  "event-cancelled",
]);

/**
 * Joins the waiting list of a sold-out ticket type: how many tickets, and the email the
 * offer goes to (the signed-in account's, unless the buyer types another). The place's
 * token is kept in this browser, so the event page shows where it stands.
 */
export function JoinWaitingListForm({
  eventId,
  ticketType,
  offerHours,
  onJoined,
  onCancel,
}: {
  eventId: string;
  ticketType: TicketType;
  /** How long an offer holds its tickets, in hours, as the server says. */
  offerHours: number;
  /** Joined: the place as the join answered it, and as this browser keeps it. */
  onJoined: (joined: { stored: StoredEntry; entry: WaitingEntry }) => void;
  onCancel: () => void;
}) {
  const router = useRouter();
  const [quantity, setQuantity] = useState("1");
  const [email, setEmail] = useAccountEmail();
  const [failure, setFailure] = useState<Failure | null>(null);
  const [busy, setBusy] = useState(false);
  // One key per join: a retried click after a lost answer keeps the same place.
  const [key, setKey] = useState(idempotencyKey);
  const errors = fieldErrors(failure ?? undefined);
  const id = (field: string) => `wait-${field}-${ticketType.id}`;

  const join = async (ev: React.FormEvent) => {
    ev.preventDefault();
    setBusy(true);
    setFailure(null);
    const result = await call(() =>
      browserApi.POST("/events/{event_id}/waiting-list", {
        params: { path: { event_id: eventId }, header: { "Idempotency-Key": key } },
        body: { ticket_type_id: ticketType.id, quantity: Number(quantity), email: email.trim() },
      }),
    );
    setBusy(false);
    if (!result.ok) {
      setFailure(result.failure);
      // A refusal is final for this request; only a lost answer is retried with its key.
      if (result.failure.kind === "problem") setKey(idempotencyKey());
      const slug = problemSlug(result.failure);
      if (slug && STALE_PAGE.has(slug)) router.refresh();
      return;
    }
    const entry = result.data;
    setKey(idempotencyKey());
    if (!entry.token) return;
    const stored = { entryId: entry.id, eventId, ticketTypeId: ticketType.id, token: entry.token };
    rememberWaitingEntry(stored);
    onJoined({ stored, entry });
  };

  return (
    <form onSubmit={join} noValidate className="grid gap-3" aria-label={`Join the waiting list for ${ticketType.name}`}>
      <p className="text-sm text-muted-foreground">
        When {ticketType.name} tickets come back, we email the people in line in turn. Your offer holds the tickets for you
        for {offerHours === 1 ? "1 hour" : `${offerHours} hours`}, with a link to pay for them.
      </p>
      <div className="grid gap-3 sm:grid-cols-[6rem_1fr]">
        <Field
          id={id("quantity")}
          label="Tickets"
          type="number"
          inputMode="numeric"
          min={1}
          max={ticketType.max_per_order}
          required
          value={quantity}
          onChange={(ev) => setQuantity(ev.target.value)}
          error={errors.quantity ? fieldSentence("The number of tickets", errors.quantity) : undefined}
        />
        <Field
          id={id("email")}
          label="Email"
          type="email"
          autoComplete="email"
          required
          value={email}
          onChange={(ev) => setEmail(ev.target.value)}
          error={errors.email ? fieldSentence("The email", errors.email) : undefined}
        />
      </div>
      {errors.ticket_type_id ? (
        <p className="text-sm text-destructive">{fieldSentence("The ticket type", errors.ticket_type_id)}</p>
      ) : null}
      <FormFailure failure={failure} />
      <div className="flex flex-wrap gap-2">
        <Button type="submit" disabled={busy || email.trim() === ""}>
          {busy ? <Loader2 className="animate-spin" aria-hidden /> : null}
          Join the waiting list
        </Button>
        <Button type="button" variant="ghost" onClick={onCancel} disabled={busy}>
          Cancel
        </Button>
      </div>
    </form>
  );
}
