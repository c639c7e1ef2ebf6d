"use client";

import { useState } from "react";

import { Alert, AlertDescription } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Label } from "@/components/ui/label";
import { NativeSelect } from "@/components/ui/native-select";
import { Textarea } from "@/components/ui/textarea";
import { Field } from "@/components/field";
import { browserApi, call, idempotencyKey } from "@/lib/api/browser";
import { failureMessage, fieldErrors, type Failure } from "@/lib/api/problem";
import type { AttendeeAsk, EventDetail } from "@/lib/api/types";
import { CURRENCIES, TIME_ZONES, utcToZonedInput, zonedInputToUtc } from "@/lib/zoned-time";
import { reloadAfterCommand } from "@/lib/reload";

type Ask = AttendeeAsk;
const ASKS: readonly (readonly [Ask, string])[] = [
  ["off", "Not asked"],
  ["optional", "Optional"],
  ["required", "Required for every ticket"],
];

/** The select's value as the API's ask (`off` for anything unexpected). */
function askOf(value: FormDataEntryValue | null): Ask {
  return value === "optional" || value === "required" ? value : "off";
}

/** Create an event (draft) or edit its details. Times are typed in the event's own zone. */
export function EventForm({ event }: { event?: EventDetail }) {
  const [failure, setFailure] = useState<Failure | null>(null);
  const [saved, setSaved] = useState(false);
  const [busy, setBusy] = useState(false);
  const [key] = useState(idempotencyKey);
  const [timeZone, setTimeZone] = useState(event?.time_zone ?? "Europe/Paris");
  const errors = fieldErrors(failure ?? undefined);
  const zones = TIME_ZONES.includes(timeZone) ? TIME_ZONES : [timeZone, ...TIME_ZONES];

  const submit = async (ev: React.FormEvent<HTMLFormElement>) => {
    ev.preventDefault();
    const form = new FormData(ev.currentTarget);
    const text = (name: string) => String(form.get(name) ?? "").trim();
    const startsAt = zonedInputToUtc(text("starts_at"), timeZone) ?? text("starts_at");
    const endsAt = zonedInputToUtc(text("ends_at"), timeZone) ?? text("ends_at");
    const details = {
      title: text("title"),
      description: text("description"),
      venue: { name: text("venue_name"), address: text("venue_address") },
      starts_at: startsAt,
      ends_at: endsAt,
      time_zone: timeZone,
    };
    setBusy(true);
    setFailure(null);
    setSaved(false);
    if (event) {
      const attendee_questions = {
        name: askOf(form.get("attendee_name")),
        email: askOf(form.get("attendee_email")),
      };
      const result = await call(() =>
        browserApi.PATCH("/organiser/events/{event_id}", {
          params: { path: { event_id: event.id } },
          body: { ...details, attendee_questions },
        }),
      );
      setBusy(false);
      if (!result.ok) return setFailure(result.failure);
      setSaved(true);
      reloadAfterCommand();
    } else {
      const result = await call(() =>
        browserApi.POST("/organiser/events", {
          params: { header: { "Idempotency-Key": key } },
          body: { ...details, currency: text("currency") },
        }),
      );
      if (!result.ok) {
        setBusy(false);
        return setFailure(result.failure);
      }
      // A full load rather than router.push: a client navigation right after the POST was
      // seen to stall in the browser tests, leaving the organiser on "Saving…" with the
      // draft already created (the same Next.js behaviour as in lib/reload.ts).
      window.location.assign(`/organiser/events/${result.data.id}`);
    }
  };

  const general = failure && Object.keys(errors).length === 0 ? failureMessage(failure) : null;
  return (
    <form onSubmit={submit} noValidate className="grid gap-4">
      {general ? (
        <Alert variant="destructive">
          <AlertDescription className="text-destructive">{general}</AlertDescription>
        </Alert>
      ) : null}
      {saved ? (
        <Alert variant="success">
          <AlertDescription className="text-success">Saved.</AlertDescription>
        </Alert>
      ) : null}
      <Field id="title" label="Title" required maxLength={200} defaultValue={event?.title} error={errors.title} />
      <div className="grid gap-1.5">
        <Label htmlFor="description">Description</Label>
        <Textarea
          id="description"
          name="description"
          defaultValue={event?.description}
          aria-invalid={Boolean(errors.description) || undefined}
        />
        {errors.description ? <p className="text-sm text-destructive">{errors.description}</p> : null}
      </div>
      <div className="grid gap-4 sm:grid-cols-2">
        <Field id="venue_name" label="Venue" required defaultValue={event?.venue.name} error={errors["venue.name"]} />
        <Field id="venue_address" label="Venue address" defaultValue={event?.venue.address} error={errors["venue.address"]} />
      </div>
      <div className="grid gap-4 sm:grid-cols-2">
        <div className="grid gap-1.5">
          <Label htmlFor="time_zone">Time zone</Label>
          <NativeSelect id="time_zone" name="time_zone" value={timeZone} onChange={(ev) => setTimeZone(ev.target.value)}>
            {zones.map((z) => (
              <option key={z} value={z}>
                {z}
              </option>
            ))}
          </NativeSelect>
        </div>
        <div className="grid gap-1.5">
          <Label htmlFor="currency">Currency</Label>
          <NativeSelect id="currency" name="currency" defaultValue={event?.currency ?? "EUR"} disabled={Boolean(event)}>
            {CURRENCIES.map((c) => (
              <option key={c} value={c}>
                {c}
              </option>
            ))}
          </NativeSelect>
        </div>
      </div>
      <div className="grid gap-4 sm:grid-cols-2">
        <Field
          id="starts_at"
          label="Starts (local time)"
          type="datetime-local"
          required
          defaultValue={event ? utcToZonedInput(event.starts_at, event.time_zone) : undefined}
          error={errors.starts_at}
        />
        <Field
          id="ends_at"
          label="Ends (local time)"
          type="datetime-local"
          required
          defaultValue={event ? utcToZonedInput(event.ends_at, event.time_zone) : undefined}
          error={errors.ends_at}
        />
      </div>
      {event ? (
        <fieldset className="grid gap-4 sm:grid-cols-2">
          <legend className="mb-2 text-sm font-medium">Ask buyers for each ticket&apos;s attendee</legend>
          <AskSelect id="attendee_name" label="Attendee name" value={event.attendee_questions?.name} />
          <AskSelect id="attendee_email" label="Attendee email" value={event.attendee_questions?.email} />
        </fieldset>
      ) : null}
      <div>
        <Button type="submit" disabled={busy}>
          {busy ? "Saving…" : event ? "Save changes" : "Create draft"}
        </Button>
      </div>
    </form>
  );
}

/** One attendee question's select: not asked, optional or required. */
function AskSelect({ id, label, value }: { id: string; label: string; value?: Ask }) {
  return (
    <div className="grid gap-1.5">
      <Label htmlFor={id}>{label}</Label>
      <NativeSelect id={id} name={id} defaultValue={value ?? "off"}>
        {ASKS.map(([ask, text]) => (
          <option key={ask} value={ask}>
            {text}
          </option>
        ))}
      </NativeSelect>
    </div>
  );
}
