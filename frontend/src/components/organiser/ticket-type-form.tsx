"use client";

import { useState } from "react";

import { Alert, AlertDescription } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Field } from "@/components/field";
import { Switch } from "@/components/ui/switch";
import { browserApi, call, idempotencyKey } from "@/lib/api/browser";
import { failureMessage, fieldErrors, type Failure } from "@/lib/api/problem";
import type { EventDetail } from "@/lib/api/types";
import { parsePrice } from "@/lib/price";
import { utcToZonedInput, zonedInputToUtc } from "@/lib/zoned-time";
import { reloadAfterCommand } from "@/lib/reload";

/** What the hidden switch says a hidden ticket type is. */
const HIDDEN_HINT = "Only buyers with a code that unlocks it can see and buy it.";

/**
 * Adds a ticket type: name, price in the event's currency, capacity, sale window, per-order
 * cap, and whether it is hidden (a presale, sold only with a code that unlocks it).
 */
export function TicketTypeForm({ event }: { event: EventDetail }) {
  const [failure, setFailure] = useState<Failure | null>(null);
  const [busy, setBusy] = useState(false);
  const [key, setKey] = useState(idempotencyKey);
  const [formKey, setFormKey] = useState(0);
  const [priceError, setPriceError] = useState<string | null>(null);
  const [hidden, setHidden] = useState(false);
  const errors = fieldErrors(failure ?? undefined);
  const now = new Date();
  now.setUTCSeconds(0, 0);

  const submit = async (ev: React.FormEvent<HTMLFormElement>) => {
    ev.preventDefault();
    const form = new FormData(ev.currentTarget);
    const text = (name: string) => String(form.get(name) ?? "").trim();
    const price = parsePrice(text("price"), event.currency);
    setFailure(null);
    setPriceError(price.ok ? null : price.message);
    if (!price.ok) return;
    setBusy(true);
    const result = await call(() =>
      browserApi.POST("/organiser/events/{event_id}/ticket-types", {
        params: { path: { event_id: event.id }, header: { "Idempotency-Key": key } },
        body: {
          name: text("tt_name"),
          price: { amount_minor: price.amountMinor, currency: event.currency },
          capacity: Number(text("capacity")),
          max_per_order: Number(text("max_per_order")),
          sale_opens_at: zonedInputToUtc(text("sale_opens_at"), event.time_zone) ?? text("sale_opens_at"),
          sale_closes_at: zonedInputToUtc(text("sale_closes_at"), event.time_zone) ?? text("sale_closes_at"),
          hidden,
        },
      }),
    );
    setBusy(false);
    if (!result.ok) return setFailure(result.failure);
    setKey(idempotencyKey());
    setFormKey((k) => k + 1);
    setHidden(false);
    reloadAfterCommand();
  };

  const general = failure && Object.keys(errors).length === 0 ? failureMessage(failure) : null;
  return (
    <form key={formKey} onSubmit={submit} noValidate className="grid gap-4" aria-label="Add a ticket type">
      {general ? (
        <Alert variant="destructive">
          <AlertDescription className="text-destructive">{general}</AlertDescription>
        </Alert>
      ) : null}
      <div className="grid gap-4 sm:grid-cols-2">
        <Field id="tt_name" label="Ticket type name" required placeholder="Standing" error={errors.name} />
        <Field
          id="price"
          label={`Price (${event.currency})`}
          inputMode="decimal"
          required
          placeholder="25.00"
          error={priceError ?? errors["price.amount_minor"] ?? errors.price}
        />
        <Field id="capacity" label="Capacity" type="number" min={1} required error={errors.capacity} />
        <Field id="max_per_order" label="Most per order" type="number" min={1} defaultValue={10} required error={errors.max_per_order} />
        <Field
          id="sale_opens_at"
          label="Sale opens (local time)"
          type="datetime-local"
          required
          defaultValue={utcToZonedInput(now.toISOString(), event.time_zone)}
          error={errors.sale_opens_at}
        />
        <Field
          id="sale_closes_at"
          label="Sale closes (local time)"
          type="datetime-local"
          required
          defaultValue={utcToZonedInput(event.starts_at, event.time_zone)}
          error={errors.sale_closes_at}
        />
      </div>
      <Switch id="tt_hidden" checked={hidden} onCheckedChange={setHidden} label="Hidden" hint={HIDDEN_HINT} />
      <div>
        <Button type="submit" variant="secondary" disabled={busy}>
          {busy ? "Adding…" : "Add ticket type"}
        </Button>
      </div>
    </form>
  );
}
