// examples/svelte: builds with vite, then chats with the plain demo.
import {describe, it, before, after} from "node:test";
import assert from "node:assert/strict";
import {spawnSync} from "node:child_process";
import {existsSync, readFileSync, readdirSync} from "node:fs";
import path from "node:path";
import {REPO_ROOT, startSwitchboard, serveStatic, uniqueStream} from "../support/processes.mjs";
import {launchBrowser, newPage, joinDemo, expectMessages, sendMessage, waitForStatus, unknownPlugins, screenshotPath, assertNoPageErrors} from "../support/browser.mjs";

const APP = path.join(REPO_ROOT, "examples/svelte");
const DIST = path.join(APP, "dist");

describe("svelte example", () => {
  let server;
  let browser;
  let site;

  before(async () => {
    // The app is served from another origin than switchboard: it must be
    // listed in http.allowed-origins (same-origin only by default). The
    // site serves dist/ as the first test builds it.
    site = await serveStatic(DIST);
    [server, browser] = await Promise.all([
      startSwitchboard({args: [`--http.allowed-origins=${site.base}`]}),
      launchBrowser(),
    ]);
  });
  after(async () => {
    await site?.close();
    await browser?.close();
    await server?.stop();
  });

  it("builds with vite", () => {
    const vite = path.join(APP, "node_modules/vite/bin/vite.js");
    assert.ok(existsSync(vite), `vite is not installed: run npm ci in ${APP}`);
    const r = spawnSync(process.execPath, [vite, "build", "--logLevel", "warn"], {cwd: APP, encoding: "utf8", timeout: 120000});
    assert.equal(r.status, 0, `vite build failed:\n${r.stdout}\n${r.stderr}`);
    assert.ok(existsSync(path.join(DIST, "index.html")));
    const js = readdirSync(path.join(DIST, "assets")).filter((f) => f.endsWith(".js"));
    assert.equal(js.length, 1);
    const bundle = readFileSync(path.join(DIST, "assets", js[0]), "utf8");
    assert.match(bundle, /clients=/, "the client library is bundled");
  });

  it("the built app and the plain demo chat with each other", async () => {
    assert.ok(existsSync(path.join(DIST, "index.html")), "needs the build from the previous test");
    const stream = uniqueStream("svelte");
    const wsUrl = `ws://127.0.0.1:${server.port}/ws`;

    const sveltePage = await newPage(browser, {viewport: {width: 900, height: 640}});
    await sveltePage.goto(`${site.base}/?stream=${encodeURIComponent(stream)}&ws=${encodeURIComponent(wsUrl)}`);
    await sveltePage.getByTestId("name-input").fill("Svelte Sam");
    await sveltePage.getByTestId("join-button").click();
    await waitForStatus(sveltePage, "open");

    const demo = await newPage(browser);
    await joinDemo(demo, server.base, {name: "Demo Dana", stream});

    await sendMessage(sveltePage, "hello from Svelte");
    await expectMessages(demo, ["hello from Svelte"]);
    await expectMessages(sveltePage, ["hello from Svelte"]);
    await sendMessage(demo, "hello back from the demo");
    await expectMessages(sveltePage, ["hello from Svelte", "hello back from the demo"]);
    await expectMessages(demo, ["hello from Svelte", "hello back from the demo"]);

    const probe = await newPage(browser);
    if (!(await unknownPlugins(probe, server.base, ["presence"])).has("presence")) {
      // {#each $presence.users ...} lists both people.
      await sveltePage.waitForFunction(() => {
        const names = [...document.querySelectorAll('[data-testid="presence-user"]')].map((e) => e.textContent);
        return names.some((n) => n.includes("Svelte Sam")) && names.some((n) => n.includes("Demo Dana"));
      });
    }
    await sveltePage.screenshot({path: screenshotPath("svelte-example.png")});
    assertNoPageErrors(sveltePage, demo);
  });
});
