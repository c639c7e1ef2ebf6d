// An organiser adds a hidden ticket type (a presale), creates a promo code (after a
// mistyped one is refused in words), a presale code unlocking the hidden type, a batch of
// single-use codes, and switches the first code off.
import assert from "node:assert/strict";
import { test } from "node:test";

import { api, eventually, publishedEvent, uniqueWord } from "../lib/api.mjs";
import { ORGANISER, organiserToken } from "../lib/accounts.mjs";
import { newPage, screenshots, withBrowser } from "../lib/browser.mjs";

const WEB = process.env.E2E_WEB_URL;
const API = process.env.E2E_API_URL;

test("an organiser hides a presale ticket type, creates promo codes and switches one off", async () => {
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

    // A presale: a ticket type only buyers with a code that unlocks it can see and buy.
    const form = page.getByRole("form", { name: "Create promo codes" });
    await form.getByText("No hidden ticket types yet.").waitFor();
    const addType = page.getByRole("form", { name: "Add a ticket type" });
    await addType.getByLabel("Ticket type name").fill("Friends presale");
    await addType.getByLabel("Price (EUR)").fill("22");
    await addType.getByLabel("Capacity").fill("30");
    const hiddenSwitch = addType.getByRole("switch", { name: "Hidden" });
    await hiddenSwitch.click();
    assert.equal(await hiddenSwitch.getAttribute("aria-checked"), "true");
    await addType.getByRole("button", { name: "Add ticket type" }).click();
    const presaleRow = page.getByRole("table", { name: "Ticket types" }).getByRole("row", { name: /Friends presale/ });
    await presaleRow.waitFor();
    assert.match(await presaleRow.innerText(), /Hidden/);
    assert.doesNotMatch(
      await page.getByRole("table", { name: "Ticket types" }).getByRole("row", { name: /Standing/ }).innerText(),
      /Hidden/,
    );
    await screenshots(page, "organiser-presale");

    // A type on sale is hidden and shown again from its row.
    const types = page.getByRole("table", { name: "Ticket types" });
    const balcony = types.getByRole("row", { name: /Balcony/ });
    await balcony.getByRole("button", { name: "Change Balcony" }).click();
    await balcony.getByRole("switch", { name: "Hidden" }).click();
    await balcony.getByRole("button", { name: "Save" }).click();
    await types.getByRole("row", { name: /Balcony Hidden/ }).waitFor();
    await types.getByRole("row", { name: /Balcony/ }).getByRole("button", { name: "Change Balcony" }).click();
    const balconySwitch = types.getByRole("row", { name: /Balcony/ }).getByRole("switch", { name: "Hidden" });
    assert.equal(await balconySwitch.getAttribute("aria-checked"), "true");
    await balconySwitch.click();
    await types.getByRole("row", { name: /Balcony/ }).getByRole("button", { name: "Save" }).click();
    await types.getByRole("row", { name: /Balcony/ }).filter({ hasNotText: "Hidden" }).waitFor();

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

    // The presale code: no discount, unlocking the hidden type (the only one offered).
    const unlockable = form.getByRole("checkbox", { name: /^Unlocks / });
    assert.equal(await unlockable.count(), 1);
    await form.getByLabel("Code", { exact: true }).fill("friends-first");
    await form.getByLabel("Discount").selectOption("none");
    await form.getByRole("checkbox", { name: "Unlocks Friends presale" }).check();
    await form.getByRole("button", { name: "Create code" }).click();
    await page.getByText("FRIENDS-FIRST is ready to share.").waitFor();
    const presaleCode = table.getByRole("row", { name: /FRIENDS-FIRST/ });
    await presaleCode.waitFor();
    assert.match(await presaleCode.innerText(), /Presale access · 100 tickets/);
    assert.match(await presaleCode.innerText(), /unlocks Friends presale/);

    await form.getByLabel("Codes", { exact: true }).selectOption("bulk");
    await form.getByLabel("Prefix (optional)").fill("vip");
    await form.getByLabel("How many codes").fill("25");
    await form.getByLabel("Discount").selectOption("fixed");
    await form.getByLabel("Amount off each ticket (EUR)").fill("5");
    await form.getByRole("button", { name: "Create codes" }).click();
    await page.getByText("25 codes created. Download them as CSV to send them out.").waitFor();
    await page.getByText("27 codes", { exact: true }).waitFor();
    // A bulk of codes does not bury the page: ten are listed until the organiser asks.
    assert.equal(await table.getByRole("row").count(), 1 + 10);
    await page.getByRole("button", { name: "Show all 27 codes" }).click();
    assert.equal(await table.getByRole("row").count(), 1 + 27);
    assert.ok(await page.getByRole("link", { name: "Codes (CSV)" }).isVisible());

    await row.getByRole("button", { name: "Switch off EARLY-BIRD" }).click();
    await row.getByRole("button", { name: "Switch on EARLY-BIRD" }).waitFor();
    assert.match(await row.innerText(), /Off/);
    await page.locator("#codes").scrollIntoViewIfNeeded();
    await screenshots(page, "organiser-vouchers");
  });

  const { vouchers } = await api(API, "GET", `/organiser/events/${event.id}/vouchers`, { token });
  assert.equal(vouchers.length, 27);
  const organiserView = await api(API, "GET", `/organiser/events/${event.id}`, { token });
  const presale = organiserView.ticket_types.find((t) => t.name === "Friends presale");
  assert.equal(presale.hidden, true);
  const friends = vouchers.find((v) => v.code === "FRIENDS-FIRST");
  assert.deepEqual(friends.discount, { kind: "none" });
  assert.deepEqual(friends.unlocks, [presale.id]);
  // Buyers see the hidden type only through the code: once the read model has it (the
  // quote reads the same model), the public detail still leaves it out.
  const quote = await eventually(async () => {
    const answer = await api(API, "GET", `/events/${event.id}/codes/friends-first`);
    return answer.ticket_types.some((t) => t.id === presale.id) ? answer : null;
  });
  assert.equal(quote.ticket_types.find((t) => t.id === presale.id).unlocked, true);
  const publicView = await api(API, "GET", `/events/${event.id}`);
  assert.deepEqual(
    publicView.ticket_types.map((t) => t.name),
    ["Standing", "Balcony"],
  );
  const early = vouchers.find((v) => v.code === "EARLY-BIRD");
  assert.equal(early.enabled, false);
  assert.deepEqual(early.ticket_type_ids, [event.ticket_types.find((t) => t.name === "Standing").id]);
  const bulk = vouchers.filter((v) => v.code.startsWith("VIP-"));
  assert.equal(bulk.length, 25);
  assert.deepEqual(bulk[0].discount, { kind: "fixed", amount: { amount_minor: 500, currency: "EUR" } });
  assert.equal(bulk[0].max_uses, 1);
  assert.equal(bulk[0].counting, "per_order");
});
