// wsStore, the seed's API: default stream, clients by name, lazy open on the
// first subscriber, teardown after a grace period, setStream on one socket,
// and the server-side rendering path under plain Node.
import {test} from "node:test";
import assert from "node:assert/strict";
import {spawnSync} from "node:child_process";
import path from "node:path";
import {fileURLToPath} from "node:url";
import {wsStore, Chat, Presence, Notifications} from "../../client/switchboard.js";
import {fakeWebSocketClass, fakeTimers, flush, LOCATION} from "./fakes.mjs";

const CLIENT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../client/switchboard.js");

function seed(extra = {}) {
  const WS = fakeWebSocketClass();
  const timers = fakeTimers();
  // As the seed writes it: the clients take the store's stream.
  const chat = new Chat({strategy: "streams"});
  const presence = new Presence({strategy: "pub-sub"});
  const notifications = new Notifications({strategy: "pub-sub"});
  const ws = wsStore({stream: "stream:123", clients: [chat, presence, notifications], WebSocket: WS, location: LOCATION,
    setTimeout: timers.setTimeout, clearTimeout: timers.clearTimeout, random: () => 0, ...extra});
  return {WS, timers, chat, presence, notifications, ws};
}

test("wsStore gives clients the default stream and reaches them by name", () => {
  const {chat, presence, notifications, ws} = seed();
  for (const c of [chat, presence, notifications]) assert.equal(c.stream, "stream:123");
  assert.equal(ws.chat, chat);
  assert.equal(ws.presence, presence);
  assert.equal(ws.notifications, notifications);
  let value;
  const off = ws.subscribe((v) => (value = v));
  assert.equal(value.chat, chat);
  assert.equal(value.status, "connecting");
  off();
  ws.close();
});

test("wsStore is idle until its first subscriber, then opens one socket", () => {
  const {WS, chat, ws} = seed();
  assert.equal(WS.instances.length, 0);
  assert.equal(ws.connection.status, "idle");
  const off = chat.subscribe(() => {}); // a plugin's subscriber counts too
  assert.equal(WS.instances.length, 1);
  assert.deepEqual(WS.last.specs.map((s) => `${s.name}@${s.stream}`), ["chat@stream:123", "presence@stream:123", "notifications@stream:123"]);
  off();
  ws.close();
});

test("the value follows the connection and every client", () => {
  const {WS, chat, ws} = seed();
  const values = [];
  const off = ws.subscribe((v) => values.push(v));
  WS.last.welcome(ws.connection.clients.map((c) => ({name: c.name, stream: c.stream, strategy: c.strategy})));
  assert.equal(values.at(-1).status, "open");
  const n = values.length;
  WS.last.receive({client: "chat", stream: "stream:123", event: "message", id: "1-0", data: {text: "hi", user: {id: "u", name: "U"}, ts: 1}});
  assert.ok(values.length > n, "a chat change is a change of $ws");
  assert.deepEqual(values.at(-1).chat.messages.map((m) => m.text), ["hi"]);
  off();
  ws.close();
});

test("the socket closes a grace period after the last subscriber, and not if one comes back", () => {
  const {WS, timers, ws} = seed({grace: 1000});
  let off = ws.subscribe(() => {});
  WS.last.welcome(ws.connection.clients.map((c) => ({name: c.name, stream: c.stream, strategy: c.strategy})));
  off();
  timers.advance(500);
  off = ws.subscribe(() => {}); // the next page subscribes in time
  timers.advance(5000);
  assert.equal(WS.instances.length, 1);
  assert.equal(WS.last.closedWith, null);
  assert.equal(ws.connection.status, "open");
  off();
  timers.advance(999);
  assert.equal(WS.last.closedWith, null);
  timers.advance(1);
  assert.deepEqual(WS.last.closedWith, {code: 1000, reason: ""});
  assert.equal(ws.connection.status, "idle");
  // A later subscriber opens a new socket.
  off = ws.subscribe(() => {});
  assert.equal(WS.instances.length, 2);
  off();
  ws.close();
});

