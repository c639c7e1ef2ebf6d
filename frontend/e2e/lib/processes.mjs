// Child processes of the e2e harness: started with their output kept in a log file,
// stopped (SIGTERM, then SIGKILL) on teardown, whatever happened before.
import { spawn } from "node:child_process";
import { createWriteStream } from "node:fs";
import { once } from "node:events";
import net from "node:net";

/** A TCP port nobody listens on right now (the kernel's pick). */
export async function freePort() {
  const server = net.createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address();
  server.close();
  await once(server, "close");
  return port;
}

/** Starts `command args` with `env`, its stdout and stderr appended to `logPath`. */
export function start(name, command, args, { env, cwd, logPath }) {
  const log = createWriteStream(logPath, { flags: "a" });
  const child = spawn(command, args, { env: { ...process.env, ...env }, cwd, stdio: ["ignore", "pipe", "pipe"] });
  child.stdout.pipe(log);
  child.stderr.pipe(log);
  const exited = once(child, "exit");
  return {
    name,
    child,
    logPath,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Polls `url` until it answers 2xx; fails early if `proc` exits. */
export async function waitForHttp(url, proc, { attempts = 600 } = {}) {
  for (let i = 0; i < attempts; i += 1) {
    if (proc.child.exitCode !== null) {
      throw new Error(`${proc.name} exited with ${proc.child.exitCode} before answering; see ${proc.logPath}`);
    }
    try {
      const response = await fetch(url);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${proc.name} did not answer ${url}; see ${proc.logPath}`);
}
