// The client library in a real browser against real servers: tokens, 4401
// (no reconnect), specs that fail on a version 2 socket (it stays open, no
// reconnect), and sends before the socket is up.
import {describe, it, before, after} from "node:test";
import assert from "node:assert/strict";
import {createHmac} from "node:crypto";
import {startSwitchboard, uniqueStream, sleep} from "../support/processes.mjs";
import {launchBrowser, newPage, assertNoPageErrors} from "../support/browser.mjs";

const SECRET = "e2e-secret";

function jwt(claims, secret = SECRET) {
  const b64 = (o) => Buffer.from(JSON.stringify(o)).toString("base64url");
  const body = `${b64({alg: "HS256", typ: "JWT"})}.${b64(claims)}`;
  return `${body}.${createHmac("sha256", secret).update(body).digest("base64url")}`;
}

/** Runs `fn(module, args)` in the page, with the client imported from the server. */
function inPage(page, fn, args) {
  return page.evaluate(
    async ({src, args}) => {
      const m = await import("/switchboard.js");
      const until = (cond, ms = 10000) =>
        new Promise((resolve, reject) => {
          const t0 = Date.now();
          const tick = () => (cond() ? resolve() : Date.now() - t0 > ms ? reject(new Error("timeout")) : setTimeout(tick, 20));
          tick();
        });
      // eslint-disable-next-line no-new-func
      return new Function("m", "args", "until", `return (${src})(m, args, until);`)(m, args, until);
    },
    {src: fn.toString(), args},
  );
}

describe("client library in the browser", () => {
  let open; // server without auth
  let secured; // server with auth on
  let browser;

  before(async () => {
    [open, secured, browser] = await Promise.all([
      startSwitchboard(),
      startSwitchboard({args: [`--auth.secret=${SECRET}`]}),
      launchBrowser(),
    ]);
  });
  after(async () => {
    await browser?.close();
    await open?.stop();
    await secured?.stop();
  });

  it("closes for good on 4401 (no token): status closed, error set, one attempt", async () => {
    const page = await newPage(browser);
    await page.goto(`${secured.base}/healthz`);
    const state = await inPage(page, async (m, args, until) => {
      const chat = new m.Chat({stream: args.stream});
      const conn = m.connect({clients: [chat], backoff: {initial: 50}});
      window.conn = conn;
      await until(() => conn.status === "closed");
      return {status: conn.status, error: conn.error};
    }, {stream: uniqueStream("auth")});
    assert.deepEqual(state, {status: "closed", error: {code: 4401, message: "Unauthorized"}});
    await sleep(1000); // backoff 50 ms would have retried many times
    assert.equal(page.sockets.length, 1, "no reconnect after 4401");
    assertNoPageErrors(page);
  });

  it("a valid token opens; the user comes from its claims", async () => {
    const page = await newPage(browser);
    await page.goto(`${secured.base}/healthz`);
    const stream = uniqueStream("token");
    const token = jwt({sub: "u42", name: "Ada", exp: Math.floor(Date.now() / 1000) + 600, streams: [stream]});
    let calls = 0;
    await page.exposeFunction("getToken", () => (++calls, token));
    const result = await inPage(page, async (m, args, until) => {
      const chat = new m.Chat({stream: args.stream, strategy: "streams"});
      const conn = m.connect({clients: [chat], token: () => window.getToken()});
      await until(() => conn.status === "open");
      const ack = await chat.send("signed in");
      await until(() => chat.messages.length === 1);
      conn.close();
      return {user: conn.state.user, ack, message: chat.messages[0], status: conn.status};
    }, {stream});
    assert.deepEqual(result.user, {id: "u42", name: "Ada"});
    assert.match(result.ack.id, /^\d+-\d+$/);
    assert.equal(result.message.id, result.ack.id);
    assert.deepEqual(result.message.user, {id: "u42", name: "Ada"});
    assert.equal(result.status, "closed");
    assert.equal(calls, 1);
    assert.match(page.sockets[0].url, /[?&]token=/);
  });

  it("a stream the token does not permit gets forbidden; the socket stays open (v=2) and nothing reconnects", async () => {
    const page = await newPage(browser);
    await page.goto(`${secured.base}/healthz`);
    const token = jwt({sub: "u7", exp: Math.floor(Date.now() / 1000) + 600, streams: ["stream:allowed"]});
    const state = await inPage(page, async (m, args, until) => {
      const chat = new m.Chat({stream: "stream:not-allowed"});
      const conn = m.connect({clients: [chat], token: args.token, backoff: {initial: 50}});
      await until(() => chat.error != null);
      return {status: conn.status, error: conn.error, chatError: chat.error};
    }, {token});
    assert.equal(state.chatError.code, "forbidden");
    // Protocol version 2: a socket whose specs all failed stays open for
    // later subscribes, instead of closing with 1008 "No valid clients".
    assert.equal(state.status, "open");
    assert.equal(state.error, null);
    await sleep(500);
    assert.equal(page.sockets.length, 1);
    assert.equal(page.sockets[0].closed, false);
  });

  it("an unknown custom plugin: the plugin's error is set, the socket stays open, no reconnect", async () => {
    const page = await newPage(browser);
    await page.goto(`${open.base}/healthz`);
    const state = await inPage(page, async (m, args, until) => {
      const Custom = m.definePlugin({name: "no-such-plugin"});
      const custom = new Custom({stream: "stream:x"});
      const conn = m.connect({clients: [custom], backoff: {initial: 50}});
      await until(() => custom.error != null);
      return {status: conn.status, error: conn.error, pluginError: custom.error};
    });
    assert.equal(state.pluginError.code, "unknown_plugin");
    assert.equal(state.status, "open");
    assert.equal(state.error, null);
    await sleep(500);
    assert.equal(page.sockets.length, 1);
    assert.equal(page.sockets[0].closed, false);
  });

  it("sends made before the socket opens are delivered once, in order, with their acks", async () => {
    const page = await newPage(browser);
    await page.goto(`${open.base}/healthz`);
    const result = await inPage(page, async (m, args, until) => {
      const chat = new m.Chat({stream: args.stream, strategy: "streams"});
      const conn = m.connect({clients: [chat], name: "Early"});
      const acks = await Promise.all(["one", "two", "three"].map((t) => chat.send(t)));
      await until(() => chat.messages.length === 3);
      conn.close();
      return {acks: acks.map((a) => a.id), ids: chat.messages.map((x) => x.id), texts: chat.messages.map((x) => x.text)};
    }, {stream: uniqueStream("early")});
    assert.deepEqual(result.texts, ["one", "two", "three"]);
    assert.deepEqual(result.ids, result.acks);
    assertNoPageErrors(page);
  });

  it("rate_limited rejects the send with that code", async () => {
    const limited = await startSwitchboard({args: ["--limits.commands-burst=2", "--limits.commands-per-second=1"]});
    try {
      const page = await newPage(browser);
      await page.goto(`${limited.base}/healthz`);
      const codes = await inPage(page, async (m, args, until) => {
        const chat = new m.Chat({stream: args.stream});
        const conn = m.connect({clients: [chat]});
        await until(() => conn.status === "open");
        const results = await Promise.allSettled(["a", "b", "c", "d"].map((t) => chat.send(t)));
        conn.close();
        return results.map((r) => (r.status === "fulfilled" ? "ok" : r.reason.code));
      }, {stream: uniqueStream("rate")});
      assert.deepEqual(codes.slice(0, 2), ["ok", "ok"]);
      assert.ok(codes.slice(2).includes("rate_limited"), JSON.stringify(codes));
    } finally {
      await limited.stop();
    }
  });
});
