// Orders made straight through the API, for tests about what happens after a sale.
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";

import { api, eventually } from "./api.mjs";
import { organiserToken } from "./accounts.mjs";

/**
 * A paid order of `quantity` tickets of `ticketType`, bought by a guest through the
 * simulated provider; returns its id once the organiser's orders list shows it paid.
 */
export async function paidOrder(baseUrl, event, ticketType, quantity, email) {
  return (await paidCheckout(baseUrl, event, ticketType, quantity, email)).order_id;
}

/**
 * The same, answering the checkout (`order_id`, `order_secret`, `order_url`); `attendees`
 * (one `{ name, email }` per ticket) when the event asks who the tickets are for, and a
 * promo `code` the hold is placed with.
 */
export async function paidCheckout(baseUrl, event, ticketType, quantity, email, attendees = undefined, code = undefined) {
  const hold = await api(baseUrl, "POST", `/events/${event.id}/reservations`, {
    headers: { "idempotency-key": randomUUID() },
    body: { lines: [{ ticket_type_id: ticketType.id, quantity }], ...(code ? { code } : {}) },
  });
  const checkout = await api(baseUrl, "POST", `/reservations/${hold.id}/checkout`, {
    token: hold.token,
    body: attendees ? { email, attendees } : { email },
  });
  const sessionId = checkout.checkout_url.split("/").pop();
  // The simulated Pay button answers with a redirect to the order page, not followed here.
  const paid = await fetch(`${baseUrl}/simulated-checkout/${sessionId}/pay`, { method: "POST", redirect: "manual" });
  assert.equal(paid.status, 303);
  const token = await organiserToken(baseUrl);
  await eventually(async () => {
    const { orders } = await api(baseUrl, "GET", `/organiser/events/${event.id}/orders`, { token });
    const order = orders.find((o) => o.order_id === checkout.order_id);
    return order?.status === "paid" && order.tickets.length === quantity;
  });
  return checkout;
}

/** The tickets of a paid order as its link shows them (ids, QR image URLs relative to the API). */
export async function orderTickets(baseUrl, checkout) {
  const order = await api(baseUrl, "GET", `/orders/${checkout.order_id}?key=${encodeURIComponent(checkout.order_secret)}`);
  return order.tickets;
}
