// A fake SMTP server for the browser tests, and how a test reads what it received.
//
// run.mjs starts one sink and points every API at it (CARNEAU_SMTP_URL); the sink writes
// each message as a JSON file ({from, to, data}) into a directory the tests read
// (E2E_MAIL_DIR), since the tests run in another process.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import net from "node:net";
import path from "node:path";

/** Starts the sink on a free local port; answers its smtp:// URL and a close(). */
export async function startMailSink(dir) {
  mkdirSync(dir, { recursive: true });
  let count = 0;
  const server = net.createServer((socket) => {
    let buffer = "";
    let inData = false;
    let data = [];
    let from = "";
    let to = [];
    const reply = (line) => socket.write(`${line}\r\n`);
    reply("220 carneau-e2e-sink ESMTP");
    socket.on("data", (chunk) => {
      buffer += chunk.toString("utf8");
      let end;
      while ((end = buffer.indexOf("\r\n")) >= 0) {
        const line = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        if (inData) {
          if (line === ".") {
            inData = false;
            count += 1;
            const file = path.join(dir, `${Date.now()}-${String(count).padStart(5, "0")}.json`);
            writeFileSync(file, JSON.stringify({ from, to, data: data.join("\r\n") }));
            data = [];
            to = [];
            reply("250 OK queued");
          } else {
            data.push(line.startsWith(".") ? line.slice(1) : line);
          }
          continue;
        }
        const verb = line.split(" ")[0].toUpperCase();
        const address = () => (line.match(/<([^>]*)>/) ?? [])[1] ?? "";
        if (verb === "EHLO") reply("250-carneau-e2e-sink\r\n250 8BITMIME");
        else if (verb === "HELO" || verb === "NOOP" || verb === "RSET") reply("250 OK");
        else if (verb === "MAIL") {
          from = address();
          reply("250 OK");
        } else if (verb === "RCPT") {
          to.push(address());
          reply("250 OK");
        } else if (verb === "DATA") {
          inData = true;
          reply("354 end with <CRLF>.<CRLF>");
        } else if (verb === "QUIT") {
          reply("221 bye");
          socket.end();
        } else reply("502 command not implemented");
      }
    });
    socket.on("error", () => {});
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address();
  return { url: `smtp://127.0.0.1:${port}`, close: () => new Promise((resolve) => server.close(resolve)) };
}

/** Every message the sink received for `address`, oldest first. */
export function mailTo(address, dir = process.env.E2E_MAIL_DIR ?? "") {
  return readdirSync(dir)
    .filter((f) => f.endsWith(".json"))
    .sort()
    .map((f) => JSON.parse(readFileSync(path.join(dir, f), "utf8")))
    .filter((m) => m.to.includes(address));
}

/** A message's text with quoted-printable soft line breaks and `=3D` undone. */
export function decoded(message) {
  return message.data.replace(/=\r\n/g, "").replace(/=3D/g, "=");
}

/**
 * Waits (up to `timeoutMs`) for the `nth` (1-based) message to `address` whose subject is
 * `subject` (any subject when left out).
 */
export async function waitForMail(address, { subject, nth = 1, timeoutMs = 15_000 } = {}) {
  const deadline = Date.now() + timeoutMs;
  const wanted = (m) => subject === undefined || decoded(m).includes(`\r\nSubject: ${subject}\r\n`);
  for (;;) {
    const messages = mailTo(address).filter(wanted);
    if (messages.length >= nth) return messages[nth - 1];
    if (Date.now() > deadline) throw new Error(`no message ${nth} to ${address} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
