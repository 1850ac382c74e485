import {test} from "node:test";
import assert from "node:assert/strict";
import {connect, Chat, Notifications, compareIds} from "../../client/switchboard.js";
import {fakeWebSocketClass, fakeTimers, memoryStorage, LOCATION} from "./fakes.mjs";

const msg = (id, text, user = {id: "u1", name: "Ada"}) => ({client: "chat", stream: "stream:1", event: "message", id, data: {user, text, ts: 1}});
const texts = (chat) => chat.messages.map((m) => m.text);

function setup(chatOptions = {}) {
  const WS = fakeWebSocketClass();
  const timers = fakeTimers();
  const chat = new Chat({stream: "stream:1", strategy: "streams", ...chatOptions});
  const conn = connect({clients: [chat], WebSocket: WS, location: LOCATION, setTimeout: timers.setTimeout, clearTimeout: timers.clearTimeout, random: () => 0, backoff: {initial: 10}});
  const reconnect = () => {
    WS.last.drop(1006);
    timers.advance(100_000);
    return WS.last;
  };
  return {WS, timers, chat, conn, reconnect};
}

test("compareIds orders <ms>-<seq> numerically, beyond 2^53", () => {
  assert.ok(compareIds("1-0", "2-0") < 0);
  assert.ok(compareIds("10-0", "9-99") > 0);
  assert.ok(compareIds("5-10", "5-9") > 0);
  assert.equal(compareIds("5-1", "5-1"), 0);
  assert.ok(compareIds("18446744073709551615-1", "18446744073709551615-0") > 0);
  assert.ok(compareIds("9007199254740993-0", "9007199254740992-0") > 0);
  assert.ok(compareIds(null, "0-1") < 0);
  assert.ok(compareIds("0-1", null) > 0);
});

test("history sets the position, messages advance it, reconnect sends since", () => {
  const {WS, chat, conn, reconnect} = setup();
  assert.equal("since" in WS.last.specs[0], false, "first connect: no since");
  WS.last.welcome([{name: "chat", stream: "stream:1", strategy: "streams"}]);
  WS.last.receive({client: "chat", stream: "stream:1", event: "history", data: {messages: [
    {id: "100-0", user: {id: "u1", name: "Ada"}, text: "a", ts: 1},
    {id: "101-0", user: {id: "u1", name: "Ada"}, text: "b", ts: 2},
  ]}});
  assert.equal(chat.lastId, "101-0");
  WS.last.receive(msg("102-0", "c"));
  assert.equal(chat.lastId, "102-0");
  const ws2 = reconnect();
  assert.equal(ws2.specs[0].since, "102-0");
  conn.close();
});

test("recovered: replayed entries are appended once; already-seen ids are skipped", () => {
  const {WS, chat, conn, reconnect} = setup();
  WS.last.welcome([{name: "chat", stream: "stream:1", strategy: "streams"}]);
  WS.last.receive({client: "chat", stream: "stream:1", event: "history", data: {messages: [{id: "100-0", user: {}, text: "a", ts: 1}]}});
  WS.last.receive(msg("101-0", "b"));
  const ws2 = reconnect();
  ws2.welcome([{name: "chat", stream: "stream:1", strategy: "streams", recovered: true}]);
  assert.equal(chat.recovered, true);
  ws2.receive(msg("101-0", "b")); // overlapping replay
  ws2.receive(msg("102-0", "c"));
  ws2.receive(msg("102-0", "c")); // duplicate delivery
  ws2.receive(msg("103-0", "d"));
  assert.deepEqual(texts(chat), ["a", "b", "c", "d"]);
  assert.deepEqual(chat.messages.map((m) => m.id), ["100-0", "101-0", "102-0", "103-0"]);
  assert.equal(chat.lastId, "103-0");
  conn.close();
});

test("not recovered: the fresh history replaces the list", () => {
  const {WS, chat, conn, reconnect} = setup();
  WS.last.welcome([{name: "chat", stream: "stream:1", strategy: "streams"}]);
  WS.last.receive(msg("100-0", "old-a"));
  WS.last.receive(msg("101-0", "old-b"));
  const ws2 = reconnect();
  assert.equal(ws2.specs[0].since, "101-0");
  ws2.welcome([{name: "chat", stream: "stream:1", strategy: "streams", recovered: false}]);
  assert.equal(chat.recovered, false);
  ws2.receive({client: "chat", stream: "stream:1", event: "history", data: {messages: [
    {id: "500-0", user: {}, text: "x", ts: 1}, {id: "501-0", user: {}, text: "y", ts: 1},
  ]}});
  assert.deepEqual(texts(chat), ["x", "y"]);
  assert.equal(chat.lastId, "501-0");
  conn.close();
});

