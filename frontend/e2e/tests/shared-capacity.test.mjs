// An organiser shares a venue's capacity between two ticket types on the event page; once
// the venue is full, buyers see both types sold out, though each still has room of its own.
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { test } from "node:test";

import { api, eventually, publishedEvent, uniqueWord } from "../lib/api.mjs";
import { ORGANISER, organiserToken } from "../lib/accounts.mjs";
import { logIn, newPage, reloadUntil, screenshots, withBrowser } from "../lib/browser.mjs";

const WEB = process.env.E2E_WEB_URL;
const API = process.env.E2E_API_URL;

test("an organiser shares a capacity and buyers see a type sold out because the venue is", async () => {
  const title = `Shared Venue ${uniqueWord("sv")}`;
  const event = await publishedEvent(API, await organiserToken(API), {
    title,
    ticketTypes: [
      { name: "Standing", price: 3000, capacity: 10 },
      { name: "Seated", price: 4500, capacity: 6 },
    ],
  });
  const standing = event.ticket_types.find((t) => t.name === "Standing");

  await withBrowser("shared-capacity", async (browser) => {
    const organiser = await newPage(browser);
    await logIn(organiser, WEB, ORGANISER, `/organiser/events/${event.id}`);
    const form = organiser.getByRole("form", { name: "Share a capacity" });
    await form.getByLabel("Name of what is shared").fill("Venue");
    await form.getByLabel("Places shared").fill("12");
    // No ticket type ticked: refused, said next to the choice.
    await form.getByRole("button", { name: "Share capacity" }).click();
    await organiser.getByText("must name at least one ticket type").waitFor();
    await screenshots(organiser, "organiser-shared-capacity-form");
    await form.getByLabel(/^Standing/).check();
    await form.getByLabel(/^Seated/).check();
    await form.getByRole("button", { name: "Share capacity" }).click();
    const pool = organiser.locator('[data-capacity-pool="Venue"]');
    await pool.waitFor();
    assert.match(await pool.innerText(), /12 of 12 left/);
    assert.match(await pool.innerText(), /Shared by Standing, Seated/);
    await screenshots(organiser, "organiser-shared-capacity");

    // Someone holds 10 standing places: standing is full on its own, and the venue has
    // only 2 places left for seated, though seated has 6 of its own.
    await api(API, "POST", `/events/${event.id}/reservations`, {
      headers: { "idempotency-key": randomUUID() },
      body: { lines: [{ ticket_type_id: standing.id, quantity: 10 }] },
    });
    const seatedId = event.ticket_types.find((t) => t.name === "Seated").id;
    await api(API, "POST", `/events/${event.id}/reservations`, {
      headers: { "idempotency-key": randomUUID() },
      body: { lines: [{ ticket_type_id: seatedId, quantity: 2 }] },
    });
    await eventually(async () => {
      const detail = await api(API, "GET", `/events/${event.id}`);
      return detail.capacity_pools?.[0]?.available === 0 ? detail : null;
    });

    const buyer = await newPage(browser);
    await buyer.goto(`${WEB}/events/${event.id}`);
    const seated = buyer.locator('[data-ticket-type="Seated"]');
    await reloadUntil(buyer, async () => (await seated.getAttribute("data-sale-state")) === "sold-out");
    await seated.getByText("Sold out").waitFor();
    assert.ok(await buyer.getByLabel("Quantity of Seated").isDisabled());
    await screenshots(buyer, "event-shared-capacity-sold-out");

    // The organiser sees the venue full.
    await organiser.reload();
    await pool.getByText("Full").waitFor();
    assert.match(await pool.innerText(), /12 held · 0 of 12 left/);
  });
});
