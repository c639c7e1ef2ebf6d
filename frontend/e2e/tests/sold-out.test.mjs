// A sold-out ticket type cannot be selected, while the others still can.
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { test } from "node:test";

import { api, publishedEvent, uniqueWord } from "../lib/api.mjs";
import { organiserToken } from "../lib/accounts.mjs";
import { newPage, screenshots, withBrowser } from "../lib/browser.mjs";

const WEB = process.env.E2E_WEB_URL;
const API = process.env.E2E_API_URL;

test("a sold-out ticket type cannot be selected", async () => {
  const title = `Sold Out Night ${uniqueWord("so")}`;
  const event = await publishedEvent(API, await organiserToken(API), {
    title,
    ticketTypes: [
      { name: "Front row", price: 9000, capacity: 2 },
      { name: "Balcony", price: 3500, capacity: 100 },
    ],
  });
  const frontRow = event.ticket_types.find((t) => t.name === "Front row");
  // Someone else holds the last two front-row seats.
  await api(API, "POST", `/events/${event.id}/reservations`, {
    headers: { "idempotency-key": randomUUID() },
    body: { lines: [{ ticket_type_id: frontRow.id, quantity: 2 }] },
  });

  // The shared link carries the event's title and description in the first HTML.
  const html = await (await fetch(`${WEB}/events/${event.id}`)).text();
  assert.match(html, new RegExp(`<title>${title} \\| Carneau</title>`));
  assert.match(html, /<meta name="description" content="Sold Out Night [^"]*: an evening of music/);
  assert.match(html, new RegExp(`<meta property="og:title" content="${title}"`));

  await withBrowser("sold-out", async (browser) => {
    const page = await newPage(browser);
    await page.goto(`${WEB}/events/${event.id}`);
    const row = page.locator('[data-ticket-type="Front row"]');
    await row.getByText("Sold out").waitFor();
    assert.equal(await row.getAttribute("data-sale-state"), "sold-out");
    assert.ok(await page.getByLabel("Quantity of Front row").isDisabled());
    assert.ok(await page.getByRole("button", { name: "One more Front row" }).isDisabled());
    // The other type is still for sale, and holding needs a quantity first.
    assert.ok(await page.getByLabel("Quantity of Balcony").isEnabled());
    assert.ok(await page.getByRole("button", { name: "Hold tickets" }).isDisabled());
    await page.getByRole("button", { name: "One more Balcony" }).click();
    assert.ok(await page.getByRole("button", { name: "Hold tickets" }).isEnabled());
    await screenshots(page, "event-sold-out");
  });
});