test("an empty history resets the position (the next connect asks for history again)", () => {
  const {WS, chat, conn, reconnect} = setup();
  WS.last.welcome([{name: "chat", stream: "stream:1", strategy: "streams"}]);
  WS.last.receive(msg("100-0", "a"));
  WS.last.receive({client: "chat", stream: "stream:1", event: "history", data: {messages: []}});
  assert.deepEqual(chat.messages, []);
  assert.equal(chat.lastId, null);
  assert.equal("since" in reconnect().specs[0], false);
  conn.close();
});

test("pub-sub chat: no since, no dedupe of id-less messages, history replaces", () => {
  const WS = fakeWebSocketClass();
  const timers = fakeTimers();
  const chat = new Chat({stream: "stream:1"});
  const conn = connect({clients: [chat], WebSocket: WS, location: LOCATION, setTimeout: timers.setTimeout, clearTimeout: timers.clearTimeout});
  WS.last.welcome([{name: "chat", stream: "stream:1", strategy: "pub-sub"}]);
  WS.last.receive({client: "chat", stream: "stream:1", event: "history", data: {messages: [{id: "1-0", user: {}, text: "h", ts: 1}]}});
  WS.last.receive({client: "chat", stream: "stream:1", event: "message", data: {user: {}, text: "same", ts: 2}});
  WS.last.receive({client: "chat", stream: "stream:1", event: "message", data: {user: {}, text: "same", ts: 2}});
  assert.deepEqual(texts(chat), ["h", "same", "same"]);
  assert.equal(chat.lastId, null);
  WS.last.drop(1006);
  timers.advance(60_000);
  assert.equal("since" in WS.last.specs[0], false);
  conn.close();
});

test("events for other streams or plugins do not leak", () => {
  const {WS, chat, conn} = setup();
  WS.last.welcome([{name: "chat", stream: "stream:1", strategy: "streams"}]);
  WS.last.receive({client: "chat", stream: "stream:2", event: "message", id: "9-0", data: {text: "other stream"}});
  WS.last.receive({client: "notchat", stream: "stream:1", event: "message", id: "9-0", data: {text: "other plugin"}});
  assert.deepEqual(chat.messages, []);
  assert.equal(chat.lastId, null);
  conn.close();
});

test("persist: position and messages survive a page reload (new objects, same storage)", () => {
  const storage = memoryStorage();
  {
    const {WS, conn} = setup({persist: storage});
    WS.last.welcome([{name: "chat", stream: "stream:1", strategy: "streams"}]);
    WS.last.receive({client: "chat", stream: "stream:1", event: "history", data: {messages: [{id: "100-0", user: {}, text: "a", ts: 1}]}});
    WS.last.receive(msg("101-0", "b"));
    conn.close();
  }
  const {WS, chat, conn} = setup({persist: storage});
  assert.deepEqual(texts(chat), ["a", "b"], "restored before connecting");
  assert.equal(WS.last.specs[0].since, "101-0");
  WS.last.welcome([{name: "chat", stream: "stream:1", strategy: "streams", recovered: true}]);
  WS.last.receive(msg("102-0", "c"));
  assert.deepEqual(texts(chat), ["a", "b", "c"]);
  chat.clearPersisted();
  assert.equal(storage.map.size, 0);
  conn.close();
});

test("persist: corrupt storage is ignored", () => {
  const storage = memoryStorage();
  storage.setItem("switchboard:chat:stream:1:streams", "{not json");
  const chat = new Chat({stream: "stream:1", strategy: "streams", persist: storage});
  assert.deepEqual(chat.messages, []);
  assert.equal(chat.lastId, null);
});

test("notifications track their position from notification events and history", () => {
  const WS = fakeWebSocketClass();
  const timers = fakeTimers();
  const n = new Notifications({stream: "user:u1", strategy: "streams"});
  const conn = connect({clients: [n], WebSocket: WS, location: LOCATION, setTimeout: timers.setTimeout, clearTimeout: timers.clearTimeout});
  WS.last.welcome([{name: "notifications", stream: "user:u1", strategy: "streams"}]);
  WS.last.receive({client: "notifications", stream: "user:u1", event: "history", data: {notifications: [{id: "5-0", title: "a"}]}});
  assert.equal(n.lastId, "5-0");
  WS.last.receive({client: "notifications", stream: "user:u1", event: "notification", id: "6-0", data: {title: "b"}});
  WS.last.receive({client: "notifications", stream: "user:u1", event: "read", data: {id: "5-0"}});
  assert.equal(n.lastId, "6-0");
  WS.last.drop(1006);
  timers.advance(60_000);
  assert.equal(WS.last.specs[0].since, "6-0");
  conn.close();
});
