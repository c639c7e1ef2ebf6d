"use client";

import { Button } from "@/components/ui/button";

/** Loads the page again: the way out of a transient failure. */
export function ReloadButton() {
  return <Button onClick={() => window.location.reload()}>Try again</Button>;
}
