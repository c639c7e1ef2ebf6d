// Resending the tickets email: the buyer, on the order page their link opens or in My
// tickets, and the organiser, from the orders table, ask for the tickets again and another
// tickets email arrives, with the QR codes; past the limit per order the buyer is told
// when they can ask again.
import assert from "node:assert/strict";
import { test } from "node:test";

import { ORGANISER, organiserToken } from "../lib/accounts.mjs";
import { api, publishedEvent, uniqueWord } from "../lib/api.mjs";
import { logIn, newPage, reloadUntil, screenshots, withBrowser } from "../lib/browser.mjs";
import { decoded, mailTo, waitForMail } from "../lib/mail.mjs";
import { paidOrder } from "../lib/orders.mjs";

const WEB = process.env.E2E_WEB_URL;
const API = process.env.E2E_API_URL;

test("the buyer asks for the tickets email again and a second one arrives", async () => {
  const title = `Late Set ${uniqueWord("resend")}`;
  const event = await publishedEvent(API, await organiserToken(API), {
    title,
    ticketTypes: [{ name: "Free entry", price: 0, capacity: 40 }],
  });
  const email = `${uniqueWord("guest")}@resend.test`;
  await withBrowser("resend-tickets", async (browser) => {
    const page = await newPage(browser);
    await page.goto(`${WEB}/events/${event.id}`);
    await page.getByRole("button", { name: "One more Free entry" }).click();
    await page.getByRole("button", { name: "Hold tickets" }).click();
    await page.waitForURL(/\/holds\//);
    await page.getByLabel("Email").fill(email);
    await page.getByRole("button", { name: "Get my free tickets" }).click();
    await page.waitForURL(/\/orders\//);
    await page.getByRole("heading", { name: "You're going!" }).waitFor();

    const subject = `Your tickets for ${title}`;
    const first = await waitForMail(email, { subject });
    assert.doesNotMatch(decoded(first), /here are your tickets again/);

    await page.getByRole("button", { name: "Email my tickets again" }).click();
    const confirmation = page.getByRole("status").filter({ hasText: "We emailed your 1 ticket again" });
    await confirmation.waitFor();
    assert.match(await confirmation.innerText(), new RegExp(`again to ${email.replace(".", "\\.")}`));

    const second = await waitForMail(email, { subject, nth: 2 });
    const text = decoded(second);
    assert.match(text, /As asked, here are your tickets again\./);
    assert.match(text, /Content-Type: image\/png/);
    assert.match(text, /ticket-1\.png/);
    await screenshots(page, "order-resend-tickets");
  });
});

test("the organiser resends an order's tickets from the orders table", async () => {
  const token = await organiserToken(API);
  const title = `Encore ${uniqueWord("resend")}`;
  const event = await publishedEvent(API, token, {
    title,
    ticketTypes: [{ name: "Balcony", price: 1800, capacity: 40 }],
  });
  const email = `${uniqueWord("guest")}@resend.test`;
  await paidOrder(API, event, event.ticket_types[0], 2, email);
  const subject = `Your tickets for ${title}`;
  await waitForMail(email, { subject });

  await withBrowser("resend-tickets-organiser", async (browser) => {
    const page = await newPage(browser);
    await logIn(page, WEB, ORGANISER, `/organiser/events/${event.id}`);
    const row = page.getByRole("table", { name: "Orders" }).getByRole("row").filter({ hasText: email });
    await reloadUntil(page, () => row.getByRole("button", { name: "Resend tickets email" }).isVisible());
    await row.getByRole("button", { name: "Resend tickets email" }).click();
    await row
      .getByRole("status")
      .filter({ hasText: `The tickets email is on its way to ${email} again, with 2 tickets.` })
      .waitFor();
  });
  const second = decoded(await waitForMail(email, { subject, nth: 2 }));
  assert.match(second, /As asked, here are your tickets again\./);
  assert.match(second, /ticket-2\.png/);
});

test("a signed-in buyer asks again from My tickets until the limit, and is told when to ask next", async () => {
  const title = `Matinee ${uniqueWord("resend")}`;
  const event = await publishedEvent(API, await organiserToken(API), {
    title,
    ticketTypes: [{ name: "Free entry", price: 0, capacity: 40 }],
  });
  const buyer = { email: `${uniqueWord("member")}@resend.test`, password: "correct horse battery staple" };
  await api(API, "POST", "/accounts", { body: { email: buyer.email, name: "Rita Resend", password: buyer.password } });
  const subject = `Your tickets for ${title}`;

  await withBrowser("resend-tickets-mine", async (browser) => {
    const page = await newPage(browser);
    await logIn(page, WEB, buyer, "/account/tickets");
    await page.goto(`${WEB}/events/${event.id}`);
    await page.getByRole("button", { name: "One more Free entry" }).click();
    await page.getByRole("button", { name: "Hold tickets" }).click();
    await page.waitForURL(/\/holds\//);
    await page.getByRole("button", { name: "Get my free tickets" }).click();
    await page.getByRole("heading", { name: "You're going!" }).waitFor();
    await waitForMail(buyer.email, { subject });

    await page.goto(`${WEB}/account/tickets`);
    await reloadUntil(page, () => page.getByRole("link", { name: title }).isVisible());
    const ask = page.getByRole("button", { name: "Email my tickets again" });
    // Three requests an hour, each answered by one more email.
    for (const nth of [2, 3, 4]) {
      await ask.click();
      await waitForMail(buyer.email, { subject, nth });
      await page.getByRole("status").filter({ hasText: `We emailed your 1 ticket again to ${buyer.email}` }).waitFor();
    }
    await ask.click();
    const refusal = page.getByRole("alert").filter({ hasText: "already emailed again several times" });
    await refusal.waitFor();
    assert.match(
      await refusal.innerText(),
      /^These tickets were already emailed again several times\. You can ask again in (an hour|\d+ minutes); meanwhile, check the spam folder\.$/,
    );
    await screenshots(page, "my-tickets-resend-refused");
  });
  // The refused request sent nothing.
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  assert.equal(mailTo(buyer.email).filter((m) => decoded(m).includes(`Subject: ${subject}`)).length, 4);
});
