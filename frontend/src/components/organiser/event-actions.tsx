"use client";

import Link from "next/link";
import { useState } from "react";

import { Alert, AlertDescription } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Label } from "@/components/ui/label";
import { Textarea } from "@/components/ui/textarea";
import { browserApi, call } from "@/lib/api/browser";
import { failureMessage, type Failure } from "@/lib/api/problem";
import type { EventDetail } from "@/lib/api/types";
import { reloadAfterCommand } from "@/lib/reload";

/** Publish a draft, cancel an event (with a reason for buyers), open the public page. */
export function EventActions({ event }: { event: EventDetail }) {
  const [failure, setFailure] = useState<Failure | null>(null);
  const [busy, setBusy] = useState<"publish" | "cancel" | null>(null);
  const [confirmCancel, setConfirmCancel] = useState(false);
  const [reason, setReason] = useState("");

  const publish = async () => {
    setBusy("publish");
    setFailure(null);
    const result = await call(() =>
      browserApi.POST("/organiser/events/{event_id}/publish", { params: { path: { event_id: event.id } } }),
    );
    setBusy(null);
    if (!result.ok) return setFailure(result.failure);
    reloadAfterCommand();
  };

  const cancel = async () => {
    setBusy("cancel");
    setFailure(null);
    const result = await call(() =>
      browserApi.POST("/organiser/events/{event_id}/cancel", {
        params: { path: { event_id: event.id } },
        body: { reason: reason.trim() || null },
      }),
    );
    setBusy(null);
    if (!result.ok) return setFailure(result.failure);
    setConfirmCancel(false);
    reloadAfterCommand();
  };

  return (
    <div className="space-y-3">
      <div className="flex flex-wrap gap-2">
        {event.status === "draft" ? (
          <Button onClick={publish} disabled={busy !== null}>
            {busy === "publish" ? "Publishing…" : "Publish"}
          </Button>
        ) : null}
        {event.status === "published" ? (
          <Button asChild variant="outline">
            <Link href={`/events/${event.id}`}>View public page</Link>
          </Button>
        ) : null}
        {event.status !== "cancelled" && !confirmCancel ? (
          <Button variant="ghost" className="text-destructive" onClick={() => setConfirmCancel(true)} disabled={busy !== null}>
            Cancel event
          </Button>
        ) : null}
      </div>
      {confirmCancel ? (
        <div className="space-y-3 rounded-lg border border-destructive/40 p-4">
          <p className="text-sm font-medium">Cancel this event? It cannot be undone; paid orders are refunded.</p>
          <div className="grid gap-1.5">
            <Label htmlFor="cancel_reason">Reason shown to buyers (optional)</Label>
            <Textarea id="cancel_reason" value={reason} maxLength={500} onChange={(ev) => setReason(ev.target.value)} />
          </div>
          <div className="flex gap-2">
            <Button variant="destructive" onClick={cancel} disabled={busy !== null}>
              {busy === "cancel" ? "Cancelling…" : "Yes, cancel the event"}
            </Button>
            <Button variant="ghost" onClick={() => setConfirmCancel(false)}>
              Keep it
            </Button>
          </div>
        </div>
      ) : null}
      {failure ? (
        <Alert variant="destructive">
          <AlertDescription className="text-destructive">{failureMessage(failure)}</AlertDescription>
        </Alert>
      ) : null}
    </div>
  );
}
