// Free tickets: a hold that costs nothing skips the payment page; the buyer lands on the
// order, paid at once, with the QR codes.
import assert from "node:assert/strict";
import { test } from "node:test";

import { organiserToken } from "../lib/accounts.mjs";
import { publishedEvent, uniqueWord } from "../lib/api.mjs";
import { newPage, screenshots, withBrowser } from "../lib/browser.mjs";

const WEB = process.env.E2E_WEB_URL;
const API = process.env.E2E_API_URL;

test("free tickets skip the payment page and are issued at once", async () => {
  const event = await publishedEvent(API, await organiserToken(API), {
    title: `Open Rehearsal ${uniqueWord("free")}`,
    ticketTypes: [{ name: "Free entry", price: 0, capacity: 40 }],
  });
  await withBrowser("free-tickets", async (browser) => {
    const page = await newPage(browser);
    await page.goto(`${WEB}/events/${event.id}`);
    await page.getByRole("button", { name: "One more Free entry" }).click();
    await page.getByRole("button", { name: "One more Free entry" }).click();
    await page.getByRole("button", { name: "Hold tickets" }).click();
    await page.waitForURL(/\/holds\//);
    await page.getByLabel("Email").fill("guest@free.test");
    await page.getByRole("button", { name: "Get my free tickets" }).click();

    // Straight to the order, never the provider's page.
    await page.waitForURL(/\/orders\//);
    assert.doesNotMatch(page.url(), /simulated-checkout/);
    await page.getByRole("heading", { name: "You're going!" }).waitFor();
    const tickets = page.getByRole("img", { name: /^QR code of ticket/ });
    await tickets.nth(1).waitFor();
    assert.equal(await tickets.count(), 2);
    assert.match(await page.getByText("Total paid").locator("..").innerText(), /€0\.00/);

    await screenshots(page, "order-free");
  });
});
