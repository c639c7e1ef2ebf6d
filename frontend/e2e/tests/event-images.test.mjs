// An organiser uploads a poster and a second picture, gives each an alt text, puts the
// second first; buyers then see the new poster on the listing card and both on the
// event page, each with its alt text and every stored width in srcset.
import assert from "node:assert/strict";
import { test } from "node:test";

import { ORGANISER, organiserToken } from "../lib/accounts.mjs";
import { publishedEvent, uniqueWord } from "../lib/api.mjs";
import { logIn, newPage, reloadUntil, screenshots, withBrowser } from "../lib/browser.mjs";

const WEB = process.env.E2E_WEB_URL;
const API = process.env.E2E_API_URL;

/** A PNG drawn by the page's own canvas: a coloured poster with a caption. */
async function drawnPng(page, { width, height, colour, caption }) {
  const base64 = await page.evaluate(
    ({ width, height, colour, caption }) => {
      const canvas = document.createElement("canvas");
      canvas.width = width;
      canvas.height = height;
      const context = canvas.getContext("2d");
      const gradient = context.createLinearGradient(0, 0, width, height);
      gradient.addColorStop(0, colour);
      gradient.addColorStop(1, "#111827");
      context.fillStyle = gradient;
      context.fillRect(0, 0, width, height);
      context.fillStyle = "#ffffff";
      context.font = `bold ${Math.round(height / 8)}px sans-serif`;
      context.fillText(caption, width / 12, height / 2);
      return canvas.toDataURL("image/png").split(",")[1];
    },
    { width, height, colour, caption },
  );
  return Buffer.from(base64, "base64");
}

async function upload(page, { name, buffer, mimeType = "image/png", alt }) {
  await page.getByLabel("Image file").setInputFiles({ name, mimeType, buffer });
  await page.getByLabel("Alt text", { exact: true }).fill(alt);
  await page.getByRole("button", { name: "Upload image" }).click();
}

test("an organiser uploads, describes and reorders images; buyers see the poster on the card and the page", async () => {
  const word = uniqueWord("poster");
  const token = await organiserToken(API);
  const event = await publishedEvent(API, token, {
    title: `Poster ${word} night`,
    ticketTypes: [{ name: "Standing", price: 1500, capacity: 50 }],
  });

  await withBrowser("event-images", async (browser) => {
    const page = await newPage(browser);
    await logIn(page, WEB, ORGANISER, `/organiser/events/${event.id}`);
    const panel = page.locator("#images");
    await panel.getByText("No images yet.").waitFor();
    const images = panel.getByRole("list", { name: "Images" });

    // A file that is not an image is refused with a sentence next to the field.
    await upload(page, { name: "notes.png", buffer: Buffer.from("these are notes, not a picture"), alt: "Notes" });
    await panel.getByText("The file is not a JPEG, PNG or WebP image.").waitFor();
    assert.equal(await page.getByLabel("Image file").getAttribute("aria-invalid"), "true");
    // An image without its alt text is refused too, naming the field.
    const first = await drawnPng(page, { width: 1200, height: 800, colour: "#b91c1c", caption: "SPRING" });
    await page.getByLabel("Image file").setInputFiles({ name: "spring.png", mimeType: "image/png", buffer: first });
    await page.getByLabel("Alt text", { exact: true }).fill("");
    await page.getByRole("button", { name: "Upload image" }).click();
    await panel.getByText(/^The alt text is required/).waitFor();
    await screenshots(page, "organiser-event-images-errors");

    await upload(page, { name: "spring.png", buffer: first, alt: "Red poster reading SPRING" });
    await images.getByRole("listitem").first().waitFor();
    const second = await drawnPng(page, { width: 900, height: 900, colour: "#1d4ed8", caption: "HALL" });
    await upload(page, { name: "hall.png", buffer: second, alt: "The hall" });
    await images.getByRole("listitem").nth(1).waitFor();

    // The second picture's alt text is improved, then it becomes the poster.
    await page.getByLabel("Alt text of image 2").fill("Blue poster reading HALL, the concert hall");
    await page.getByRole("button", { name: "Save alt text" }).nth(1).click();
    await panel.getByText("Saved.").waitFor();
    await page.getByRole("button", { name: "Move image 2 up" }).click();
    await reloadUntil(
      page,
      async () => (await page.getByLabel("Alt text of image 1").inputValue()) === "Blue poster reading HALL, the concert hall",
      { attempts: 20 },
    );
    assert.equal(await page.getByLabel("Alt text of image 2").inputValue(), "Red poster reading SPRING");
    const thumbnail = images.getByRole("img", { name: "Blue poster reading HALL, the concert hall" });
    await thumbnail.waitFor();
    assert.ok(await thumbnail.evaluate((img) => img.complete && img.naturalWidth > 0), "the thumbnail loaded");
    await panel.scrollIntoViewIfNeeded();
    await screenshots(page, "organiser-event-images");

    // Buyers: the listing card shows the new poster, the event page both pictures.
    const buyer = await newPage(browser);
    await buyer.goto(`${WEB}/?q=${encodeURIComponent(word)}`);
    const poster = buyer.getByRole("img", { name: "Blue poster reading HALL, the concert hall" });
    await reloadUntil(buyer, async () => (await poster.count()) === 1);
    const srcset = await poster.getAttribute("srcset");
    assert.match(srcset, /480w/);
    // 900 pixels wide: stored at 480 and its own width, never upscaled to 960.
    assert.match(srcset, /900w/);
    assert.doesNotMatch(srcset, /960w/);
    assert.ok(await poster.getAttribute("sizes"));
    await buyer.waitForFunction(
      (alt) => [...document.images].some((img) => img.alt === alt && img.complete && img.naturalWidth > 0),
      "Blue poster reading HALL, the concert hall",
    );
    await screenshots(buyer, "listing-poster");

    await buyer.goto(`${WEB}/events/${event.id}`);
    const big = buyer.getByRole("img", { name: "Blue poster reading HALL, the concert hall" });
    await big.waitFor();
    const pictures = buyer.getByRole("region", { name: "Pictures" });
    await pictures.getByRole("img", { name: "Red poster reading SPRING" }).waitFor();
    const response = await buyer.request.get(`${WEB}${(await big.getAttribute("src")) ?? ""}`);
    assert.equal(response.status(), 200);
    assert.equal(response.headers()["content-type"], "image/jpeg");
    assert.equal(response.headers()["cache-control"], "public, max-age=31536000, immutable");
    await buyer.waitForFunction(() => [...document.images].every((img) => img.complete && img.naturalWidth > 0));
    await screenshots(buyer, "event-page-images");
  });
});
