// Browser tests of the demo app against a real switchboard (memory broker).
import {describe, it, before, after} from "node:test";
import assert from "node:assert/strict";
import {startSwitchboard, uniqueStream} from "../support/processes.mjs";
import {
  launchBrowser, newPage, joinDemo, expectMessages, sendMessage, waitForStatus,
  screenshotPath, assertNoPageErrors,
} from "../support/browser.mjs";

describe("demo chat (memory broker)", () => {
  let server;
  let browser;
  const pages = [];
  const open = async (opts) => {
    const p = await newPage(browser, opts);
    pages.push(p);
    return p;
  };

  before(async () => {
    [server, browser] = await Promise.all([startSwitchboard(), launchBrowser()]);
  });
  after(async () => {
    await browser?.close();
    const result = await server?.stop("SIGTERM");
    if (result) assert.equal(result.code, 0, `switchboard exit: ${JSON.stringify(result)}\n${server.output}`);
  });

  it("serves the demo, the client and its types", async () => {
    for (const [path, type] of [["/", "text/html"], ["/switchboard.js", "javascript"], ["/switchboard.d.ts", "text/plain"], ["/demo/demo.js", "javascript"], ["/demo/demo.css", "text/css"]]) {
      const res = await fetch(server.base + path);
      assert.equal(res.status, 200, path);
      assert.match(res.headers.get("content-type"), new RegExp(type), path);
    }
  });

  it("two users chat in both directions", async () => {
    const stream = uniqueStream("two");
    const ada = await open();
    const grace = await open();
    await joinDemo(ada, server.base, {name: "Ada", stream});
    await joinDemo(grace, server.base, {name: "Grace", stream});

    await sendMessage(ada, "hello from Ada");
    await expectMessages(ada, ["hello from Ada"]);
    await expectMessages(grace, ["hello from Ada"]);

    await sendMessage(grace, "hi Ada, Grace here");
    await expectMessages(grace, ["hello from Ada", "hi Ada, Grace here"]);
    await expectMessages(ada, ["hello from Ada", "hi Ada, Grace here"]);

    // The sender's name comes from the server session.
    const who = await grace.$$eval(".msg .who", (els) => els.map((e) => e.textContent));
    assert.deepEqual(who, ["Ada", "Grace (you)"]);
    assert.equal(await ada.getByTestId("message-input").inputValue(), "", "input cleared after send");
    assertNoPageErrors(ada, grace);
  });

  it("a page reload resumes on streams without a lost or duplicated message", async () => {
    const stream = uniqueStream("reload");
    const ada = await open();
    const grace = await open();
    await joinDemo(ada, server.base, {name: "Ada", stream});
    await joinDemo(grace, server.base, {name: "Grace", stream});
    await sendMessage(ada, "m1");
    await sendMessage(grace, "m2");
    await expectMessages(grace, ["m1", "m2"]);
    const lastId = await grace.evaluate(() => window.switchboard.chat.lastId);
    assert.match(lastId, /^\d+-\d+$/);

    // Hold the reloaded page's client module until Ada has sent two more
    // messages, so they are certainly sent while Grace is away.
    let release;
    const gate = new Promise((r) => (release = r));
    await grace.route("**/switchboard.js", async (route) => {
      await gate;
      await route.continue();
    });
    const socketsBefore = grace.sockets.length;
    const reloaded = grace.reload();
    // The old page unloads once the new document arrives: its socket
    // closes and Ada sees chat's `left` for Grace.
    await ada.waitForFunction(() => [...document.querySelectorAll(".system")].some((e) => e.textContent === "Grace left"));
    await sendMessage(ada, "m3");
    await sendMessage(ada, "m4");
    await expectMessages(ada, ["m1", "m2", "m3", "m4"]);
    release();
    await reloaded;
    await waitForStatus(grace, "open");
    await expectMessages(grace, ["m1", "m2", "m3", "m4"]);

    const resumed = grace.sockets[socketsBefore];
    assert.ok(resumed, "the reloaded page opened a socket");
    const spec = JSON.parse(new URL(resumed.url).searchParams.get("clients")).find((s) => s.name === "chat");
    assert.equal(spec.since, lastId, "reconnected with since = the last id seen");
    const welcome = resumed.frames.find((f) => f.type === "welcome");
    assert.equal(welcome.clients.find((c) => c.name === "chat").recovered, true);
    assert.equal(resumed.frames.some((f) => f.event === "history" && f.client === "chat"), false, "a replay, not a history");
    assert.deepEqual(resumed.frames.filter((f) => f.event === "message").map((f) => f.data.text), ["m3", "m4"]);

    await sendMessage(grace, "m5");
    await expectMessages(ada, ["m1", "m2", "m3", "m4", "m5"]);
    await expectMessages(grace, ["m1", "m2", "m3", "m4", "m5"]);
    await grace.unroute("**/switchboard.js");
    assertNoPageErrors(ada, grace);
  });

  it("shows the server's error when a send is rejected (too_large)", async () => {
    const stream = uniqueStream("err");
    const ada = await open();
    await joinDemo(ada, server.base, {name: "Ada", stream});
    const big = "é".repeat(3000); // 3000 characters, 6000 UTF-8 bytes > chat.max-text-bytes
    await sendMessage(ada, big);
    await ada.waitForSelector("#send-error:not([hidden])");
    assert.match(await ada.locator("#send-error").textContent(), /too_large/);
    assert.equal(await ada.getByTestId("message-input").inputValue(), big, "the text is given back");
    await expectMessages(ada, []);
    await sendMessage(ada, "short one");
    await expectMessages(ada, ["short one"]);
    assert.equal(await ada.locator("#send-error").isHidden(), true, "error cleared by the next send");
    assertNoPageErrors(ada);
  });

  it("degrades gracefully while the server lacks presence and notifications", async () => {
    // Plays an older server: the pages' sockets are routed through
    // Playwright, which drops the server's presence/notifications frames and
    // answers those specs with unknown_plugin, as such a server does.
    const simulateOldServer = (page) =>
      page.routeWebSocket(/\/ws\?/, (ws) => {
        const upstream = ws.connectToServer();
        upstream.onMessage((raw) => {
          const f = JSON.parse(String(raw));
          const missing = (name) => name === "presence" || name === "notifications";
          if (f.type === "welcome") {
            const dropped = f.clients.filter((c) => missing(c.name));
            ws.send(JSON.stringify({...f, clients: f.clients.filter((c) => !missing(c.name))}));
            for (const c of dropped)
              ws.send(JSON.stringify({type: "error", client: c.name, stream: c.stream, code: "unknown_plugin", message: `no plugin named "${c.name}"`}));
          } else if (!missing(f.client)) {
            ws.send(String(raw));
          }
        });
      });
    const stream = uniqueStream("degrade");
    const ada = await open();
    const grace = await open();
    await simulateOldServer(ada);
    await simulateOldServer(grace);
    await joinDemo(ada, server.base, {name: "Ada", stream});
    await joinDemo(grace, server.base, {name: "Grace", stream});
    await sendMessage(ada, "still chatting");
    await expectMessages(grace, ["still chatting"]);
    await sendMessage(grace, "me too");
    await expectMessages(ada, ["still chatting", "me too"]);

    assert.equal(await ada.evaluate(() => window.switchboard.presence.error.code), "unknown_plugin");
    await ada.waitForSelector("#presence-note:not([hidden])");
    assert.match(await ada.locator("#presence-note").textContent(), /not enabled/);
    // The "online now" list falls back to who joined since Ada arrived.
    await ada.waitForFunction(() =>
      [...document.querySelectorAll('[data-testid="presence-user"] .person-name')].map((e) => e.textContent).sort().join() === "Ada,Grace");

    await ada.getByRole("button", {name: /Notifications/}).click();
    await ada.waitForSelector("#notif-note:not([hidden])");
    assert.match(await ada.locator("#notif-note").textContent(), /not enabled/);
    assert.equal(await ada.getByTestId("unread-count").textContent(), "0");
    await ada.screenshot({path: screenshotPath("demo-without-presence-notifications.png")});
    assertNoPageErrors(ada, grace);
  });

  it("the test-notification button explains how to publish when the server has no demo route", async () => {
    const ada = await open();
    await joinDemo(ada, server.base, {name: "Ada", stream: uniqueStream("notify")});
    await ada.getByRole("button", {name: /Notifications/}).click();
    await ada.locator("#test-notify").click();
    const res = await fetch(`${server.base}/api/demo/notify`, {method: "POST", body: "{}"});
    if (!res.ok) {
      await ada.waitForSelector("#notify-hint:not([hidden])");
      assert.match(await ada.locator("#notify-hint").textContent(), /curl -X POST .*\/api\/publish/s);
    }
    await ada.screenshot({path: screenshotPath("demo-notifications-panel.png")});
    assertNoPageErrors(ada);
  });

  it("looks right on a desktop and at phone width (screenshots in web/test-output/)", async () => {
    const stream = "stream:lobby"; // this file's own server: a fresh, empty room
    const ada = await open({viewport: {width: 1100, height: 700}});
    const phone = await open({viewport: {width: 375, height: 740}});
    await ada.goto(`${server.base}/?stream=${stream}`);
    await ada.screenshot({path: screenshotPath("demo-join.png")});
    await joinDemo(ada, server.base, {name: "Ada Lovelace", stream});
    await joinDemo(phone, server.base, {name: "Grace Hopper", stream});
    await sendMessage(ada, "Welcome to Switchboard! One socket carries chat, presence and notifications.");
    await sendMessage(phone, "Hi Ada, typing this on my phone!");
    await sendMessage(ada, "Reload the tab: the chat resumes from the last message you saw.");
    const texts = [
      "Welcome to Switchboard! One socket carries chat, presence and notifications.",
      "Hi Ada, typing this on my phone!",
      "Reload the tab: the chat resumes from the last message you saw.",
    ];
    await expectMessages(ada, texts);
    await expectMessages(phone, texts);
    await ada.screenshot({path: screenshotPath("demo-desktop.png")});
    await phone.screenshot({path: screenshotPath("demo-phone.png")});
    const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `no horizontal scrolling at 375 px (overflow ${overflow}px)`);
    for (const id of ["message-input", "send-button", "status", "unread-count"]) {
      const box = await phone.getByTestId(id).boundingBox();
      if (id === "unread-count") continue; // hidden while 0
      assert.ok(box && box.x >= 0 && box.x + box.width <= 375, `${id} fits the phone screen`);
    }
    assertNoPageErrors(ada, phone);
  });
});
