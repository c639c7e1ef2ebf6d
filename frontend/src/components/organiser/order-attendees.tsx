"use client";

import { useState } from "react";
import { useRouter } from "next/navigation";
import { Users } from "lucide-react";

import { Button } from "@/components/ui/button";
import { AttendeeFields, type AttendeeInput } from "@/components/attendee-fields";
import { browserApi, call } from "@/lib/api/browser";
import { failureMessage, fieldErrors, type Failure } from "@/lib/api/problem";
import type { AttendeeQuestions } from "@/lib/api/types";
import type { Order } from "@/lib/orders";
import { usePanelFocus } from "@/lib/panel-focus";

/**
 * The organiser corrects who an order's tickets are for, until the event starts: each
 * changed ticket is saved on its own (`PUT /organiser/orders/{id}/attendees/{seat}`), the
 * API's refusals are shown on the ticket they name, and the orders list is read again.
 */
export function EditAttendees({
  order,
  questions,
  label,
  onSaved,
}: {
  order: Order;
  questions: AttendeeQuestions;
  label: string;
  onSaved: (order: Order) => void;
}) {
  const router = useRouter();
  // Seats count in the hold's line order, which the list does not keep (its lines are by
  // name): a ticket type is named only when the order has one.
  const count = order.lines.reduce((sum, line) => sum + line.quantity, 0);
  const only = order.lines.length === 1 ? order.lines[0]?.name : undefined;
  const seats = Array.from({ length: count }, (_, i) => ({ label: only ? `Ticket ${i + 1} — ${only}` : `Ticket ${i + 1}` }));
  // One per seat: the list leaves out an order given no attendee, and a seat given none.
  const known = (seat: number) => order.attendees?.find((a) => a.seat === seat);
  const recorded: AttendeeInput[] = seats.map((_, seat) => ({
    name: known(seat)?.name ?? "",
    email: known(seat)?.email ?? "",
  }));
  const [open, setOpen] = useState(false);
  const [values, setValues] = useState<AttendeeInput[]>(recorded);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [general, setGeneral] = useState<Failure | null>(null);
  const [busy, setBusy] = useState(false);
  // Focus goes into the panel when it opens and back to its button when it closes.
  const { opener, panel } = usePanelFocus(open, "input, button");

  const start = () => {
    setValues(recorded);
    setErrors({});
    setGeneral(null);
    setOpen(true);
  };

  const save = async (ev: React.FormEvent) => {
    ev.preventDefault();
    setBusy(true);
    setGeneral(null);
    const found: Record<string, string> = {};
    const attendees = recorded.map((a, seat) => known(seat) ?? { seat, name: a.name || null, email: a.email || null });
    for (const [seat, value] of values.entries()) {
      const before = recorded[seat];
      if (before && before.name === value.name && before.email === value.email) continue;
      const result = await call(() =>
        browserApi.PUT("/organiser/orders/{order_id}/attendees/{seat}", {
          params: { path: { order_id: order.order_id, seat } },
          body: { name: value.name.trim() || null, email: value.email.trim() || null },
        }),
      );
      if (result.ok) {
        attendees[seat] = result.data;
      } else {
        const named = fieldErrors(result.failure);
        if (Object.keys(named).length === 0) setGeneral(result.failure);
        Object.assign(found, named);
      }
    }
    setBusy(false);
    setErrors(found);
    // The panel's order takes the answers at once; the list (a read model) follows.
    onSaved({ ...order, attendees });
    if (Object.keys(found).length === 0) {
      setOpen(false);
      router.refresh();
    }
  };

  if (!open) {
    return (
      <div ref={opener}>
        {/* An icon on a phone, where the orders table has no room for the words. */}
        <Button size="sm" variant="outline" onClick={start} aria-label={`Attendees of ${label}`}>
          <Users aria-hidden className="sm:hidden" />
          <span className="hidden sm:inline">Attendees</span>
        </Button>
      </div>
    );
  }

  return (
    // A sheet along the bottom of a phone's screen (the row has no room), in the row from sm up.
    <div
      ref={panel}
      role="dialog"
      aria-label={`Attendees of ${label}`}
      onKeyDown={(ev) => {
        if (ev.key === "Escape" && !busy) setOpen(false);
      }}
      className="fixed inset-x-0 bottom-0 z-50 max-h-[80vh] overflow-y-auto border-t bg-background p-4 whitespace-normal shadow-lg sm:static sm:z-auto sm:max-h-none sm:w-72 sm:rounded-lg sm:border sm:p-3 sm:shadow-none"
    >
      <form onSubmit={save} noValidate className="flex flex-col gap-3" data-organiser-attendees>
        <p className="text-sm font-medium">Who the tickets are for</p>
        <p className="text-xs text-muted-foreground">
          Changes show on the tickets, at the door and in the exports; the order&apos;s history records them as yours.
        </p>
        <AttendeeFields
          seats={seats}
          questions={questions}
          values={values}
          errors={errors}
          idPrefix={`order-${order.order_id}-attendee`}
          onChange={(index, value) => setValues((current) => current.map((v, i) => (i === index ? value : v)))}
        />
        {general ? (
          <p role="alert" className="text-xs text-destructive">
            {failureMessage(general)}
          </p>
        ) : null}
        <div className="flex flex-wrap gap-2">
          <Button type="submit" size="sm" disabled={busy}>
            {busy ? "Saving…" : "Save names"}
          </Button>
          <Button type="button" size="sm" variant="ghost" onClick={() => setOpen(false)} disabled={busy}>
            Close
          </Button>
        </div>
      </form>
    </div>
  );
}
