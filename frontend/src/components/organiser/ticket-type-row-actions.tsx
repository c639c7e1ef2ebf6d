"use client";

import { useState } from "react";

import { Button } from "@/components/ui/button";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { Switch } from "@/components/ui/switch";
import { browserApi, call } from "@/lib/api/browser";
import { failureMessage, type Failure } from "@/lib/api/problem";
import type { TicketType } from "@/lib/api/types";
import { minorPerMajor } from "@/lib/format";
import { parsePrice } from "@/lib/price";
import { reloadAfterCommand } from "@/lib/reload";

/** Change a ticket type's price, capacity and whether it is hidden, or remove it. */
export function TicketTypeRowActions({ eventId, ticketType }: { eventId: string; ticketType: TicketType }) {
  const [editing, setEditing] = useState(false);
  const [failure, setFailure] = useState<Failure | null>(null);
  const [busy, setBusy] = useState(false);
  const [priceError, setPriceError] = useState<string | null>(null);
  const [hidden, setHidden] = useState(Boolean(ticketType.hidden));
  const perMajor = minorPerMajor(ticketType.price.currency);
  const path = { event_id: eventId, ticket_type_id: ticketType.id };

  const save = async (ev: React.FormEvent<HTMLFormElement>) => {
    ev.preventDefault();
    const form = new FormData(ev.currentTarget);
    const price = parsePrice(String(form.get("price") ?? ""), ticketType.price.currency);
    setPriceError(price.ok ? null : price.message);
    if (!price.ok) return;
    setBusy(true);
    const result = await call(() =>
      browserApi.PATCH("/organiser/events/{event_id}/ticket-types/{ticket_type_id}", {
        params: { path },
        body: {
          capacity: Number(form.get("capacity")),
          price: { amount_minor: price.amountMinor, currency: ticketType.price.currency },
          hidden,
        },
      }),
    );
    setBusy(false);
    if (!result.ok) return setFailure(result.failure);
    setFailure(null);
    setEditing(false);
    reloadAfterCommand();
  };

  const remove = async () => {
    // Removing cannot be undone; a ticket type with buyers is refused by the API anyway.
    const question = `Remove the ticket type "${ticketType.name}"? To stop selling it but keep its orders, close its sale instead.`;
    if (!window.confirm(question)) return;
    setBusy(true);
    const result = await call(() =>
      browserApi.DELETE("/organiser/events/{event_id}/ticket-types/{ticket_type_id}", { params: { path } }),
    );
    setBusy(false);
    if (!result.ok) return setFailure(result.failure);
    reloadAfterCommand();
  };

  if (editing) {
    const id = ticketType.id;
    return (
      <form onSubmit={save} className="flex flex-wrap items-end gap-2" aria-label={`Change ${ticketType.name}`}>
        <div className="grid gap-1">
          <Label htmlFor={`price-${id}`} className="text-xs">
            Price
          </Label>
          <Input
            id={`price-${id}`}
            name="price"
            inputMode="decimal"
            className="h-8 w-24"
            defaultValue={(ticketType.price.amount_minor / perMajor).toFixed(Math.log10(perMajor))}
          />
        </div>
        <div className="grid gap-1">
          <Label htmlFor={`capacity-${id}`} className="text-xs">
            Capacity
          </Label>
          <Input id={`capacity-${id}`} name="capacity" type="number" min={0} className="h-8 w-24" defaultValue={ticketType.capacity} />
        </div>
        <Switch
          id={`hidden-${id}`}
          checked={hidden}
          onCheckedChange={setHidden}
          label="Hidden"
          className="w-full"
        />
        <Button size="sm" type="submit" disabled={busy}>
          Save
        </Button>
        <Button
          size="sm"
          type="button"
          variant="ghost"
          onClick={() => {
            setHidden(Boolean(ticketType.hidden));
            setEditing(false);
          }}
        >
          Close
        </Button>
        {priceError || failure ? (
          <p role="alert" className="w-full text-xs text-destructive">
            {priceError ?? (failure ? failureMessage(failure) : null)}
          </p>
        ) : null}
      </form>
    );
  }
  return (
    <div className="flex flex-wrap justify-end gap-1">
      {/* Narrower on a phone, where the sales table keeps every column in view. */}
      <Button size="sm" variant="outline" className="px-2 sm:px-3" onClick={() => setEditing(true)} aria-label={`Change ${ticketType.name}`}>
        Change
      </Button>
      <Button size="sm" variant="ghost" className="px-2 text-destructive sm:px-3" onClick={remove} disabled={busy} aria-label={`Remove ${ticketType.name}`}>
        Remove
      </Button>
      {failure ? <p className="w-full text-right text-xs text-destructive">{failureMessage(failure)}</p> : null}
    </div>
  );
}
