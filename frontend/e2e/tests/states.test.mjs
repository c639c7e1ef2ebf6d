// The designed screens for the states a visitor can land in: nothing found, an unknown
// event, a page for organisers only, and an API that does not answer.
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { test } from "node:test";

import { newPage, screenshots, withBrowser } from "../lib/browser.mjs";

const WEB = process.env.E2E_WEB_URL;
const OFFLINE_WEB = process.env.E2E_OFFLINE_WEB_URL;

test("a search that finds nothing says so and offers the full listing", async () => {
  await withBrowser("empty-search", async (browser) => {
    const page = await newPage(browser);
    await page.goto(WEB);
    await page.getByLabel("Search").fill(`nothing-matches-${randomUUID().slice(0, 8)}`);
    await page.getByRole("button", { name: "Search" }).click();
    await page.getByRole("heading", { name: "No events match your search" }).waitFor();
    assert.ok(await page.getByRole("link", { name: "Show all events" }).isVisible());
    await screenshots(page, "listing-empty");
  });
});

test("an unknown event shows the not-found screen with a 404", async () => {
  await withBrowser("not-found", async (browser) => {
    const page = await newPage(browser);
    const response = await page.goto(`${WEB}/events/${randomUUID()}`);
    assert.equal(response.status(), 404);
    await page.getByRole("heading", { name: "We couldn't find that page" }).waitFor();
    await screenshots(page, "not-found");
  });
});

test("the dashboard asks a guest to log in", async () => {
  await withBrowser("not-allowed", async (browser) => {
    const page = await newPage(browser);
    await page.goto(`${WEB}/organiser`);
    await page.getByRole("heading", { name: "Organisers, please log in" }).waitFor();
    await screenshots(page, "organiser-login-needed");
  });
});

test("when the API is down, pages show the offline screen instead of an error", async () => {
  await withBrowser("offline", async (browser) => {
    const page = await newPage(browser);
    await page.goto(OFFLINE_WEB);
    await page.getByRole("heading", { name: "We can't reach the box office" }).waitFor();
    await screenshots(page, "offline");
    // The same for a page that loads in the browser, through the /api proxy.
    await page.goto(`${OFFLINE_WEB}/holds/${randomUUID()}`);
    await page.getByRole("heading", { name: "We can't reach the box office" }).waitFor();
  });
});

test("every page has a favicon, and loading one asks for nothing missing", async () => {
  await withBrowser("favicon", async (browser) => {
    const page = await newPage(browser);
    const missing = [];
    page.on("response", (response) => {
      if (response.status() === 404) missing.push(response.url());
    });
    await page.goto(WEB);
    await page.waitForLoadState("networkidle");
    const icon = await page.locator('link[rel="icon"]').first().getAttribute("href");
    assert.ok(icon, "no <link rel=icon>");
    for (const href of [icon, "/favicon.ico"]) {
      const response = await page.request.get(new URL(href, WEB).toString());
      assert.equal(response.status(), 200, href);
    }
    assert.deepEqual(missing, []);
  });
});
