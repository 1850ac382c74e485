import {test} from "node:test";
import assert from "node:assert/strict";
import {connect, Chat, Presence, Notifications} from "../../client/switchboard.js";
import {fakeWebSocketClass, LOCATION} from "./fakes.mjs";

// What Svelte's `get(store)` does.
function get(store) {
  let value;
  store.subscribe((v) => (value = v))();
  return value;
}

test("subscribe calls at once with the current value and returns unsubscribe", () => {
  const chat = new Chat({stream: "s:1"});
  const values = [];
  const unsubscribe = chat.subscribe((v) => values.push(v));
  assert.equal(typeof unsubscribe, "function");
  assert.deepEqual(values, [{messages: [], hasOlder: true, error: null}]);
  chat.update({messages: [{id: "1-0", text: "x"}]});
  assert.equal(values.length, 2);
  assert.deepEqual(values[1].messages, [{id: "1-0", text: "x"}]);
  unsubscribe();
  chat.update({messages: []});
  assert.equal(values.length, 2, "no calls after unsubscribe");
  unsubscribe(); // idempotent
});

test("each change is a new object (Svelte and React re-render on identity)", () => {
  const chat = new Chat({stream: "s:1"});
  const a = get(chat);
  chat.update({messages: [{text: "x"}]});
  const b = get(chat);
  assert.notEqual(a, b);
  assert.notEqual(a.messages, b.messages);
});

test("the same function subscribed twice gets both calls and two independent unsubscribes", () => {
  const p = new Presence({stream: "s:1"});
  let n = 0;
  const fn = () => n++;
  const u1 = p.subscribe(fn);
  const u2 = p.subscribe(fn);
  assert.equal(n, 2);
  u1();
  p.update({users: []});
  assert.equal(n, 3);
  u2();
});

test("initial store values and getters of every plugin", () => {
  const chat = new Chat({stream: "s:1"});
  const presence = new Presence({stream: "s:1"});
  const notifications = new Notifications({stream: "user:1"});
  assert.deepEqual(get(chat), {messages: [], hasOlder: true, error: null});
  assert.deepEqual(get(presence), {users: [], count: 0, listed: true, error: null});
  assert.deepEqual(get(notifications), {items: [], unread: 0, error: null});
  assert.deepEqual(chat.messages, []);
  assert.deepEqual(presence.users, []);
  assert.deepEqual(notifications.items, []);
  assert.equal(notifications.unread, 0);
});

test("the connection is a store of {status, error, user, socket}", () => {
  const WS = fakeWebSocketClass();
  const chat = new Chat({stream: "s:1"});
  const conn = connect({clients: [chat], WebSocket: WS, location: LOCATION});
  const values = [];
  const unsub = conn.subscribe((v) => values.push(v));
  assert.deepEqual(values[0], {status: "connecting", error: null, user: null, socket: null, lastClose: null});
  WS.last.welcome([{name: "chat", stream: "s:1", strategy: "pub-sub"}], {id: "guest-1", name: "Ada"}, "n1-5");
  const open = values[values.length - 1];
  assert.equal(open.status, "open");
  assert.deepEqual(open.user, {id: "guest-1", name: "Ada"});
  assert.equal(open.socket, "n1-5");
  assert.equal(conn.status, "open");
  assert.deepEqual(conn.user, {id: "guest-1", name: "Ada"});
  assert.equal(conn.socket, "n1-5");
  conn.close();
  assert.equal(get(conn).status, "closed");
  unsub();
});

test("chat state follows history and message events; joined/left are emitted", () => {
  const WS = fakeWebSocketClass();
  const chat = new Chat({stream: "s:1"});
  const conn = connect({clients: [chat], WebSocket: WS, location: LOCATION});
  const events = [];
  chat.on("joined", ({user}) => events.push(`+${user.name}`));
  chat.on("left", ({user}) => events.push(`-${user.name}`));
  WS.last.welcome([{name: "chat", stream: "s:1", strategy: "pub-sub"}]);
  WS.last.receive({client: "chat", stream: "s:1", event: "history", data: {messages: [{id: "1-0", user: {id: "a", name: "Ada"}, text: "old", ts: 5}]}});
  WS.last.receive({client: "chat", stream: "s:1", event: "joined", data: {user: {id: "g", name: "Grace"}}});
  WS.last.receive({client: "chat", stream: "s:1", event: "message", data: {user: {id: "g", name: "Grace"}, text: "hi", ts: 6}});
  WS.last.receive({client: "chat", stream: "s:1", event: "left", data: {user: {id: "g", name: "Grace"}}});
  assert.deepEqual(get(chat).messages, [
    {id: "1-0", user: {id: "a", name: "Ada"}, text: "old", ts: 5},
    {id: null, user: {id: "g", name: "Grace"}, text: "hi", ts: 6},
  ]);
  assert.deepEqual(events, ["+Grace", "-Grace"]);
  conn.close();
});

