// A server restart (SIGTERM, start again on the same port) resumes every
// page without a lost or duplicated message. Uses a private redis-server:
// the memory broker loses its streams on restart, Redis keeps them.
import {describe, it, before, after} from "node:test";
import assert from "node:assert/strict";
import {startSwitchboard, startRedis, uniqueStream, sleep} from "../support/processes.mjs";
import {launchBrowser, newPage, joinDemo, expectMessages, sendMessage, waitForStatus, rawSession, assertNoPageErrors, screenshotPath} from "../support/browser.mjs";

describe("server restart (redis broker)", () => {
  let redis;
  let server;
  let browser;

  before(async () => {
    [redis, browser] = await Promise.all([startRedis(), launchBrowser()]);
  });
  after(async () => {
    await browser?.close();
    await server?.stop("SIGTERM");
    await redis?.stop("SIGTERM");
  });

  it("pages reconnect with since and see every message exactly once", async () => {
    const brokerArgs = ["--broker=redis", `--redis.url=${redis.url}`];
    server = await startSwitchboard({args: brokerArgs});
    const {port} = server;
    const stream = uniqueStream("restart");
    const ada = await newPage(browser);
    const grace = await newPage(browser);
    await joinDemo(ada, server.base, {name: "Ada", stream});
    await joinDemo(grace, server.base, {name: "Grace", stream});
    await sendMessage(ada, "before 1");
    await sendMessage(grace, "before 2");
    await expectMessages(ada, ["before 1", "before 2"]);
    await expectMessages(grace, ["before 1", "before 2"]);
    const adaSockets = ada.sockets.length;
    const lastId = await ada.evaluate(() => window.switchboard.chat.lastId);

    // SIGTERM: the server closes every socket with 1001 and exits 0. The
    // first close is the one that counts: `lastClose` moves on to 1006 as
    // soon as a reconnect attempt finds the port closed, which on a busy
    // machine can come before the page is asked.
    await ada.evaluate(() => {
      window.closeCodes = [];
      window.switchboard.connection.on("close", (c) => window.closeCodes.push(c.code));
    });
    const exit = await server.stop("SIGTERM");
    assert.equal(exit.code, 0, `exit ${JSON.stringify(exit)}\n${server.output}`);
    await waitForStatus(ada, "reconnecting");
    await waitForStatus(grace, "reconnecting");
    assert.equal(await ada.evaluate(() => window.closeCodes[0]), 1001);
    await ada.screenshot({path: screenshotPath("demo-reconnecting.png")});
    await sleep(800); // a few failed reconnect attempts against a closed port

    server = await startSwitchboard({port, args: brokerArgs});
    // Messages written as soon as the server is back, most likely before
    // the pages' backoff timers fire: they must arrive through the replay.
    const writer = await newPage(browser);
    const {frames} = await rawSession(writer, server.base, {
      name: "Writer",
      specs: [{name: "chat", stream, strategy: "pub-sub"}],
      send: [
        {client: "chat", stream, event: "send", data: {text: "while away 1"}},
        {client: "chat", stream, event: "send", data: {text: "while away 2"}},
      ],
    });
    assert.equal(frames.filter((f) => f.type === "ack").length, 2, JSON.stringify(frames));
    const history = frames.find((f) => f.event === "history");
    assert.deepEqual(history.data.messages.map((m) => m.text), ["before 1", "before 2"], "redis kept the stream");

    await waitForStatus(ada, "open");
    await waitForStatus(grace, "open");
    await sendMessage(grace, "after 1");
    await sendMessage(ada, "after 2");
    const all = ["before 1", "before 2", "while away 1", "while away 2", "after 1", "after 2"];
    await expectMessages(ada, all);
    await expectMessages(grace, all);

    // Ada's successful reconnect asked for what followed her last id.
    const resumed = ada.sockets.slice(adaSockets).find((s) => s.frames.some((f) => f.type === "welcome"));
    assert.ok(resumed, "Ada reconnected");
    const spec = JSON.parse(new URL(resumed.url).searchParams.get("clients")).find((s) => s.name === "chat");
    assert.equal(spec.since, lastId);
    assert.equal(resumed.frames.find((f) => f.type === "welcome").clients.find((c) => c.name === "chat").recovered, true);
    assertNoPageErrors(ada, grace);
  });
});
