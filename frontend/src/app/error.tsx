"use client";

import { Button } from "@/components/ui/button";
import { StateScreen } from "@/components/state-screen";

/** Last resort for an error a page did not handle itself. */
export default function ErrorPage({ reset }: { error: Error & { digest?: string }; reset: () => void }) {
  return (
    <StateScreen kind="failed" title="Something went wrong" actions={<Button onClick={reset}>Try again</Button>}>
      <p>This page could not be shown. If it keeps happening, the ticketing service may be down.</p>
    </StateScreen>
  );
}
