// Plugins that come and go on one socket (connection.add/remove, protocol
// version 2), queued commands under ackTimeout, one `status` event per
// change, and Chat.loadOlder.
import {test} from "node:test";
import assert from "node:assert/strict";
import {connect, Chat, Presence, Notifications, SwitchboardError} from "../../client/switchboard.js";
import {fakeWebSocketClass, fakeTimers, flush, LOCATION} from "./fakes.mjs";

function setup({clients, ackTimeout = 10000} = {}) {
  const WS = fakeWebSocketClass();
  const timers = fakeTimers();
  const conn = connect({clients: clients ?? [], WebSocket: WS, location: LOCATION, setTimeout: timers.setTimeout,
    clearTimeout: timers.clearTimeout, random: () => 0, ackTimeout});
  return {WS, timers, conn};
}

const info = (p, extra = {}) => ({name: p.name, stream: p.stream, strategy: p.strategy, ...extra});

function track(p) {
  const t = {state: "pending"};
  p.then((v) => Object.assign(t, {state: "ok", value: v}), (e) => Object.assign(t, {state: "err", error: e}));
  return t;
}

test("add() on an open socket sends one subscribe and resolves with the outcome", async () => {
  const {WS, conn} = setup();
  WS.last.welcome([]);
  const chat = new Chat({stream: "room:1", strategy: "streams"});
  const added = track(conn.add(chat));
  const [cmd] = WS.last.sent;
  assert.deepEqual({...cmd, ref: undefined}, {type: "subscribe", ref: undefined, clients: [{name: "chat", stream: "room:1", strategy: "streams"}]});
  WS.last.receive({type: "ack", ref: cmd.ref, clients: [{name: "chat", stream: "room:1", strategy: "streams", ok: true}]});
  await flush();
  assert.equal(added.state, "ok");
  assert.equal(added.value.ok, true);
  assert.equal(chat.started, true);
  // Its catch-up follows the reply and reaches the plugin.
  WS.last.receive({client: "chat", stream: "room:1", event: "history", data: {messages: [{id: "1-0", text: "hi", user: {id: "u", name: "U"}, ts: 1}]}});
  assert.deepEqual(chat.messages.map((m) => m.text), ["hi"]);
  assert.deepEqual(conn.clients, [chat]);
  conn.close();
});

test("a refused subscribe rejects with the server's code and sets the plugin's error", async () => {
  const {WS, conn} = setup();
  WS.last.welcome([]);
  const chat = new Chat({stream: "secret:1"});
  const added = track(conn.add(chat));
  const [cmd] = WS.last.sent;
  WS.last.receive({type: "ack", ref: cmd.ref, clients: [{name: "chat", stream: "secret:1", ok: false, code: "forbidden", message: "no"}]});
  await flush();
  assert.equal(added.state, "err");
  assert.equal(added.error.code, "forbidden");
  assert.deepEqual(chat.error, {code: "forbidden", message: "no"});
  assert.equal(chat.started, false);
  conn.close();
});

test("remove() sends unsubscribe, drops the plugin's events at once and resolves with the reply", async () => {
  const chat = new Chat({stream: "room:1"});
  const {WS, conn} = setup({clients: [chat]});
  WS.last.welcome([info(chat)]);
  const removed = track(conn.remove(chat));
  const [cmd] = WS.last.sent;
  assert.deepEqual({...cmd, ref: undefined}, {type: "unsubscribe", ref: undefined, clients: [{name: "chat", stream: "room:1"}]});
  // An event of the spec before the reply no longer reaches the plugin.
  WS.last.receive({client: "chat", stream: "room:1", event: "message", data: {text: "late", user: {id: "u", name: "U"}, ts: 1}});
  assert.deepEqual(chat.messages, []);
  assert.equal(chat.connection, null);
  await assert.rejects(chat.send("x"), (e) => e.code === "not_connected");
  WS.last.receive({type: "ack", ref: cmd.ref, clients: [{name: "chat", stream: "room:1", ok: true}]});
  await flush();
  assert.equal(removed.state, "ok");
  assert.deepEqual(conn.clients, []);
  conn.close();
});

test("add and remove while offline are queued, replayed in order after welcome, and settle against the URL", async () => {
  const presence = new Presence({stream: "room:1"});
  const {WS, timers, conn} = setup({clients: [presence]});
  WS.last.welcome([info(presence)]);
  WS.last.drop(1006);
  assert.equal(conn.status, "reconnecting");
  const chat = new Chat({stream: "room:2"});
  const notes = new Notifications({stream: "user:1"});
  const a = track(conn.add(chat));
  const b = track(conn.remove(presence));
  const c = track(conn.add(notes));
  const d = track(conn.remove(notes)); // added and removed before any socket had it
  const send = track(chat.send("queued after its add"));
  timers.advance(500);
  // The next socket's URL carries the current set: chat only.
  assert.deepEqual(WS.last.specs, [{name: "chat", stream: "room:2", strategy: "pub-sub"}]);
  WS.last.welcome([info(chat)]);
  await flush();
  // chat came with the URL, presence never went, notes were removed again:
  // nothing to send but the queued command, in its place.
  assert.deepEqual(WS.last.sent.map((f) => f.type ?? f.event), ["send"]);
  assert.equal(a.state, "ok");
  assert.equal(b.state, "ok");
  assert.equal(c.state, "err");
  assert.equal(c.error.code, "removed");
  assert.equal(d.state, "ok");
  assert.equal(send.state, "pending");
  conn.close();
});

