// The web client's production server: Next.js behind a plain Node HTTP server whose only
// job is to append the TCP peer to X-Forwarded-For, as a proxy must. `next start` keeps a
// client-sent X-Forwarded-For as it is, and the API (which trusts this server's address,
// CARNEAU_TRUSTED_PROXIES) would then rate-limit sign-ins by an address the client chose.
//
// Usage: node server.mjs --port 3000 --hostname 127.0.0.1
import { createServer } from "node:http";
import { parseArgs } from "node:util";

import next from "next";

const { values } = parseArgs({
  options: {
    port: { type: "string", default: "3000" },
    hostname: { type: "string", default: "127.0.0.1" },
  },
});
const port = Number(values.port);
const hostname = values.hostname;

const app = next({ dev: false, dir: import.meta.dirname, hostname, port });
const handle = app.getRequestHandler();
await app.prepare();

createServer((request, response) => {
  // Node reports IPv4 peers of a dual-stack socket as ::ffff:a.b.c.d.
  const peer = (request.socket.remoteAddress ?? "").replace(/^::ffff:/, "");
  const sent = request.headers["x-forwarded-for"];
  request.headers["x-forwarded-for"] = sent ? `${sent}, ${peer}` : peer;
  handle(request, response);
}).listen(port, hostname, () => {
  console.log(`web client on http://${hostname}:${port}`);
});
