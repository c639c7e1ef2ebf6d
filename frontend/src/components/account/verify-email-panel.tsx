"use client";

import { useState } from "react";

import { Button } from "@/components/ui/button";
import { browserApi, call } from "@/lib/api/browser";
import { failureMessage, type Failure } from "@/lib/api/problem";

type Sent = "idle" | "sent" | "verified";

/**
 * Why an unverified email matters, and a way to get its link again: tickets bought as a
 * guest with this email join the account only once the buyer proves the address is theirs.
 */
export function VerifyEmailPanel({ email }: { email: string }) {
  const [sent, setSent] = useState<Sent>("idle");
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<Failure | null>(null);

  const resend = async () => {
    setBusy(true);
    setFailure(null);
    const result = await call(() => browserApi.POST("/me/email-verification"));
    setBusy(false);
    if (!result.ok) return setFailure(result.failure);
    setSent(result.response.status === 204 ? "verified" : "sent");
  };

  return (
    <div className="space-y-2 text-sm" role="group" aria-label="Confirm your email">
      <p className="text-muted-foreground">
        We sent a link to {email} when you registered. Open it to confirm the address: tickets you bought as a guest
        with this email appear in My tickets only after that, so nobody else can claim them.
      </p>
      <Button size="sm" variant="outline" onClick={resend} disabled={busy}>
        {busy ? "Sending…" : "Send the link again"}
      </Button>
      <p aria-live="polite" className={failure ? "text-destructive" : undefined}>
        {failure
          ? failureMessage(failure)
          : sent === "sent"
            ? `A new link is on its way to ${email}.`
            : sent === "verified"
              ? "Your email is confirmed already. Reload the page to see it."
              : null}
      </p>
    </div>
  );
}