test("an add while connecting is subscribed after welcome, before the commands made after it", async () => {
  const {WS, conn} = setup();
  const chat = new Chat({stream: "room:1"});
  const added = track(conn.add(chat));
  const sent = track(chat.send("hello"));
  // The URL was built before the add: the welcome does not list chat.
  WS.last.welcome([]);
  assert.deepEqual(WS.last.sent.map((f) => f.type ?? f.event), ["subscribe", "send"]);
  const [sub, cmd] = WS.last.sent;
  WS.last.receive({type: "ack", ref: sub.ref, clients: [{...info(chat), ok: true}]});
  WS.last.receive({type: "ack", ref: cmd.ref, id: "5-0"});
  await flush();
  assert.equal(added.state, "ok");
  assert.equal(sent.state, "ok");
  conn.close();
});

test("a subscribe in flight when the socket drops settles against the next welcome", async () => {
  const {WS, timers, conn} = setup();
  WS.last.welcome([]);
  const chat = new Chat({stream: "room:1"});
  const added = track(conn.add(chat));
  assert.equal(WS.last.sent[0].type, "subscribe");
  WS.last.drop(1006);
  await flush();
  assert.equal(added.state, "pending", "not rejected: the next URL carries it");
  timers.advance(500);
  assert.deepEqual(WS.last.specs.map((s) => s.stream), ["room:1"]);
  WS.last.welcome([info(chat)]);
  await flush();
  assert.equal(added.state, "ok");
  assert.deepEqual(WS.last.sent, [], "no second subscribe");
  conn.close();
});

test("a plugin the server stopped as unavailable is subscribed again, with backoff, until it is back", async () => {
  const presence = new Presence({stream: "room:1"});
  const chat = new Chat({stream: "room:1"});
  const {WS, timers, conn} = setup({clients: [presence, chat]});
  WS.last.welcome([info(presence), info(chat)]);
  // The worker hosting presence died: the socket and chat go on.
  WS.last.receive({type: "error", client: "presence", stream: "room:1", code: "unavailable", message: "the worker hosting this plugin is gone; subscribe again"});
  assert.equal(presence.error.code, "unavailable");
  assert.deepEqual(WS.last.sent, [], "not at once");
  timers.advance(500);
  assert.equal(WS.last.sent.length, 1);
  const first = WS.last.sent[0];
  assert.deepEqual(first.clients, [{name: "presence", stream: "room:1", strategy: "pub-sub"}]);
  // No worker yet: refused, tried again after a longer wait.
  WS.last.receive({type: "ack", ref: first.ref, clients: [{name: "presence", stream: "room:1", ok: false, code: "unavailable", message: "no worker"}]});
  await flush();
  timers.advance(500);
  assert.equal(WS.last.sent.length, 1, "the second try waits longer");
  timers.advance(500);
  assert.equal(WS.last.sent.length, 2);
  const second = WS.last.sent[1];
  WS.last.receive({type: "ack", ref: second.ref, clients: [{name: "presence", stream: "room:1", ok: true, strategy: "pub-sub"}]});
  await flush();
  assert.equal(presence.error, null);
  assert.equal(presence.started, true);
  timers.advance(60000);
  assert.equal(WS.last.sent.length, 2, "back: no more tries");
  conn.close();
});

test("a plugin stopped for another reason, or removed meanwhile, is not subscribed again", async () => {
  const presence = new Presence({stream: "room:1"});
  const chat = new Chat({stream: "room:1"});
  const {WS, timers, conn} = setup({clients: [presence, chat]});
  WS.last.welcome([info(presence), info(chat)]);
  WS.last.receive({type: "error", client: "chat", stream: "room:1", code: "internal", message: "the plugin stopped"});
  WS.last.receive({type: "error", client: "presence", stream: "room:1", code: "unavailable", message: "gone"});
  const removed = track(conn.remove(presence));
  await flush();
  assert.equal(removed.state, "ok", "not on the socket any more: nothing to unsubscribe");
  timers.advance(60000);
  assert.deepEqual(WS.last.sent, []);
  conn.close();
});

