// A guest who cancels on the provider's page comes back to the "payment not completed"
// screen; a signed-in buyer is kept out of the organiser's pages.
import assert from "node:assert/strict";
import { test } from "node:test";

import { organiserToken } from "../lib/accounts.mjs";
import { publishedEvent, uniqueWord } from "../lib/api.mjs";
import { newPage, PHONE, screenshots, withBrowser } from "../lib/browser.mjs";

const WEB = process.env.E2E_WEB_URL;
const API = process.env.E2E_API_URL;

test("a cancelled payment shows the payment-failed screen", async () => {
  const event = await publishedEvent(API, await organiserToken(API), {
    title: `Cancelled Card ${uniqueWord("cc")}`,
    ticketTypes: [{ name: "Standing", price: 2000, capacity: 10 }],
  });
  await withBrowser("payment-cancelled", async (browser) => {
    // A guest on a phone.
    const page = await newPage(browser, PHONE);
    await page.goto(`${WEB}/events/${event.id}`);
    await page.getByRole("button", { name: "One more Standing" }).click();
    await page.getByRole("button", { name: "Hold tickets" }).click();
    await page.waitForURL(/\/holds\//);
    await page.getByLabel("Email").fill("guest@buyer.test");
    await page.getByRole("button", { name: "Continue to payment" }).click();
    await page.waitForURL(/\/simulated-checkout\//);
    await page.getByRole("button", { name: "Cancel", exact: true }).click();
    await page.waitForURL(/cancelled=true/);
    await page.getByRole("heading", { name: "Payment not completed" }).waitFor();
    assert.ok(await page.getByRole("link", { name: "Back to the event" }).isVisible());
    await screenshots(page, "payment-cancelled");

    // A signed-in buyer is told the dashboard is for organisers.
    const buyer = await newPage(browser);
    await buyer.goto(`${WEB}/register`);
    await buyer.getByLabel("Name").fill("Bo Buyer");
    await buyer.getByLabel("Email").fill(`${uniqueWord("bo")}@buyer.test`);
    await buyer.getByLabel("Password").fill("correct horse battery staple");
    await buyer.getByRole("button", { name: "Create account" }).click();
    await buyer.getByRole("heading", { name: "No tickets yet" }).waitFor();
    await buyer.goto(`${WEB}/organiser/events/${event.id}`);
    await buyer.getByRole("heading", { name: "This is for organisers" }).waitFor();
    await screenshots(buyer, "not-allowed");
  });
});
