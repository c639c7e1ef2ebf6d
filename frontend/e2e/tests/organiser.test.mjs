// An organiser creates an event in the dashboard, adds a ticket type, publishes it, and
// buyers then find it in the listing.
import assert from "node:assert/strict";
import { test } from "node:test";

import { uniqueWord } from "../lib/api.mjs";
import { ORGANISER } from "../lib/accounts.mjs";
import { newPage, reloadUntil, screenshots, withBrowser } from "../lib/browser.mjs";

const WEB = process.env.E2E_WEB_URL;

test("an organiser creates and publishes an event that then appears in the listing", async () => {
  const word = uniqueWord("gala");
  const title = `Spring ${word} Gala`;
  await withBrowser("organiser", async (browser) => {
    const page = await newPage(browser);

    // The dashboard asks for a login, and comes back after it.
    await page.goto(`${WEB}/organiser`);
    await page.getByRole("link", { name: "Log in" }).last().click();
    await page.getByLabel("Email").fill(ORGANISER.email);
    await page.getByLabel("Password").fill(ORGANISER.password);
    await page.getByRole("button", { name: "Log in" }).click();
    await page.getByRole("heading", { name: "My events" }).waitFor();
    await screenshots(page, "organiser-dashboard");

    // A new draft, with its times typed in the event's own zone.
    await page.getByRole("link", { name: "New event" }).click();
    await page.getByLabel("Title").fill(title);
    await page.getByLabel("Description").fill("A night of chamber music under the glass roof.");
    await page.getByLabel("Venue", { exact: true }).fill("Le Grand Palais");
    await page.getByLabel("Venue address").fill("3 avenue du Général Eisenhower, Paris");
    await page.getByLabel("Time zone").selectOption("Europe/Paris");
    // A date already past is refused, said next to its field.
    await page.getByLabel("Starts (local time)").fill("2020-05-01T20:00");
    await page.getByLabel("Ends (local time)").fill("2020-05-01T23:30");
    await page.getByRole("button", { name: "Create draft" }).click();
    await page.getByText("The event must start in the future.").waitFor();
    assert.equal(await page.getByLabel("Starts (local time)").getAttribute("aria-invalid"), "true");
    await screenshots(page, "organiser-past-event");
    await page.getByLabel("Starts (local time)").fill("2027-05-01T20:00");
    await page.getByLabel("Ends (local time)").fill("2027-05-01T23:30");
    await screenshots(page, "organiser-new-event");
    await page.getByRole("button", { name: "Create draft" }).click();
    await page.waitForURL(/\/organiser\/events\/[0-9a-f-]{36}$/);
    await page.getByText("Draft", { exact: true }).waitFor();

    // A ticket type, then publish. A price with more decimals than the euro has is
    // refused, never rounded to a free ticket; an absurd one is refused by the API.
    await page.getByLabel("Ticket type name").fill("General admission");
    await page.getByLabel("Capacity").fill("120");
    await page.getByLabel("Price (EUR)").fill("0.001");
    await page.getByRole("button", { name: "Add ticket type" }).click();
    await page.getByText("Prices in EUR have at most 2 decimals: 0.001 is not a price you can charge.").waitFor();
    await screenshots(page, "organiser-price-decimals");
    await page.getByLabel("Price (EUR)").fill("1000000000000000");
    await page.getByRole("button", { name: "Add ticket type" }).click();
    await page.getByText("A ticket price can be at most 100000.00 EUR.").waitFor();
    assert.equal(await page.getByRole("table", { name: "Ticket types" }).getByRole("row", { name: /General admission/ }).count(), 0);
    await page.getByLabel("Price (EUR)").fill("19.50");
    await page.getByRole("button", { name: "Add ticket type" }).click();
    const row = page.getByRole("table", { name: "Ticket types" }).getByRole("row", { name: /General admission/ });
    await row.waitFor();
    assert.match(await row.innerText(), /€19\.50/);
    assert.match(await row.innerText(), /120/);
    await page.getByRole("button", { name: "Publish" }).click();
    await page.getByText("On sale", { exact: true }).waitFor();

    // Door access goes to an existing account by its email; an unknown one is refused.
    await page.getByLabel("Email of the door staff's account").fill("nobody@e2e.test");
    await page.getByRole("button", { name: "Give door access" }).click();
    await page.getByText("No account has this email; the person must register first.").waitFor();
    await page.getByLabel("Email of the door staff's account").fill(ORGANISER.email);
    await page.getByRole("button", { name: "Give door access" }).click();
    await page.getByText(`${ORGANISER.email} can now check tickets in at the door.`).waitFor();
    await screenshots(page, "organiser-event");

    // Buyers find it (the listing follows the log a moment later).
    await page.goto(`${WEB}/?q=${word}`);
    const link = page.getByRole("link", { name: title });
    await reloadUntil(page, () => link.isVisible());
    await link.click();
    await page.getByRole("heading", { level: 1, name: title }).waitFor();
    // 20:00 in Paris in May is summer time.
    await page.getByText("Sat, 1 May 2027, 20:00 CEST").waitFor();
    await page.locator('[data-ticket-type="General admission"]').getByText("€19.50").waitFor();
  });
});