test("a queued command times out ackTimeout after it was made, and is then never sent", async () => {
  const chat = new Chat({stream: "room:1"});
  const {WS, timers, conn} = setup({clients: [chat], ackTimeout: 1000});
  const p = track(chat.send("too late"));
  timers.advance(999);
  await flush();
  assert.equal(p.state, "pending");
  timers.advance(1);
  await flush();
  assert.equal(p.state, "err");
  assert.ok(p.error instanceof SwitchboardError);
  assert.equal(p.error.code, "timeout");
  WS.last.welcome([info(chat)]);
  assert.deepEqual(WS.last.sent, [], "a command that timed out is not sent later");
  conn.close();
});

test("a queued add that times out still happens: only the caller stops waiting", async () => {
  const {WS, timers, conn} = setup({ackTimeout: 1000});
  WS.last.open();
  const chat = new Chat({stream: "room:1"});
  const p = track(conn.add(chat));
  timers.advance(1000);
  await flush();
  assert.equal(p.state, "err");
  assert.equal(p.error.code, "timeout");
  WS.last.receive({type: "welcome", socket: "n1-1", user: {id: "u", name: "U"}, clients: []});
  assert.deepEqual(WS.last.sent.map((f) => f.type), ["subscribe"]);
  WS.last.receive({type: "ack", ref: WS.last.sent[0].ref, clients: [{...info(chat), ok: true}]});
  assert.equal(chat.started, true);
  conn.close();
});

test("the status event fires once per change of status", () => {
  const chat = new Chat({stream: "room:1"});
  const WS = fakeWebSocketClass();
  const timers = fakeTimers();
  const conn = connect({clients: [chat], WebSocket: WS, location: LOCATION, setTimeout: timers.setTimeout,
    clearTimeout: timers.clearTimeout, random: () => 0, lazy: true});
  const seen = [];
  conn.on("status", (s) => seen.push(s.status));
  const off = conn.subscribe(() => {});
  WS.last.welcome([info(chat)]);
  WS.last.drop(1006);
  timers.advance(500);
  WS.last.welcome([info(chat)]);
  conn.reconnect();
  WS.last.welcome([info(chat)]);
  conn.close();
  off();
  assert.deepEqual(seen, ["connecting", "open", "reconnecting", "open", "reconnecting", "open", "closed"]);
});

test("loadOlder pages back to the first message with no gap and no duplicate", async () => {
  const chat = new Chat({stream: "room:1", strategy: "streams"});
  const {WS, conn} = setup({clients: [chat]});
  WS.last.welcome([info(chat)]);
  // The server's stream: ids 1..120; history brought the last 50.
  const all = Array.from({length: 120}, (_, i) => ({id: `${i + 1}-0`, text: `m${i + 1}`, user: {id: "u", name: "U"}, ts: i}));
  WS.last.receive({client: "chat", stream: "room:1", event: "history", data: {messages: all.slice(70)}});
  const server = (frame) => {
    const before = frame.data.before ? Number(frame.data.before.split("-")[0]) : 121;
    const older = all.filter((m) => Number(m.id.split("-")[0]) < before);
    const page = older.slice(-frame.data.limit);
    const more = older.length > page.length;
    WS.last.receive({type: "history", ref: frame.ref, client: "chat", stream: "room:1",
      data: {messages: page, more, next: more ? page[0].id : null}});
  };
  let pages = 0;
  while (chat.hasOlder) {
    const p = chat.loadOlder(30);
    const frame = WS.last.sent.at(-1);
    assert.equal(frame.event, "history");
    server(frame);
    await p;
    assert.ok(++pages < 10);
  }
  assert.equal(pages, 3);
  assert.deepEqual(chat.messages.map((m) => m.text), all.map((m) => m.text));
  assert.deepEqual((await chat.loadOlder(30)).messages, [], "at the start: nothing more, no command");
  assert.equal(WS.last.sent.length, 3);
  conn.close();
});

test("presence keeps a count, and goes count-only when the server stops listing", () => {
  const presence = new Presence({stream: "room:1"});
  const {WS, conn} = setup({clients: [presence]});
  WS.last.welcome([info(presence)]);
  const ev = (event, data) => WS.last.receive({client: "presence", stream: "room:1", event, data});
  ev("state", {users: [{id: "a", name: "A", connections: 1}], count: 1});
  assert.equal(presence.count, 1);
  ev("join", {user: {id: "b", name: "B"}, count: 2});
  assert.deepEqual([presence.users.length, presence.count], [2, 2]);
  ev("leave", {user: {id: "a", name: "A"}, count: 1});
  assert.deepEqual([presence.users.map((u) => u.id), presence.count], [["b"], 1]);
  ev("count", {count: 1500});
  assert.deepEqual(presence.state, {users: [], count: 1500, listed: false, error: null});
  ev("state", {count: 2000});
  assert.deepEqual(presence.state, {users: [], count: 2000, listed: false, error: null});
  conn.close();
});
