// Starts and stops the processes the browser tests need: the switchboard
// binary, a private redis-server, a static file server. Every child is
// stopped by its own pid when the test process exits.
import {spawn, execFileSync} from "node:child_process";
import {createServer} from "node:http";
import net from "node:net";
import {readFile, stat} from "node:fs/promises";
import path from "node:path";
import {fileURLToPath} from "node:url";

export const WEB_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const REPO_ROOT = path.resolve(WEB_ROOT, "..");
export const SWITCHBOARD_BIN = process.env.SWITCHBOARD_BIN || path.join(REPO_ROOT, "build/switchboard");
export const REDIS_BIN = process.env.REDIS_SERVER || "/usr/bin/redis-server";
export const OUTPUT_DIR = path.join(WEB_ROOT, "test-output");

const children = new Set();
process.on("exit", () => {
  for (const child of children) {
    try {
      child.kill("SIGKILL");
    } catch {
      // already gone
    }
  }
});

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** A TCP port nobody listens on right now. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const {port} = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

function canConnect(port) {
  return new Promise((resolve) => {
    const s = net.connect({port, host: "127.0.0.1"});
    s.once("connect", () => {
      s.destroy();
      resolve(true);
    });
    s.once("error", () => resolve(false));
  });
}

async function waitFor(what, fn, timeoutMs = 15000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await fn()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

function track(child, name) {
  children.add(child);
  let output = "";
  const keep = (chunk) => {
    output += chunk;
    if (output.length > 200_000) output = output.slice(-100_000);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  const exited = new Promise((resolve) => {
    child.on("exit", (code, signal) => {
      children.delete(child);
      resolve({code, signal});
    });
  });
  return {
    name,
    pid: child.pid,
    exited,
    get output() {
      return output;
    },
    /** Sends `signal` to this child and waits for it to exit. */
    async stop(signal = "SIGTERM", timeoutMs = 15000) {
      if (child.exitCode !== null || child.signalCode !== null) return exited;
      child.kill(signal);
      const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
      const result = await exited;
      clearTimeout(timer);
      return result;
    },
  };
}

let optionsCache = null;
/** Option names the switchboard binary knows (from --help). */
export function switchboardOptions() {
  if (optionsCache) return optionsCache;
  let text = "";
  try {
    text = execFileSync(SWITCHBOARD_BIN, ["--help"], {encoding: "utf8", stdio: ["ignore", "pipe", "pipe"]});
  } catch (e) {
    text = `${e.stdout ?? ""}${e.stderr ?? ""}`;
  }
  optionsCache = new Set([...text.matchAll(/--([a-z][a-z0-9.-]*)/g)].map((m) => m[1]));
  return optionsCache;
}

/**
 * Starts switchboard on `port` (a free one by default) serving this web/
 * folder, with the rate limit off. Resolves once /healthz answers.
 */
export async function startSwitchboard({port, args = []} = {}) {
  port ??= await freePort();
  const argv = [
    `--http.port=${port}`,
    `--http.web-root=${WEB_ROOT}`,
    "--limits.commands-per-second=0",
    "--log.level=warning",
    ...args,
  ];
  const child = spawn(SWITCHBOARD_BIN, argv, {stdio: ["ignore", "pipe", "pipe"]});
  const proc = track(child, "switchboard");
  const base = `http://127.0.0.1:${port}`;
  let early = null;
  proc.exited.then((r) => (early = r));
  await waitFor(`switchboard on port ${port}`, async () => {
    if (early) throw new Error(`switchboard exited early (${JSON.stringify(early)}):\n${proc.output}`);
    try {
      const res = await fetch(`${base}/healthz`);
      return res.ok;
    } catch {
      return false;
    }
  });
  return Object.assign(proc, {port, base, argv});
}

/**
 * Starts `command args` in `cwd` with `env` added, and resolves once `readyUrl`
 * answers (any HTTP status). Its output is kept (`.output`).
 */
export async function startProcess({name, command, args = [], cwd, env = {}, readyUrl, timeoutMs = 60000}) {
  const child = spawn(command, args, {cwd, env: {...process.env, ...env}, stdio: ["ignore", "pipe", "pipe"]});
  const proc = track(child, name);
  let early = null;
  proc.exited.then((r) => (early = r));
  await waitFor(`${name} at ${readyUrl}`, async () => {
    if (early) throw new Error(`${name} exited early (${JSON.stringify(early)}):\n${proc.output}`);
    try {
      await fetch(readyUrl, {redirect: "manual"});
      return true;
    } catch {
      return false;
    }
  }, timeoutMs);
  return proc;
}

/** The value of an unlabelled metric at `base`/metrics (NaN when absent). */
export async function metric(base, name) {
  const text = await (await fetch(`${base}/metrics`)).text();
  const m = new RegExp(`^switchboard_${name} (\\S+)$`, "m").exec(text);
  return m ? Number(m[1]) : NaN;
}

/** A throwaway redis-server (no persistence) on a free port. */
export async function startRedis() {
  const port = await freePort();
  const child = spawn(REDIS_BIN, ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  const proc = track(child, "redis-server");
  await waitFor(`redis-server on port ${port}`, () => canConnect(port));
  return Object.assign(proc, {port, url: `redis://127.0.0.1:${port}`});
}

const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".json": "application/json",
  ".png": "image/png",
  ".ico": "image/x-icon",
};

/** Serves a folder (a built single-page app) on a free port. */
export async function serveStatic(root) {
  const server = createServer(async (req, res) => {
    const url = new URL(req.url, "http://x");
    let file = path.normalize(path.join(root, decodeURIComponent(url.pathname)));
    if (!file.startsWith(path.resolve(root))) {
      res.writeHead(403).end();
      return;
    }
    try {
      if ((await stat(file)).isDirectory()) file = path.join(file, "index.html");
      const body = await readFile(file);
      res.writeHead(200, {"Content-Type": TYPES[path.extname(file)] ?? "application/octet-stream"}).end(body);
    } catch {
      res.writeHead(404, {"Content-Type": "text/plain"}).end("not found");
    }
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const {port} = server.address();
  return {
    port,
    base: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

/** A unique stream name per test, so tests never see each other's history. */
export function uniqueStream(label) {
  return `stream:e2e-${label}-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
}
