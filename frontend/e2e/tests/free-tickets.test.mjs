// Free tickets: a hold that costs nothing skips the payment page; the buyer lands on the
// order, paid at once, with the QR codes, the venue's address, a link back to the event
// and an "Add to calendar" file.
import assert from "node:assert/strict";
import { test } from "node:test";

import { organiserToken } from "../lib/accounts.mjs";
import { publishedEvent, uniqueWord } from "../lib/api.mjs";
import { newPage, screenshots, withBrowser } from "../lib/browser.mjs";

const WEB = process.env.E2E_WEB_URL;
const API = process.env.E2E_API_URL;

test("free tickets skip the payment page; the order says where and when", async () => {
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

    // Where to go, the way back to the event, and the event for a calendar.
    const venue = page.locator('address[aria-label="Venue"]');
    assert.match(await venue.innerText(), /Le Sunset\s+60 rue des Lombards, 75001 Paris/);
    assert.equal(await page.getByRole("link", { name: "Event page" }).getAttribute("href"), `/events/${event.id}`);
    const calendarHref = await page.getByRole("link", { name: "Add to calendar" }).getAttribute("href");
    const calendar = await page.request.get(`${WEB}${calendarHref}`);
    assert.equal(calendar.status(), 200);
    assert.match(calendar.headers()["content-type"], /^text\/calendar/);
    const ics = await calendar.text();
    assert.match(ics, /^BEGIN:VCALENDAR\r\n/);
    assert.match(ics, /\r\nDTSTART:\d{8}T180000Z\r\n/);
    assert.match(ics.replaceAll("\r\n ", ""), new RegExp(`SUMMARY:${event.title}\r\n`));
    await screenshots(page, "order-free");
  });
});
