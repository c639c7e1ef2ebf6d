"use client";

import { useEffect, useState } from "react";

import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { browserApi, call } from "@/lib/api/browser";
import type { CheckInCounts as Counts } from "@/lib/api/types";

/** How often the counts are asked for again while the page is visible. */
const REFRESH_SECONDS = 5;

/** Admitted against sold, per ticket type and in total, kept live by polling. */
export function CheckInCounts({ eventId, initial = null }: { eventId: string; initial?: Counts | null }) {
  const [counts, setCounts] = useState<Counts | null>(initial);
  const [failed, setFailed] = useState(false);

  useEffect(() => {
    let cancelled = false;
    async function refresh() {
      if (document.visibilityState !== "visible") return;
      const result = await call(() =>
        browserApi.GET("/door/events/{event_id}/check-in-counts", { params: { path: { event_id: eventId } } }),
      );
      if (cancelled) return;
      setFailed(!result.ok);
      if (result.ok) setCounts(result.data);
    }
    void refresh();
    const timer = window.setInterval(refresh, REFRESH_SECONDS * 1000);
    return () => {
      cancelled = true;
      window.clearInterval(timer);
    };
  }, [eventId]);

  if (!counts) {
    return (
      <p className="text-sm text-muted-foreground">
        {failed ? "The admission counts cannot be read right now." : "Counting admissions…"}
      </p>
    );
  }
  return (
    <Table aria-label="Admissions" data-admitted={counts.admitted} data-sold={counts.sold}>
      <TableHeader>
        <TableRow>
          <TableHead>Ticket type</TableHead>
          <TableHead className="text-right">Admitted</TableHead>
          <TableHead className="text-right">Sold</TableHead>
        </TableRow>
      </TableHeader>
      <TableBody>
        {counts.ticket_types.map((t) => (
          <TableRow key={t.ticket_type_id}>
            <TableCell className="font-medium">{t.name}</TableCell>
            <TableCell className="text-right tabular-nums">{t.admitted}</TableCell>
            <TableCell className="text-right tabular-nums">{t.sold}</TableCell>
          </TableRow>
        ))}
        <TableRow className="font-semibold">
          <TableCell>All tickets</TableCell>
          <TableCell className="text-right tabular-nums">{counts.admitted}</TableCell>
          <TableCell className="text-right tabular-nums">{counts.sold}</TableCell>
        </TableRow>
      </TableBody>
    </Table>
  );
}
