// Headless Debian chromium driven by playwright-core (no browser download).
import assert from "node:assert/strict";
import {mkdirSync} from "node:fs";
import path from "node:path";
import {chromium} from "playwright-core";
import {OUTPUT_DIR, sleep} from "./processes.mjs";

export const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";
export const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
  "--disable-quic",
];

/**
 * Launches chromium. Playwright gives every launch a fresh temporary
 * --user-data-dir and every context its own cookies and storage, so two
 * contexts are two independent users.
 */
export function launchBrowser() {
  return chromium.launch({executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, timeout: 60000});
}

/**
 * A new context + page that records page errors and every WebSocket it
 * opens (`page.sockets`: [{url, frames: [parsed received frames], closed}]).
 */
export async function newPage(browser, {viewport = {width: 1100, height: 760}} = {}) {
  const context = await browser.newContext({viewport});
  const page = await context.newPage();
  page.errors = [];
  page.sockets = [];
  page.on("pageerror", (e) => page.errors.push(e));
  page.on("websocket", (ws) => {
    const entry = {url: ws.url(), frames: [], closed: false};
    page.sockets.push(entry);
    ws.on("framereceived", ({payload}) => {
      try {
        entry.frames.push(JSON.parse(String(payload)));
      } catch {
        // not JSON
      }
    });
    ws.on("close", () => (entry.closed = true));
  });
  page.setDefaultTimeout(15000);
  return page;
}

/** Opens the demo, types the name, picks the stream and joins; waits until online. */
export async function joinDemo(page, base, {name, stream}) {
  await page.goto(`${base}/?stream=${encodeURIComponent(stream)}`);
  await page.getByTestId("name-input").fill(name);
  await page.locator("#stream-select").selectOption(stream);
  await page.getByTestId("join-button").click();
  await waitForStatus(page, "open");
}

export async function waitForStatus(page, status, timeout = 20000) {
  await page.waitForSelector(`[data-testid="status"][data-status="${status}"]`, {timeout, state: "attached"});
}

export function messagesOf(page, testid = "message") {
  return page.$$eval(`[data-testid="${testid}"]`, (els) => els.map((e) => e.textContent.trim()));
}

/**
 * Waits until the page shows exactly `expected` (in order), failing with
 * the actual list after `timeout`. Also fails at once on a duplicate.
 */
export async function expectMessages(page, expected, {timeout = 15000, testid = "message"} = {}) {
  const deadline = Date.now() + timeout;
  let actual;
  for (;;) {
    actual = await messagesOf(page, testid);
    if (JSON.stringify(actual) === JSON.stringify(expected)) return;
    const dup = actual.find((t, i) => actual.indexOf(t) !== i);
    if (dup !== undefined && !expected.some((t, i) => expected.indexOf(t) !== i))
      assert.fail(`duplicate message ${JSON.stringify(dup)}: ${JSON.stringify(actual)}`);
    if (Date.now() > deadline) break;
    await sleep(50);
  }
  assert.deepEqual(actual, expected);
}

/** Types a message in the demo and waits for the server's ack (input cleared, no error). */
export async function sendMessage(page, text) {
  await page.getByTestId("message-input").fill(text);
  await page.getByTestId("send-button").click();
}

/** Waits until a list of [data-testid] texts satisfies `predicate`. */
export async function waitForTexts(page, testid, predicate, {timeout = 15000} = {}) {
  const deadline = Date.now() + timeout;
  let actual;
  for (;;) {
    actual = await messagesOf(page, testid);
    if (predicate(actual)) return actual;
    if (Date.now() > deadline) assert.fail(`timed out; ${testid} texts: ${JSON.stringify(actual)}`);
    await sleep(50);
  }
}

/**
 * Waits until the page's typing indicator ([data-testid="typing-indicator"])
 * shows exactly `text`, or is hidden (`text` null).
 */
export async function expectTypingIndicator(page, text) {
  if (text === null) await page.getByTestId("typing-indicator").waitFor({state: "hidden"});
  else await page.waitForFunction((t) => {
    const el = document.querySelector('[data-testid="typing-indicator"]');
    return el?.textContent === t && !el.hidden;
  }, text);
}

/**
 * Opens a raw WebSocket from inside a page on `base` (same origin) with
 * the given specs, collects frames for `ms` after welcome (or until close),
 * and returns {frames, close}.
 */
export async function rawSession(page, base, {specs, name, send = [], ms = 400}) {
  if (!page.url().startsWith(base)) await page.goto(`${base}/healthz`);
  return page.evaluate(
    ({specs, name, send, ms}) =>
      new Promise((resolve) => {
        const url = `${location.origin.replace(/^http/, "ws")}/ws?clients=${encodeURIComponent(JSON.stringify(specs))}` +
          (name ? `&name=${encodeURIComponent(name)}` : "");
        const ws = new WebSocket(url);
        const frames = [];
        let done = false;
        const finish = (close) => {
          if (done) return;
          done = true;
          try {
            ws.close();
          } catch {}
          resolve({frames, close});
        };
        ws.onmessage = (e) => {
          const f = JSON.parse(e.data);
          frames.push(f);
          if (f.type === "welcome") {
            send.forEach((cmd, i) => ws.send(JSON.stringify({ref: `raw-${i}`, ...cmd})));
            const acksWanted = send.length;
            const check = () => {
              const acks = frames.filter((x) => (x.type === "ack" || x.type === "error") && String(x.ref).startsWith("raw-")).length;
              if (acks >= acksWanted) setTimeout(() => finish(null), ms);
              else setTimeout(check, 20);
            };
            check();
          }
        };
        ws.onclose = (e) => finish({code: e.code, reason: e.reason});
        setTimeout(() => finish({code: 0, reason: "probe timeout"}), 10000);
      }),
    {specs, name, send, ms},
  );
}

/** Which of `names` the server rejects with unknown_plugin. */
export async function unknownPlugins(page, base, names) {
  const specs = [{name: "chat", stream: "stream:probe"}, ...names.map((n) => ({name: n, stream: n === "notifications" ? "user:probe" : "stream:probe"}))];
  const {frames} = await rawSession(page, base, {specs});
  return new Set(frames.filter((f) => f.type === "error" && f.code === "unknown_plugin").map((f) => f.client));
}

export function screenshotPath(name) {
  mkdirSync(OUTPUT_DIR, {recursive: true});
  return path.join(OUTPUT_DIR, name);
}

/** Fails when the page threw. */
export function assertNoPageErrors(...pages) {
  for (const p of pages) assert.deepEqual(p.errors.map(String), [], "uncaught errors in the page");
}
