// @switchboard/vite: Switchboard next to `vite dev`.
//
//   import {sveltekit} from "@sveltejs/kit/vite";
//   import {switchboard} from "@switchboard/vite";
//   export default {plugins: [sveltekit(), switchboard({config: "switchboard.ini"})]};
//
// In `vite dev` it uses the switchboard already answering on the configured
// port, or starts one from `binary` with the config file and `args`, prints
// its log lines with a prefix, restarts it when the config file changes, and
// proxies `http.ws-path` (and `proxy` paths) to it, so pages connect to their
// own origin as they will behind a reverse proxy. HMR leaves the server
// alone (another process): a hot-updated component's stores open a new
// socket and the old one closes after the client's grace period, with no
// page reload; a config change restarts the server and pages reconnect by
// themselves, with `since`. `vite build` and `vite preview` get nothing from
// it. No dependencies beyond Node and Vite.

import {spawn} from "node:child_process";
import {existsSync, readFileSync} from "node:fs";
import http from "node:http";
import path from "node:path";

const DEFAULTS = {host: "127.0.0.1", port: 8080, wsPath: "/ws"};

/** Socket errors that only say a browser went away (a closed tab, a reload). */
const GONE = new Set(["EPIPE", "ECONNRESET"]);

/**
 * Drops `error` events that only say a browser went away, before any
 * listener sees them: Vite logs each proxy error with a stack trace, and a
 * tab closing mid-Close (the server's Close echo meets a dead socket) is no
 * error. Anything else still reaches Vite's listeners.
 */
function dropGone(emitter, onDrop = () => {}) {
  const emit = emitter.emit;
  emitter.emit = function (event, err, ...rest) {
    if (event === "error" && GONE.has(err?.code)) {
      onDrop(...rest);
      return true;
    }
    return emit.call(this, event, err, ...rest);
  };
}

/** Vite's `configure` hook of the WebSocket proxy (http-proxy's server). */
export function quietDisconnects(proxy) {
  // (err, req, socket): Vite would end the browser's socket after logging.
  dropGone(proxy, (_req, socket) => socket?.end?.());
  proxy.on("proxyReqWs", (_proxyReq, _req, socket) => dropGone(socket));
}

/** `[http] port`, `host` and `ws-path` from a switchboard INI file (what the plugin needs of it). */
function readIni(file) {
  const out = {};
  if (!file || !existsSync(file)) return out;
  let section = "";
  for (const raw of readFileSync(file, "utf8").split(/\r?\n/)) {
    const line = raw.replace(/^\s+|\s+$/g, "");
    if (!line || line.startsWith(";") || line.startsWith("#")) continue;
    const head = /^\[([^\]]+)\]$/.exec(line);
    if (head) {
      section = head[1].trim();
      continue;
    }
    const eq = line.indexOf("=");
    if (eq < 0 || section !== "http") continue;
    const key = line.slice(0, eq).trim();
    let value = line.slice(eq + 1).trim();
    if (/^".*"$/.test(value)) value = value.slice(1, -1);
    if (key === "port") out.port = Number(value);
    if (key === "host") out.host = value;
    if (key === "ws-path") out.wsPath = value;
  }
  return out;
}

/** A command-line value given in `args` (`--http.port=9000`), if any. */
function argValue(args, name) {
  for (const a of args) if (a.startsWith(`--${name}=`)) return a.slice(name.length + 3);
  return undefined;
}

/** Where the server is and how to run it, from the options, the args and the config file. */
function resolve(options, root) {
  const config = options.config ? path.resolve(root, options.config) : null;
  const args = [...(options.args ?? [])];
  const ini = readIni(config);
  const port = Number(options.port ?? argValue(args, "http.port") ?? ini.port ?? DEFAULTS.port);
  let host = options.host ?? argValue(args, "http.host") ?? ini.host ?? DEFAULTS.host;
  if (host === "0.0.0.0" || host === "::" || host === "") host = "127.0.0.1";
  const wsPath = options.wsPath ?? argValue(args, "http.ws-path") ?? ini.wsPath ?? DEFAULTS.wsPath;
  const argv = [...args];
  if (config) argv.push(`--config-file=${config}`);
  if (options.port != null) argv.push(`--http.port=${options.port}`);
  if (options.host != null) argv.push(`--http.host=${options.host}`);
  const binary = options.binary ?? process.env.SWITCHBOARD_BIN ?? "switchboard";
  return {config, host, port, wsPath, argv, binary, target: `http://${host.includes(":") ? `[${host}]` : host}:${port}`};
}

/** Whether a switchboard answers /healthz at `target`. */
function healthy(target, timeoutMs = 500) {
  return new Promise((done) => {
    const req = http.get(`${target}/healthz`, {timeout: timeoutMs}, (res) => {
      res.resume();
      done(res.statusCode === 200);
    });
    req.on("timeout", () => req.destroy());
    req.on("error", () => done(false));
  });
}

