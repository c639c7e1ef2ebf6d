// A ticket scanned at the door shows "Checked in" with the time, in the event's zone, on
// its buyer's order page; the other ticket of the order stays "Valid".
import assert from "node:assert/strict";
import { test } from "node:test";

import { organiserToken } from "../lib/accounts.mjs";
import { api, publishedEvent, uniqueWord } from "../lib/api.mjs";
import { newPage, reloadUntil, screenshots, withBrowser } from "../lib/browser.mjs";
import { paidCheckout } from "../lib/orders.mjs";
import { ticketCode } from "../lib/ticket-codes.mjs";

const WEB = process.env.E2E_WEB_URL;
const API = process.env.E2E_API_URL;

test("a checked-in ticket says so, with the time, to its buyer", async () => {
  const token = await organiserToken(API);
  const event = await publishedEvent(API, token, {
    title: `Door Night ${uniqueWord("door")}`,
    ticketTypes: [{ name: "Standing", price: 1500, capacity: 20 }],
    timeZone: "America/New_York",
  });
  const checkout = await paidCheckout(API, event, event.ticket_types[0], 2, "guest@door.test");
  const order = await api(API, "GET", `/orders/${checkout.order_id}?key=${checkout.order_secret}`);
  const [first] = order.tickets;
  const scan = await api(API, "POST", `/door/events/${event.id}/check-ins`, {
    token,
    body: { code: ticketCode(event.id, first.ticket_id) },
  });
  assert.equal(scan.verdict, "admitted");

  await withBrowser("checked-in", async (browser) => {
    const page = await newPage(browser);
    await page.goto(`${WEB}/orders/${checkout.order_id}?key=${encodeURIComponent(checkout.order_secret)}`);
    await page.getByRole("heading", { name: "You're going!" }).waitFor();
    // The door's record follows the scan a moment later.
    await reloadUntil(page, async () => (await page.locator('[data-ticket-status="checked_in"]').count()) === 1);
    const used = page.locator('[data-ticket-status="checked_in"]');
    assert.match(await used.innerText(), /Checked in/);
    assert.doesNotMatch(await used.innerText(), /Valid/);
    // In the event's zone (New York), not the browser's (UTC), once the event is loaded.
    await used.locator("[data-checked-in]").waitFor();
    assert.match(await used.locator("[data-checked-in]").innerText(), /Checked in .*\b(EST|EDT|GMT-[45])\b/);
    assert.equal(await page.locator('[data-ticket-status="valid"]').count(), 1);
    await screenshots(page, "order-checked-in");
  });
});
