"use client";

import { toFailure, type Failure } from "@/lib/api/problem";

/** What `POST /reservations/{id}/checkout` answers: where to pay, and the order it opened. */
export type CheckoutStarted = { order_id: string; checkout_url: string };

/** Opens checkout for a live hold and returns the provider's payment page. */
export async function startCheckout(
  reservationId: string,
  email: string,
  headers: Record<string, string>,
): Promise<{ ok: true; data: CheckoutStarted } | { ok: false; failure: Failure }> {
  try {
    const response = await fetch(`/api/reservations/${encodeURIComponent(reservationId)}/checkout`, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", ...headers },
      body: JSON.stringify({ email }),
    });
    const body: unknown = await response.json().catch(() => undefined);
    if (response.ok) return { ok: true, data: body as CheckoutStarted };
    return { ok: false, failure: toFailure(body, response) };
  } catch {
    return { ok: false, failure: { kind: "offline", detail: "The ticketing service did not answer." } };
  }
}
