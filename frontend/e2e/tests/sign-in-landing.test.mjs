// Where signing in leads when the visitor was not going anywhere: an organiser to the
// dashboard, door staff (and nothing else) to the door, a buyer to their tickets; a
// visitor who was going somewhere goes there.
import assert from "node:assert/strict";
import { test } from "node:test";

import { ORGANISER, organiserToken } from "../lib/accounts.mjs";
import { api, publishedEvent, uniqueWord } from "../lib/api.mjs";
import { newPage, screenshots, withBrowser } from "../lib/browser.mjs";

const WEB = process.env.E2E_WEB_URL;
const API = process.env.E2E_API_URL;

async function signIn(page, account, next) {
  await page.goto(next ? `${WEB}/login?next=${encodeURIComponent(next)}` : `${WEB}/login`);
  await page.getByLabel("Email").fill(account.email);
  await page.getByLabel("Password").fill(account.password);
  await page.getByRole("button", { name: "Log in" }).click();
}

test("each account lands where its work is after signing in", async () => {
  const token = await organiserToken(API);
  const event = await publishedEvent(API, token, {
    title: `Landing ${uniqueWord("land")}`,
    ticketTypes: [{ name: "Standing", price: 1000, capacity: 5 }],
  });
  const buyer = { email: `${uniqueWord("buyer")}@buyer.test`, password: "a buyer's long password" };
  const staff = { email: `${uniqueWord("staff")}@door.test`, password: "a door keeper's password" };
  for (const [account, name] of [[buyer, "Bea Buyer"], [staff, "Sam Staff"]]) {
    await api(API, "POST", "/accounts", { body: { email: account.email, name, password: account.password } });
  }
  await api(API, "POST", `/organiser/events/${event.id}/door-staff`, { token, body: { email: staff.email } });

  await withBrowser("sign-in-landing", async (browser) => {
    const organiser = await newPage(browser);
    await signIn(organiser, ORGANISER);
    await organiser.waitForURL(`${WEB}/organiser`);
    await organiser.getByRole("heading", { level: 1 }).waitFor();
    await screenshots(organiser, "organiser-after-sign-in");

    const door = await newPage(browser);
    await signIn(door, staff);
    await door.waitForURL(`${WEB}/door`);

    const shopper = await newPage(browser);
    await signIn(shopper, buyer);
    await shopper.waitForURL(`${WEB}/account/tickets`);

    // Going somewhere: there, whoever signs in.
    const going = await newPage(browser);
    await signIn(going, ORGANISER, `/events/${event.id}`);
    await going.waitForURL(`${WEB}/events/${event.id}`);
    assert.ok(going.url().endsWith(`/events/${event.id}`));
  });
});
