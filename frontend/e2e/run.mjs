#!/usr/bin/env node
// The web client's end-to-end suite. Starts the platforms the tests need, runs
// e2e/tests/*.test.mjs with node's test runner (whose summary CI reads), and tears
// everything down afterwards, also when a test or a start-up fails.
//
// Needs: a built web client (`pnpm build`), the `carneau` binary (CARNEAU_BIN, default
// ../target/debug/carneau), PostgreSQL and Redis up, Chromium (CHROMIUM_PATH, default
// /usr/bin/chromium). scripts/test provides all of them.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readdirSync } from "node:fs";
import { once } from "node:events";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { startMailSink } from "./lib/mail.mjs";
import { freePort } from "./lib/processes.mjs";
import { startStack } from "./lib/stack.mjs";

const e2eDir = path.dirname(fileURLToPath(import.meta.url));
const frontendDir = path.dirname(e2eDir);
const repoDir = path.dirname(frontendDir);
const carneauBin = process.env.CARNEAU_BIN ?? path.join(repoDir, "target/debug/carneau");
const chromium = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const logDir = path.join(e2eDir, "artifacts");
// What the fake SMTP server received, one JSON file per message (e2e/lib/mail.mjs).
const mailDir = path.join(logDir, `mail-${process.pid}`);

// A hold short enough to watch it lapse on the page, long enough to load the page first.
const SHORT_HOLD_SECONDS = "8";

function need(condition, message) {
  if (!condition) {
    console.error(`e2e: ${message}`);
    process.exit(2);
  }
}
need(existsSync(path.join(frontendDir, ".next/BUILD_ID")), "no web client build: run `pnpm build` first");
need(existsSync(carneauBin), `no carneau binary at ${carneauBin}: run \`cargo build -p carneau-api --bin carneau\``);
need(existsSync(chromium), `no Chromium at ${chromium}: apt-get install -y chromium`);
mkdirSync(logDir, { recursive: true });

const stacks = [];
let mailSink;
let stopping = false;
async function teardown() {
  if (stopping) return;
  stopping = true;
  await Promise.all(stacks.map((s) => s.stop()));
  await mailSink?.close();
}
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, async () => {
    await teardown();
    process.exit(130);
  });
}

let exitCode = 1;
try {
  const organiser = { email: "organiser@e2e.test", password: randomBytes(18).toString("base64url") };
  const auditor = { email: "auditor@e2e.test", password: randomBytes(18).toString("base64url") };
  // One ticket secret for every platform, so a test can mint the codes a scanner reads.
  const ticketSecret = randomBytes(24).toString("hex");
  // Every platform mails to one fake SMTP server, which the tests read.
  mailSink = await startMailSink(mailDir);
  const common = {
    frontendDir,
    carneauBin,
    logDir,
    organiser,
    auditor,
    apiEnv: { CARNEAU_TICKET_SECRET: ticketSecret, CARNEAU_SMTP_URL: mailSink.url },
  };
  stacks.push(await startStack({ ...common, name: "main" }));
  stacks.push(await startStack({ ...common, name: "short", apiEnv: { ...common.apiEnv, CARNEAU_HOLD_SECONDS: SHORT_HOLD_SECONDS } }));
  stacks.push(await startStack({ ...common, name: "offline", apiUrlOverride: `http://127.0.0.1:${await freePort()}` }));
  const [main, short, offline] = stacks;

  const only = process.argv.slice(2);
  const files = readdirSync(path.join(e2eDir, "tests"))
    .filter((f) => f.endsWith(".test.mjs"))
    .filter((f) => only.length === 0 || only.some((o) => f.includes(o)))
    .sort()
    .map((f) => path.join(e2eDir, "tests", f));
  // One file at a time: the machine is small and the browser tests share the platforms.
  const runner = spawn(process.execPath, ["--test", "--test-concurrency=1", ...files], {
    stdio: "inherit",
    env: {
      ...process.env,
      E2E_WEB_URL: main.webUrl,
      E2E_API_URL: main.apiUrl,
      E2E_SHORT_WEB_URL: short.webUrl,
      E2E_SHORT_API_URL: short.apiUrl,
      E2E_OFFLINE_WEB_URL: offline.webUrl,
      E2E_CHROMIUM: chromium,
      E2E_ORGANISER_EMAIL: organiser.email,
      E2E_ORGANISER_PASSWORD: organiser.password,
      E2E_AUDITOR_EMAIL: auditor.email,
      E2E_AUDITOR_PASSWORD: auditor.password,
      E2E_TICKET_SECRET: ticketSecret,
      E2E_SCREENSHOTS: path.join(repoDir, "docs/screenshots"),
      E2E_ARTIFACTS: logDir,
      E2E_MAIL_DIR: mailDir,
    },
  });
  const [code] = await once(runner, "exit");
  exitCode = code ?? 1;
} catch (error) {
  console.error(`e2e: ${error.stack ?? error}`);
  console.error(`e2e: server logs are in ${logDir}`);
} finally {
  await teardown();
}
process.exit(exitCode);
