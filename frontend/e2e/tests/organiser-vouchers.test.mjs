// An organiser creates a promo code (after a mistyped one is refused in words), a batch of
// single-use codes, and switches the first code off.
import assert from "node:assert/strict";
import { test } from "node:test";

import { api, publishedEvent, uniqueWord } from "../lib/api.mjs";
import { ORGANISER, organiserToken } from "../lib/accounts.mjs";
import { newPage, screenshots, withBrowser } from "../lib/browser.mjs";

const WEB = process.env.E2E_WEB_URL;
const API = process.env.E2E_API_URL;

test("an organiser creates promo codes and switches one off", async () => {
  const word = uniqueWord("codes");
  const token = await organiserToken(API);
  const event = await publishedEvent(API, token, {
    title: `Codes ${word} Night`,
    ticketTypes: [
      { name: "Standing", price: 3000, capacity: 40 },
      { name: "Balcony", price: 4500, capacity: 20 },
    ],
  });

  await withBrowser("organiser-vouchers", async (browser) => {
    const page = await newPage(browser);
    const next = `/organiser/events/${event.id}`;
    await page.goto(`${WEB}/login?next=${encodeURIComponent(next)}`);
    await page.getByLabel("Email").fill(ORGANISER.email);
    await page.getByLabel("Password").fill(ORGANISER.password);
    await page.getByRole("button", { name: "Log in" }).click();
    await page.waitForURL(`${WEB}${next}`);

    const form = page.getByRole("form", { name: "Create promo codes" });
    await page.getByText("No codes yet.").waitFor();
    await form.getByLabel("Code", { exact: true }).fill("ab");
    await form.getByRole("button", { name: "Create code" }).click();
    await form.getByText("The code must be 4 to 32 characters.").waitFor();

    await form.getByLabel("Code", { exact: true }).fill("early-bird");
    await form.getByLabel("Percent off").fill("20");
    await form.getByLabel("Standing").check();
    await form.getByRole("button", { name: "Create code" }).click();
    await page.getByText("EARLY-BIRD is ready to share.").waitFor();
    const table = page.getByRole("table", { name: "Promo codes" });
    const row = table.getByRole("row", { name: /EARLY-BIRD/ });
    await row.waitFor();
    assert.match(await row.innerText(), /20% off · 100 tickets/);
    assert.match(await row.innerText(), /Standing/);

    await form.getByLabel("Codes", { exact: true }).selectOption("bulk");
    await form.getByLabel("Prefix (optional)").fill("vip");
    await form.getByLabel("How many codes").fill("25");
    await form.getByLabel("Discount").selectOption("fixed");
    await form.getByLabel("Amount off each ticket (EUR)").fill("5");
    await form.getByRole("button", { name: "Create codes" }).click();
    await page.getByText("25 codes created. Download them as CSV to send them out.").waitFor();
    await page.getByText("26 codes", { exact: true }).waitFor();
    // A bulk of codes does not bury the page: ten are listed until the organiser asks.
    assert.equal(await table.getByRole("row").count(), 1 + 10);
    await page.getByRole("button", { name: "Show all 26 codes" }).click();
    assert.equal(await table.getByRole("row").count(), 1 + 26);
    assert.ok(await page.getByRole("link", { name: "Codes (CSV)" }).isVisible());

    await row.getByRole("button", { name: "Switch off EARLY-BIRD" }).click();
    await row.getByRole("button", { name: "Switch on EARLY-BIRD" }).waitFor();
    assert.match(await row.innerText(), /Off/);
    await page.locator("#codes").scrollIntoViewIfNeeded();
    await screenshots(page, "organiser-vouchers");
  });

  const { vouchers } = await api(API, "GET", `/organiser/events/${event.id}/vouchers`, { token });
  assert.equal(vouchers.length, 26);
  const early = vouchers.find((v) => v.code === "EARLY-BIRD");
  assert.equal(early.enabled, false);
  assert.deepEqual(early.ticket_type_ids, [event.ticket_types.find((t) => t.name === "Standing").id]);
  const bulk = vouchers.filter((v) => v.code.startsWith("VIP-"));
  assert.equal(bulk.length, 25);
  assert.deepEqual(bulk[0].discount, { kind: "fixed", amount: { amount_minor: 500, currency: "EUR" } });
  assert.equal(bulk[0].max_uses, 1);
  assert.equal(bulk[0].counting, "per_order");
});
