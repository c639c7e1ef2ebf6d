// Debian's Chromium driven by playwright-core (a tool's own browser download fails here).
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import path from "node:path";

import { chromium } from "playwright-core";

// Without these the closed network makes Chromium wait on its background connections.
const FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export const PHONE = { width: 360, height: 780 };
export const DESKTOP = { width: 1280, height: 900 };

/** Chromium; `args` adds flags (e.g. a fake camera, see camera.mjs). */
export async function launchBrowser(args = []) {
  return chromium.launch({ executablePath: process.env.E2E_CHROMIUM ?? "/usr/bin/chromium", headless: true, args: [...FLAGS, ...args] });
}

/** A fresh browser context (its own cookies and storage) with a page at `viewport`; `options` add to the context's. */
export async function newPage(browser, viewport = DESKTOP, options = {}) {
  const context = await browser.newContext({ viewport, locale: "en-GB", timezoneId: "UTC", ...options });
  context.setDefaultTimeout(20_000);
  const page = await context.newPage();
  page.on("pageerror", (error) => console.error(`# page error on ${page.url()}: ${error.message}`));
  return page;
}

/**
 * Saves the page at phone and desktop width as docs/screenshots/<name>-{360,1280}.png
 * (committed and shown in the README), then restores the viewport.
 */
export async function screenshots(page, name) {
  const dir = process.env.E2E_SCREENSHOTS;
  if (!dir) return;
  mkdirSync(dir, { recursive: true });
  const original = page.viewportSize();
  for (const viewport of [PHONE, DESKTOP]) {
    await page.setViewportSize(viewport);
    // From the top: a page reached by a click keeps its scroll, and a full-page picture
    // then draws the sticky header halfway down.
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.evaluate(() => document.fonts.ready);
    await page.screenshot({ path: path.join(dir, `${name}-${viewport.width}.png`), fullPage: true, animations: "disabled" });
  }
  if (original) await page.setViewportSize(original);
}

/** The phone widths a table must fit without scrolling sideways. */
export const PHONE_WIDTHS = [360, 390];

/**
 * Asserts that at each phone width `table` shows every column: its scrolling box is no
 * wider than the screen lets it be. Restores the viewport.
 */
export async function assertTableFitsPhones(page, table) {
  const original = page.viewportSize();
  for (const width of PHONE_WIDTHS) {
    await page.setViewportSize({ width, height: 844 });
    const hidden = await table.evaluate((el) => {
      const box = el.closest('[data-slot="table-container"]');
      return box.scrollWidth - box.clientWidth;
    });
    assert.ok(hidden <= 1, `the table scrolls sideways at ${width} px: ${hidden} px are cut off`);
  }
  if (original) await page.setViewportSize(original);
}

/** Runs `fn` with a browser (extra flags `args`), closing it whatever happens; saves the failing page's picture. */
export async function withBrowser(name, fn, { args = [] } = {}) {
  const browser = await launchBrowser(args);
  try {
    await fn(browser);
  } catch (error) {
    for (const context of browser.contexts()) {
      for (const [i, page] of context.pages().entries()) {
        const file = path.join(process.env.E2E_ARTIFACTS ?? ".", `failed-${name}-${i}.png`);
        await page.screenshot({ path: file, fullPage: true }).catch(() => {});
        console.error(`# ${name}: failing page ${page.url()} saved to ${file}`);
      }
    }
    throw error;
  } finally {
    await browser.close();
  }
}

/**
 * Reloads `page` until `check()` holds: for what a read model shows a moment after the
 * log has it. Waits for a state, not for a time; gives up after `attempts` reloads.
 */
export async function reloadUntil(page, check, { attempts = 100 } = {}) {
  for (let i = 0; i < attempts; i += 1) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
    await page.reload();
  }
  if (!(await check())) throw new Error(`${page.url()} never reached the expected state`);
}

/** Signs `account` in through the login form of `webUrl`, landing on `next`. */
export async function logIn(page, webUrl, account, next) {
  await page.goto(`${webUrl}/login?next=${encodeURIComponent(next)}`);
  await page.getByLabel("Email").fill(account.email);
  await page.getByLabel("Password").fill(account.password);
  await page.getByRole("button", { name: "Log in" }).click();
  await page.waitForURL(`${webUrl}${next}`);
}
