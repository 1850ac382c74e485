import {test} from "node:test";
import assert from "node:assert/strict";
import {backoffDelay, connect, Chat, Presence, FATAL_CLOSE_CODES} from "../../client/switchboard.js";
import {fakeWebSocketClass, fakeTimers, LOCATION} from "./fakes.mjs";

function setup({random = () => 0, backoff = {initial: 100, max: 1000, factor: 2, jitter: 0.5}, clients} = {}) {
  const WS = fakeWebSocketClass();
  const timers = fakeTimers();
  const chat = new Chat({stream: "stream:1", strategy: "streams"});
  const list = clients ?? [chat];
  const conn = connect({clients: list, WebSocket: WS, location: LOCATION, setTimeout: timers.setTimeout, clearTimeout: timers.clearTimeout, random, backoff});
  const welcomeAll = () => WS.last.welcome(list.map((c) => ({name: c.name, stream: c.stream, strategy: c.strategy})));
  return {WS, timers, chat, conn, welcomeAll};
}

test("backoffDelay grows exponentially and is capped", () => {
  const opts = {initial: 100, max: 1000, factor: 2, jitter: 0};
  assert.deepEqual([0, 1, 2, 3, 4, 5, 10].map((a) => backoffDelay(a, opts)), [100, 200, 400, 800, 1000, 1000, 1000]);
});

test("backoffDelay jitter stays within [base*(1-jitter), base]", () => {
  const opts = {initial: 1000, max: 1000, jitter: 0.5};
  assert.equal(backoffDelay(0, opts, () => 0), 1000);
  assert.equal(backoffDelay(0, opts, () => 0.5), 750);
  assert.equal(backoffDelay(0, opts, () => 0.999999), 500);
  for (let i = 0; i < 200; i++) {
    const d = backoffDelay(3, {initial: 100, max: 30000, factor: 2, jitter: 0.3});
    assert.ok(d >= 560 && d <= 800, `delay ${d}`);
  }
});

test("defaults: 500 ms first, capped at 30 s", () => {
  assert.equal(backoffDelay(0, {}, () => 0), 500);
  assert.equal(backoffDelay(20, {}, () => 0), 30000);
});

test("status goes connecting -> open -> reconnecting -> open, with growing delays", () => {
  const {WS, timers, conn, welcomeAll} = setup();
  const seen = [];
  conn.subscribe((s) => seen.push(s.status));
  assert.equal(conn.status, "connecting");
  welcomeAll();
  assert.equal(conn.status, "open");

  WS.last.drop(1006);
  assert.equal(conn.status, "reconnecting");
  assert.deepEqual(timers.pending(), [100]);
  assert.equal(WS.instances.length, 1, "waits before reconnecting");
  timers.advance(99);
  assert.equal(WS.instances.length, 1);
  timers.advance(1);
  assert.equal(WS.instances.length, 2);
  assert.equal(conn.status, "reconnecting", "stays reconnecting until welcome");

  WS.last.drop(1006); // the server is still down
  assert.deepEqual(timers.pending(), [200]);
  timers.advance(200);
  WS.last.drop(1006);
  assert.deepEqual(timers.pending(), [400]);
  timers.advance(400);
  welcomeAll();
  assert.equal(conn.status, "open");

  WS.last.drop(1001, "Server shutting down");
  assert.deepEqual(timers.pending(), [100], "a welcome resets the backoff");
  assert.deepEqual(conn.state.lastClose, {code: 1001, reason: "Server shutting down", wasClean: true});
  timers.advance(100);
  welcomeAll();
  assert.deepEqual(dedupe(seen), ["connecting", "open", "reconnecting", "open", "reconnecting", "open"]);
  conn.close();
});

function dedupe(list) {
  return list.filter((s, i) => i === 0 || list[i - 1] !== s);
}

test("delays are capped and jittered with the injected random", () => {
  let r = 0.5;
  const {WS, timers, conn} = setup({random: () => r, backoff: {initial: 100, max: 300, factor: 3, jitter: 0.5}});
  const delays = [];
  for (let i = 0; i < 5; i++) {
    WS.last.drop(1006);
    delays.push(timers.pending()[0]);
    timers.advance(delays[i]);
  }
  // bases 100, 300, 300(cap), ... times (1 - 0.5*0.5)
  assert.deepEqual(delays, [75, 225, 225, 225, 225]);
  conn.close();
});

