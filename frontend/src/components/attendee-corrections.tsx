"use client";

import { useState } from "react";

import { Alert, AlertDescription } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { AttendeeFields, asksAttendees, type AttendeeInput } from "@/components/attendee-fields";
import { browserApi, call } from "@/lib/api/browser";
import { failureMessage, fieldErrors, type Failure } from "@/lib/api/problem";
import type { EventDetail, Order } from "@/lib/api/types";

/**
 * Who each ticket is for, correctable by the buyer until the event starts: each changed
 * ticket is saved on its own (`PUT /orders/{id}/attendees/{seat}`), and the API's refusals
 * are shown on the ticket they name.
 */
export function AttendeeCorrections({
  order,
  event,
  orderKey,
  onSaved,
}: {
  order: Order;
  event: EventDetail;
  orderKey: string | null;
  onSaved: () => void;
}) {
  const recorded: AttendeeInput[] = (order.attendees ?? []).map((a) => ({ name: a.name ?? "", email: a.email ?? "" }));
  const [values, setValues] = useState<AttendeeInput[]>(recorded);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [general, setGeneral] = useState<Failure | null>(null);
  const [busy, setBusy] = useState(false);
  const [saved, setSaved] = useState(false);
  const questions = event.attendee_questions;
  if (!asksAttendees(questions) || recorded.length === 0) return null;
  const started = Date.parse(event.starts_at) <= Date.now();
  const typeName = (id: string) => event.ticket_types.find((t) => t.id === id)?.name ?? "Ticket";
  const seats = order.lines
    .flatMap((line) => Array.from({ length: line.quantity }, () => line.ticket_type_id))
    .map((typeId, i) => ({ label: `Ticket ${i + 1} — ${typeName(typeId)}` }));

  const save = async (ev: React.FormEvent) => {
    ev.preventDefault();
    setBusy(true);
    setSaved(false);
    setGeneral(null);
    const found: Record<string, string> = {};
    for (const [seat, value] of values.entries()) {
      const before = recorded[seat];
      if (before && before.name === value.name && before.email === value.email) continue;
      const result = await call(() =>
        browserApi.PUT("/orders/{order_id}/attendees/{seat}", {
          params: { path: { order_id: order.order_id, seat }, query: orderKey ? { key: orderKey } : {} },
          body: { name: value.name.trim() || null, email: value.email.trim() || null },
        }),
      );
      if (!result.ok) {
        const named = fieldErrors(result.failure);
        if (Object.keys(named).length === 0) setGeneral(result.failure);
        Object.assign(found, named);
      }
    }
    setBusy(false);
    setErrors(found);
    if (Object.keys(found).length === 0) {
      setSaved(true);
      onSaved();
    }
  };

  return (
    <Card data-attendee-corrections>
      <form onSubmit={save} noValidate>
        <CardHeader>
          <CardTitle>Who is coming</CardTitle>
          <CardDescription>
            {started
              ? "The event has started: the names on the tickets can no longer be changed."
              : "The names on the tickets. You can correct them until the event starts."}
          </CardDescription>
        </CardHeader>
        <CardContent className="space-y-4">
          {started ? (
            <ul className="text-sm">
              {seats.map((seat, i) => (
                <li key={i}>
                  {seat.label}: {recorded[i]?.name || "no name given"}
                </li>
              ))}
            </ul>
          ) : (
            <>
              <AttendeeFields
                seats={seats}
                questions={questions}
                values={values}
                errors={errors}
                onChange={(index, value) =>
                  setValues((current) => current.map((v, i) => (i === index ? value : v)))
                }
              />
              {general ? (
                <Alert variant="destructive">
                  <AlertDescription>{failureMessage(general)}</AlertDescription>
                </Alert>
              ) : null}
              {saved ? (
                <Alert variant="success">
                  <AlertDescription className="text-success">Saved.</AlertDescription>
                </Alert>
              ) : null}
              <Button type="submit" disabled={busy}>
                {busy ? "Saving…" : "Save names"}
              </Button>
            </>
          )}
        </CardContent>
      </form>
    </Card>
  );
}
