"use client";

import { useState } from "react";

import { Alert, AlertDescription } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Field } from "@/components/field";
import { Label } from "@/components/ui/label";
import { NativeSelect } from "@/components/ui/native-select";
import { browserApi, call, idempotencyKey } from "@/lib/api/browser";
import { failureMessage, fieldErrors, fieldSentence, type Failure } from "@/lib/api/problem";
import type { EventDetail, VoucherTermsBody } from "@/lib/api/types";
import { parsePrice } from "@/lib/price";
import { zonedInputToUtc } from "@/lib/zoned-time";

/** What the organiser asked for: one code they chose, or many drawn at random. */
type Created = { kind: "one"; code: string } | { kind: "bulk"; codes: string[] };

/**
 * Creates a promo code, or a bulk of single codes: the discount (a percentage, an amount
 * off each ticket, or none for a presale), the ticket types it applies to, the hidden ones
 * it unlocks, its uses and when it is valid. Retries of one submission carry the same Idempotency-Key.
 */
export function VoucherForm({ event, onCreated }: { event: EventDetail; onCreated: (created: Created) => void }) {
  const [failure, setFailure] = useState<Failure | null>(null);
  const [busy, setBusy] = useState(false);
  const [key, setKey] = useState(idempotencyKey);
  const [formKey, setFormKey] = useState(0);
  const [mode, setMode] = useState<"one" | "bulk">("one");
  const [discount, setDiscount] = useState<"percent" | "fixed" | "none">("percent");
  const [amountError, setAmountError] = useState<string | null>(null);
  const errors = fieldErrors(failure ?? undefined);
  const hiddenTypes = event.ticket_types.filter((tt) => tt.hidden);

  const submit = async (ev: React.FormEvent<HTMLFormElement>) => {
    ev.preventDefault();
    const form = new FormData(ev.currentTarget);
    const text = (name: string) => String(form.get(name) ?? "").trim();
    setFailure(null);
    setAmountError(null);
    let discountBody: VoucherTermsBody["discount"];
    if (discount === "fixed") {
      const amount = parsePrice(text("amount_off"), event.currency);
      if (!amount.ok) return setAmountError(amount.message.replace("The price", "The amount off"));
      discountBody = { kind: "fixed", amount: { amount_minor: amount.amountMinor, currency: event.currency } };
    } else if (discount === "percent") {
      discountBody = { kind: "percent", percent: Number(text("percent_off")) };
    } else {
      discountBody = { kind: "none" };
    }
    const chosen = form.getAll("applies_to").map(String);
    const validFrom = text("valid_from");
    const validUntil = text("valid_until");
    const terms: VoucherTermsBody = {
      discount: discountBody,
      ticket_type_ids: chosen.length === 0 || chosen.length === event.ticket_types.length ? null : chosen,
      unlocks: form.getAll("unlocks").map(String),
      max_uses: Number(text("max_uses")),
      counting: text("counting") === "per_order" ? "per_order" : "per_ticket",
      valid_from: validFrom ? (zonedInputToUtc(validFrom, event.time_zone) ?? validFrom) : null,
      valid_until: validUntil ? (zonedInputToUtc(validUntil, event.time_zone) ?? validUntil) : null,
    };
    setBusy(true);
    const params = { path: { event_id: event.id }, header: { "Idempotency-Key": key } };
    let created: Created | null = null;
    if (mode === "one") {
      const result = await call(() =>
        browserApi.POST("/organiser/events/{event_id}/vouchers", { params, body: { code: text("code"), terms } }),
      );
      if (!result.ok) setFailure(result.failure);
      else created = { kind: "one", code: text("code").toUpperCase() };
    } else {
      const result = await call(() =>
        browserApi.POST("/organiser/events/{event_id}/vouchers/bulk", {
          params,
          body: { prefix: text("prefix"), count: Number(text("count")), terms },
        }),
      );
      if (!result.ok) setFailure(result.failure);
      else created = { kind: "bulk", codes: result.data.codes };
    }
    setBusy(false);
    if (!created) return;
    setKey(idempotencyKey());
    setFormKey((k) => k + 1);
    onCreated(created);
  };

  // Field errors the form shows next to a field; anything else goes in the alert.
  const shown = ["code", "prefix", "count", "discount.percent", "discount.amount.amount_minor", "ticket_type_ids", "max_uses", "valid_until"];
  const general = failure && !shown.some((field) => errors[field]) ? failureMessage(failure) : null;
  return (
    <form key={formKey} onSubmit={submit} noValidate className="grid gap-4" aria-label="Create promo codes">
      <div className="grid gap-4 sm:grid-cols-2">
        <div className="grid gap-1.5">
          <Label htmlFor="voucher_mode">Codes</Label>
          <NativeSelect id="voucher_mode" value={mode} onChange={(ev) => setMode(ev.target.value as "one" | "bulk")}>
            <option value="one">One code I choose</option>
            <option value="bulk">Many single codes, drawn at random</option>
          </NativeSelect>
        </div>
        {mode === "one" ? (
          <Field
            id="code"
            label="Code"
            required
            placeholder="EARLY-BIRD"
            autoCapitalize="characters"
            hint="4 to 32 letters, digits or dashes; buyers may type it in any case."
            error={errors.code ? fieldSentence("The code", errors.code) : undefined}
          />
        ) : (
          <div className="grid gap-4 sm:grid-cols-2">
            <Field id="prefix" label="Prefix (optional)" placeholder="VIP" error={errors.prefix} />
            <Field id="count" label="How many codes" type="number" min={1} max={10000} defaultValue={100} required error={errors.count} />
          </div>
        )}
        <div className="grid gap-1.5">
          <Label htmlFor="discount_kind">Discount</Label>
          <NativeSelect id="discount_kind" value={discount} onChange={(ev) => setDiscount(ev.target.value as typeof discount)}>
            <option value="percent">A percentage off</option>
            <option value="fixed">An amount off each ticket</option>
            <option value="none">No discount (presale access only)</option>
          </NativeSelect>
        </div>
        {discount === "percent" ? (
          <Field id="percent_off" label="Percent off" type="number" min={1} max={100} defaultValue={10} required error={errors["discount.percent"]} />
        ) : discount === "fixed" ? (
          <Field
            id="amount_off"
            label={`Amount off each ticket (${event.currency})`}
            inputMode="decimal"
            placeholder="5.00"
            required
            error={amountError ?? errors["discount.amount.amount_minor"]}
          />
        ) : (
          <p className="self-end text-sm text-muted-foreground">A code without a discount gives access to the hidden ticket types it unlocks.</p>
        )}
        {/* Keyed by the mode: a bulk's codes default to one use each, which a changed
            defaultValue alone would not show in an input already on the page. */}
        <Field
          key={`max_uses-${mode}`}
          id="max_uses"
          label="Uses"
          type="number"
          min={1}
          defaultValue={mode === "bulk" ? 1 : 100}
          required
          error={errors.max_uses}
        />
        <div className="grid gap-1.5">
          <Label htmlFor="counting">A use is</Label>
          <NativeSelect key={`counting-${mode}`} id="counting" name="counting" defaultValue={mode === "bulk" ? "per_order" : "per_ticket"}>
            <option value="per_ticket">Each ticket bought with it</option>
            <option value="per_order">Each order placed with it</option>
          </NativeSelect>
        </div>
        <Field id="valid_from" label="Valid from (local time, optional)" type="datetime-local" />
        <Field id="valid_until" label="Valid until (local time, optional)" type="datetime-local" error={errors.valid_until} />
      </div>
      <fieldset className="grid gap-2">
        <legend className="text-sm font-medium">Applies to</legend>
        <p className="text-xs text-muted-foreground">Leave all unticked for every ticket type.</p>
        <div className="flex flex-wrap gap-4">
          {event.ticket_types.map((tt) => (
            <label key={tt.id} className="flex items-center gap-2 text-sm">
              <input type="checkbox" name="applies_to" value={tt.id} className="size-4" />
              {tt.name}
            </label>
          ))}
        </div>
        {errors.ticket_type_ids ? <p className="text-sm text-destructive">{errors.ticket_type_ids}</p> : null}
      </fieldset>
      <fieldset className="grid gap-2">
        <legend className="text-sm font-medium">Unlocks (presale)</legend>
        {hiddenTypes.length === 0 ? (
          <p className="text-xs text-muted-foreground" data-state="empty">
            No hidden ticket types yet. Add one with the Hidden switch on to sell it only to buyers with a code.
          </p>
        ) : (
          <>
            <p className="text-xs text-muted-foreground">Hidden ticket types buyers with this code can see and buy.</p>
            <div className="flex flex-wrap gap-4">
              {hiddenTypes.map((tt) => (
                <label key={tt.id} className="flex items-center gap-2 text-sm">
                  <input type="checkbox" name="unlocks" value={tt.id} className="size-4" aria-label={`Unlocks ${tt.name}`} />
                  {tt.name}
                </label>
              ))}
            </div>
          </>
        )}
      </fieldset>
      {general ? (
        <Alert variant="destructive">
          <AlertDescription className="text-destructive">{general}</AlertDescription>
        </Alert>
      ) : null}
      <div>
        <Button type="submit" variant="secondary" disabled={busy}>
          {busy ? "Creating…" : mode === "one" ? "Create code" : "Create codes"}
        </Button>
      </div>
    </form>
  );
}
