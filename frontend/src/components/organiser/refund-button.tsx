"use client";

import { useState } from "react";

import { Button } from "@/components/ui/button";
import { failureMessage, type Failure } from "@/lib/api/problem";
import { browserApi, call } from "@/lib/api/browser";
import { reloadAfterCommand } from "@/lib/reload";

/** Refunds a whole paid order after a confirming second click. */
export function RefundButton({ orderId, label }: { orderId: string; label: string }) {
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<Failure | null>(null);

  const refund = async () => {
    setBusy(true);
    const result = await call(() =>
      browserApi.POST("/organiser/orders/{order_id}/refunds", { params: { path: { order_id: orderId } }, body: {} }),
    );
    setBusy(false);
    setConfirming(false);
    if (!result.ok) return setFailure(result.failure);
    setFailure(null);
    reloadAfterCommand();
  };

  return (
    <div className="flex flex-col items-end gap-1">
      {confirming ? (
        <div className="flex gap-1">
          <Button size="sm" variant="destructive" onClick={refund} disabled={busy} aria-label={`Confirm refund of ${label}`}>
            {busy ? "Refunding…" : "Confirm refund"}
          </Button>
          <Button size="sm" variant="ghost" onClick={() => setConfirming(false)} disabled={busy}>
            Keep
          </Button>
        </div>
      ) : (
        <Button size="sm" variant="outline" onClick={() => setConfirming(true)} aria-label={`Refund ${label}`}>
          Refund
        </Button>
      )}
      {failure ? <p className="text-xs text-destructive">{failureMessage(failure)}</p> : null}
    </div>
  );
}