test("setStream moves the default-stream clients on the same socket, and leaves the others", async () => {
  const WS = fakeWebSocketClass();
  const timers = fakeTimers();
  const chat = new Chat({strategy: "streams"});
  const presence = new Presence({});
  const bell = new Notifications({stream: "user:1", strategy: "streams"});
  const ws = wsStore({stream: "room:1", clients: [chat, presence, bell], WebSocket: WS, location: LOCATION,
    setTimeout: timers.setTimeout, clearTimeout: timers.clearTimeout});
  const off = ws.subscribe(() => {});
  WS.last.welcome(ws.connection.clients.map((c) => ({name: c.name, stream: c.stream, strategy: c.strategy})));
  WS.last.receive({client: "chat", stream: "room:1", event: "history", data: {messages: [{id: "1-0", text: "old room", user: {id: "u", name: "U"}, ts: 1}]}});
  const moved = ws.setStream("room:2");
  const sent = WS.last.sent;
  assert.deepEqual(sent.map((f) => `${f.type} ${f.clients[0].name}@${f.clients[0].stream}`),
    ["unsubscribe chat@room:1", "unsubscribe presence@room:1", "subscribe chat@room:2", "subscribe presence@room:2"]);
  assert.equal(chat.stream, "room:2");
  assert.deepEqual(chat.messages, [], "a fresh state for the new room");
  assert.equal(bell.stream, "user:1");
  for (const f of sent)
    WS.last.receive({type: "ack", ref: f.ref, clients: [{name: f.clients[0].name, stream: f.clients[0].stream, ok: true}]});
  await moved;
  assert.equal(WS.instances.length, 1, "no new socket");
  assert.equal(ws.stream, "room:2");
  off();
  ws.close();
});

test("a component's teardown (last unsubscribe) before the grace period ends keeps pending commands", async () => {
  const {WS, timers, chat, ws} = seed();
  const off = ws.subscribe(() => {});
  WS.last.welcome(ws.connection.clients.map((c) => ({name: c.name, stream: c.stream, strategy: c.strategy})));
  const p = chat.send("hi");
  off();
  WS.last.receive({type: "ack", ref: WS.last.sent[0].ref, id: "1-0"});
  assert.equal((await p).id, "1-0");
  timers.advance(1000);
  await flush();
  assert.equal(ws.connection.status, "idle");
  ws.close();
});

test("server-side rendering: import and call under plain Node with no WebSocket never throws and stays idle", () => {
  const script = `
    delete globalThis.WebSocket;
    delete globalThis.location;
    const m = await import(${JSON.stringify(CLIENT)});
    const chat = new m.Chat({strategy: "streams"});
    const presence = new m.Presence({strategy: "pub-sub"});
    const notifications = new m.Notifications({strategy: "pub-sub"});
    const ws = m.wsStore({stream: "stream:123", clients: [chat, presence, notifications]});
    // Svelte's SSR subscribes to every $store it renders, then unsubscribes.
    let value;
    const off = ws.subscribe((v) => (value = v));
    const offChat = chat.subscribe(() => {});
    const conn = m.connect({clients: [new m.Chat({stream: "stream:1"})]});
    const sent = chat.send("during SSR");
    sent.catch(() => {});
    off();
    offChat();
    console.log(JSON.stringify({status: value.status, chat: value.chat === chat, conn: conn.status, messages: chat.messages.length}));
    process.exit(0);
  `;
  const r = spawnSync(process.execPath, ["--input-type=module", "-e", script], {encoding: "utf8", timeout: 20000});
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout.trim()), {status: "idle", chat: true, conn: "idle", messages: 0});
});

test("server-side rendering on a Node with a WebSocket global (22+): still idle, no invalid_url", async () => {
  const WS = fakeWebSocketClass();
  const saved = globalThis.WebSocket;
  globalThis.WebSocket = WS;
  try {
    const chat = new Chat({});
    const ws = wsStore({stream: "stream:123", clients: [chat]}); // no location, no document
    const off = ws.subscribe(() => {});
    assert.equal(ws.connection.status, "idle");
    assert.equal(ws.connection.error, null);
    assert.equal(WS.instances.length, 0);
    off();
    ws.close();
  } finally {
    if (saved === undefined) delete globalThis.WebSocket;
    else globalThis.WebSocket = saved;
  }
});
