// An organiser sees the promo code and its discount on an order, refunds the order and
// gives the code's use back, so that another buyer can use the single-use code; an order
// without a code offers no such choice.
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { test } from "node:test";

import { api, eventually, publishedEvent, uniqueWord } from "../lib/api.mjs";
import { ORGANISER, organiserToken } from "../lib/accounts.mjs";
import { paidCheckout } from "../lib/orders.mjs";
import { logIn, newPage, screenshots, withBrowser } from "../lib/browser.mjs";

const WEB = process.env.E2E_WEB_URL;
const API = process.env.E2E_API_URL;

/** The status of a hold of one ticket placed with `code` (201 held, 409 refused). */
async function holdStatus(event, code) {
  const response = await fetch(`${API}/events/${event.id}/reservations`, {
    method: "POST",
    headers: { "content-type": "application/json", "idempotency-key": randomUUID() },
    body: JSON.stringify({ lines: [{ ticket_type_id: event.ticket_types[0].id, quantity: 1 }], code }),
  });
  return response.status;
}

test("an organiser refunds an order and gives its promo code's use back", async () => {
  const word = uniqueWord("giveback");
  const token = await organiserToken(API);
  const event = await publishedEvent(API, token, {
    title: `Give back ${word} Night`,
    ticketTypes: [{ name: "Standing", price: 3000, capacity: 40 }],
  });
  await api(API, "POST", `/organiser/events/${event.id}/vouchers`, {
    token,
    headers: { "idempotency-key": randomUUID() },
    body: { code: "FRIEND", terms: { discount: { kind: "percent", percent: 20 }, max_uses: 1, counting: "per_order" } },
  });
  const standing = event.ticket_types[0];
  const adaEmail = `${word}-ada@buyer.test`;
  const ada = await paidCheckout(API, event, standing, 2, adaEmail, undefined, "FRIEND");
  const benEmail = `${word}-ben@buyer.test`;
  const ben = await paidCheckout(API, event, standing, 1, benEmail);
  assert.equal(await holdStatus(event, "FRIEND"), 409, "the code's one use is spent");

  await withBrowser("refund-code", async (browser) => {
    const page = await newPage(browser);
    await logIn(page, WEB, ORGANISER, `/organiser/events/${event.id}`);
    const table = page.getByRole("table", { name: "Orders" });
    const row = (orderId) => table.getByRole("row", { name: new RegExp(orderId.slice(0, 8)) });

    // The list shows the code and what it took off: 2 × 30.00, 20 % off.
    await row(ada.order_id).waitFor();
    await row(ada.order_id).getByText("Code FRIEND · €12.00 off").waitFor();
    assert.doesNotMatch(await row(ben.order_id).innerText(), /Code/, "Ben paid the list price");

    // Ben's order has no code: nothing to give back.
    await row(ben.order_id).getByRole("button", { name: `Refund order ${ben.order_id.slice(0, 8)} of ${benEmail}` }).click();
    await row(ben.order_id).getByRole("group", { name: "Tickets to refund" }).waitFor();
    assert.equal(await row(ben.order_id).getByLabel("Give the promo code's use back").count(), 0);
    await row(ben.order_id).getByRole("button", { name: "Keep" }).click();

    // Ada's order: both tickets, and the code's use back (never ticked by default).
    const adaRow = row(ada.order_id);
    await adaRow.getByRole("button", { name: `Refund order ${ada.order_id.slice(0, 8)} of ${adaEmail}` }).click();
    const giveBack = adaRow.getByLabel("Give the promo code's use back");
    assert.equal(await giveBack.isChecked(), false, "the use stays spent unless the organiser says so");
    const tickets = adaRow.getByRole("group", { name: "Tickets to refund" });
    await tickets.getByLabel(/^Ticket 1 · Standing/).check();
    await tickets.getByLabel(/^Ticket 2 · Standing/).check();
    await giveBack.check();
    await adaRow.getByText("€48.00 goes back to the buyer.").waitFor();
    await screenshots(page, "organiser-refund-code");
    await adaRow.getByRole("button", { name: "Confirm refund of 2 tickets" }).click();
    await adaRow.getByText("€48.00 refunded").waitFor();
    assert.match(await adaRow.innerText(), /Refunded/);
  });

  // Another buyer can use the code again once the refund's tickets are back.
  await eventually(async () => (await holdStatus(event, "friend")) === 201);
});
