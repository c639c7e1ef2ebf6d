// A sold-out ticket type's waiting list: a buyer joins it on the event page (another joins
// behind them and leaves), the ticket that comes back is offered to them by email, and
// they buy it from the email's link in another browser; the organiser sees the list and
// switches it off.
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { test } from "node:test";

import { api, eventually, publishedEvent, uniqueWord } from "../lib/api.mjs";
import { ORGANISER, organiserToken } from "../lib/accounts.mjs";
import { assertTableFitsPhones, logIn, newPage, PHONE, reloadUntil, screenshots, withBrowser } from "../lib/browser.mjs";
import { decoded, waitForMail } from "../lib/mail.mjs";

const WEB = process.env.E2E_WEB_URL;
const API = process.env.E2E_API_URL;

test("a waiting-list offer is bought from its email link, and the organiser closes the list", async () => {
  const word = uniqueWord("wait");
  const title = `Waiting ${word} Night`;
  const token = await organiserToken(API);
  const event = await publishedEvent(API, token, {
    title,
    ticketTypes: [
      { name: "Front row", price: 9000, capacity: 1, maxPerOrder: 2 },
      { name: "Balcony", price: 3500, capacity: 50 },
    ],
  });
  const frontRow = event.ticket_types.find((t) => t.name === "Front row");
  await api(API, "PUT", `/organiser/events/${event.id}/waiting-list`, { token, body: { open: true } });
  // A first buyer holds the only front-row seat.
  const first = await api(API, "POST", `/events/${event.id}/reservations`, {
    headers: { "idempotency-key": randomUUID() },
    body: { lines: [{ ticket_type_id: frontRow.id, quantity: 1 }] },
  });
  const email = `${word}@buyer.test`;

  await withBrowser("waiting-list", async (browser) => {
    // A second buyer finds it sold out and joins its waiting list.
    const page = await newPage(browser);
    await page.goto(`${WEB}/events/${event.id}`);
    const row = page.locator('[data-ticket-type="Front row"]');
    await reloadUntil(page, () => row.getByText("Sold out").isVisible());
    assert.equal(await page.locator('[data-ticket-type="Balcony"]').getByRole("button", { name: "Join the waiting list" }).count(), 0);
    await row.getByRole("button", { name: "Join the waiting list" }).click();
    const form = page.getByRole("form", { name: "Join the waiting list for Front row" });
    await form.getByText("holds the tickets for you for 24 hours").waitFor();
    // A wrong address is refused in a sentence naming the field.
    await form.getByLabel("Email").fill("ada@");
    await form.getByRole("button", { name: "Join the waiting list" }).click();
    await form.locator('[id$="-error"]').filter({ hasText: /email/i }).waitFor();
    assert.equal(await form.getByLabel("Email").getAttribute("aria-invalid"), "true");
    await form.getByLabel("Email").fill(email);
    await form.getByRole("button", { name: "Join the waiting list" }).click();
    await row.getByText("You are number 1 in line for Front row.").waitFor();
    await row.getByRole("button", { name: "Leave the waiting list" }).waitFor();
    await screenshots(page, "waiting-list-joined");

    // Someone else joins behind them, and leaves the line again.
    const second = await newPage(browser, PHONE);
    await second.goto(`${WEB}/events/${event.id}`);
    const secondRow = second.locator('[data-ticket-type="Front row"]');
    await secondRow.getByRole("button", { name: "Join the waiting list" }).click();
    await secondRow.getByLabel("Email").fill(`${word}-2@buyer.test`);
    await secondRow.getByRole("form").getByRole("button", { name: "Join the waiting list" }).click();
    await secondRow.getByText("You are number 2 in line for Front row.").waitFor();
    await secondRow.getByRole("button", { name: "Leave the waiting list" }).click();
    await secondRow.getByRole("button", { name: "Join the waiting list" }).waitFor();
    assert.equal(await secondRow.getByText(/in line for Front row/).count(), 0);

    // The first buyer gives the seat back: it is offered to the list, by email.
    await api(API, "DELETE", `/reservations/${first.id}`, { token: first.token });
    const mail = decoded(await waitForMail(email, { subject: `Tickets for ${title} are waiting for you`, timeoutMs: 30_000 }));
    const link = mail.match(/https?:\/\/\S+?\/holds\/[0-9a-f-]{36}#token=[^\s"<>]+/)?.[0];
    assert.ok(link, `the offer's email carries a link to its hold:\n${mail}`);
    assert.ok(link.startsWith(`${WEB}/holds/`), `the link opens this web client: ${link}`);

    // The event page that joined says so too, with its own way to pay.
    await reloadUntil(page, () => row.getByText(/^Front row: 1 ticket held for you until/).isVisible());
    await row.getByRole("link", { name: "Pay for your tickets" }).waitFor();

    // The link works on its own, in a browser that never saw the event page.
    const phone = await newPage(browser, PHONE);
    await phone.goto(link);
    await phone.getByRole("timer").waitFor();
    assert.equal(new URL(phone.url()).hash, "", "the token leaves the address bar");
    assert.match(await phone.getByRole("list", { name: "Held tickets" }).innerText(), /1 × Front row/);
    // The offer holds for a day, not minutes.
    assert.match(await phone.getByRole("timer").innerText(), /^2[0-4]:\d\d:\d\d$/);
    // If it lapses it goes down the line, and the tickets go where the buyer waited from.
    await phone.getByText("they go to the next person on the waiting list").waitFor();
    await phone.getByLabel("Email").and(phone.locator(`[value="${email}"]`)).waitFor();
    await screenshots(phone, "waiting-list-offer");
    await phone.getByRole("button", { name: "Continue to payment" }).click();
    await phone.waitForURL(/\/simulated-checkout\//);
    await phone.getByRole("button", { name: "Pay €90.00" }).click();
    await phone.waitForURL(/\/orders\/[^/?]+\?key=/);
    await phone.getByRole("heading", { name: "You're going!" }).waitFor({ timeout: 60_000 });
    await phone.getByRole("img", { name: /^QR code of ticket/ }).first().waitFor();

    // The organiser sees who waited and that the offer was bought, then closes the list.
    const organiser = await newPage(browser);
    await logIn(organiser, WEB, ORGANISER, `/organiser/events/${event.id}`);
    const list = organiser.getByRole("table", { name: "Waiting list" });
    const entry = list.locator(`[data-waiting-entry="${email}"]`);
    await reloadUntil(organiser, async () => (await entry.getAttribute("data-status").catch(() => null)) === "bought");
    assert.match(await entry.innerText(), /Front row/);
    assert.equal(await list.locator(`[data-waiting-entry="${word}-2@buyer.test"]`).getAttribute("data-status"), "left");
    await assertTableFitsPhones(organiser, list);
    await screenshots(organiser, "waiting-list-organiser");
    const open = organiser.getByRole("switch", { name: "Waiting list open" });
    assert.equal(await open.getAttribute("aria-checked"), "true");
    await open.click();
    await organiser.getByText("Closed: buyers cannot join").waitFor();
    assert.equal(await open.getAttribute("aria-checked"), "false");

    // Closed: the sold-out front row no longer offers the list to buyers.
    const later = await newPage(browser, PHONE);
    await later.goto(`${WEB}/events/${event.id}`);
    const laterRow = later.locator('[data-ticket-type="Front row"]');
    await laterRow.getByText("Sold out").waitFor();
    await reloadUntil(later, async () => (await laterRow.getByRole("button", { name: "Join the waiting list" }).count()) === 0);
  });

  const view = await eventually(async () => {
    const detail = await api(API, "GET", `/events/${event.id}`);
    return detail.waiting_list_open === false ? detail : null;
  });
  assert.equal(view.waiting_list_open, false);
  const { orders } = await api(API, "GET", `/organiser/events/${event.id}/orders`, { token });
  assert.equal(orders.length, 1, "the seat was sold once, to the buyer who waited");
  assert.equal(orders[0].total.amount_minor, 9000);
});
