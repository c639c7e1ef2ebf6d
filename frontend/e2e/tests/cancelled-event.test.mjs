// When an organiser calls an event off, buyers read why: on the event's page and on the
// page of an order they had already paid for.
import { randomUUID } from "node:crypto";
import { test } from "node:test";

import { api, eventually, publishedEvent, uniqueWord } from "../lib/api.mjs";
import { organiserToken } from "../lib/accounts.mjs";
import { newPage, reloadUntil, screenshots, withBrowser } from "../lib/browser.mjs";

const WEB = process.env.E2E_WEB_URL;
const API = process.env.E2E_API_URL;

test("buyers see the reason an event was cancelled", async () => {
  const word = uniqueWord("storm");
  const token = await organiserToken(API);
  const event = await publishedEvent(API, token, {
    title: `Open-air ${word} Concert`,
    ticketTypes: [{ name: "Lawn", price: 2000, capacity: 20 }],
  });
  const hold = await api(API, "POST", `/events/${event.id}/reservations`, {
    headers: { "idempotency-key": randomUUID() },
    body: { lines: [{ ticket_type_id: event.ticket_types[0].id, quantity: 1 }] },
  });
  const checkout = await api(API, "POST", `/reservations/${hold.id}/checkout`, {
    token: hold.token,
    body: { email: `${word}@buyer.test` },
  });
  const sessionId = checkout.checkout_url.split("/").pop();
  await fetch(`${API}/simulated-checkout/${sessionId}/pay`, { method: "POST", redirect: "manual" });
  await eventually(async () => {
    const order = await api(API, "GET", `/orders/${checkout.order_id}?key=${encodeURIComponent(checkout.order_secret)}`);
    return order.status === "paid";
  });
  const reason = "A storm warning for the whole evening: the park is closed.";
  await api(API, "POST", `/organiser/events/${event.id}/cancel`, { token, body: { reason } });

  await withBrowser("cancelled-event", async (browser) => {
    const page = await newPage(browser);
    // The public page follows the log a moment later.
    await page.goto(`${WEB}/events/${event.id}`);
    await reloadUntil(page, () => page.getByText(`The organiser says: ${reason}`).isVisible());
    await screenshots(page, "event-cancelled-reason");

    await page.goto(`${WEB}/orders/${checkout.order_id}?key=${encodeURIComponent(checkout.order_secret)}`);
    await page.getByText("This event has been cancelled").waitFor();
    await page.getByText(`The organiser says: ${reason}`).waitFor();
    await screenshots(page, "order-event-cancelled-reason");
  });
});
