// The histories and the log, as people read them: an organiser follows a sale from the
// orders table to the order's story and the event's; an auditor pages through the log
// with a filter and exports it; a buyer is told no.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";

import { api, publishedEvent, uniqueWord } from "../lib/api.mjs";
import { AUDITOR, ORGANISER, organiserToken } from "../lib/accounts.mjs";
import { logIn, newPage, PHONE, screenshots, withBrowser } from "../lib/browser.mjs";
import { paidOrder } from "../lib/orders.mjs";

const WEB = process.env.E2E_WEB_URL;
const API = process.env.E2E_API_URL;

/** One published event with one paid guest order, shared by the tests of this file. */
let sale;
async function oneSale() {
  if (!sale) {
    const word = uniqueWord("audit");
    const event = await publishedEvent(API, await organiserToken(API), {
      title: `Ledger ${word} Night`,
      ticketTypes: [{ name: "Standing", price: 2500, capacity: 20 }],
      timeZone: "Europe/Paris",
    });
    const email = `${word}@buyer.test`;
    const orderId = await paidOrder(API, event, event.ticket_types[0], 1, email);
    sale = { event, orderId, email };
  }
  return sale;
}

test("an organiser reads an order's history from the orders table, then the event's", async () => {
  const { event, orderId, email } = await oneSale();
  const short = orderId.slice(0, 8);

  await withBrowser("order-history", async (browser) => {
    const page = await newPage(browser);
    await logIn(page, WEB, ORGANISER, `/organiser/events/${event.id}`);
    const row = page.getByRole("table", { name: "Orders" }).getByRole("row", { name: new RegExp(email) });
    await row.getByRole("link", { name: `History of order ${short}` }).click();
    await page.waitForURL(`${WEB}/audit/orders/${orderId}`);

    const story = page.getByRole("list", { name: "Order history" });
    const placed = story.getByRole("listitem", { name: "OrderPlaced, fact #1 of Order" });
    assert.match(await placed.innerText(), /Order placed by guest .* for 1 × Standing, EUR 25\.00/);
    assert.match(await placed.innerText(), /Who\s*Buyer \(guest\)/);
    assert.match(await placed.innerText(), /Why\s*their request/);
    // The event's zone, with UTC beside it, and the purchase's correlation id.
    assert.match(await placed.innerText(), /CET|CEST|GMT\+1|GMT\+2/);
    assert.match(await placed.innerText(), /UTC/);
    assert.match(await placed.innerText(), /Correlation\s*[0-9a-f-]{36}/);

    const paid = story.getByRole("listitem", { name: /^PaymentReceived/ });
    assert.match(await paid.innerText(), /Payment confirmed by the simulated checkout/);
    assert.match(await paid.innerText(), /Who\s*Simulated checkout \(/);
    assert.match(await paid.innerText(), /Why\s*Simulated checkout event /);

    const issued = story.getByRole("listitem", { name: /^TicketsIssued/ });
    assert.match(await issued.innerText(), new RegExp(`1 ticket issued to ${email}`));
    assert.match(await issued.innerText(), /Who\s*\S/);
    assert.match(await issued.innerText(), /Why\s*\S/);
    await screenshots(page, "order-history");

    // Up to the event's story: its own facts, and this order in short, linked back.
    await page.getByRole("link", { name: "Event history" }).click();
    await page.waitForURL(`${WEB}/audit/events/${event.id}`);
    const facts = page.getByRole("list", { name: "Event history" });
    assert.match(await facts.innerText(), /EventPublished/);
    // Accounts by name: the organiser's own facts read with their name and address.
    assert.match(await facts.innerText(), new RegExp(`Who\\s*E2E Organiser <${escaped(ORGANISER.email)}> \\(organiser\\) \\(you\\)`));
    const orders = page.getByRole("list", { name: "Orders of the event" });
    await orders.getByRole("link", { name: `History of order ${short}` }).waitFor();
    await screenshots(page, "event-history");

    // The organiser's event page links to it too.
    await page.goto(`${WEB}/organiser/events/${event.id}`);
    await page.getByRole("link", { name: "Event history" }).click();
    await page.waitForURL(`${WEB}/audit/events/${event.id}`);
  });
});

test("an auditor pages through the log with a filter and exports it", async () => {
  const { event, orderId } = await oneSale();

  await withBrowser("audit-log", async (browser) => {
    const page = await newPage(browser);
    await logIn(page, WEB, AUDITOR, "/audit?limit=3");
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Log" }).waitFor();

    const form = page.getByRole("form", { name: "Filter the log" });
    await form.getByLabel("Event id").fill(event.id);
    await form.getByRole("button", { name: "Apply filters" }).click();
    await page.waitForURL((url) => url.searchParams.get("event_id") === event.id);
    assert.doesNotMatch(page.url(), /event_type=|from=/, "empty filter fields stay out of the address");

    const log = page.getByRole("table", { name: "Event log" });
    const rows = log.getByRole("row");
    assert.equal(await rows.count(), 4, "a header and three events");
    const first = await log.locator("tbody").innerText();
    assert.match(first, /EventDrafted/);
    // The organiser who drafted it, by name and address, not by id.
    assert.match(first, new RegExp(`E2E Organiser <${escaped(ORGANISER.email)}>\\s+their request`));
    assert.doesNotMatch(first, /Account [0-9a-f]{8}/);
    await screenshots(page, "audit-log");

    // The next page goes on after the cursor, keeping the filter.
    await page.getByRole("navigation", { name: "Pages of the log" }).getByRole("link", { name: "Next page" }).click();
    await page.waitForURL((url) => url.searchParams.has("after") && url.searchParams.get("event_id") === event.id);
    const second = await log.locator("tbody").innerText();
    assert.notEqual(second, first);
    await screenshots(page, "audit-log-second-page");

    // And back: the cursor only goes forward, so the address keeps the way back.
    const pages = page.getByRole("navigation", { name: "Pages of the log" });
    await pages.getByRole("link", { name: "Next page" }).click();
    await page.waitForURL((url) => url.searchParams.get("back")?.split(".").length === 2);
    const third = await log.locator("tbody").innerText();
    assert.notEqual(third, second);
    await pages.getByRole("link", { name: "Previous page" }).click();
    await page.waitForURL((url) => url.searchParams.get("back")?.split(".").length === 1);
    assert.equal(await log.locator("tbody").innerText(), second, "Previous returns to the second page");
    await pages.getByRole("link", { name: "Previous page" }).click();
    await page.waitForURL((url) => !url.searchParams.has("after") && !url.searchParams.has("back"));
    assert.equal(page.url().includes(`event_id=${event.id}`), true, "the filter is kept");
    assert.equal(await log.locator("tbody").innerText(), first, "Previous returns to the first page");
    assert.equal(await pages.getByRole("link", { name: "Previous page" }).count(), 0, "no page before the first");

    // Only orders now: this event's one order, placed by a guest, linked to its history.
    await form.getByLabel("Stream type").selectOption("Order");
    await form.getByRole("button", { name: "Apply filters" }).click();
    await page.waitForURL((url) => url.searchParams.get("aggregate_type") === "Order" && !url.searchParams.has("after"));
    const orders = await log.locator("tbody").innerText();
    assert.match(orders, /OrderPlaced/);
    assert.match(orders, /Buyer \(guest\)/);
    assert.doesNotMatch(orders, /EventDrafted/);
    await log.getByRole("link", { name: `History of order ${orderId.slice(0, 8)}` }).first().waitFor();

    // The export of the current filter: NDJSON, one stored event a line.
    const [download] = await Promise.all([
      page.waitForEvent("download"),
      page.getByRole("button", { name: "Download NDJSON" }).click(),
    ]);
    const lines = readFileSync(await download.path(), "utf8").trim().split("\n").map((line) => JSON.parse(line));
    assert.ok(lines.length >= 3, "placed, paid and issued at least");
    assert.ok(lines.every((e) => e.aggregate_type === "Order" && e.aggregate_id === orderId));

    // On a phone the rows are cards: nothing cut off to the right.
    await page.setViewportSize(PHONE);
    const cards = page.getByRole("list", { name: "Event log" });
    assert.match(await cards.innerText(), /OrderPlaced/);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `the page is ${overflow}px wider than the phone`);
  });
});

