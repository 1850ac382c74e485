// examples/sveltekit built with adapter-node and served by its server.js,
// against a real switchboard with auth and the example's switchboard.ini
// (its typing relay): two users switch rooms and chat while each keeps its
// one room socket (checked in the server's metrics and in the browser), see
// each other typing in their room only, "load older" pages back to the
// first message, and the bell stays connected across pages. The example
// consumes the packed @switchboard/client tarball (run-tests.sh installs it).
import {describe, it, before, after} from "node:test";
import assert from "node:assert/strict";
import {spawnSync} from "node:child_process";
import {existsSync, realpathSync} from "node:fs";
import path from "node:path";
import {REPO_ROOT, startSwitchboard, startProcess, freePort, metric, sleep} from "../support/processes.mjs";
import {launchBrowser, newPage, expectMessages, sendMessage, waitForStatus, waitForTexts, expectTypingIndicator, screenshotPath, assertNoPageErrors} from "../support/browser.mjs";

const APP = path.join(REPO_ROOT, "examples/sveltekit");
const SECRET = "e2e-auth-secret";
const API_KEY = "e2e-api-key";
/** The room page's clients, each moved on a room switch: chat, presence, notifications, typing. */
const ROOM_CLIENTS = 4;

/** Signs in as `name` and waits in the lobby with the room socket open. */
async function signIn(page, base, name) {
  await page.goto(`${base}/login`);
  await page.getByTestId("name-input").fill(name);
  await page.getByTestId("login-button").click();
  await page.waitForURL(`${base}/rooms/lobby`);
  await waitForStatus(page, "open");
  await page.waitForSelector('[data-testid="bell"][data-status="open"]', {state: "attached"});
}

/** Follows a room link (client-side navigation) and waits for the room. */
async function goToRoom(page, room) {
  await page.locator(`[data-testid="room-link"][data-room="${room}"]`).click();
  await page.waitForFunction((r) => document.querySelector('[data-testid="current-room"]')?.textContent === `#${r}`, room);
}

/** Sockets the page opened whose URL names `stream` in its clients. */
const socketsFor = (page, stream) => page.sockets.filter((s) => decodeURIComponent(s.url).includes(`"stream":"${stream}"`));

/** The frames the page's room socket (opened in the lobby) has received. */
const roomFrames = (page) => socketsFor(page, "room:lobby")[0].frames;

