// An event's description keeps its paragraphs and line breaks, makes its web addresses
// clickable, and never renders the organiser's text as markup.
import assert from "node:assert/strict";
import { test } from "node:test";

import { organiserToken } from "../lib/accounts.mjs";
import { api, publishedEvent, uniqueWord } from "../lib/api.mjs";
import { newPage, reloadUntil, screenshots, withBrowser } from "../lib/browser.mjs";

const WEB = process.env.E2E_WEB_URL;
const API = process.env.E2E_API_URL;

const DESCRIPTION = [
  "Doors open at 19:00.\nSupport act at 19:30.",
  "Programme and set times: https://example.com/programme?night=1.",
  'Bring <b>nothing</b> <img src=x onerror="window.__pwned=1"> and skip javascript:alert(1) links.',
].join("\n\n");

test("an event's description keeps paragraphs, links addresses and renders no markup", async () => {
  const token = await organiserToken(API);
  const event = await publishedEvent(API, token, {
    title: `Described ${uniqueWord("desc")}`,
    ticketTypes: [{ name: "Standing", price: 1000, capacity: 5 }],
  });
  await api(API, "PATCH", `/organiser/events/${event.id}`, { token, body: { description: DESCRIPTION } });

  await withBrowser("event-description", async (browser) => {
    const page = await newPage(browser);
    await page.goto(`${WEB}/events/${event.id}`);
    const about = page.getByRole("region", { name: "About this event" });
    // The catalogue follows the edit a moment later.
    await reloadUntil(page, async () => (await about.innerText().catch(() => "")).includes("Programme"));
    const paragraphs = about.locator("p");
    assert.equal(await paragraphs.count(), 3);
    assert.equal(await paragraphs.nth(0).innerText(), "Doors open at 19:00.\nSupport act at 19:30.");

    const link = about.getByRole("link", { name: "https://example.com/programme?night=1" });
    assert.equal(await link.getAttribute("href"), "https://example.com/programme?night=1");
    assert.equal(await link.getAttribute("rel"), "noopener noreferrer nofollow");
    assert.equal(await about.getByRole("link").count(), 1, "javascript: is not a link");

    // The markup is shown as the text it is.
    assert.match(await paragraphs.nth(2).innerText(), /Bring <b>nothing<\/b> <img src=x/);
    assert.equal(await about.locator("b, img").count(), 0);
    assert.equal(await page.evaluate(() => window.__pwned), undefined);
    await screenshots(page, "event-description");
  });
});
