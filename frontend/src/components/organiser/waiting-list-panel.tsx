"use client";

import { useCallback, useEffect, useState } from "react";

import { Badge } from "@/components/ui/badge";
import { Switch } from "@/components/ui/switch";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { browserApi, call } from "@/lib/api/browser";
import { failureMessage, type Failure } from "@/lib/api/problem";
import type { WaitingList, WaitingListEntry, WaitingStatus } from "@/lib/api/types";
import { formatEventTime } from "@/lib/format";

type StatusBadge = { label: string; variant: "default" | "secondary" | "success" | "outline" };

const STATUS: Record<WaitingStatus, StatusBadge> = {
  waiting: { label: "Waiting", variant: "secondary" },
  offered: { label: "Offer sent", variant: "default" },
  bought: { label: "Bought", variant: "success" },
  lapsed: { label: "Offer lapsed", variant: "outline" },
  declined: { label: "Offer given back", variant: "outline" },
  left: { label: "Left", variant: "outline" },
};

/** A status's badge; one the API adds later shows as it is sent. */
function statusBadge(status: string): StatusBadge {
  return STATUS[status as WaitingStatus] ?? { label: status, variant: "outline" };
}

/**
 * The event's waiting list: the switch that opens or closes it to buyers, and everyone
 * who joined, in the order they joined, with where each stands (number in line, the
 * offer made and until when it holds, bought, lapsed, given back, left). A phone shows the type,
 * quantity and offer under the email, so the table fits 360 px.
 */
export function WaitingListPanel({ eventId, timeZone, editable }: { eventId: string; timeZone: string; editable: boolean }) {
  const [list, setList] = useState<WaitingList | null>(null);
  const [failure, setFailure] = useState<Failure | null>(null);
  const [busy, setBusy] = useState(false);
  const path = { event_id: eventId };

  const load = useCallback(async () => {
    const result = await call(() =>
      browserApi.GET("/organiser/events/{event_id}/waiting-list", { params: { path: { event_id: eventId } } }),
    );
    if (result.ok) setList(result.data);
    else setFailure(result.failure);
  }, [eventId]);

  useEffect(() => {
    void load();
  }, [load]);

  const switchTo = async (open: boolean) => {
    setBusy(true);
    setFailure(null);
    const result = await call(() =>
      browserApi.PUT("/organiser/events/{event_id}/waiting-list", { params: { path }, body: { open } }),
    );
    setBusy(false);
    if (result.ok) setList(result.data);
    else setFailure(result.failure);
  };

  if (list === null) {
    return (
      <p className="text-sm text-muted-foreground" data-state={failure ? "error" : "loading"}>
        {failure ? `The waiting list cannot be shown right now: ${failureMessage(failure)}` : "Loading the waiting list…"}
      </p>
    );
  }
  const waiting = list.entries.filter((e) => e.status === "waiting").length;
  return (
    <div className="space-y-4">
      {editable ? (
        <Switch
          id="waiting-list-open"
          checked={list.open}
          onCheckedChange={(open) => void (busy ? undefined : switchTo(open))}
          label="Waiting list open"
          hint={`Buyers can join the list of a sold-out ticket type. Tickets that come back are offered to them in turn, each offer held for ${list.offer_hours} hours.`}
        />
      ) : null}
      {failure ? (
        <p role="alert" className="text-sm text-destructive">
          Could not switch the waiting list {list.open ? "off" : "on"}: {failureMessage(failure)}
        </p>
      ) : null}
      {!list.open ? (
        <p className="text-sm text-muted-foreground" data-state="closed">
          Closed: buyers cannot join, and the tickets the people in line were waiting for are on sale to everyone. Their
          places are kept and count again when you open the list.
        </p>
      ) : null}
      {list.entries.length === 0 ? (
        <p className="rounded-lg border border-dashed p-6 text-center text-sm text-muted-foreground" data-state="empty">
          Nobody is waiting. Buyers can join when a ticket type sells out.
        </p>
      ) : (
        <>
          <p className="text-sm text-muted-foreground">
            {waiting} waiting · {list.entries.length} joined in all
          </p>
          <Table aria-label="Waiting list" className="[&_td]:px-1 [&_th]:px-1 sm:[&_td]:px-2 sm:[&_th]:px-2">
            <TableHeader>
              <TableRow>
                <TableHead className="w-8 text-right">#</TableHead>
                <TableHead>Email</TableHead>
                <TableHead className="hidden sm:table-cell">Ticket type</TableHead>
                <TableHead className="hidden text-right sm:table-cell">Tickets</TableHead>
                <TableHead>Status</TableHead>
                <TableHead className="hidden md:table-cell">Offer holds until</TableHead>
              </TableRow>
            </TableHeader>
            <TableBody>
              {list.entries.map((entry) => (
                <EntryRow key={entry.id} entry={entry} timeZone={timeZone} />
              ))}
            </TableBody>
          </Table>
        </>
      )}
    </div>
  );
}

function EntryRow({ entry, timeZone }: { entry: WaitingListEntry; timeZone: string }) {
  const status = statusBadge(entry.status);
  const until =
    entry.status === "offered" && entry.offer_expires_at ? formatEventTime(entry.offer_expires_at, timeZone) : null;
  return (
    <TableRow data-waiting-entry={entry.email} data-status={entry.status}>
      <TableCell className="text-right tabular-nums">{entry.position ?? "—"}</TableCell>
      <TableCell className="whitespace-normal">
        <span className="block font-medium break-all">{entry.email}</span>
        <span className="block text-xs text-muted-foreground sm:hidden">
          {entry.quantity} × {entry.ticket_type_name}
        </span>
      </TableCell>
      <TableCell className="hidden whitespace-normal sm:table-cell">{entry.ticket_type_name}</TableCell>
      <TableCell className="hidden text-right tabular-nums sm:table-cell">{entry.quantity}</TableCell>
      <TableCell className="whitespace-normal">
        <Badge variant={status.variant}>{status.label}</Badge>
        {until ? <span className="block text-xs text-muted-foreground md:hidden">until {until}</span> : null}
      </TableCell>
      <TableCell className="hidden whitespace-normal text-muted-foreground md:table-cell">{until ?? "—"}</TableCell>
    </TableRow>
  );
}
