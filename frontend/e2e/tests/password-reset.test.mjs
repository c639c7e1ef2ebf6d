// "Forgot password?": a buyer asks for a link on the sign-in page, opens it from the
// email the fake SMTP server received, is told a too-short password names its field,
// sets a new one, is logged out elsewhere, and logs in with it; the used link then says so.
import assert from "node:assert/strict";
import { test } from "node:test";

import { api, uniqueWord } from "../lib/api.mjs";
import { logIn, newPage, screenshots, withBrowser } from "../lib/browser.mjs";
import { decoded, mailTo, waitForMail } from "../lib/mail.mjs";

const WEB = process.env.E2E_WEB_URL;
const API = process.env.E2E_API_URL;

test("a buyer who forgot their password sets a new one from the emailed link", async () => {
  const email = `${uniqueWord("forgot")}@buyer.test`;
  const oldPassword = "the password I forgot";
  const newPassword = "a password I will remember";
  await api(API, "POST", "/accounts", { body: { email, name: "Fern Forgot", password: oldPassword } });

  await withBrowser("password-reset", async (browser) => {
    // Another device still signed in with the old password.
    const phone = await newPage(browser);
    await logIn(phone, WEB, { email, password: oldPassword }, "/account");
    await phone.getByRole("heading", { name: "My account" }).waitFor();

    const page = await newPage(browser);
    await page.goto(`${WEB}/login`);
    await page.getByRole("link", { name: "Forgot password?" }).waitFor();
    await screenshots(page, "login");
    await page.getByRole("link", { name: "Forgot password?" }).click();
    await page.waitForURL(`${WEB}/forgot-password`);
    await page.getByText("Forgot your password?").waitFor();
    await screenshots(page, "forgot-password");

    // A malformed email is named on its field.
    await page.getByLabel("Email").fill("not an email");
    await page.getByRole("button", { name: "Send me a link" }).click();
    await page.getByText("must be an email address like name@example.com").waitFor();
    assert.equal(await page.getByLabel("Email").getAttribute("aria-invalid"), "true");

    await page.getByLabel("Email").fill(email);
    await page.getByRole("button", { name: "Send me a link" }).click();
    await page.getByRole("heading", { name: "Check your email" }).waitFor();
    await page.getByText(`If an account exists for ${email}, we sent it a link`).waitFor();
    await screenshots(page, "forgot-password-sent");

    // The email: a text and an HTML part, each with the link to this web client.
    const mail = decoded(await waitForMail(email, { subject: "Set a new password" }));
    assert.match(mail, /Subject: Set a new password/);
    assert.match(mail, /Content-Type: text\/plain/);
    assert.match(mail, /Content-Type: text\/html/);
    const links = [...mail.matchAll(/https?:\/\/[^\s"<]+\/reset-password\?token=[A-Za-z0-9_-]+/g)].map((m) => m[0]);
    assert.ok(links.length >= 2, mail);
    assert.ok(links.every((l) => l === links[0] && l.startsWith(`${WEB}/reset-password?token=`)), links.join("\n"));

    await page.goto(links[0]);
    await page.getByText("Choose a new password").waitFor();
    await screenshots(page, "reset-password");

    // Too short: the field says so, and the link still works afterwards.
    await page.getByLabel("New password").fill("short");
    await page.getByRole("button", { name: "Set new password" }).click();
    await page.getByText("The new password must be 10 to 128 characters.").waitFor();
    assert.equal(await page.getByLabel("New password").getAttribute("aria-invalid"), "true");
    await screenshots(page, "reset-password-weak");

    await page.getByLabel("New password").fill(newPassword);
    await page.getByRole("button", { name: "Set new password" }).click();
    await page.getByRole("heading", { name: "Your new password is set" }).waitFor();
    await screenshots(page, "reset-password-done");

    // The other device was logged out.
    await phone.goto(`${WEB}/account`);
    await phone.getByRole("heading", { name: "Please log in" }).waitFor();

    // The old password is gone; the new one signs in.
    await page.locator("[data-state]").getByRole("link", { name: "Log in" }).click();
    await page.waitForURL(/\/login/);
    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Password").fill(oldPassword);
    await page.getByRole("button", { name: "Log in" }).click();
    await page.getByText("The email or the password is not right.").waitFor();
    await page.getByLabel("Password").fill(newPassword);
    await page.getByRole("button", { name: "Log in" }).click();
    await page.waitForURL(`${WEB}/account/tickets`);

    // The link worked once.
    await page.goto(links[0]);
    await page.getByLabel("New password").fill("yet another password");
    await page.getByRole("button", { name: "Set new password" }).click();
    await page.getByRole("heading", { name: "This link was used already" }).waitFor();
    await page.getByRole("link", { name: "Send me a new link" }).waitFor();
    await screenshots(page, "reset-password-used");
    assert.equal(mailTo(email).filter((m) => decoded(m).includes("Subject: Set a new password")).length, 1);
  });
});
