"use client";

import { useState } from "react";

import { Alert, AlertDescription } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Field } from "@/components/field";
import { browserApi, call } from "@/lib/api/browser";
import { failureMessage, fieldErrors, problemSlug, type Failure } from "@/lib/api/problem";
import type { DoorStaffMember } from "@/lib/api/types";

/** Lets an existing account check tickets in at this event's door. */
export function DoorStaffForm({ eventId, onGranted }: { eventId: string; onGranted?: (member: DoorStaffMember) => void }) {
  const [email, setEmail] = useState("");
  const [failure, setFailure] = useState<Failure | null>(null);
  const [granted, setGranted] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const errors = fieldErrors(failure ?? undefined);

  const submit = async (ev: React.FormEvent) => {
    ev.preventDefault();
    setBusy(true);
    setFailure(null);
    setGranted(null);
    const result = await call(() =>
      browserApi.POST("/organiser/events/{event_id}/door-staff", {
        params: { path: { event_id: eventId } },
        body: { email: email.trim() },
      }),
    );
    setBusy(false);
    if (!result.ok) return setFailure(result.failure);
    setGranted(result.data.email);
    setEmail("");
    onGranted?.(result.data);
  };

  return (
    <form onSubmit={submit} noValidate className="grid gap-3 sm:grid-cols-[1fr_auto] sm:items-end" aria-label="Door staff">
      <Field
        id="door_email"
        label="Email of the door staff's account"
        type="email"
        value={email}
        onChange={(ev) => setEmail(ev.target.value)}
        error={failure && problemSlug(failure) === "account-not-found" ? failureMessage(failure) : errors.email}
      />
      <Button type="submit" variant="secondary" disabled={busy || email.trim() === ""}>
        Give door access
      </Button>
      {granted ? (
        <Alert variant="success" className="sm:col-span-2">
          <AlertDescription className="text-success">{granted} can now check tickets in at the door.</AlertDescription>
        </Alert>
      ) : null}
      {failure && !errors.email ? (
        <Alert variant="destructive" className="sm:col-span-2">
          <AlertDescription className="text-destructive">{failureMessage(failure)}</AlertDescription>
        </Alert>
      ) : null}
    </form>
  );
}
