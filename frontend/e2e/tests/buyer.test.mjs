// A buyer finds an event, holds tickets, pays through the simulated provider and sees
// the QR tickets on the order page and in My tickets.
import assert from "node:assert/strict";
import { test } from "node:test";

import { publishedEvent, uniqueWord } from "../lib/api.mjs";
import { assertTableFitsPhones, newPage, reloadUntil, screenshots, withBrowser } from "../lib/browser.mjs";
import { ORGANISER, organiserToken } from "../lib/accounts.mjs";

const WEB = process.env.E2E_WEB_URL;
const API = process.env.E2E_API_URL;

test("a buyer finds an event, holds, pays and gets QR tickets", async () => {
  const word = uniqueWord("jazz");
  const title = `Midnight ${word} Session`;
  const event = await publishedEvent(API, await organiserToken(API), {
    title,
    ticketTypes: [
      { name: "Standing", price: 3000, capacity: 50 },
      { name: "Seated", price: 4500, capacity: 20 },
    ],
  });

  await withBrowser("buyer", async (browser) => {
    const page = await newPage(browser);
    const email = `${word}@buyer.test`;

    // An account first, so the tickets land in My tickets.
    await page.goto(`${WEB}/register`);
    await page.getByLabel("Name").fill("Ada Buyer");
    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Password").fill("correct horse battery staple");
    await page.getByRole("button", { name: "Create account" }).click();
    await page.getByRole("heading", { name: "No tickets yet" }).waitFor();

    // Find the event.
    await page.getByRole("link", { name: "Events" }).first().click();
    await page.getByLabel("Search").fill(word);
    await page.getByRole("button", { name: "Search" }).click();
    await page.getByRole("link", { name: title }).waitFor();
    await screenshots(page, "listing");
    await page.getByRole("link", { name: title }).click();
    await page.getByRole("heading", { level: 1, name: title }).waitFor();
    await screenshots(page, "event");

    // Hold two standing tickets.
    await page.getByRole("button", { name: "One more Standing" }).click();
    await page.getByRole("button", { name: "One more Standing" }).click();
    await page.getByRole("button", { name: "Hold tickets" }).click();
    await page.waitForURL(/\/holds\//);
    const holdUrl = page.url();
    await page.getByRole("timer").waitFor();
    assert.match(await page.getByRole("list", { name: "Held tickets" }).innerText(), /2 × Standing/);
    assert.equal(await page.getByLabel("Email").inputValue(), email, "a signed-in buyer's email is filled in");
    await screenshots(page, "hold");

    // Pay on the simulated provider's page, which returns to the order page.
    await page.getByRole("button", { name: "Continue to payment" }).click();
    await page.waitForURL(/\/simulated-checkout\//);
    assert.ok(page.url().startsWith(`${WEB}/api/`), "the provider's page is on the web client's origin");
    await page.getByRole("button", { name: "Pay €60.00" }).click();
    await page.waitForURL(/\/orders\/[^/?]+\?key=/);
    await page.getByRole("heading", { name: "You're going!" }).waitFor({ timeout: 60_000 });
    const codes = page.getByRole("img", { name: /^QR code of ticket/ });
    await codes.nth(1).waitFor();
    assert.equal(await codes.count(), 2);
    await assertImagesLoaded(page);
    await screenshots(page, "order-paid");

    // Back to the hold's link after paying: it says the tickets are paid and leads to the order.
    const orderUrl = page.url();
    await page.goto(holdUrl);
    await page.getByRole("heading", { name: "These tickets are paid for" }).waitFor();
    await screenshots(page, "hold-paid");
    await page.getByRole("link", { name: "See your order" }).click();
    await page.waitForURL(orderUrl);
    await page.getByRole("heading", { name: "You're going!" }).waitFor();

    // The same tickets in My tickets, and the order in My orders.
    await page.getByRole("link", { name: "My tickets" }).first().click();
    await page.getByRole("heading", { name: "My tickets" }).waitFor();
    await page.getByRole("link", { name: title }).waitFor();
    assert.equal(await page.getByRole("img", { name: /^QR code of ticket/ }).count(), 2);
    await assertImagesLoaded(page);
    await screenshots(page, "my-tickets");

    await page.goto(`${WEB}/account/orders`);
    await page.getByRole("table", { name: "My orders" }).getByText("Paid").waitFor();
    // Each order names its event.
    await page.getByRole("table", { name: "My orders" }).getByRole("link", { name: title }).waitFor();
    // On a phone every order still shows its total and status.
    await assertTableFitsPhones(page, page.getByRole("table", { name: "My orders" }));
    await screenshots(page, "my-orders");

    // The organiser sees the sale in the dashboard and refunds the order.
    const organiser = await newPage(browser);
    await organiser.goto(`${WEB}/login?next=${encodeURIComponent(`/organiser/events/${event.id}`)}`);
    await organiser.getByLabel("Email").fill(ORGANISER.email);
    await organiser.getByLabel("Password").fill(ORGANISER.password);
    await organiser.getByRole("button", { name: "Log in" }).click();
    const standing = organiser.getByRole("table", { name: "Ticket types" }).getByRole("row", { name: /Standing/ });
    await standing.waitFor();
    // capacity 50, sold 2, revenue 60.00 (the read model follows the payment shortly)
    await reloadUntil(organiser, async () => /€60\.00/.test(await standing.innerText()));
    assert.match(await standing.innerText(), /50\s+0\s+2\s+€60\.00/);
    // On a phone the sales keep sold, revenue and the actions in view.
    await assertTableFitsPhones(organiser, organiser.getByRole("table", { name: "Ticket types" }));
    await assertTableFitsPhones(organiser, organiser.getByRole("table", { name: "Orders" }));
    await screenshots(organiser, "organiser-sales");
    await organiser.getByRole("button", { name: /^Refund order/ }).click();
    // Nothing is ticked until the organiser chooses: tick every ticket of the order.
    const chosen = organiser.getByRole("group", { name: "Tickets to refund" }).getByRole("checkbox");
    for (const box of await chosen.all()) await box.check();
    await organiser.getByRole("button", { name: /^Confirm refund/ }).click();
    const orders = organiser.getByRole("table", { name: "Orders" });
    await reloadUntil(organiser, () => orders.getByText("Refunded", { exact: true }).isVisible());

    // The buyer's tickets stop being valid.
    await page.goto(`${WEB}/account/tickets`);
    await reloadUntil(page, async () => (await page.locator('[data-ticket-status="valid"]').count()) === 0);
  });
});

/** Every QR image on the page was served (an SVG the browser could decode), not a broken link. */
async function assertImagesLoaded(page) {
  await page.waitForFunction(() => [...document.images].every((img) => img.complete));
  const broken = await page.evaluate(() =>
    [...document.images].filter((img) => img.naturalWidth === 0).map((img) => img.src),
  );
  assert.deepEqual(broken, []);
}