for (const code of FATAL_CLOSE_CODES) {
  test(`no reconnect after close ${code}: status closed, error set`, () => {
    const {WS, timers, conn} = setup();
    const reason = code === 4401 ? "Unauthorized" : "No valid clients";
    WS.last.drop(code, reason);
    assert.equal(conn.status, "closed");
    assert.deepEqual(conn.error, {code, message: reason});
    assert.deepEqual(timers.pending(), []);
    timers.advance(60_000);
    assert.equal(WS.instances.length, 1);
  });
}

test("1008 after a welcome is fatal too", () => {
  const {WS, timers, conn, welcomeAll} = setup();
  welcomeAll();
  WS.last.drop(1008, "Invalid clients: x");
  assert.equal(conn.status, "closed");
  assert.equal(conn.error.code, 1008);
  assert.deepEqual(timers.pending(), []);
});

test("other close codes reconnect (1000 from the server, 1001, 1006, 1011, 4008)", () => {
  for (const code of [1000, 1001, 1006, 1011, 4008]) {
    const {WS, timers, conn, welcomeAll} = setup();
    welcomeAll();
    WS.last.drop(code);
    assert.equal(conn.status, "reconnecting", `code ${code}`);
    assert.equal(conn.error, null);
    timers.advance(1000);
    assert.equal(WS.instances.length, 2, `code ${code}`);
    conn.close();
  }
});

test("close() is clean and final: code 1000, no reconnect", () => {
  const {WS, timers, conn, welcomeAll} = setup();
  welcomeAll();
  const ws = WS.last;
  conn.close();
  assert.deepEqual(ws.closedWith, {code: 1000, reason: ""});
  assert.equal(conn.status, "closed");
  assert.equal(conn.error, null);
  ws.drop(1000); // the close event arrives later
  timers.advance(60_000);
  assert.equal(WS.instances.length, 1);
  assert.equal(conn.status, "closed");
});

test("close() while waiting to reconnect cancels the timer", () => {
  const {WS, timers, conn} = setup();
  WS.last.drop(1006);
  assert.equal(timers.pending().length, 1);
  conn.close();
  assert.deepEqual(timers.pending(), []);
  assert.equal(conn.status, "closed");
});

test("reconnect() skips the wait", () => {
  const {WS, timers, conn} = setup();
  WS.last.drop(1006);
  conn.reconnect();
  assert.equal(WS.instances.length, 2);
  assert.deepEqual(timers.pending(), []);
  conn.close();
});

test("the socket id and user come from welcome", () => {
  const {WS, conn} = setup();
  WS.last.welcome([{name: "chat", stream: "stream:1", strategy: "streams"}], {id: "guest-ab", name: "Grace"}, "n9-3");
  assert.equal(conn.socket, "n9-3");
  assert.deepEqual(conn.user, {id: "guest-ab", name: "Grace"});
  assert.equal(conn.state.socket, "n9-3");
  conn.close();
});

test("a plugin the server rejected is retried on reconnect", () => {
  const chat = new Chat({stream: "stream:1", strategy: "streams"});
  const presence = new Presence({stream: "stream:1"});
  const {WS, timers, conn} = setup({clients: [chat, presence]});
  WS.last.welcome([{name: "chat", stream: "stream:1", strategy: "streams"}]);
  WS.last.receive({type: "error", client: "presence", stream: "stream:1", code: "unknown_plugin", message: "no plugin named \"presence\""});
  assert.equal(presence.error.code, "unknown_plugin");
  assert.equal(presence.started, false);
  assert.equal(chat.started, true);
  WS.last.drop(1001);
  timers.advance(1000);
  assert.deepEqual(WS.last.specs.map((s) => s.name), ["chat", "presence"]);
  WS.last.welcome([{name: "chat", stream: "stream:1", strategy: "streams"}, {name: "presence", stream: "stream:1", strategy: "pub-sub"}]);
  assert.equal(presence.error, null, "error cleared once the server runs it");
  assert.equal(presence.started, true);
  conn.close();
});
