// An organiser pages through an event's orders, sorts, searches and filters them, and
// downloads the orders and attendees as CSV.
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { test } from "node:test";

import { api, eventually, publishedEvent, uniqueWord } from "../lib/api.mjs";
import { ORGANISER, organiserToken } from "../lib/accounts.mjs";
import { paidOrder } from "../lib/orders.mjs";
import { assertTableFitsPhones, logIn, newPage, reloadUntil, screenshots, withBrowser } from "../lib/browser.mjs";

const WEB = process.env.E2E_WEB_URL;
const API = process.env.E2E_API_URL;
const TICKET_TYPE = 'Stalls, "front" 🎟';

/** The buyer emails the orders table shows, top to bottom. */
async function listedEmails(table) {
  return table.locator("tbody tr td:nth-child(2) span[title]").evaluateAll((cells) => cells.map((c) => c.getAttribute("title")));
}

/** Waits until the table lists `emails` (a link's new page renders a moment after its address changes). */
async function showing(table, emails) {
  await eventually(async () => JSON.stringify(await listedEmails(table)) === JSON.stringify(emails));
  assert.deepEqual(await listedEmails(table), emails);
}

/** Saves a download and answers its text. */
async function downloaded(page, link) {
  const [download] = await Promise.all([page.waitForEvent("download"), link.click()]);
  return readFile(await download.path(), "utf8");
}

test("an organiser pages, sorts, searches and filters the orders, and downloads them as CSV", async () => {
  const word = uniqueWord("orders");
  const token = await organiserToken(API);
  const event = await publishedEvent(API, token, {
    title: `Orders ${word} Night`,
    ticketTypes: [{ name: TICKET_TYPE, price: 2500, capacity: 40 }],
  });
  // Five buyers, a to e, in this order.
  const buyers = ["a", "b", "c", "d", "e"].map((letter) => `${word}-${letter}@buyer.test`);
  const orderIds = [];
  for (const email of buyers) orderIds.push(await paidOrder(API, event, event.ticket_types[0], 1, email));
  // b is refunded whole; the list's read model follows a moment later.
  await api(API, "POST", `/organiser/orders/${orderIds[1]}/refunds`, { token, body: {} });
  await eventually(async () => {
    const page = await api(API, "GET", `/organiser/events/${event.id}/orders?status=refunded`, { token });
    return page.orders.length === 1;
  });

  await withBrowser("organiser-orders", async (browser) => {
    const page = await newPage(browser);
    await logIn(page, WEB, ORGANISER, `/organiser/events/${event.id}`);
    await page.goto(`${WEB}/organiser/events/${event.id}?limit=2#orders`);
    const table = page.getByRole("table", { name: "Orders" });
    const pages = page.getByRole("navigation", { name: "Pages of orders" });

    // Newest first, two at a time: e d, c b, a; and back.
    await showing(table, [buyers[4], buyers[3]]);
    await pages.getByRole("link", { name: "Next page" }).click();
    await page.waitForURL(/cursor=/);
    await showing(table, [buyers[2], buyers[1]]);
    await assertTableFitsPhones(page, table);
    await screenshots(page, "organiser-orders");
    await pages.getByRole("link", { name: "Next page" }).click();
    await page.waitForURL(/back=/);
    await showing(table, [buyers[0]]);
    assert.equal(await pages.getByRole("link", { name: "Next page" }).count(), 0, "the last page has no Next");
    await pages.getByRole("link", { name: "Previous page" }).click();
    await showing(table, [buyers[2], buyers[1]]);

    // Oldest first.
    const form = page.getByRole("form", { name: "Find orders" });
    await form.getByLabel("Order", { exact: true }).selectOption("oldest");
    await form.getByRole("button", { name: "Show orders" }).click();
    await page.waitForURL(/sort=oldest/);
    await showing(table, [buyers[0], buyers[1]]);

    // Search by the start of an email, then by an order id.
    await form.getByLabel("Search").fill(`${word}-c`);
    await form.getByRole("button", { name: "Show orders" }).click();
    await page.waitForURL(/q=/);
    await showing(table, [buyers[2]]);
    await form.getByLabel("Search").fill(orderIds[3]);
    await form.getByRole("button", { name: "Show orders" }).click();
    await showing(table, [buyers[3]]);

    // Filter by status.
    await form.getByLabel("Search").fill("");
    await form.getByLabel("Status").selectOption("refunded");
    await form.getByRole("button", { name: "Show orders" }).click();
    await page.waitForURL(/status=refunded/);
    await reloadUntil(page, async () => (await listedEmails(table)).length === 1);
    await showing(table, [buyers[1]]);
    assert.match(await table.innerText(), /Refunded/);
    await form.getByLabel("Search").fill(`${word}-a`);
    await form.getByRole("button", { name: "Show orders" }).click();
    await page.getByText("No order matches.").waitFor();

    // The downloads hold every order and every ticket, whatever the list shows.
    const orders = await downloaded(page, page.getByRole("link", { name: "Orders (CSV)" }));
    const orderLines = orders.trimEnd().split("\r\n");
    assert.equal(
      orderLines[0],
      "order_id,placed_at (Europe/Paris),paid_at (Europe/Paris),status,buyer_email,tickets,total,refunded,currency,provider,code,discount",
    );
    assert.equal(orderLines.length, 1 + buyers.length);
    for (const [i, email] of buyers.entries()) {
      assert.ok(orderLines[1 + i].startsWith(`${orderIds[i]},`), orderLines[1 + i]);
      assert.ok(orderLines[1 + i].includes(`,${email},1,25.00,`), orderLines[1 + i]);
    }
    assert.match(orderLines[2], /,refunded,.*,25\.00,25\.00,EUR,simulated,,0\.00$/);
    assert.match(orderLines[1], /,20\d\d-\d\d-\d\dT\d\d:\d\d:\d\d\+0[12]:00,/, "times in Paris with the offset");

    const attendees = await downloaded(page, page.getByRole("link", { name: "Attendees (CSV)" }));
    const attendeeLines = attendees.trimEnd().split("\r\n");
    assert.equal(
      attendeeLines[0],
      "ticket_id,ticket_type,order_id,buyer_email,status,checked_in,checked_in_at (Europe/Paris),attendee_name,attendee_email",
    );
    assert.equal(attendeeLines.length, 1 + buyers.length);
    assert.ok(attendeeLines[1].includes(`,"Stalls, ""front"" 🎟",${orderIds[0]},${buyers[0]},valid,no,`), attendeeLines[1]);
    assert.ok(attendeeLines[2].includes(`,${buyers[1]},refunded,no,`), attendeeLines[2]);
  });
});
