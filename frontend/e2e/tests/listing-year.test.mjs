// A listing card names the year of an event that is not this year, and only then.
import assert from "node:assert/strict";
import { test } from "node:test";

import { organiserToken } from "../lib/accounts.mjs";
import { publishedEvent, uniqueWord } from "../lib/api.mjs";
import { newPage, reloadUntil, screenshots, withBrowser } from "../lib/browser.mjs";

const WEB = process.env.E2E_WEB_URL;
const API = process.env.E2E_API_URL;

const yearIn = (date, timeZone) => new Intl.DateTimeFormat("en-GB", { timeZone, year: "numeric" }).format(date);

test("listing cards show the year of events that are not this year", async () => {
  const token = await organiserToken(API);
  const word = uniqueWord("year");
  const soon = await publishedEvent(API, token, {
    title: `Soon ${word}`,
    ticketTypes: [{ name: "Standing", price: 1000, capacity: 5 }],
    days: 1,
  });
  const later = await publishedEvent(API, token, {
    title: `Much later ${word}`,
    ticketTypes: [{ name: "Standing", price: 1000, capacity: 5 }],
    days: 400,
  });

  await withBrowser("listing-year", async (browser) => {
    const page = await newPage(browser);
    await page.goto(`${WEB}/?q=${word}`);
    const card = (title) => page.getByRole("link", { name: title }).locator("xpath=ancestor::*[@data-slot='card'][1]");
    // The listing follows publication a moment later.
    await reloadUntil(page, async () => (await page.getByRole("link", { name: later.title }).count()) === 1);
    const thisYear = yearIn(new Date(), "Europe/Paris");
    const laterYear = yearIn(new Date(later.starts_at), "Europe/Paris");
    assert.notEqual(laterYear, thisYear);
    assert.equal(await card(later.title).locator("[data-event-year]").innerText(), laterYear);
    const soonYear = yearIn(new Date(soon.starts_at), "Europe/Paris");
    assert.equal(await card(soon.title).locator("[data-event-year]").count(), soonYear === thisYear ? 0 : 1);
    await screenshots(page, "listing-year");
  });
});
