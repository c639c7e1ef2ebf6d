// A hold that lapses while the buyer looks at it shows the expiry screen (this platform
// runs with a hold of a few seconds, see run.mjs).
import assert from "node:assert/strict";
import { test } from "node:test";

import { api, eventually, publishedEvent, uniqueWord } from "../lib/api.mjs";
import { organiserToken } from "../lib/accounts.mjs";
import { newPage, screenshots, withBrowser } from "../lib/browser.mjs";

const WEB = process.env.E2E_SHORT_WEB_URL;
const API = process.env.E2E_SHORT_API_URL;

test("a hold that expires on the page shows the expiry screen", async () => {
  const event = await publishedEvent(API, await organiserToken(API), {
    title: `Quick Hold ${uniqueWord("qh")}`,
    ticketTypes: [{ name: "Standing", price: 2500, capacity: 10 }],
  });

  await withBrowser("hold-expiry", async (browser) => {
    const page = await newPage(browser);
    await page.goto(`${WEB}/events/${event.id}`);
    // Keyboard only: arrow up in the quantity field, then Tab past "one more" and "Have a
    // promo code?" to the button.
    await page.getByLabel("Quantity of Standing").focus();
    await page.keyboard.press("ArrowUp");
    await page.keyboard.press("Tab");
    await page.keyboard.press("Tab");
    assert.equal(await page.evaluate(() => document.activeElement?.textContent), "Have a promo code?");
    await page.keyboard.press("Tab");
    assert.equal(await page.evaluate(() => document.activeElement?.textContent), "Hold tickets");
    await page.keyboard.press("Enter");
    await page.waitForURL(/\/holds\//);
    const reservationId = page.url().split("/holds/")[1];
    // The countdown runs while the hold is live, its token kept in the browser...
    await page.getByRole("timer").waitFor();
    const stored = () => page.evaluate((id) => localStorage.getItem(`carneau:hold:${id}`), reservationId);
    const { token } = JSON.parse((await stored()) ?? "{}");
    assert.ok(token, "the hold's token is kept in the browser");
    // ...and when it reaches zero the page says what happened, and the token goes.
    await page.getByRole("heading", { name: "Your hold has expired" }).waitFor({ timeout: 60_000 });
    assert.ok(await page.getByRole("link", { name: "Pick tickets again" }).isVisible());
    assert.equal(JSON.parse((await stored()) ?? "{}").token, undefined, "the token is removed when the hold ends");

    // The API agrees once its sweeper has run, and a reload shows the same screen.
    const held = await api(API, "GET", `/reservations/${reservationId}`, { token });
    assert.ok(["held", "expired"].includes(held.status));
    await page.reload();
    await page.getByRole("heading", { name: "Your hold has expired" }).waitFor();
    await screenshots(page, "hold-expired");

    // The tickets are back on sale.
    await eventually(async () => {
      const detail = await api(API, "GET", `/events/${event.id}`);
      return detail.ticket_types[0].availability.available === 10;
    });
  });
});
