"use client";

import { useState } from "react";

import { Alert, AlertDescription } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { LogoutButton } from "@/components/logout-button";
import { browserApi, call } from "@/lib/api/browser";
import { failureMessage, type Failure } from "@/lib/api/problem";

/** Log out here, or end every session of the account (this one too), after a confirmation. */
export function SessionActions() {
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<Failure | null>(null);

  const everywhere = async () => {
    setBusy(true);
    setFailure(null);
    const result = await call(() => browserApi.DELETE("/sessions"));
    if (!result.ok) {
      setBusy(false);
      return setFailure(result.failure);
    }
    // This session ended too: a full load shows the site as a guest sees it.
    window.location.assign("/login?next=%2Faccount");
  };

  return (
    <div className="space-y-3">
      <div className="flex flex-wrap gap-2">
        <LogoutButton />
        {confirming ? null : (
          <Button variant="outline" size="sm" onClick={() => setConfirming(true)}>
            Log out everywhere
          </Button>
        )}
      </div>
      {confirming ? (
        <div className="space-y-3 rounded-lg border border-destructive/40 p-4" role="group" aria-label="Log out everywhere">
          <p className="text-sm">
            Every browser and device using your account is logged out, this one included. Use it if you lost a phone or
            logged in on a shared computer.
          </p>
          <div className="flex flex-wrap gap-2">
            <Button variant="destructive" size="sm" onClick={everywhere} disabled={busy}>
              {busy ? "Logging out…" : "Yes, log out everywhere"}
            </Button>
            <Button variant="ghost" size="sm" onClick={() => setConfirming(false)} disabled={busy}>
              Stay logged in
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
