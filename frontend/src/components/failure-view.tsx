"use client";

import Link from "next/link";

import { Button } from "@/components/ui/button";
import { StateScreen } from "@/components/state-screen";
import type { Failure } from "@/lib/api/problem";

/** The client-side twin of FailureScreen, for pages that load in the browser. */
export function FailureView({ failure, what }: { failure: Failure; what: string }) {
  const home = (
    <Button asChild variant="outline">
      <Link href="/">Browse events</Link>
    </Button>
  );
  if (failure.kind === "offline") {
    return (
      <StateScreen
        kind="offline"
        title="We can't reach the box office"
        actions={
          <>
            <Button onClick={() => window.location.reload()}>Try again</Button>
            {home}
          </>
        }
      >
        <p>The ticketing service is not answering right now. Your holds and tickets are safe; please try again in a moment.</p>
      </StateScreen>
    );
  }
  if (failure.status === 404) {
    return (
      <StateScreen kind="not-found" title={`This ${what} does not exist`} actions={home}>
        <p>The link may be old or mistyped.</p>
      </StateScreen>
    );
  }
  if (failure.status === 401 || failure.status === 403) {
    return (
      <StateScreen
        kind="not-allowed"
        title={`This ${what} is not yours to see`}
        actions={
          <>
            <Button asChild>
              <Link href="/login">Log in</Link>
            </Button>
            {home}
          </>
        }
      >
        <p>Open it from the browser where you started, or log in with the account it belongs to.</p>
      </StateScreen>
    );
  }
  return (
    <StateScreen kind="failed" title="Something went wrong" actions={home}>
      <p>{failure.problem.detail || failure.problem.title}</p>
    </StateScreen>
  );
}