async function waitHealthy(target, runner, child, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (runner.child !== child || child.exitCode !== null || child.signalCode !== null) return false;
    if (await healthy(target, 300)) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

/** Hands each complete line of a stream to `fn`. */
function lines(stream, fn) {
  let rest = "";
  stream.setEncoding("utf8");
  stream.on("data", (chunk) => {
    rest += chunk;
    let nl;
    while ((nl = rest.indexOf("\n")) >= 0) {
      fn(rest.slice(0, nl));
      rest = rest.slice(nl + 1);
    }
  });
  stream.on("end", () => rest && fn(rest));
}

/** The switchboard process this plugin started: start, stop, restart. */
class Runner {
  constructor(where, log, startTimeout) {
    this.where = where;
    this.log = log;
    this.startTimeout = startTimeout;
    this.child = null;
    this.stopping = false;
  }

  async start() {
    const {binary, argv, target} = this.where;
    this.log.info(`starting ${[binary, ...argv].join(" ")}`);
    // SWITCHBOARD_BIN is the plugin's, not an option: the server would warn.
    const {SWITCHBOARD_BIN: _, ...env} = process.env;
    const child = spawn(binary, argv, {stdio: ["ignore", "pipe", "pipe"], env});
    this.child = child;
    lines(child.stdout, (l) => this.log.info(l));
    lines(child.stderr, (l) => this.log.info(l));
    child.on("error", (e) => {
      if (this.child === child) this.child = null; // never started: no exit follows
      this.log.error(e.code === "ENOENT"
        ? `${binary} not found: give the plugin's binary option or SWITCHBOARD_BIN, or start a switchboard on ${target} yourself`
        : `could not start ${binary}: ${e.message}`);
    });
    child.on("exit", (code, signal) => {
      if (this.child === child) this.child = null;
      if (!this.stopping) this.log.error(`exited (${signal ?? `code ${code}`}); save the config file to start it again`);
    });
    if (await waitHealthy(target, this, child, this.startTimeout)) this.log.info(`ready on ${target}`);
    else if (this.child === child) this.log.error(`did not answer ${target}/healthz within ${this.startTimeout} ms`);
  }

  stop() {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
    this.stopping = true;
    return new Promise((done) => {
      const kill = setTimeout(() => child.kill("SIGKILL"), 15000);
      child.once("exit", () => {
        clearTimeout(kill);
        this.stopping = false;
        done();
      });
      child.kill("SIGTERM"); // sockets get 1001 and reconnect with `since`
    });
  }

  async restart() {
    await this.stop();
    await this.start();
  }

  /** Synchronous last resort when Vite's process exits. */
  kill() {
    this.child?.kill("SIGTERM");
  }
}

/**
 * The plugin. Options (all optional):
 * - `binary`: the switchboard executable (default `$SWITCHBOARD_BIN` or `switchboard` on PATH);
 * - `config`: its INI file, relative to Vite's root; watched, a change restarts the server;
 * - `args`: more command-line options (`["--demo.enabled"]`);
 * - `host`, `port`, `wsPath`: where it listens (default: from `args`, then the
 *   config file, then 127.0.0.1, 8080, /ws);
 * - `proxy`: more paths to forward (e.g. `["/api"]`);
 * - `start`: false to never start one (only proxy to a running server);
 * - `startTimeout`: ms to wait for /healthz (default 10000);
 * - `prefix`: the log prefix (default `[switchboard]`).
 */
export function switchboard(options = {}) {
  let where = null;
  let runner = null;
  let dev = false;
  const prefix = options.prefix ?? "[switchboard]";
  const log = (logger) => ({
    info: (m) => logger.info(`${prefix} ${m}`, {timestamp: false}),
    error: (m) => logger.error(`${prefix} ${m}`, {timestamp: false}),
  });

  return {
    name: "switchboard",

    config(config, env) {
      dev = env.command === "serve" && !env.isPreview;
      if (!dev) return undefined; // build and preview: nothing to run or forward
      where = resolve(options, config.root ? path.resolve(config.root) : process.cwd());
      const proxy = {[where.wsPath]: {target: where.target, ws: true, configure: quietDisconnects}};
      for (const p of options.proxy ?? []) proxy[p] = {target: where.target};
      return {server: {proxy}};
    },

    async configureServer(server) {
      if (!dev) return;
      const out = log(server.config.logger);
      if (await healthy(where.target)) {
        out.info(`using the switchboard already running on ${where.target}`);
      } else if (options.start === false) {
        out.error(`nothing answers on ${where.target} (start: false)`);
      } else {
        runner = new Runner(where, out, options.startTimeout ?? 10000);
        await runner.start();
        const stop = () => runner?.kill();
        process.once("exit", stop);
        server.httpServer?.once("close", () => runner?.stop());
      }
      if (where.config) {
        server.watcher.add(where.config);
        let timer = null;
        server.watcher.on("change", (file) => {
          if (path.resolve(file) !== where.config || !runner) return;
          clearTimeout(timer);
          timer = setTimeout(() => {
            out.info(`${path.basename(where.config)} changed: restarting`);
            runner.restart();
          }, 100);
        });
      }
    },

    handleHotUpdate(ctx) {
      // The server's config is no module of the app: no page reload for it.
      if (where?.config && path.resolve(ctx.file) === where.config) return [];
      return undefined;
    },

    async buildEnd() {
      // Vite closes the plugin container when the dev server closes.
      if (runner) await runner.stop();
    },
  };
}

export default switchboard;
