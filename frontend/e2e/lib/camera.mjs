// A fake camera for the door scanner: the QR image of a real ticket, read back into its
// code and written as a Y4M video Chromium plays as the camera
// (--use-file-for-fake-video-capture), in a loop.
import { writeFileSync } from "node:fs";
import path from "node:path";

import jsQR from "jsqr";
import { PNG } from "pngjs";

import { eventually } from "./api.mjs";

const WIDTH = 640;
const HEIGHT = 480;
const QR_SIDE = 360;
const FRAMES = 5;

/**
 * The PNG of a ticket's QR code, decoded: `{ width, height, data }` (RGBA). The route
 * finds the ticket in the tickets read model, a moment behind the order's payment.
 */
export async function ticketQr(baseUrl, ticket) {
  return eventually(async () => {
    const response = await fetch(`${baseUrl}${ticket.qr_png_url}`);
    if (!response.ok) throw new Error(`GET ${ticket.qr_png_url} -> ${response.status}`);
    return PNG.sync.read(Buffer.from(await response.arrayBuffer()));
  });
}

/** The code a QR image carries (what a scanner reads, for typing it in by hand). */
export function codeOf(qr) {
  const decoded = jsQR(new Uint8ClampedArray(qr.data), qr.width, qr.height);
  if (!decoded) throw new Error("the ticket's QR image does not decode");
  return decoded.data;
}

/**
 * Writes `qr` drawn 360 px wide on a white 640x480 frame as a Y4M file in the artifacts
 * folder; returns the Chromium flags that make it the camera.
 */
export function cameraShowing(qr, name) {
  const y = Buffer.alloc(WIDTH * HEIGHT, 255);
  const left = (WIDTH - QR_SIDE) / 2;
  const top = (HEIGHT - QR_SIDE) / 2;
  for (let row = 0; row < QR_SIDE; row += 1) {
    const sourceRow = Math.floor((row * qr.height) / QR_SIDE);
    for (let col = 0; col < QR_SIDE; col += 1) {
      const at = (sourceRow * qr.width + Math.floor((col * qr.width) / QR_SIDE)) * 4;
      const luma = Math.round(0.299 * qr.data[at] + 0.587 * qr.data[at + 1] + 0.114 * qr.data[at + 2]);
      y[(top + row) * WIDTH + left + col] = luma;
    }
  }
  const chroma = Buffer.alloc((WIDTH / 2) * (HEIGHT / 2) * 2, 128);
  const frame = Buffer.concat([Buffer.from("FRAME\n"), y, chroma]);
  const header = Buffer.from(`YUV4MPEG2 W${WIDTH} H${HEIGHT} F10:1 Ip A1:1 C420jpeg\n`);
  const file = path.join(process.env.E2E_ARTIFACTS ?? ".", `camera-${name}.y4m`);
  writeFileSync(file, Buffer.concat([header, ...Array(FRAMES).fill(frame)]));
  return ["--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream", `--use-file-for-fake-video-capture=${file}`];
}
