"use client";

import { useState } from "react";

import { Alert, AlertDescription } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { DoorStaffForm } from "@/components/organiser/door-staff-form";
import { browserApi, call } from "@/lib/api/browser";
import { failureMessage, type Failure } from "@/lib/api/problem";
import type { DoorStaffEntry, DoorStaffMember } from "@/lib/api/types";
import { formatEventTime } from "@/lib/format";

/**
 * The event's door staff with a Remove button each, and the form that adds one.
 *
 * The list comes from a read model a moment behind the staff members' accounts, so the
 * panel applies its own grants and removals to what it shows rather than reloading, which
 * could show the list from before the command.
 */
export function DoorStaffPanel({
  eventId,
  timeZone,
  initial,
}: {
  eventId: string;
  timeZone: string;
  initial: DoorStaffEntry[] | null;
}) {
  const [staff, setStaff] = useState<DoorStaffEntry[]>(initial ?? []);
  const [removed, setRemoved] = useState<string | null>(null);

  const granted = (member: DoorStaffMember) => {
    setRemoved(null);
    setStaff((current) =>
      current.some((s) => s.account_id === member.account_id)
        ? current
        : [
            ...current,
            { account_id: member.account_id, email: member.email, name: member.name, granted_at: new Date().toISOString() },
          ],
    );
  };

  const withdrawn = (member: DoorStaffEntry) => {
    setStaff((current) => current.filter((s) => s.account_id !== member.account_id));
    setRemoved(member.email);
  };

  return (
    <div className="space-y-6">
      {initial === null ? (
        <p className="text-sm text-muted-foreground" data-state="error">
          The list of door staff cannot be shown right now; you can still give access below.
        </p>
      ) : staff.length === 0 ? (
        <p className="rounded-lg border border-dashed p-6 text-center text-sm text-muted-foreground" data-state="empty">
          Nobody else works the door yet. You and admins can always check tickets in.
        </p>
      ) : (
        <Table aria-label="Door staff">
          <TableHeader>
            <TableRow>
              <TableHead>Staff member</TableHead>
              <TableHead className="hidden sm:table-cell">Since</TableHead>
              <TableHead className="sr-only">Remove</TableHead>
            </TableRow>
          </TableHeader>
          <TableBody>
            {staff.map((member) => (
              <TableRow key={member.account_id}>
                <TableCell className="whitespace-normal">
                  <span className="block font-medium">{member.name || "—"}</span>
                  <span className="block break-all text-muted-foreground">{member.email}</span>
                </TableCell>
                <TableCell className="hidden text-muted-foreground sm:table-cell">
                  {formatEventTime(member.granted_at, timeZone)}
                </TableCell>
                <TableCell className="text-right">
                  <RemoveDoorStaffButton eventId={eventId} member={member} onRemoved={withdrawn} />
                </TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      )}
      {removed ? (
        <Alert variant="success">
          <AlertDescription className="text-success">{removed} can no longer check tickets in at the door.</AlertDescription>
        </Alert>
      ) : null}
      <DoorStaffForm eventId={eventId} onGranted={granted} />
    </div>
  );
}

/** Withdraws one member's door access; it holds from their next request. */
function RemoveDoorStaffButton({
  eventId,
  member,
  onRemoved,
}: {
  eventId: string;
  member: DoorStaffEntry;
  onRemoved: (member: DoorStaffEntry) => void;
}) {
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<Failure | null>(null);

  const remove = async () => {
    setBusy(true);
    setFailure(null);
    const result = await call(() =>
      browserApi.DELETE("/organiser/events/{event_id}/door-staff/{account_id}", {
        params: { path: { event_id: eventId, account_id: member.account_id } },
      }),
    );
    setBusy(false);
    if (!result.ok) return setFailure(result.failure);
    onRemoved(member);
  };

  return (
    <div className="flex flex-col items-end gap-1">
      <Button size="sm" variant="outline" onClick={remove} disabled={busy} aria-label={`Remove door access of ${member.email}`}>
        {busy ? "Removing…" : "Remove"}
      </Button>
      {failure ? (
        <p role="alert" className="text-xs text-destructive">
          {failureMessage(failure)}
        </p>
      ) : null}
    </div>
  );
}
