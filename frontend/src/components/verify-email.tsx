"use client";

import Link from "next/link";
import { useState } from "react";

import { Button } from "@/components/ui/button";
import { StateScreen } from "@/components/state-screen";
import { browserApi, call } from "@/lib/api/browser";
import { failureMessage, type Failure } from "@/lib/api/problem";

// A button rather than an automatic POST: mail scanners open links, and must not use them up.
export function VerifyEmail({ token }: { token: string }) {
  const [state, setState] = useState<"idle" | "busy" | "done" | Failure>("idle");
  const verify = async () => {
    setState("busy");
    const result = await call(() => browserApi.POST("/email-verifications", { body: { token } }));
    setState(result.ok ? "done" : result.failure);
  };
  if (state === "done") {
    return (
      <StateScreen
        kind="tickets"
        title="Your email is verified"
        actions={
          <Button asChild>
            <Link href="/account/tickets">See my tickets</Link>
          </Button>
        }
      >
        <p>Tickets bought with this address, also as a guest, now show up in your account.</p>
      </StateScreen>
    );
  }
  if (typeof state === "object" || !token) {
    return (
      <StateScreen kind="failed" title="This link does not work any more">
        <p>{typeof state === "object" ? failureMessage(state) : "The link is incomplete."} Ask for a new one from your account.</p>
      </StateScreen>
    );
  }
  return (
    <StateScreen kind="tickets" title="Verify your email" actions={<Button onClick={verify} disabled={state === "busy"}>Verify my email</Button>}>
      <p>One click confirms that this address is yours.</p>
    </StateScreen>
  );
}
