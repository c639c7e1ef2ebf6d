"use client";

import { useState } from "react";

import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Field, FormFailure } from "@/components/field";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { browserApi, call, idempotencyKey } from "@/lib/api/browser";
import { failureMessage, fieldErrors, type Failure } from "@/lib/api/problem";
import type { CapacityPool, EventDetail } from "@/lib/api/types";
import { reloadAfterCommand } from "@/lib/reload";

/**
 * Capacities shared by several ticket types ("Venue: 1,000 places for Standard, VIP and
 * Student"): each pool with its figures, a change of its capacity, its removal, and a form
 * to share a new one. A ticket type is in one shared capacity at most, so the form offers
 * only the types not shared yet.
 */
export function CapacityPoolsPanel({ event, editable }: { event: EventDetail; editable: boolean }) {
  const names = new Map(event.ticket_types.map((t) => [t.id, t.name]));
  const pools = event.capacity_pools ?? [];
  const shared = new Set(pools.flatMap((p) => p.ticket_type_ids));
  const free = event.ticket_types.filter((t) => !shared.has(t.id));
  return (
    <div className="space-y-6">
      {pools.length === 0 ? (
        <p className="rounded-lg border border-dashed p-6 text-center text-sm text-muted-foreground" data-state="empty">
          No shared capacity. Each ticket type sells up to its own capacity.
        </p>
      ) : (
        <ul aria-label="Shared capacities" className="space-y-3">
          {pools.map((pool) => (
            <li key={pool.id} className="space-y-2 rounded-lg border p-3" data-capacity-pool={pool.name}>
              <div className="flex flex-wrap items-center gap-2">
                <span className="font-medium">{pool.name}</span>
                {pool.available === 0 ? <Badge variant="destructive">Full</Badge> : null}
                <span className="text-sm text-muted-foreground tabular-nums">
                  {pool.sold} sold · {pool.held} held · {pool.available} of {pool.capacity} left
                </span>
              </div>
              <p className="text-sm text-muted-foreground">
                Shared by {pool.ticket_type_ids.map((id) => names.get(id) ?? "a removed ticket type").join(", ")}
              </p>
              {editable ? <PoolActions eventId={event.id} pool={pool} /> : null}
            </li>
          ))}
        </ul>
      )}
      {editable && free.length > 0 ? (
        <section aria-labelledby="add-pool" className="space-y-3 border-t pt-6">
          <h2 id="add-pool" className="font-semibold">
            Share a capacity
          </h2>
          <AddPoolForm event={event} choices={free} />
        </section>
      ) : null}
    </div>
  );
}

function AddPoolForm({ event, choices }: { event: EventDetail; choices: EventDetail["ticket_types"] }) {
  const [failure, setFailure] = useState<Failure | null>(null);
  const [busy, setBusy] = useState(false);
  const [key, setKey] = useState(idempotencyKey);
  const errors = fieldErrors(failure ?? undefined);

  const submit = async (ev: React.FormEvent<HTMLFormElement>) => {
    ev.preventDefault();
    const form = new FormData(ev.currentTarget);
    setFailure(null);
    setBusy(true);
    const result = await call(() =>
      browserApi.POST("/organiser/events/{event_id}/capacity-pools", {
        params: { path: { event_id: event.id }, header: { "Idempotency-Key": key } },
        body: {
          name: String(form.get("pool_name") ?? "").trim(),
          capacity: Number(form.get("pool_capacity")),
          ticket_type_ids: form.getAll("pool_ticket_types").map(String),
        },
      }),
    );
    setBusy(false);
    if (!result.ok) return setFailure(result.failure);
    setKey(idempotencyKey());
    reloadAfterCommand();
  };

  return (
    <form onSubmit={submit} noValidate className="grid gap-4" aria-label="Share a capacity">
      <FormFailure failure={failure} />
      <div className="grid gap-4 sm:grid-cols-2">
        {/* Labels unlike the ticket type form's "Capacity", so each field is found by its own. */}
        <Field id="pool_name" label="Name of what is shared" required placeholder="Venue" error={errors.name} />
        <Field id="pool_capacity" label="Places shared" type="number" min={1} required error={errors.capacity} />
      </div>
      <fieldset className="grid gap-2" aria-describedby={errors.ticket_type_ids ? "pool_ticket_types-error" : undefined}>
        <legend className="text-sm font-medium">Ticket types sharing it</legend>
        {choices.map((t) => (
          <label key={t.id} className="flex items-center gap-2 text-sm">
            <input type="checkbox" name="pool_ticket_types" value={t.id} className="size-4" />
            {t.name} <span className="text-muted-foreground">({t.capacity} of its own)</span>
          </label>
        ))}
        {errors.ticket_type_ids ? (
          <p id="pool_ticket_types-error" className="text-sm text-destructive">
            {errors.ticket_type_ids}
          </p>
        ) : null}
      </fieldset>
      <div>
        <Button type="submit" variant="secondary" disabled={busy}>
          {busy ? "Sharing…" : "Share capacity"}
        </Button>
      </div>
    </form>
  );
}

