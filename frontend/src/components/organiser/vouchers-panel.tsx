"use client";

import { useCallback, useEffect, useState } from "react";
import { Download } from "lucide-react";

import { Alert, AlertDescription } from "@/components/ui/alert";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { VoucherForm } from "@/components/organiser/voucher-form";
import { browserApi, call } from "@/lib/api/browser";
import { failureMessage, type Failure } from "@/lib/api/problem";
import type { EventDetail, Voucher } from "@/lib/api/types";
import { discountText } from "@/lib/codes";
import { formatEventTime } from "@/lib/format";

/** Codes listed before "Show all": a bulk of thousands would bury the rest of the page. */
const SHOWN_AT_FIRST = 10;

/** The event's promo codes, switchable one by one, with the form that creates more and the CSV of all. */
export function VouchersPanel({ event }: { event: EventDetail }) {
  const [vouchers, setVouchers] = useState<Voucher[] | null>(null);
  const [failure, setFailure] = useState<Failure | null>(null);
  const [created, setCreated] = useState<string | null>(null);
  const [showAll, setShowAll] = useState(false);

  const load = useCallback(async () => {
    const result = await call(() =>
      browserApi.GET("/organiser/events/{event_id}/vouchers", { params: { path: { event_id: event.id } } }),
    );
    if (result.ok) setVouchers(result.data.vouchers);
    else setFailure(result.failure);
  }, [event.id]);

  useEffect(() => {
    void load();
  }, [load]);

  const nameOf = (id: string) => event.ticket_types.find((tt) => tt.id === id)?.name ?? "A removed type";
  const typeNames = (voucher: Voucher) => {
    const scope = voucher.ticket_type_ids ? voucher.ticket_type_ids.map(nameOf).join(", ") : "Every ticket type";
    return voucher.unlocks.length > 0 ? `${scope}; unlocks ${voucher.unlocks.map(nameOf).join(", ")}` : scope;
  };

  return (
    <div className="space-y-6">
      {vouchers === null ? (
        failure ? (
          <p className="text-sm text-muted-foreground" data-state="error">
            The codes cannot be shown right now: {failureMessage(failure)}
          </p>
        ) : (
          <p className="text-sm text-muted-foreground">Loading codes…</p>
        )
      ) : vouchers.length === 0 ? (
        <p className="rounded-lg border border-dashed p-6 text-center text-sm text-muted-foreground" data-state="empty">
          No codes yet. Create one below: a discount for your newsletter, or a batch of single-use codes for partners.
        </p>
      ) : (
        <>
          <div className="flex flex-wrap items-center justify-between gap-2">
            <p className="text-sm text-muted-foreground">
              {vouchers.length} code{vouchers.length === 1 ? "" : "s"}
            </p>
            <Button asChild variant="outline" size="sm">
              <a href={`/api/organiser/events/${event.id}/vouchers.csv`} download>
                <Download aria-hidden /> Codes (CSV)
              </a>
            </Button>
          </div>
          <Table aria-label="Promo codes">
            <TableHeader>
              <TableRow>
                <TableHead>Code</TableHead>
                <TableHead className="hidden sm:table-cell">Applies to</TableHead>
                <TableHead className="hidden md:table-cell">Valid</TableHead>
                <TableHead className="text-right">Status</TableHead>
              </TableRow>
            </TableHeader>
            <TableBody>
              {(showAll ? vouchers : vouchers.slice(0, SHOWN_AT_FIRST)).map((voucher) => (
                <TableRow key={voucher.code}>
                  <TableCell className="whitespace-normal">
                    <span className="block font-mono font-medium break-all">{voucher.code}</span>
                    <span className="block text-muted-foreground">
                      {discountText(voucher.discount)} · {voucher.max_uses} {voucher.counting === "per_order" ? "order" : "ticket"}
                      {voucher.max_uses === 1 ? "" : "s"}
                    </span>
                    <span className="block text-muted-foreground sm:hidden">{typeNames(voucher)}</span>
                  </TableCell>
                  <TableCell className="hidden whitespace-normal text-muted-foreground sm:table-cell">{typeNames(voucher)}</TableCell>
                  <TableCell className="hidden whitespace-normal text-muted-foreground md:table-cell">
                    {voucher.valid_from ? `From ${formatEventTime(voucher.valid_from, event.time_zone)}` : "Now"}
                    {voucher.valid_until ? ` until ${formatEventTime(voucher.valid_until, event.time_zone)}` : ""}
                  </TableCell>
                  <TableCell className="text-right">
                    <SwitchVoucherButton eventId={event.id} voucher={voucher} onSwitched={setVouchers} />
                  </TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
          {!showAll && vouchers.length > SHOWN_AT_FIRST ? (
            <Button variant="outline" size="sm" onClick={() => setShowAll(true)}>
              Show all {vouchers.length} codes
            </Button>
          ) : null}
        </>
      )}
      {created ? (
        <Alert variant="success">
          <AlertDescription className="text-success">{created}</AlertDescription>
        </Alert>
      ) : null}
      <section aria-labelledby="new-codes" className="space-y-3 border-t pt-6">
        <h3 id="new-codes" className="font-semibold">
          New codes
        </h3>
        <VoucherForm
          event={event}
          onCreated={(made) => {
            setCreated(
              made.kind === "one"
                ? `${made.code} is ready to share.`
                : `${made.codes.length} codes created. Download them as CSV to send them out.`,
            );
            void load();
          }}
        />
      </section>
    </div>
  );
}

/** Switches one code off, or back on. */
function SwitchVoucherButton({
  eventId,
  voucher,
  onSwitched,
}: {
  eventId: string;
  voucher: Voucher;
  onSwitched: (vouchers: Voucher[]) => void;
}) {
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<Failure | null>(null);

  const toggle = async () => {
    setBusy(true);
    setFailure(null);
    const result = await call(() =>
      browserApi.PATCH("/organiser/events/{event_id}/vouchers/{code}", {
        params: { path: { event_id: eventId, code: voucher.code } },
        body: { enabled: !voucher.enabled },
      }),
    );
    setBusy(false);
    if (!result.ok) return setFailure(result.failure);
    onSwitched(result.data.vouchers);
  };

  return (
    <div className="flex flex-col items-end gap-1">
      <Badge variant={voucher.enabled ? "default" : "secondary"}>{voucher.enabled ? "On" : "Off"}</Badge>
      <Button size="sm" variant="outline" onClick={toggle} disabled={busy} aria-label={`${voucher.enabled ? "Switch off" : "Switch on"} ${voucher.code}`}>
        {voucher.enabled ? "Switch off" : "Switch on"}
      </Button>
      {failure ? (
        <p role="alert" className="text-xs text-destructive">
          {failureMessage(failure)}
        </p>
      ) : null}
    </div>
  );
}
