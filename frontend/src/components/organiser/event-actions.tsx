"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import { useEffect, useState } from "react";

import { Alert, AlertDescription } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Label } from "@/components/ui/label";
import { Textarea } from "@/components/ui/textarea";
import { browserApi, call } from "@/lib/api/browser";
import { failureMessage, type Failure } from "@/lib/api/problem";
import type { EventDetail } from "@/lib/api/types";

/** Publish a draft, cancel an event (with a reason for buyers), open the public page. */
export function EventActions({ event }: { event: EventDetail }) {
  const router = useRouter();
  const [failure, setFailure] = useState<Failure | null>(null);
  const [busy, setBusy] = useState<"publish" | "cancel" | null>(null);
  const [confirmCancel, setConfirmCancel] = useState(false);
  const [reason, setReason] = useState("");
  // The status a successful command answered with, until the page shows it. One
  // router.refresh() right after another can be dropped by Next.js, which left the page
  // saying "Draft" after a publish had succeeded: refresh again until the page agrees.
  const [expected, setExpected] = useState<EventDetail["status"] | null>(null);
  useEffect(() => {
    if (expected === null || event.status === expected) return;
    const timer = setInterval(() => router.refresh(), 700);
    return () => clearInterval(timer);
  }, [expected, event.status, router]);

  const publish = async () => {
    setBusy("publish");
    setFailure(null);
    const result = await call(() =>
      browserApi.POST("/organiser/events/{event_id}/publish", { params: { path: { event_id: event.id } } }),
    );
    setBusy(null);
    if (!result.ok) return setFailure(result.failure);
    setExpected("published");
    router.refresh();
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
    setExpected("cancelled");
    router.refresh();
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
