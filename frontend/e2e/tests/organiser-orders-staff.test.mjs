// An organiser refunds one ticket of a two-ticket order, and takes a member of the door
// staff off the event's list.
import assert from "node:assert/strict";
import { test } from "node:test";

import { api, publishedEvent, uniqueWord } from "../lib/api.mjs";
import { paidOrder } from "../lib/orders.mjs";
import { ORGANISER, organiserToken } from "../lib/accounts.mjs";
import { newPage, reloadUntil, screenshots, withBrowser } from "../lib/browser.mjs";

const WEB = process.env.E2E_WEB_URL;
const API = process.env.E2E_API_URL;

async function logInAsOrganiser(page, next) {
  await page.goto(`${WEB}/login?next=${encodeURIComponent(next)}`);
  await page.getByLabel("Email").fill(ORGANISER.email);
  await page.getByLabel("Password").fill(ORGANISER.password);
  await page.getByRole("button", { name: "Log in" }).click();
  await page.waitForURL(`${WEB}${next}`);
}

test("an organiser refunds one ticket of a two-ticket order", async () => {
  const word = uniqueWord("refund");
  const event = await publishedEvent(API, await organiserToken(API), {
    title: `Partial ${word} Night`,
    ticketTypes: [{ name: "Standing", price: 3000, capacity: 40 }],
  });
  const email = `${word}@buyer.test`;
  const orderId = await paidOrder(API, event, event.ticket_types[0], 2, email);

  await withBrowser("partial-refund", async (browser) => {
    const page = await newPage(browser);
    await logInAsOrganiser(page, `/organiser/events/${event.id}`);
    const row = page.getByRole("table", { name: "Orders" }).getByRole("row", { name: new RegExp(orderId.slice(0, 8)) });
    await row.waitFor();
    assert.match(await row.innerText(), /Paid/);

    // Nothing is ticked to begin with, so nothing can be refunded by a single click; the
    // organiser ticks the first ticket and keeps the second.
    await row.getByRole("button", { name: `Refund order ${orderId.slice(0, 8)} of ${email}` }).click();
    const tickets = row.getByRole("group", { name: "Tickets to refund" });
    assert.equal(await tickets.getByLabel(/^Ticket 1 · Standing/).isChecked(), false);
    assert.equal(await tickets.getByLabel(/^Ticket 2 · Standing/).isChecked(), false);
    assert.ok(await row.getByRole("button", { name: "Choose tickets" }).isDisabled());
    await screenshots(page, "organiser-refund-panel");
    await tickets.getByLabel(/^Ticket 1 · Standing/).check();
    await row.getByText("€30.00 goes back to the buyer.").waitFor();
    await row.getByRole("button", { name: "Confirm refund of 1 ticket" }).click();
    await row.getByText("Partially refunded").waitFor();
    await row.getByText("€30.00 refunded").waitFor();

    // The orders list (a read model) agrees after a reload, and the other ticket is
    // still refundable.
    await reloadUntil(page, async () => /Partially refunded/.test(await row.innerText().catch(() => "")));
    await row.getByRole("button", { name: /^Refund order/ }).click();
    assert.ok(await tickets.getByLabel(/^Ticket 1 · Standing.*\(refunded\)/).isDisabled());
    assert.equal(await tickets.getByLabel(/^Ticket 2 · Standing/).isChecked(), false);
    await row.getByRole("button", { name: "Keep" }).click();
  });

  const { orders } = await api(API, "GET", `/organiser/events/${event.id}/orders`, { token: await organiserToken(API) });
  const order = orders.find((o) => o.order_id === orderId);
  assert.deepEqual(
    order.tickets.map((t) => t.status),
    ["refunded", "valid"],
  );
});

test("an organiser removes a member of the door staff", async () => {
  const word = uniqueWord("door");
  const token = await organiserToken(API);
  const event = await publishedEvent(API, token, {
    title: `Door ${word} Evening`,
    ticketTypes: [{ name: "Standing", price: 2000, capacity: 10 }],
  });
  const staff = { email: `${word}@staff.test`, name: "Dora Door", password: "a door staff password" };
  const registered = await api(API, "POST", "/accounts", { body: staff });
  await api(API, "POST", `/organiser/events/${event.id}/door-staff`, { token, body: { email: staff.email } });

  await withBrowser("door-staff", async (browser) => {
    const page = await newPage(browser);
    await logInAsOrganiser(page, `/organiser/events/${event.id}`);
    const list = page.getByRole("table", { name: "Door staff" });
    // The list follows the staff member's account a moment later.
    await reloadUntil(page, () => list.getByText(staff.email).isVisible());
    const row = list.getByRole("row", { name: new RegExp(staff.email) });
    assert.match(await row.innerText(), /Dora Door/);

    await row.getByRole("button", { name: `Remove door access of ${staff.email}` }).click();
    await page.getByText(`${staff.email} can no longer check tickets in at the door.`).waitFor();
    assert.equal(await list.isVisible(), false, "the only member is gone from the list");
    await page.getByText("Nobody else works the door yet.", { exact: false }).waitFor();

    // The page shows the same after a reload, once the list has caught up.
    await reloadUntil(page, () => page.getByText("Nobody else works the door yet.", { exact: false }).isVisible());
  });

  // And the access itself is gone.
  const me = await api(API, "GET", "/me", { token: registered.session.token });
  assert.deepEqual(me.door_staff_events, []);
});
