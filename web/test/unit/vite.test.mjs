// @switchboard/vite without Vite: the config it adds (proxy from the INI
// file, nothing for build and preview), browsers going away not logged as
// proxy errors, no reload for its config file, and
// the server it runs (a stand-in binary): prefixed logs, a restart when the
// config file changes, a stop with Vite, and a server already running used
// as is.
import {test} from "node:test";
import assert from "node:assert/strict";
import {EventEmitter} from "node:events";
import {existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from "node:fs";
import net from "node:net";
import {tmpdir} from "node:os";
import path from "node:path";
import {fileURLToPath} from "node:url";
import * as pluginModule from "../../vite/index.js";
import {quietDisconnects, switchboard} from "../../vite/index.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const dir = path.resolve(here, "../../vite");
const FAKE = path.join(here, "fixtures/fake-switchboard.mjs");

function freePort() {
  return new Promise((resolve) => {
    const srv = net.createServer().listen(0, "127.0.0.1", () => {
      const {port} = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

function tempIni(text) {
  const root = mkdtempSync(path.join(tmpdir(), "sbvite-"));
  writeFileSync(path.join(root, "switchboard.ini"), text);
  return root;
}

/** Just enough of a Vite dev server for configureServer(). */
function fakeServer() {
  const lines = [];
  const watcher = Object.assign(new EventEmitter(), {watched: [], add(f) { this.watched.push(f); }});
  const logger = {info: (m) => lines.push(m), error: (m) => lines.push(m)};
  return {lines, watcher, config: {logger}, httpServer: new EventEmitter()};
}

async function until(what, fn, ms = 10000) {
  const deadline = Date.now() + ms;
  while (!(await fn())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const up = (port) => fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.ok, () => false);

test("package.json is an npm-packable ES module with types, README and LICENSE", () => {
  const pkg = JSON.parse(readFileSync(path.join(dir, "package.json"), "utf8"));
  assert.equal(pkg.name, "@switchboard/vite");
  assert.equal(pkg.type, "module");
  assert.deepEqual(pkg.exports["."], {types: "./index.d.ts", import: "./index.js", default: "./index.js"});
  for (const f of ["index.js", "index.d.ts", "README.md", "LICENSE"]) {
    assert.ok(pkg.files.includes(f), f);
    assert.ok(existsSync(path.join(dir, f)), f);
  }
  assert.deepEqual(pkg.dependencies ?? {}, {}, "Node and Vite only");
  const dts = readFileSync(path.join(dir, "index.d.ts"), "utf8");
  const declared = [...dts.matchAll(/^export declare function (\w+)/gm)].map((m) => m[1]);
  assert.deepEqual(declared.concat("default").sort(), Object.keys(pluginModule).sort());
});

test("vite dev gets a proxy for the config file's ws-path and port", () => {
  const root = tempIni("[http]\nport = 9123\nws-path = \"/socket\"\n[auth]\nsecret = x\n");
  const plugin = switchboard({config: "switchboard.ini", proxy: ["/api"]});
  const added = plugin.config({root}, {command: "serve"});
  assert.deepEqual(added, {server: {proxy: {
    "/socket": {target: "http://127.0.0.1:9123", ws: true, configure: quietDisconnects},
    "/api": {target: "http://127.0.0.1:9123"},
  }}});
  // Options beat the file.
  const explicit = switchboard({config: "switchboard.ini", port: 9200, wsPath: "/ws2"}).config({root}, {command: "serve"});
  assert.deepEqual(explicit.server.proxy, {"/ws2": {target: "http://127.0.0.1:9200", ws: true, configure: quietDisconnects}});
  rmSync(root, {recursive: true});
});

test("a browser going away is no proxy error; other errors still reach Vite", () => {
  const proxy = new EventEmitter();
  quietDisconnects(proxy); // Vite calls configure before adding its listeners
  const logged = [];
  proxy.on("error", (err) => logged.push(`proxy ${err.code}`));
  const gone = (code) => Object.assign(new Error(code), {code});
  let ended = 0;
  proxy.emit("error", gone("EPIPE"), {}, {end: () => ++ended});
  proxy.emit("error", gone("ECONNREFUSED"), {}, {end: () => {}});
  // The browser's socket of a proxied upgrade.
  const socket = new EventEmitter();
  proxy.emit("proxyReqWs", {}, {}, socket, {});
  socket.on("error", (err) => logged.push(`socket ${err.code}`));
  socket.emit("error", gone("ECONNRESET"));
  socket.emit("error", gone("ETIMEDOUT"));
  assert.deepEqual(logged, ["proxy ECONNREFUSED", "socket ETIMEDOUT"]);
  assert.equal(ended, 1, "the dead socket is still ended");
});

test("vite build and vite preview get nothing", async () => {
  const plugin = switchboard({config: "switchboard.ini"});
  assert.equal(plugin.config({}, {command: "build"}), undefined);
  assert.equal(plugin.config({}, {command: "serve", isPreview: true}), undefined);
  const server = fakeServer();
  await plugin.configureServer(server);
  assert.deepEqual(server.lines, []);
  await plugin.buildEnd();
});

test("it starts the binary, prefixes its lines, restarts it on a config change and stops it", async () => {
  const port = await freePort();
  const root = tempIni(`[http]\nport = ${port}\n`);
  const plugin = switchboard({binary: process.execPath, args: [FAKE], config: "switchboard.ini"});
  plugin.config({root}, {command: "serve"});
  const server = fakeServer();
  process.env.SWITCHBOARD_BIN = "/the/plugin/s/own";
  await plugin.configureServer(server);
  delete process.env.SWITCHBOARD_BIN;
  assert.ok(server.lines.includes("[switchboard] SWITCHBOARD_BIN=(unset)"), "not an option of the server: not passed on");
  assert.ok(await up(port), "started and waited for /healthz");
  assert.ok(server.lines.some((l) => /^\[switchboard\] fake switchboard listening on 127\.0\.0\.1:\d+ pid \d+$/.test(l)), server.lines.join("\n"));
  assert.ok(server.lines.some((l) => l.startsWith("[switchboard] ready on http://127.0.0.1:")));
  const config = path.join(root, "switchboard.ini");
  assert.deepEqual(server.watcher.watched, [config]);
  assert.deepEqual(plugin.handleHotUpdate({file: config}), [], "no page reload for the server's config");
  assert.equal(plugin.handleHotUpdate({file: path.join(root, "src/App.svelte")}), undefined);

  const pid = (line) => Number(/pid (\d+)/.exec(line)?.[1]);
  const first = pid(server.lines.find((l) => l.includes(" pid ")));
  server.watcher.emit("change", config);
  await until("a second process", () => server.lines.filter((l) => l.includes(" pid ")).length === 2);
  const second = pid(server.lines.filter((l) => l.includes(" pid "))[1]);
  assert.notEqual(first, second);
  assert.throws(() => process.kill(first, 0), "the first one is gone");
  assert.ok(await up(port));

  await plugin.buildEnd(); // Vite closing
  assert.ok(!(await up(port)), "stopped with Vite");
  assert.throws(() => process.kill(second, 0));
  rmSync(root, {recursive: true});
});

test("a switchboard already running is used, not started again", async () => {
  const port = await freePort();
  const {spawn} = await import("node:child_process");
  const running = spawn(process.execPath, [FAKE, `--http.port=${port}`], {stdio: "ignore"});
  try {
    await until("the running one", () => up(port));
    const plugin = switchboard({binary: "/nonexistent/switchboard", port});
    plugin.config({}, {command: "serve"});
    const server = fakeServer();
    await plugin.configureServer(server);
    assert.deepEqual(server.lines, [`[switchboard] using the switchboard already running on http://127.0.0.1:${port}`]);
    await plugin.buildEnd();
    assert.ok(await up(port), "not ours to stop");
  } finally {
    running.kill();
  }
});

test("a missing binary is reported, not thrown", async () => {
  const port = await freePort();
  const plugin = switchboard({binary: "/nonexistent/switchboard", port, startTimeout: 500});
  plugin.config({}, {command: "serve"});
  const server = fakeServer();
  await plugin.configureServer(server);
  assert.ok(server.lines.some((l) => l.includes("/nonexistent/switchboard not found")), server.lines.join("\n"));
  await plugin.buildEnd();
});
