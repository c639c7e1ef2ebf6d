// At a phone's width (360 and 390 px), a table shows every column: a long event title wraps
// instead of pushing the dashboard's date and status out of view.
import assert from "node:assert/strict";
import { test } from "node:test";

import { api, uniqueWord } from "../lib/api.mjs";
import { ORGANISER, organiserToken } from "../lib/accounts.mjs";
import { assertTableFitsPhones, logIn, newPage, screenshots, withBrowser } from "../lib/browser.mjs";

const WEB = process.env.E2E_WEB_URL;
const API = process.env.E2E_API_URL;

test("a long event title wraps and the dashboard keeps its columns on a phone", async () => {
  const word = uniqueWord("long");
  const title = `The Extraordinarily Long Annual ${word} Philharmonic Midsummer Night Gala of Chamber Music, Song and Supercalifragilisticexpialidocious Dance`;
  const starts = new Date(Date.now() + 40 * 86_400_000);
  starts.setUTCMinutes(0, 0, 0);
  await api(API, "POST", "/organiser/events", {
    token: await organiserToken(API),
    body: {
      title,
      description: "A long evening.",
      venue: { name: "Salle Pleyel", address: "252 rue du Faubourg Saint-Honoré, 75008 Paris" },
      starts_at: starts.toISOString(),
      ends_at: new Date(starts.getTime() + 3 * 3_600_000).toISOString(),
      time_zone: "Europe/Paris",
      currency: "EUR",
    },
  });

  await withBrowser("narrow-tables", async (browser) => {
    const page = await newPage(browser, { width: 390, height: 844 });
    await logIn(page, WEB, ORGANISER, "/organiser");
    const table = page.getByRole("table", { name: "My events" });
    await table.getByRole("link", { name: title }).waitFor();
    await assertTableFitsPhones(page, table);
    const row = table.getByRole("row", { name: new RegExp(word) });
    assert.ok(await row.getByText("Draft", { exact: true }).isVisible());
    await screenshots(page, "organiser-dashboard-long-title");
  });
});
