// The simulated provider's page looks like the site and shows money; a guest who cancels
// there comes back to their hold, still running, and releases it from there; a signed-in
// buyer is kept out of the organiser's pages.
import assert from "node:assert/strict";
import { test } from "node:test";

import { organiserToken } from "../lib/accounts.mjs";
import { api, eventually, publishedEvent, uniqueWord } from "../lib/api.mjs";
import { newPage, PHONE, screenshots, withBrowser } from "../lib/browser.mjs";

const WEB = process.env.E2E_WEB_URL;
const API = process.env.E2E_API_URL;

test("cancel on the payment page returns to the hold, which releases the tickets", async () => {
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
    const holdUrl = page.url();
    await page.getByLabel("Email").fill("guest@buyer.test");
    await page.getByRole("button", { name: "Continue to payment" }).click();
    await page.waitForURL(/\/simulated-checkout\//);

    // The provider's page: the site's look, the amount as money.
    await page.getByRole("heading", { name: "Pay for your tickets" }).waitFor();
    assert.equal(await page.locator("#amount").innerText(), "€20.00");
    assert.ok(await page.getByRole("button", { name: "Pay €20.00" }).isVisible());
    assert.doesNotMatch(await page.locator("body").innerText(), /2000|minor units/);
    await screenshots(page, "simulated-checkout");

    // Cancel goes back to the hold, which still runs.
    await page.getByRole("button", { name: "Cancel and go back" }).click();
    await page.waitForURL(holdUrl);
    await page.getByRole("timer").waitFor();
    assert.match(await page.getByRole("list", { name: "Held tickets" }).innerText(), /1 × Standing/);
    await screenshots(page, "payment-cancelled");

    // Releasing gives the tickets up: the event page, with all ten on sale again.
    await page.getByRole("button", { name: "Release my tickets" }).click();
    await page.waitForURL(`${WEB}/events/${event.id}`);
    await page.goto(holdUrl);
    await page.getByRole("heading", { name: "You gave these tickets back" }).waitFor();
    await eventually(async () => {
      const detail = await api(API, "GET", `/events/${event.id}`);
      return detail.ticket_types[0].availability.available === 10;
    });

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