/** Change a pool's capacity, or stop sharing it. */
function PoolActions({ eventId, pool }: { eventId: string; pool: CapacityPool }) {
  const [editing, setEditing] = useState(false);
  const [failure, setFailure] = useState<Failure | null>(null);
  const [busy, setBusy] = useState(false);
  const path = { event_id: eventId, pool_id: pool.id };

  const save = async (ev: React.FormEvent<HTMLFormElement>) => {
    ev.preventDefault();
    const form = new FormData(ev.currentTarget);
    setBusy(true);
    const result = await call(() =>
      browserApi.PATCH("/organiser/events/{event_id}/capacity-pools/{pool_id}", {
        params: { path },
        body: { capacity: Number(form.get("capacity")) },
      }),
    );
    setBusy(false);
    if (!result.ok) return setFailure(result.failure);
    setFailure(null);
    setEditing(false);
    reloadAfterCommand();
  };

  const remove = async () => {
    if (!window.confirm(`Stop sharing "${pool.name}"? Its ticket types keep their own capacities.`)) return;
    setBusy(true);
    const result = await call(() =>
      browserApi.DELETE("/organiser/events/{event_id}/capacity-pools/{pool_id}", { params: { path } }),
    );
    setBusy(false);
    if (!result.ok) return setFailure(result.failure);
    reloadAfterCommand();
  };

  if (editing) {
    return (
      <form onSubmit={save} className="flex flex-wrap items-end gap-2" aria-label={`Change ${pool.name}`}>
        <div className="grid gap-1">
          <Label htmlFor={`pool-capacity-${pool.id}`} className="text-xs">
            Places shared
          </Label>
          <Input id={`pool-capacity-${pool.id}`} name="capacity" type="number" min={1} className="h-8 w-28" defaultValue={pool.capacity} />
        </div>
        <Button size="sm" type="submit" disabled={busy}>
          Save
        </Button>
        <Button size="sm" type="button" variant="ghost" onClick={() => setEditing(false)}>
          Close
        </Button>
        {failure ? (
          <p role="alert" className="w-full text-xs text-destructive">
            {failureMessage(failure)}
          </p>
        ) : null}
      </form>
    );
  }
  return (
    <div className="flex flex-wrap gap-1">
      <Button size="sm" variant="outline" onClick={() => setEditing(true)} aria-label={`Change ${pool.name}`}>
        Change
      </Button>
      <Button size="sm" variant="ghost" className="text-destructive" onClick={remove} disabled={busy} aria-label={`Stop sharing ${pool.name}`}>
        Stop sharing
      </Button>
      {failure ? <p className="w-full text-xs text-destructive">{failureMessage(failure)}</p> : null}
    </div>
  );
}
