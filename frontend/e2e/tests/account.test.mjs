// A buyer changes their password (other browsers are logged out, the new password works)
// and logs out everywhere; a guest's hold opens in another tab.
import assert from "node:assert/strict";
import { test } from "node:test";

import { api, eventually, publishedEvent, uniqueWord } from "../lib/api.mjs";
import { organiserToken } from "../lib/accounts.mjs";
import { newPage, screenshots, withBrowser } from "../lib/browser.mjs";

const WEB = process.env.E2E_WEB_URL;
const API = process.env.E2E_API_URL;

async function logIn(page, email, password) {
  await page.goto(`${WEB}/login?next=%2Faccount`);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Log in" }).click();
}

/** Opens the account page and tells whether it is shown or asks for a login. */
async function accountPage(page) {
  await page.goto(`${WEB}/account`);
  const mine = page.getByRole("heading", { name: "My account" });
  const asked = page.getByRole("heading", { name: "Please log in" });
  await mine.or(asked).waitFor();
  return (await mine.isVisible()) ? "mine" : "asked to log in";
}

test("a buyer changes their password, and logs in with the new one", async () => {
  const word = uniqueWord("pw");
  const email = `${word}@buyer.test`;
  const oldPassword = "the first password";
  const newPassword = "a better password now";
  await api(API, "POST", "/accounts", { body: { email, name: "Paula Password", password: oldPassword } });

  await withBrowser("change-password", async (browser) => {
    const laptop = await newPage(browser);
    const phone = await newPage(browser);
    await logIn(laptop, email, oldPassword);
    await laptop.getByRole("heading", { name: "My account" }).waitFor();
    await logIn(phone, email, oldPassword);
    await phone.getByRole("heading", { name: "My account" }).waitFor();
    await screenshots(laptop, "account");

    // A wrong current password is named on its field.
    await laptop.getByLabel("Current password").fill("not my password");
    await laptop.getByLabel("New password").fill(newPassword);
    await laptop.getByRole("button", { name: "Change password" }).click();
    await laptop.getByText("is not your current password").waitFor();
    assert.equal(await laptop.getByLabel("Current password").getAttribute("aria-invalid"), "true");

    // A new password that is too short is named on its own field.
    await laptop.getByLabel("Current password").fill(oldPassword);
    await laptop.getByLabel("New password").fill("short");
    await laptop.getByRole("button", { name: "Change password" }).click();
    await laptop.getByText("must be 10 to 128 characters").waitFor();
    assert.equal(await laptop.getByLabel("New password").getAttribute("aria-invalid"), "true");

    await laptop.getByLabel("New password").fill(newPassword);
    await laptop.getByRole("button", { name: "Change password" }).click();
    await laptop.getByText("Your password was changed").waitFor();
    await laptop.getByText("Every other browser and device using your account was logged out").waitFor();

    // This browser stays logged in; the other one was logged out.
    assert.equal(await accountPage(laptop), "mine");
    assert.equal(await accountPage(phone), "asked to log in");

    // The old password no longer works, the new one does.
    await logIn(phone, email, oldPassword);
    await phone.getByText("The email or the password is not right.").waitFor();
    await logIn(phone, email, newPassword);
    await phone.getByRole("heading", { name: "My account" }).waitFor();
  });
});

test("logging out everywhere ends the account's session in another browser", async () => {
  const email = `${uniqueWord("everywhere")}@buyer.test`;
  const password = "logged in twice over";
  await api(API, "POST", "/accounts", { body: { email, name: "Eve Where", password } });

  await withBrowser("log-out-everywhere", async (browser) => {
    const here = await newPage(browser);
    const elsewhere = await newPage(browser);
    await logIn(here, email, password);
    await here.getByRole("heading", { name: "My account" }).waitFor();
    await logIn(elsewhere, email, password);
    await elsewhere.getByRole("heading", { name: "My account" }).waitFor();

    await here.getByRole("button", { name: "Log out everywhere" }).click();
    // It asks first; keyboard works as well as a click.
    await here.getByRole("button", { name: "Yes, log out everywhere" }).focus();
    await here.keyboard.press("Enter");
    await here.waitForURL(/\/login/);

    assert.equal(await accountPage(elsewhere), "asked to log in");
    assert.equal(await accountPage(here), "asked to log in");
  });
});

test("a guest's hold opens in another tab, and giving it back there ends it in both", async () => {
  const event = await publishedEvent(API, await organiserToken(API), {
    title: `Two Tabs ${uniqueWord("tabs")}`,
    ticketTypes: [{ name: "Standing", price: 2500, capacity: 10 }],
  });

  await withBrowser("hold-any-tab", async (browser) => {
    const first = await newPage(browser);
    await first.goto(`${WEB}/events/${event.id}`);
    await first.getByRole("button", { name: "One more Standing" }).click();
    await first.getByRole("button", { name: "Hold tickets" }).click();
    await first.waitForURL(/\/holds\//);
    await first.getByRole("timer").waitFor();
    const holdUrl = first.url();
    const reservationId = holdUrl.split("/holds/")[1];

    // The same browser, a new tab: the hold is there.
    const second = await first.context().newPage();
    await second.goto(holdUrl);
    await second.getByRole("timer").waitFor();
    assert.match(await second.getByRole("list", { name: "Held tickets" }).innerText(), /1 × Standing/);

    // Given back in the second tab: the token is gone, and the first tab says what happened.
    await second.getByRole("button", { name: "Release my tickets" }).click();
    await second.waitForURL(`${WEB}/events/${event.id}`);
    const stored = await second.evaluate((id) => localStorage.getItem(`carneau:hold:${id}`), reservationId);
    assert.ok(stored && !JSON.parse(stored).token, "the token is removed when the hold ends");
    await first.reload();
    await first.getByRole("heading", { name: "You gave these tickets back" }).waitFor();
  });

  // Nothing is held any more (the public figures follow the log a moment later).
  await eventually(async () => {
    const detail = await api(API, "GET", `/events/${event.id}`);
    return detail.ticket_types[0].availability.held === 0;
  });
});

test("a buyer whose email is not confirmed learns why it matters and gets the link again", async () => {
  const word = uniqueWord("verify");
  const email = `${word}@buyer.test`;
  const password = "a long enough password";
  await api(API, "POST", "/accounts", { body: { email, name: "Vera Verify", password } });

  await withBrowser("verify-email", async (browser) => {
    const page = await newPage(browser);
    await logIn(page, email, password);
    await page.getByRole("heading", { name: "My account" }).waitFor();
    const panel = page.getByRole("group", { name: "Confirm your email" });
    await panel.getByText("appear in My tickets only after that").waitFor();
    await panel.getByRole("button", { name: "Send the link again" }).click();
    await panel.getByText(`A new link is on its way to ${email}.`).waitFor();
    await screenshots(page, "account-verify-email");

    await page.goto(`${WEB}/account/tickets`);
    await page.getByText("Bought tickets as a guest with your email?").waitFor();
  });
});
