import {test} from "node:test";
import assert from "node:assert/strict";
import {connect, Chat, Presence, Plugin, definePlugin, SwitchboardError} from "../../client/switchboard.js";
import {fakeWebSocketClass, fakeTimers, flush, LOCATION} from "./fakes.mjs";

function setup({ackTimeout = 10000, clients} = {}) {
  const WS = fakeWebSocketClass();
  const timers = fakeTimers();
  const chat = new Chat({stream: "stream:1", strategy: "streams"});
  const list = clients ?? [chat];
  const conn = connect({clients: list, WebSocket: WS, location: LOCATION, setTimeout: timers.setTimeout, clearTimeout: timers.clearTimeout, random: () => 0, ackTimeout});
  const welcome = () => WS.last.welcome(list.map((c) => ({name: c.name, stream: c.stream, strategy: c.strategy})));
  return {WS, timers, chat, conn, welcome};
}

/** Settles state of a promise without waiting: "pending" | ["ok", v] | ["err", e]. */
function track(p) {
  const t = {state: "pending"};
  p.then((v) => Object.assign(t, {state: "ok", value: v}), (e) => Object.assign(t, {state: "err", error: e}));
  return t;
}

test("send() frames the command and resolves with the matching ack", async () => {
  const {WS, chat, conn, welcome} = setup();
  welcome();
  const p = chat.send("hello");
  const [cmd] = WS.last.sent;
  assert.deepEqual({...cmd, ref: undefined}, {client: "chat", stream: "stream:1", event: "send", ref: undefined, data: {text: "hello"}});
  assert.equal(typeof cmd.ref, "string");
  WS.last.receive({type: "ack", ref: cmd.ref, id: "1718000000000-0"});
  assert.deepEqual(await p, {type: "ack", ref: cmd.ref, id: "1718000000000-0"});
  conn.close();
});

test("refs are unique, and out-of-order replies reach the right promise", async () => {
  const {WS, chat, conn, welcome} = setup();
  welcome();
  const ps = ["a", "b", "c"].map((t) => track(chat.send(t)));
  const refs = WS.last.sent.map((f) => f.ref);
  assert.equal(new Set(refs).size, 3);
  WS.last.receive({type: "ack", ref: refs[2], id: "3-0"});
  WS.last.receive({type: "error", ref: refs[0], code: "rate_limited", message: "slow down"});
  WS.last.receive({type: "ack", ref: refs[1], id: "2-0"});
  await flush();
  assert.equal(ps[0].state, "err");
  assert.ok(ps[0].error instanceof SwitchboardError);
  assert.ok(ps[0].error instanceof Error);
  assert.equal(ps[0].error.code, "rate_limited");
  assert.equal(ps[0].error.message, "slow down");
  assert.equal(ps[1].value.id, "2-0");
  assert.equal(ps[2].value.id, "3-0");
  conn.close();
});

test("numeric refs echoed by a server still match", async () => {
  const {WS, chat, conn, welcome} = setup();
  welcome();
  const p = chat.send("x");
  WS.last.receive({type: "ack", ref: Number(WS.last.sent[0].ref), id: "1-0"});
  assert.equal((await p).id, "1-0");
  conn.close();
});

for (const code of ["rate_limited", "too_large", "unavailable", "invalid_frame"]) {
  test(`an error reply rejects with .code ${code}`, async () => {
    const {WS, chat, conn, welcome} = setup();
    welcome();
    const p = chat.send("x");
    WS.last.receive({type: "error", ref: WS.last.sent[0].ref, code, message: "m"});
    await assert.rejects(p, (e) => e.code === code && e.frame.code === code);
    assert.equal(chat.error, null, "a command's error does not become the plugin's error");
    conn.close();
  });
}

test("an error without ref becomes the plugin's error state", () => {
  const presence = new Presence({stream: "stream:1"});
  const chat = new Chat({stream: "stream:1"});
  const {WS, conn} = setup({clients: [chat, presence]});
  const seen = [];
  conn.on("error", (f) => seen.push(f.code));
  WS.last.welcome([{name: "chat", stream: "stream:1", strategy: "pub-sub"}]);
  WS.last.receive({type: "error", client: "presence", stream: "stream:1", code: "unknown_plugin", message: "no plugin named \"presence\""});
  assert.deepEqual(presence.error, {code: "unknown_plugin", message: "no plugin named \"presence\""});
  assert.deepEqual(presence.state, {users: [], count: 0, listed: true, error: {code: "unknown_plugin", message: "no plugin named \"presence\""}});
  assert.equal(chat.error, null);
  WS.last.receive({type: "error", code: "invalid_json", message: "?"}); // tied to nothing
  assert.deepEqual(seen, ["unknown_plugin", "invalid_json"]);
  conn.close();
});

test("commands before welcome wait and go out right after it", async () => {
  const {WS, chat, conn, welcome} = setup();
  const p = chat.send("early");
  assert.equal(WS.last.sent.length, 0);
  WS.last.open();
  assert.equal(WS.last.sent.length, 0, "still waiting for welcome");
  welcome();
  assert.equal(WS.last.sent.length, 1);
  WS.last.receive({type: "ack", ref: WS.last.sent[0].ref, id: "1-0"});
  assert.equal((await p).id, "1-0");
  conn.close();
});

test("a drop rejects commands in flight with 'disconnected'; queued ones go after reconnect", async () => {
  const {WS, timers, chat, conn, welcome} = setup();
  welcome();
  const inflight = track(chat.send("in flight"));
  WS.last.drop(1006);
  await flush();
  assert.equal(inflight.state, "err");
  assert.equal(inflight.error.code, "disconnected");
  const queued = track(chat.send("while away"));
  timers.advance(1000);
  welcome();
  const frame = WS.last.sent.find((f) => f.data.text === "while away");
  assert.ok(frame, "sent after the reconnect");
  WS.last.receive({type: "ack", ref: frame.ref, id: "9-0"});
  await flush();
  assert.equal(queued.state, "ok");
  conn.close();
});

