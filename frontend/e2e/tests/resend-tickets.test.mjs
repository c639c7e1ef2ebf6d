// Resending the tickets email: the buyer, on the order page their link opens, asks for
// the tickets again and a second tickets email arrives, with their QR codes.
import assert from "node:assert/strict";
import { test } from "node:test";

import { organiserToken } from "../lib/accounts.mjs";
import { publishedEvent, uniqueWord } from "../lib/api.mjs";
import { newPage, screenshots, withBrowser } from "../lib/browser.mjs";
import { decoded, waitForMail } from "../lib/mail.mjs";

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
