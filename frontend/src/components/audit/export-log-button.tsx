"use client";

import { useState } from "react";
import { Download } from "lucide-react";

import { Button } from "@/components/ui/button";
import { failureMessage, toFailure } from "@/lib/api/problem";

/**
 * Saves the NDJSON export of the current filter. A plain link cannot ask for
 * `Accept: application/x-ndjson`, so the button fetches through the app's proxy and hands
 * the body to the browser as a file. Fine for a day or an event; the whole log of a big
 * platform belongs to `carneau log export`.
 */
export function ExportLogButton({ query }: { query: Record<string, string> }) {
  const [state, setState] = useState<{ busy: boolean; error?: string }>({ busy: false });

  async function exportLog() {
    setState({ busy: true });
    try {
      const response = await fetch(`/api/audit/log?${new URLSearchParams(query)}`, {
        headers: { accept: "application/x-ndjson" },
        credentials: "same-origin",
      });
      if (!response.ok) {
        const body: unknown = await response.json().catch(() => undefined);
        setState({ busy: false, error: failureMessage(toFailure(body, response)) });
        return;
      }
      const blob = await response.blob();
      const url = URL.createObjectURL(blob);
      const link = document.createElement("a");
      link.href = url;
      link.download = `carneau-log-${new Date().toISOString().slice(0, 10)}.ndjson`;
      document.body.append(link);
      link.click();
      link.remove();
      URL.revokeObjectURL(url);
      setState({ busy: false });
    } catch {
      setState({ busy: false, error: "We can't reach the ticketing service right now. Please try again in a moment." });
    }
  }

  return (
    <div className="flex flex-col items-start gap-1">
      <Button type="button" variant="outline" onClick={exportLog} disabled={state.busy}>
        <Download aria-hidden />
        {state.busy ? "Exporting…" : "Download NDJSON"}
      </Button>
      {state.error ? (
        <p role="alert" className="text-sm text-destructive">
          {state.error}
        </p>
      ) : null}
    </div>
  );
}
