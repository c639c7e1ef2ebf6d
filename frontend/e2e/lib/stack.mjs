// One platform for the browser tests: a fresh PostgreSQL database and Redis prefix, the
// `carneau` API on a free port, and the built web client on another, pointed at it.
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import path from "node:path";

import { freePort, start, waitForHttp } from "./processes.mjs";

const PG_URL = process.env.CARNEAU_E2E_PG ?? "postgres://postgres@127.0.0.1:5432";
const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";

function psql(sql) {
  execFileSync("psql", [`${PG_URL}/postgres`, "-v", "ON_ERROR_STOP=1", "-qc", sql], { stdio: "pipe" });
}

function deleteRedisPrefix(prefix) {
  const keys = execFileSync("redis-cli", ["-u", REDIS_URL, "--scan", "--pattern", `${prefix}*`], { encoding: "utf8" })
    .split("\n")
    .filter(Boolean);
  for (let i = 0; i < keys.length; i += 500) {
    execFileSync("redis-cli", ["-u", REDIS_URL, "del", ...keys.slice(i, i + 500)], { stdio: "pipe" });
  }
}

/**
 * Starts an API and a web client. `apiEnv` adds settings (e.g. a short hold);
 * `apiUrlOverride` points the web client at an address where no API listens (the
 * offline screens). Returns the URLs and a stop() that removes everything it made.
 */
export async function startStack({ name, frontendDir, carneauBin, logDir, apiEnv = {}, apiUrlOverride, organiser, auditor }) {
  const id = `${name}_${randomBytes(4).toString("hex")}`;
  const database = `carneau_e2e_${id}`;
  const redisPrefix = `carneau-e2e:${id}:`;
  const stoppers = [];
  const stop = async () => {
    for (const s of stoppers.reverse()) {
      try {
        await s();
      } catch (error) {
        console.error(`# teardown of ${name}: ${error.message}`);
      }
    }
  };
  try {
    const webPort = await freePort();
    const webUrl = `http://127.0.0.1:${webPort}`;
    let apiUrl = apiUrlOverride;
    if (!apiUrl) {
      const apiPort = await freePort();
      apiUrl = `http://127.0.0.1:${apiPort}`;
      stoppers.push(async () => {
        psql(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
        deleteRedisPrefix(redisPrefix);
      });
      const env = {
          DATABASE_URL: `${PG_URL}/${database}`,
          REDIS_URL,
          CARNEAU_BIND: `127.0.0.1:${apiPort}`,
          CARNEAU_REDIS_PREFIX: redisPrefix,
          CARNEAU_LOG_FORMAT: "json",
          CARNEAU_TOKEN_SECRET: randomBytes(24).toString("hex"),
          CARNEAU_TRUSTED_PROXIES: "127.0.0.1",
          // Checkout comes back to this web client; the simulated provider's page is
          // reached through its proxy.
          CARNEAU_PUBLIC_URL: webUrl,
          CARNEAU_API_PUBLIC_URL: `${webUrl}/api`,
          RUST_LOG: "info",
          // The tests sign in and register more often than a person would.
          CARNEAU_LOGIN_LIMIT_PER_ADDRESS: "1000/60",
          CARNEAU_LOGIN_LIMIT_PER_EMAIL: "1000/60",
          CARNEAU_REGISTRATION_LIMIT_PER_ADDRESS: "1000/60",
          CARNEAU_RESET_LIMIT_PER_ADDRESS: "1000/60",
          CARNEAU_CODE_LIMIT_PER_ADDRESS: "1000/60",
          ...apiEnv,
      };
      const api = start(`${name} API`, carneauBin, ["serve"], { logPath: path.join(logDir, `${name}-api.log`), env });
      stoppers.push(() => api.stop());
      await waitForHttp(`${apiUrl}/readyz`, api);
      // The accounts the tests sign in as, made the way an operator makes them.
      const accounts = [
        [organiser, "E2E Organiser", "organiser"],
        [auditor, "E2E Auditor", "auditor"],
      ];
      for (const [account, fullName, role] of accounts) {
        if (!account) continue;
        execFileSync(carneauBin, ["accounts", "create", "--email", account.email, "--name", fullName, "--role", role], {
          env: { ...process.env, ...env, CARNEAU_NEW_ACCOUNT_PASSWORD: account.password },
          stdio: "pipe",
        });
      }
    }
    const web = start(
      `${name} web`,
      process.execPath,
      [path.join(frontendDir, "server.mjs"), "--port", String(webPort), "--hostname", "127.0.0.1"],
      {
        cwd: frontendDir,
        logPath: path.join(logDir, `${name}-web.log`),
        env: { CARNEAU_API_URL: apiUrl, NEXT_TELEMETRY_DISABLED: "1", NODE_ENV: "production" },
      },
    );
    stoppers.push(() => web.stop());
    await waitForHttp(`${webUrl}/login`, web);
    return { name, apiUrl, webUrl, database, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
