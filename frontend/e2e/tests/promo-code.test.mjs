// A buyer applies a promo code on the event page (after a mistyped one is refused in
// words), sees the discounted price and the presale type it unlocks, holds, and pays the
// discounted total; a shared link with the code applies it on arrival; a code used up
// meanwhile still gets the buyer their tickets, at the regular price, in one click.
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { test } from "node:test";

import { api, publishedEvent, uniqueWord } from "../lib/api.mjs";
import { organiserToken } from "../lib/accounts.mjs";
import { newPage, PHONE, screenshots, withBrowser } from "../lib/browser.mjs";

const WEB = process.env.E2E_WEB_URL;
const API = process.env.E2E_API_URL;

test("a buyer applies a promo code, unlocks a presale type and pays the discounted total", async () => {
  const word = uniqueWord("promo");
  const title = `Promo ${word} Night`;
  const token = await organiserToken(API);
  const event = await publishedEvent(API, token, {
    title,
    ticketTypes: [
      { name: "Standard", price: 3000, capacity: 50 },
      { name: "Balcony", price: 4500, capacity: 20 },
      { name: "Early access", price: 2000, capacity: 20, hidden: true },
    ],
  });
  const organiserView = await api(API, "GET", `/organiser/events/${event.id}`, { token });
  const typeId = (name) => organiserView.ticket_types.find((t) => t.name === name).id;
  await api(API, "POST", `/organiser/events/${event.id}/vouchers`, {
    token,
    headers: { "idempotency-key": randomUUID() },
    body: {
      code: "EARLY-BIRD",
      terms: {
        discount: { kind: "percent", percent: 20 },
        ticket_type_ids: [typeId("Standard")],
        unlocks: [typeId("Early access")],
        max_uses: 10,
        counting: "per_ticket",
      },
    },
  });

  await withBrowser("promo-code", async (browser) => {
    const page = await newPage(browser);
    await page.goto(`${WEB}/events/${event.id}`);
    await page.getByRole("heading", { level: 1, name: title }).waitFor();
    const types = page.getByRole("list", { name: "Ticket types" });
    const row = (name) => types.locator(`[data-ticket-type="${name}"]`);
    assert.equal(await row("Early access").count(), 0, "a presale type stays hidden without its code");

    // A mistyped code is refused in words, under the field.
    await page.getByRole("button", { name: "Have a promo code?" }).click();
    const field = page.getByRole("textbox", { name: "Promo code" });
    await field.fill("early bird");
    await page.getByRole("button", { name: "Apply" }).click();
    await page.getByText("Enter the code as printed: 4 to 32 letters, digits and dashes.").waitFor();
    await field.fill("late-bird");
    await page.getByRole("button", { name: "Apply" }).click();
    await page.getByText("There is no code LATE-BIRD for this event.").waitFor();

    // The right one, in any case: the discount in words, struck list prices, the unlocked type.
    await field.fill("early-bird");
    await page.getByRole("button", { name: "Apply" }).click();
    await page.getByText("Code EARLY-BIRD applied.").waitFor();
    await page.getByText("20% off Standard, and unlocks Early access.").waitFor();
    assert.equal(new URL(page.url()).searchParams.get("code"), "EARLY-BIRD", "the code stays in the page's link");
    assert.match(await row("Standard").innerText(), /was\s*€30\.00\s*, now\s*€24\.00/);
    assert.doesNotMatch(await row("Balcony").innerText(), /€36\.00/, "the code's scope leaves Balcony at its price");
    assert.match(await row("Early access").innerText(), /Presale/);

    await page.getByRole("button", { name: "One more Standard" }).click();
    await page.getByRole("button", { name: "One more Standard" }).click();
    await page.getByRole("button", { name: "One more Early access" }).click();
    // 2 × 24.00 + 1 × 20.00
    await page.getByText("€68.00").waitFor();
    await screenshots(page, "promo-code-event");

    // The hold carries the code and its prices.
    await page.getByRole("button", { name: "Hold tickets" }).click();
    await page.waitForURL(/\/holds\//);
    await page.getByRole("timer").waitFor();
    const held = await page.getByRole("list", { name: "Held tickets" }).innerText();
    assert.match(held, /2 × Standard/);
    assert.match(held, /1 × Early access/);
    assert.match(held, /was\s*€60\.00\s*, now\s*€48\.00/);
    await page.getByText("20% off Standard, and unlocks Early access.").waitFor();
    await screenshots(page, "promo-code-hold");

    // Pays the discounted total on the simulated provider's page.
    await page.getByLabel("Email").fill(`${word}@buyer.test`);
    await page.getByRole("button", { name: "Continue to payment" }).click();
    await page.waitForURL(/\/simulated-checkout\//);
    await page.getByRole("button", { name: "Pay €68.00" }).click();
    await page.waitForURL(/\/orders\/[^/?]+\?key=/);
    await page.getByRole("heading", { name: "You're going!" }).waitFor({ timeout: 60_000 });
    await page.getByText("Total paid").waitFor();
    await page.getByText("Code EARLY-BIRD saved you €12.00.").waitFor();
    // The whole page in the picture: its three QR codes drawn first.
    await page.getByRole("img", { name: /^QR code of ticket/ }).nth(2).waitFor();
    await page.waitForFunction(() => [...document.images].every((img) => img.complete));
    await screenshots(page, "promo-code-order");

    // An organiser's shared link applies the code on arrival, on a phone too; removing it
    // hides the presale type again.
    const phone = await newPage(browser, PHONE);
    await phone.goto(`${WEB}/events/${event.id}?code=early-bird`);
    await phone.getByText("Code EARLY-BIRD applied.").waitFor();
    const phoneTypes = phone.getByRole("list", { name: "Ticket types" });
    await phoneTypes.locator('[data-ticket-type="Early access"]').waitFor();
    await phone.getByRole("button", { name: "Remove code" }).click();
    await phone.getByRole("button", { name: "Have a promo code?" }).waitFor();
    assert.equal(await phoneTypes.locator('[data-ticket-type="Early access"]').count(), 0);
    assert.equal(new URL(phone.url()).searchParams.get("code"), null);

    // A single-use code someone else holds already: the page holds the tickets anyway, in
    // the same request, at the regular price, and the hold page says why.
    await api(API, "POST", `/organiser/events/${event.id}/vouchers`, {
      token,
      headers: { "idempotency-key": randomUUID() },
      body: { code: "ONE-SHOT", terms: { discount: { kind: "percent", percent: 50 }, max_uses: 1, counting: "per_order" } },
    });
    await api(API, "POST", `/events/${event.id}/reservations`, {
      headers: { "idempotency-key": randomUUID() },
      body: { lines: [{ ticket_type_id: typeId("Balcony"), quantity: 1 }], code: "ONE-SHOT" },
    });
    const late = await newPage(browser, PHONE);
    await late.goto(`${WEB}/events/${event.id}?code=one-shot`);
    await late.getByText("Code ONE-SHOT applied.").waitFor();
    await late.getByText("If its uses run out before you hold, your tickets are held at the regular price.").waitFor();
    await late.getByRole("button", { name: "One more Balcony" }).click();
    await late.getByRole("button", { name: "Hold tickets" }).click();
    await late.waitForURL(/\/holds\//);
    await late.getByRole("timer").waitFor();
    await late
      .getByText("Your code ONE-SHOT has no use left, so these tickets are held at the regular price.")
      .waitFor();
    const heldLate = await late.getByRole("list", { name: "Held tickets" }).innerText();
    assert.match(heldLate, /1 × Balcony/);
    assert.match(heldLate, /€45\.00/);
    assert.doesNotMatch(heldLate, /€22\.50/, "no discount from a code that was not applied");
    await screenshots(late, "promo-code-used-up");
  });

  // The order was paid at the code's prices.
  const { orders } = await api(API, "GET", `/organiser/events/${event.id}/orders`, { token });
  assert.equal(orders.length, 1);
  assert.equal(orders[0].total.amount_minor, 6800);
});