test("an auditor reads the organiser's facts by name, the id beside it", async () => {
  const { event } = await oneSale();

  await withBrowser("audit-names", async (browser) => {
    const page = await newPage(browser);
    await logIn(page, WEB, AUDITOR, `/audit/events/${event.id}`);
    const facts = page.getByRole("list", { name: "Event history" });
    const drafted = facts.getByRole("listitem", { name: "EventDrafted, fact #1 of Event" });
    const who = drafted.getByTestId("fact-actor");
    assert.match(await who.innerText(), new RegExp(`^E2E Organiser <${escaped(ORGANISER.email)}> \\(organiser\\)`));
    // The id stays at hand: short beside the name, whole in its title.
    const id = await who.locator("span[title]").getAttribute("title");
    assert.match(id, /^[0-9a-f-]{36}$/);
    assert.match(await who.innerText(), new RegExp(id.slice(0, 8)));
    assert.match(await drafted.innerText(), new RegExp(`drafted by organiser E2E Organiser <${escaped(ORGANISER.email)}>`));
  });
});

test("a buyer opening the log or a history gets the not-allowed screen", async () => {
  const { event, orderId } = await oneSale();
  const word = uniqueWord("nosy");
  const buyer = { email: `${word}@buyer.test`, name: "Nosy Buyer", password: "a buyer's own password" };
  await api(API, "POST", "/accounts", { body: buyer });

  await withBrowser("audit-not-allowed", async (browser) => {
    const page = await newPage(browser);
    await logIn(page, WEB, buyer, "/account/tickets");
    assert.equal(await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Log" }).count(), 0);
    for (const path of ["/audit", `/audit/orders/${orderId}`, `/audit/events/${event.id}`]) {
      await page.goto(`${WEB}${path}`);
      await page.locator('[data-state="not-allowed"]').waitFor();
      await page.getByRole("heading", { name: "You can't open this" }).waitFor();
    }
  });
});

/** `text` as a literal inside a regular expression. */
function escaped(text) {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