test("no ack within ackTimeout rejects with 'timeout'; a late ack is ignored", async () => {
  const {WS, timers, chat, conn, welcome} = setup({ackTimeout: 500});
  welcome();
  const t = track(chat.send("x"));
  timers.advance(499);
  await flush();
  assert.equal(t.state, "pending");
  timers.advance(1);
  await flush();
  assert.equal(t.error.code, "timeout");
  WS.last.receive({type: "ack", ref: WS.last.sent[0].ref, id: "1-0"}); // harmless
  conn.close();
});

test("close() rejects every pending command with 'closed'; later sends too", async () => {
  const {WS, chat, conn, welcome} = setup();
  welcome();
  const a = track(chat.send("a"));
  conn.close();
  await flush();
  assert.equal(a.error.code, "closed");
  await assert.rejects(chat.send("b"), {code: "closed"});
});

test("fatal close rejects pending commands", async () => {
  const {WS, chat, conn} = setup();
  const a = track(chat.send("a")); // queued before welcome
  WS.last.drop(4401, "Unauthorized");
  await flush();
  assert.equal(a.error.code, "closed");
  assert.equal(conn.error.code, 4401);
});

test("send() on a plugin with no connection, or with empty text, rejects", async () => {
  await assert.rejects(new Chat({stream: "s:1"}).send("x"), {code: "not_connected"});
  const {chat, conn} = setup();
  await assert.rejects(chat.send(""), {code: "invalid_frame"});
  conn.close();
});

test("a subclass of Plugin handles its events with on<Event> methods", async () => {
  class Typing extends Plugin {
    constructor(opts) {
      super({...opts, name: "typing"}, {typing: []});
    }
    get typing() {
      return this.state.typing;
    }
    start() {
      return this.command("start", {});
    }
    onStarted(data) {
      this.update({typing: [...this.typing, data.user.name]});
    }
    onStoppedAll() {
      this.update({typing: []});
    }
  }
  const typing = new Typing({stream: "doc:1"});
  const {WS, conn} = setup({clients: [typing]});
  WS.last.welcome([{name: "typing", stream: "doc:1", strategy: "pub-sub"}]);
  let value;
  typing.subscribe((v) => (value = v));
  WS.last.receive({client: "typing", stream: "doc:1", event: "started", data: {user: {name: "Ada"}}});
  assert.deepEqual(value.typing, ["Ada"]);
  WS.last.receive({client: "typing", stream: "doc:1", event: "stopped-all", data: {}});
  assert.deepEqual(value.typing, []);
  const p = typing.start();
  assert.deepEqual(WS.last.sent[0].client, "typing");
  assert.deepEqual(WS.last.sent[0].event, "start");
  WS.last.receive({type: "ack", ref: WS.last.sent[0].ref});
  await p;
  assert.deepEqual(WS.last.specs, [{name: "typing", stream: "doc:1", strategy: "pub-sub"}]);
  conn.close();
});

test("definePlugin builds a plugin class from handlers and actions", async () => {
  const Votes = definePlugin({
    name: "votes",
    strategy: "streams",
    initial: () => ({tally: {}}),
    events: {
      vote: (state, data) => ({...state, tally: {...state.tally, [data.option]: (state.tally[data.option] || 0) + 1}}),
      ignored: () => undefined,
    },
    actions: {vote: (plugin, option) => plugin.command("vote", {option})},
  });
  const votes = new Votes({stream: "poll:1"});
  assert.equal(votes.name, "votes");
  assert.equal(votes.strategy, "streams");
  const {WS, conn} = setup({clients: [votes]});
  WS.last.welcome([{name: "votes", stream: "poll:1", strategy: "streams"}]);
  WS.last.receive({client: "votes", stream: "poll:1", event: "vote", id: "1-0", data: {option: "a"}});
  WS.last.receive({client: "votes", stream: "poll:1", event: "vote", id: "2-0", data: {option: "a"}});
  WS.last.receive({client: "votes", stream: "poll:1", event: "vote", id: "2-0", data: {option: "a"}}); // dup
  WS.last.receive({client: "votes", stream: "poll:1", event: "ignored", id: "3-0", data: {}});
  assert.deepEqual(votes.state.tally, {a: 2});
  assert.equal(votes.lastId, "3-0");
  const p = votes.vote("b");
  assert.deepEqual(WS.last.sent[0].data, {option: "b"});
  WS.last.receive({type: "ack", ref: WS.last.sent[0].ref});
  await p;
  const seen = [];
  votes.on("vote", (d) => seen.push(d.option));
  WS.last.receive({client: "votes", stream: "poll:1", event: "vote", id: "4-0", data: {option: "c"}});
  assert.deepEqual(seen, ["c"]);
  conn.close();
});

test("a throwing listener does not break frame processing", () => {
  const {WS, chat, conn, welcome} = setup();
  const origError = console.error;
  const orig = globalThis.reportError;
  const reported = [];
  globalThis.reportError = (e) => reported.push(e);
  try {
    chat.on("message", () => {
      throw new Error("boom");
    });
    welcome();
    WS.last.receive({client: "chat", stream: "stream:1", event: "message", id: "1-0", data: {text: "x", user: {}}});
    assert.equal(chat.messages.length, 1);
    assert.equal(reported[0].message, "boom");
  } finally {
    globalThis.reportError = orig;
    console.error = origError;
  }
  conn.close();
});