/** Waits until the page's room socket has received, from frame `from` on, one matching `match`. */
async function waitForFrame(page, what, match, from = 0) {
  const deadline = Date.now() + 15000;
  while (!roomFrames(page).slice(from).some(match)) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

/** Types `text` key by key (input events, as a user does). */
const typeKeys = (page, text) => page.getByTestId("message-input").pressSequentially(text, {delay: 20});

describe("sveltekit example (adapter-node)", () => {
  let server;
  let app;
  let browser;

  before(async () => {
    const client = path.join(APP, "node_modules/@switchboard/client");
    assert.ok(existsSync(client), `run npm ci in ${APP} (run-tests.sh does)`);
    assert.ok(!realpathSync(client).startsWith(path.join(REPO_ROOT, "web")), "the example must use the packed tarball, not web/client");
    const vite = path.join(APP, "node_modules/vite/bin/vite.js");
    const built = spawnSync(process.execPath, [vite, "build", "--logLevel", "warn"], {cwd: APP, encoding: "utf8", timeout: 300000});
    assert.equal(built.status, 0, `vite build failed:\n${built.stdout}\n${built.stderr}`);
    browser = await launchBrowser();
    // The example's own config (its [plugins.typing] relay); the flags win
    // over the file for the port, the secret and the key.
    const config = `--config-file=${path.join(APP, "switchboard.ini")}`;
    server = await startSwitchboard({args: [config, `--auth.secret=${SECRET}`, `--api.key=${API_KEY}`]});
    const port = await freePort();
    app = await startProcess({
      name: "sveltekit", command: process.execPath, args: ["server.js"], cwd: APP,
      env: {PORT: String(port), HOST: "127.0.0.1", SWITCHBOARD_URL: server.base, SWITCHBOARD_AUTH_SECRET: SECRET,
        SWITCHBOARD_API_KEY: API_KEY, SESSION_SECRET: "e2e-session", ORIGIN: `http://127.0.0.1:${port}`},
      readyUrl: `http://127.0.0.1:${port}/login`,
    });
    app.base = `http://127.0.0.1:${port}`;
  });
  after(async () => {
    await browser?.close();
    await app?.stop();
    await server?.stop();
  });

  /** A page per name, each signed in and in the lobby with its room socket open. */
  async function usersInLobby(...names) {
    const pages = [];
    for (const name of names) {
      pages.push(await newPage(browser));
      await signIn(pages.at(-1), app.base, name);
    }
    return pages;
  }

  it("two users switch rooms and chat, each on the socket it opened", async () => {
    const [ada, bob] = await usersInLobby("Ada", "Bob");
    const opened = await metric(server.base, "sockets_opened_total");
    const subscribed = await metric(server.base, "subscribed_specs_total");

    await sendMessage(ada, "hello lobby");
    await expectMessages(bob, ["hello lobby"]);
    const rooms = ["music", "books", "lobby", "music"];
    const said = {lobby: ["hello lobby"], music: [], books: []};
    for (const room of rooms) {
      await goToRoom(ada, room);
      await goToRoom(bob, room);
      await waitForTexts(ada, "presence-user", (names) => names.includes("Ada") && names.includes("Bob") && names.length === 2);
      for (const [page, who] of [[ada, "Ada"], [bob, "Bob"]]) {
        const text = `${who} in ${room} #${said[room].length}`;
        await sendMessage(page, text);
        said[room].push(text);
      }
      // Each room's own messages only, once each.
      await expectMessages(ada, said[room]);
      await expectMessages(bob, said[room]);
      assert.equal(await ada.getByTestId("presence-count").textContent(), "2");
    }
    await ada.screenshot({path: screenshotPath("sveltekit-room.png")});

    // No socket was reopened: the server accepted none, and each page still
    // has the room socket it opened in the lobby (the others moved streams).
    assert.equal(await metric(server.base, "sockets_opened_total"), opened);
    assert.equal(await metric(server.base, "subscribed_specs_total"), subscribed + 2 * rooms.length * ROOM_CLIENTS);
    for (const page of [ada, bob]) {
      const roomSockets = socketsFor(page, "room:lobby");
      assert.equal(roomSockets.length, 1);
      assert.equal(roomSockets[0].closed, false);
      const moves = roomSockets[0].frames.filter((f) => f.type === "ack" && Array.isArray(f.clients));
      assert.equal(moves.length, 2 * rooms.length * ROOM_CLIENTS, "an unsubscribe and a subscribe per client per switch");
    }
    assertNoPageErrors(ada, bob);
    await ada.context().close();
    await bob.context().close();
  });

  it("each sees the other typing in their room only, on the same socket", async () => {
    const [hal, ivy] = await usersInLobby("Hal", "Ivy");
    const opened = await metric(server.base, "sockets_opened_total");
    for (const page of [hal, ivy]) {
      const url = decodeURIComponent(socketsFor(page, "room:lobby")[0].url);
      assert.ok(url.includes('{"name":"typing","stream":"room:lobby"'), `typing rides on the room socket's URL: ${url}`);
    }
    await expectTypingIndicator(ivy, null);

    // Both ways in the lobby: shown while typing, gone on send (through a
    // stopped event, not the indicator's expiry).
    const stoppedBy = (name) => (f) => f.client === "typing" && f.event === "stopped" && f.stream === "room:lobby" && f.data?.user?.name === name;
    for (const [writer, reader, name] of [[hal, ivy, "Hal"], [ivy, hal, "Ivy"]]) {
      await typeKeys(writer, `${name} sa`);
      await expectTypingIndicator(reader, `${name} is typing…`);
      await expectTypingIndicator(writer, null); // not to themselves
      await typeKeys(writer, "ys hi");
      const beforeSending = roomFrames(reader).length;
      await writer.getByTestId("send-button").click();
      await waitForFrame(reader, `${name}'s stopped on send`, stoppedBy(name), beforeSending);
      await expectTypingIndicator(reader, null);
    }
    await waitForTexts(hal, "message", (t) => t.slice(-2).join() === "Hal says hi,Ivy says hi");

    // Hal leaves mid-sentence: the lobby hears him stop at once (a stopped
    // event, not the indicator's expiry).
    await typeKeys(hal, "bye");
    await expectTypingIndicator(ivy, "Hal is typing…");
    const beforeLeaving = roomFrames(ivy).length;
    await goToRoom(hal, "music");
    await waitForFrame(ivy, "Hal's stopped on leaving", stoppedBy("Hal"), beforeLeaving);
    await expectTypingIndicator(ivy, null);
    await hal.getByTestId("message-input").fill("");

    // Ivy types in the lobby: nothing reaches Hal in music. Then she follows
    // him and types there: he sees that, and by then the lobby's typing
    // (sent before) would have arrived, had his socket still carried it.
    const leftLobby = (f) => f.type === "ack" && f.clients?.[0]?.name === "typing" && f.clients[0].stream === "room:lobby";
    await waitForFrame(hal, "Hal's unsubscribe from the lobby's typing", leftLobby);
    const left = roomFrames(hal).findIndex(leftLobby); // the URL subscribed it: the only such ack
    await typeKeys(ivy, "anyone?");
    await expectTypingIndicator(hal, null);
    await ivy.getByTestId("message-input").fill("");
    await goToRoom(ivy, "music");
    await waitForTexts(hal, "presence-user", (names) => names.includes("Ivy"));
    await typeKeys(ivy, "found you");
    await expectTypingIndicator(hal, "Ivy is typing…");
    const lobbyTyping = roomFrames(hal).slice(left).filter((f) => f.client === "typing" && f.stream === "room:lobby");
    assert.deepEqual(lobbyTyping, [], "no typing from the room Hal left");
    await ivy.getByTestId("send-button").click();
    await waitForTexts(hal, "message", (t) => t.at(-1) === "found you");
    await expectTypingIndicator(hal, null);

    // All of it on the sockets opened in the lobby.
    assert.equal(await metric(server.base, "sockets_opened_total"), opened);
    for (const page of [hal, ivy]) {
      assert.equal(socketsFor(page, "room:lobby").length, 1);
      assert.equal(socketsFor(page, "room:lobby")[0].closed, false);
    }
    assertNoPageErrors(hal, ivy);
    await hal.context().close();
    await ivy.context().close();
  });

  it("load older reaches the first message, with no gap and no duplicate", async () => {
    const texts = Array.from({length: 120}, (_, i) => `old ${i + 1}`);
    for (const text of texts) {
      const res = await fetch(`${server.base}/api/publish`, {
        method: "POST",
        headers: {"Content-Type": "application/json", Authorization: `Bearer ${API_KEY}`},
        body: JSON.stringify({stream: "room:history", client: "chat", event: "message", data: {user: {id: "seed", name: "Seed"}, text, ts: Date.now()}}),
      });
      assert.equal(res.status, 200);
    }
    const page = await newPage(browser);
    await signIn(page, app.base, "Cleo");
    await goToRoom(page, "history");
    await expectMessages(page, texts.slice(-50));
    let clicks = 0;
    while (await page.getByTestId("load-older").count()) {
      await page.getByTestId("load-older").click();
      assert.ok(++clicks < 20);
      await page.waitForFunction((n) => document.querySelectorAll('[data-testid="message"]').length > n || !document.querySelector('[data-testid="load-older"]'), 50 + (clicks - 1) * 20);
    }
    await expectMessages(page, texts);
    assert.equal(clicks, 4, "70 older messages in pages of 20");
    assertNoPageErrors(page);
    await page.context().close();
  });

  it("the bell stays connected across pages and shows a notification from the app's server", async () => {
    const page = await newPage(browser);
    await signIn(page, app.base, "Dana");
    await page.getByTestId("nav-about").click();
    await page.waitForURL(`${app.base}/about`);
    await page.getByTestId("notify-button").click();
    await waitForTexts(page, "bell-count", (t) => t[0] === "1");
    await page.getByTestId("nav-rooms").click();
    await waitForStatus(page, "open");
    assert.equal(await page.getByTestId("bell-count").textContent(), "1");
    await page.getByTestId("bell").click();
    await waitForTexts(page, "notification", (t) => t.length === 1 && t[0].startsWith("Hello Dana"));
    const bells = socketsFor(page, "user:dana");
    assert.equal(bells.length, 1, "one bell socket for the whole visit");
    assert.equal(bells[0].closed, false);
    assertNoPageErrors(page);
    await page.context().close();
  });
});