test("chat keeps at most maxMessages", () => {
  const chat = new Chat({stream: "s:1", maxMessages: 3});
  for (let i = 0; i < 5; i++) chat.onMessage({user: {}, text: String(i), ts: i}, {});
  assert.deepEqual(chat.messages.map((m) => m.text), ["2", "3", "4"]);
});

test("presence: state, join, leave; a second join of the same user is ignored", () => {
  const WS = fakeWebSocketClass();
  const presence = new Presence({stream: "s:1"});
  const conn = connect({clients: [presence], WebSocket: WS, location: LOCATION});
  WS.last.welcome([{name: "presence", stream: "s:1", strategy: "pub-sub"}]);
  const ev = (event, data) => WS.last.receive({client: "presence", stream: "s:1", event, data});
  ev("state", {users: [{id: "a", name: "Ada", connections: 2}]});
  ev("join", {user: {id: "g", name: "Grace"}});
  ev("join", {user: {id: "g", name: "Grace"}});
  assert.deepEqual(presence.users, [{id: "a", name: "Ada", connections: 2}, {id: "g", name: "Grace", connections: 1}]);
  ev("leave", {user: {id: "a", name: "Ada"}});
  assert.deepEqual(presence.users.map((u) => u.name), ["Grace"]);
  ev("state", {users: []});
  assert.deepEqual(get(presence).users, []);
  conn.close();
});

test("notifications: history, notification, read events and markRead", async () => {
  const WS = fakeWebSocketClass();
  const n = new Notifications({stream: "user:u1", strategy: "streams"});
  const conn = connect({clients: [n], WebSocket: WS, location: LOCATION});
  WS.last.welcome([{name: "notifications", stream: "user:u1", strategy: "streams"}]);
  const ev = (event, data, id) => WS.last.receive({client: "notifications", stream: "user:u1", event, data, ...(id ? {id} : {})});
  ev("history", {notifications: [{id: "1-0", data: {title: "wrapped"}}, {id: "2-0", title: "flat"}]});
  assert.deepEqual(n.items, [{title: "wrapped", id: "1-0", read: false}, {title: "flat", id: "2-0", read: false}]);
  assert.equal(n.unread, 2);
  ev("notification", {title: "new"}, "3-0");
  ev("notification", {title: "new"}, "3-0"); // duplicate
  assert.equal(n.unread, 3);
  ev("read", {id: "2-0"}); // marked on another tab
  assert.equal(n.unread, 1);
  assert.deepEqual(n.items.map((i) => i.read), [true, true, false]);

  const done = n.markRead("3-0");
  assert.equal(n.unread, 0, "optimistic");
  const cmd = WS.last.sent.at(-1);
  assert.deepEqual({client: cmd.client, stream: cmd.stream, event: cmd.event, data: cmd.data}, {client: "notifications", stream: "user:u1", event: "read", data: {id: "3-0"}});
  WS.last.receive({type: "ack", ref: cmd.ref});
  assert.equal((await done).type, "ack");
  assert.deepEqual(get(n).unread, 0);
  conn.close();
});

test("markRead() without id marks up to the newest", async () => {
  const WS = fakeWebSocketClass();
  const n = new Notifications({stream: "user:u1", strategy: "streams"});
  const conn = connect({clients: [n], WebSocket: WS, location: LOCATION});
  WS.last.welcome([{name: "notifications", stream: "user:u1", strategy: "streams"}]);
  WS.last.receive({client: "notifications", stream: "user:u1", event: "notification", id: "7-0", data: {title: "x"}});
  const p = n.markAllRead();
  assert.equal(WS.last.sent.at(-1).data.id, "7-0");
  WS.last.receive({type: "ack", ref: WS.last.sent.at(-1).ref});
  await p;
  assert.equal(await new Notifications({stream: "user:2"}).markRead(), null, "nothing to mark");
  conn.close();
});
