// examples/sveltekit under `vite dev` (a copy in a temporary folder, so the
// test may edit it): the @switchboard/vite plugin (from its packed tarball)
// starts switchboard from $SWITCHBOARD_BIN with the config file, prefixes its
// log lines, proxies /ws so the page chats through its own origin; a hot
// update of the page re-creates its stores without a page reload (a new
// socket, the old one closed after the grace period); a change of the config
// file restarts the server (the page reconnects by itself); and the server
// stops with Vite.
import {describe, it, before, after} from "node:test";
import assert from "node:assert/strict";
import {cpSync, existsSync, mkdtempSync, readFileSync, realpathSync, symlinkSync, writeFileSync, appendFileSync, rmSync} from "node:fs";
import {tmpdir} from "node:os";
import path from "node:path";
import {REPO_ROOT, startProcess, freePort, sleep} from "../support/processes.mjs";
import {launchBrowser, newPage, expectMessages, sendMessage, waitForStatus, assertNoPageErrors} from "../support/browser.mjs";

const APP = path.join(REPO_ROOT, "examples/sveltekit");

async function until(what, fn, timeoutMs = 30000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await fn())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

const answers = (url) => fetch(url).then((r) => r.ok, () => false);

describe("sveltekit example under vite dev", () => {
  let vite;
  let browser;
  let dir;
  let config;
  let sbPort;

  before(async () => {
    const plugin = path.join(APP, "node_modules/@switchboard/vite");
    assert.ok(existsSync(plugin), `run npm ci in ${APP} (run-tests.sh does)`);
    assert.ok(!realpathSync(plugin).startsWith(path.join(REPO_ROOT, "web")), "the example must use the packed tarball, not web/vite");
    dir = mkdtempSync(path.join(tmpdir(), "sb-vite-"));
    for (const f of ["src", "package.json", "svelte.config.js", "vite.config.js"])
      cpSync(path.join(APP, f), path.join(dir, f), {recursive: true});
    symlinkSync(path.join(APP, "node_modules"), path.join(dir, "node_modules"));
    config = path.join(dir, "switchboard.ini");
    sbPort = await freePort();
    writeFileSync(config, readFileSync(path.join(APP, "switchboard.ini"), "utf8").replace(/^port = \d+$/m, `port = ${sbPort}`));
    const port = await freePort();
    vite = await startProcess({
      name: "vite dev", command: process.execPath, cwd: dir,
      args: ["node_modules/vite/bin/vite.js", "dev", "--host", "127.0.0.1", "--port", String(port), "--strictPort"],
      env: {SWITCHBOARD_CONFIG_FILE: config},
      readyUrl: `http://127.0.0.1:${port}/login`, timeoutMs: 120000,
    });
    vite.base = `http://127.0.0.1:${port}`;
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await vite?.stop();
    if (dir) rmSync(dir, {recursive: true, force: true});
  });

  it("starts switchboard, proxies /ws, restarts it on a config change, and stops it with vite", async () => {
    assert.match(vite.output, /\[switchboard\] starting /);
    await until("the plugin's ready line", () => /\[switchboard\] ready on /.test(vite.output));
    assert.match(vite.output, /\[switchboard\] .*listening on/, "the server's own log lines, prefixed");
    assert.doesNotMatch(vite.output, /ignoring the environment variable/, "the plugin passes the server only its own variables");
    assert.ok(await answers(`http://127.0.0.1:${sbPort}/healthz`));

    const page = await newPage(browser);
    await page.goto(`${vite.base}/login`, {timeout: 120000});
    await page.getByTestId("name-input").fill("Vic");
    await page.getByTestId("login-button").click();
    await page.waitForURL(`${vite.base}/rooms/lobby`, {timeout: 120000});
    await waitForStatus(page, "open", 60000);
    // The page's socket goes to its own origin, through Vite's proxy.
    assert.ok(page.sockets.some((s) => s.url.startsWith(vite.base.replace("http", "ws") + "/ws?")), JSON.stringify(page.sockets.map((s) => s.url)));
    await sendMessage(page, "through the proxy");
    await expectMessages(page, ["through the proxy"]);

    // A hot update of the page: no reload, fresh stores on a new socket,
    // the old socket closed after the grace period, nothing missing.
    await page.evaluate(() => (window.__notReloaded = true));
    const roomSockets = () => page.sockets.filter((s) => decodeURIComponent(s.url).includes('"stream":"room:'));
    assert.equal(roomSockets().length, 1);
    const pageFile = path.join(dir, "src/routes/rooms/[room]/+page.svelte");
    writeFileSync(pageFile, readFileSync(pageFile, "utf8").replace("Say something", "Say something, hot"));
    await page.waitForSelector('[placeholder="Say something, hot"]', {timeout: 60000});
    assert.equal(await page.evaluate(() => window.__notReloaded), true, "hot update, not a reload");
    await waitForStatus(page, "open");
    await expectMessages(page, ["through the proxy"]);
    await until("the old room socket to close", () => roomSockets()[0].closed, 10000);
    assert.equal(roomSockets().filter((s) => !s.closed).length, 1);

    // A change of the config file restarts the server; the page reconnects.
    const restarts = (vite.output.match(/\[switchboard\] starting /g) ?? []).length;
    appendFileSync(config, "\n; touched by the test\n");
    await until("a restart", () => (vite.output.match(/\[switchboard\] starting /g) ?? []).length > restarts);
    await until("the restarted server", () => answers(`http://127.0.0.1:${sbPort}/healthz`));
    await waitForStatus(page, "open", 60000);
    await sendMessage(page, "after the restart");
    await page.waitForFunction(() => [...document.querySelectorAll('[data-testid="message"]')].some((e) => e.textContent === "after the restart"));
    assertNoPageErrors(page);

    // Vite stops, and its switchboard with it.
    await vite.stop("SIGTERM");
    await until("switchboard to stop", async () => !(await answers(`http://127.0.0.1:${sbPort}/healthz`)), 20000);
  });
});
