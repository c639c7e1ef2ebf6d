// Attendee names: on an event that asks for each ticket's attendee, the buyer names the
// people at checkout (told which ticket lacks a name), sees the names on the tickets and
// corrects one on the order page.
import assert from "node:assert/strict";
import { test } from "node:test";

import { ORGANISER, organiserToken } from "../lib/accounts.mjs";
import { api, eventually, publishedEvent, uniqueWord } from "../lib/api.mjs";
import { logIn, newPage, reloadUntil, screenshots, withBrowser } from "../lib/browser.mjs";
import { paidCheckout } from "../lib/orders.mjs";

const WEB = process.env.E2E_WEB_URL;
const API = process.env.E2E_API_URL;

test("a buyer enters attendee names and sees them on the tickets", async () => {
  const token = await organiserToken(API);
  const title = `Name Night ${uniqueWord("attendees")}`;
  const event = await publishedEvent(API, token, {
    title,
    ticketTypes: [{ name: "Standard", price: 0, capacity: 40 }],
  });
  await api(API, "PATCH", `/organiser/events/${event.id}`, {
    token,
    body: { attendee_questions: { name: "required", email: "optional" } },
  });
  await eventually(async () => {
    const detail = await api(API, "GET", `/events/${event.id}`);
    return detail.attendee_questions?.name === "required";
  });

  await withBrowser("attendees", async (browser) => {
    const page = await newPage(browser);
    await page.goto(`${WEB}/events/${event.id}`);
    await page.getByRole("button", { name: "One more Standard" }).click();
    await page.getByRole("button", { name: "One more Standard" }).click();
    await page.getByRole("button", { name: "Hold tickets" }).click();
    await page.waitForURL(/\/holds\//);
    await page.getByLabel("Email", { exact: true }).fill(`${uniqueWord("buyer")}@attendees.test`);

    // One ticket left without a name: the page says which, in a sentence.
    const first = page.getByRole("group", { name: "Ticket 1 — Standard" });
    const second = page.getByRole("group", { name: "Ticket 2 — Standard" });
    await first.getByLabel("Attendee name").fill("Ada Lovelace");
    await page.getByRole("button", { name: "Get my free tickets" }).click();
    await second.getByText("Ticket 2 needs the attendee's name.").waitFor();
    await screenshots(page, "checkout-attendees");

    await second.getByLabel("Attendee name").fill("Grace Hopper");
    await page.getByRole("button", { name: "Get my free tickets" }).click();
    await page.waitForURL(/\/orders\//);
    await page.getByRole("heading", { name: "You're going!" }).waitFor();
    const tickets = page.getByRole("region", { name: "Tickets" });
    await tickets.getByText("Ada Lovelace").waitFor();
    await tickets.getByText("Grace Hopper").waitFor();

    // A correction until the event starts: the ticket shows the new name.
    const corrections = page.locator("[data-attendee-corrections]");
    await corrections.getByRole("group", { name: "Ticket 2 — Standard" }).getByLabel("Attendee name").fill("Grace B. Hopper");
    await corrections.getByRole("button", { name: "Save names" }).click();
    await corrections.getByText("Saved.").waitFor();
    await tickets.getByText("Grace B. Hopper").waitFor();
    const names = await tickets.locator("[data-attendee]").allInnerTexts();
    assert.deepEqual(names, ["Ada Lovelace", "Grace B. Hopper"]);
    await screenshots(page, "order-attendees");

    // The organiser finds the order by an attendee's name and sees who is coming.
    await eventually(async () => {
      const found = await api(API, "GET", `/organiser/events/${event.id}/orders?q=grace%20b`, { token });
      return found.orders.length === 1 && found.orders[0].tickets.some((t) => t.attendee_name === "Grace B. Hopper");
    });
    const organiser = await newPage(browser);
    await logIn(organiser, WEB, ORGANISER, `/organiser/events/${event.id}`);
    await organiser.goto(`${WEB}/organiser/events/${event.id}?q=grace#orders`);
    const row = organiser.getByRole("table", { name: "Orders" }).locator("[data-attendees]");
    await row.waitFor();
    assert.equal(await row.innerText(), "Ada Lovelace, Grace B. Hopper");
  });
});

test("the organiser corrects an attendee from the order's panel", async () => {
  const token = await organiserToken(API);
  const word = uniqueWord("organiser-names");
  const event = await publishedEvent(API, token, {
    title: `Names Desk ${word}`,
    ticketTypes: [{ name: "Standard", price: 1500, capacity: 40 }],
  });
  await api(API, "PATCH", `/organiser/events/${event.id}`, {
    token,
    body: { attendee_questions: { name: "required", email: "optional" } },
  });
  const email = `${word}@attendees.test`;
  const checkout = await paidCheckout(API, event, event.ticket_types[0], 2, email, [
    { name: "Ada Lovelace" },
    { name: "Grace Hoper" },
  ]);
  const short = checkout.order_id.slice(0, 8);

  await withBrowser("organiser-attendees", async (browser) => {
    const page = await newPage(browser);
    await logIn(page, WEB, ORGANISER, `/organiser/events/${event.id}`);
    await page.goto(`${WEB}/organiser/events/${event.id}?q=${encodeURIComponent(email)}#orders`);
    const orders = page.getByRole("table", { name: "Orders" });
    await orders.locator("[data-attendees]").getByText("Ada Lovelace, Grace Hoper").waitFor();
    await orders.getByRole("button", { name: `Attendees of order ${short} of ${email}` }).click();
    const panel = page.getByRole("dialog", { name: `Attendees of order ${short} of ${email}` });
    const second = panel.getByRole("group", { name: "Ticket 2 — Standard" });
    await second.getByLabel("Attendee name").fill("Grace Hopper");
    await second.getByLabel("Attendee email (optional)").fill("grace@attendees.test");
    await screenshots(page, "organiser-order-attendees");

    // A required name left blank is refused on the ticket it names.
    const first = panel.getByRole("group", { name: "Ticket 1 — Standard" });
    await first.getByLabel("Attendee name").fill("");
    await panel.getByRole("button", { name: "Save names" }).click();
    await first.getByText("Ticket 1 needs the attendee's name.").waitFor();
    await first.getByLabel("Attendee name").fill("Ada Lovelace");
    await panel.getByRole("button", { name: "Save names" }).click();
    await panel.waitFor({ state: "detached" });

    // The list (a read model) follows: the corrected name shows on the order's row.
    await reloadUntil(page, async () => {
      const names = orders.locator("[data-attendees]");
      return (await names.count()) === 1 && (await names.innerText()) === "Ada Lovelace, Grace Hopper";
    });
    await screenshots(page, "organiser-order-attendees-saved");
  });

  // The buyer's order shows it, and the log says the organiser did it.
  const order = await api(API, "GET", `/orders/${checkout.order_id}?key=${encodeURIComponent(checkout.order_secret)}`);
  assert.deepEqual(
    order.attendees.map((a) => [a.name, a.email]),
    [
      ["Ada Lovelace", null],
      ["Grace Hopper", "grace@attendees.test"],
    ],
  );
  const log = await api(API, "GET", `/audit/log?event_id=${event.id}&aggregate_type=Order&limit=500`, { token });
  const corrections = log.events.filter((fact) => fact.event_type === "AttendeeCorrected");
  assert.equal(corrections.length, 1, JSON.stringify(corrections));
});
