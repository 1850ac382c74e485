import {test} from "node:test";
import assert from "node:assert/strict";
import {buildUrl, Chat, Presence, Notifications, connect} from "../../client/switchboard.js";
import {fakeWebSocketClass, LOCATION} from "./fakes.mjs";

const clientsOf = (url) => JSON.parse(new URL(url).searchParams.get("clients"));

test("ws: on an http page, same host and port, path /ws", () => {
  const chat = new Chat({stream: "stream:123"});
  const url = buildUrl({location: {protocol: "http:", host: "example.test:8080"}, clients: [chat]});
  const u = new URL(url);
  assert.equal(u.protocol, "ws:");
  assert.equal(u.host, "example.test:8080");
  assert.equal(u.pathname, "/ws");
});

test("wss: on an https page", () => {
  const url = buildUrl({location: {protocol: "https:", host: "chat.example.com"}, clients: [new Chat({stream: "s:1"})]});
  assert.match(url, /^wss:\/\/chat\.example\.com\/ws\?clients=/);
});

test("clients is one URL-encoded JSON array of every spec", () => {
  const chat = new Chat({stream: "stream:123", strategy: "streams"});
  const presence = new Presence({stream: "stream:123"});
  const notifications = new Notifications({stream: "user:u42", strategy: "streams"});
  const url = buildUrl({location: LOCATION, clients: [chat, presence, notifications]});
  const raw = url.slice(url.indexOf("clients=") + "clients=".length).split("&")[0];
  assert.equal(raw, encodeURIComponent(decodeURIComponent(raw)), "fully percent-encoded");
  assert.doesNotMatch(raw, /[\[\]{}":,]/, "no raw JSON punctuation in the query");
  assert.deepEqual(clientsOf(url), [
    {name: "chat", stream: "stream:123", strategy: "streams"},
    {name: "presence", stream: "stream:123", strategy: "pub-sub"},
    {name: "notifications", stream: "user:u42", strategy: "streams"},
  ]);
});

test("since is sent for streams plugins that saw an id, never for pub-sub", () => {
  const chat = new Chat({stream: "stream:1", strategy: "streams"});
  const pubsub = new Chat({stream: "stream:2"});
  chat.lastId = "1718000000000-3";
  pubsub.lastId = "1718000000000-4"; // ignored: since is streams only
  const specs = clientsOf(buildUrl({location: LOCATION, clients: [chat, pubsub]}));
  assert.equal(specs[0].since, "1718000000000-3");
  assert.equal("since" in specs[1], false);
  const fresh = new Chat({stream: "stream:3", strategy: "streams"});
  assert.equal("since" in clientsOf(buildUrl({location: LOCATION, clients: [fresh]}))[0], false);
});

test("since given at construction is used", () => {
  const chat = new Chat({stream: "stream:1", strategy: "streams", since: "5-1"});
  assert.equal(chat.spec().since, "5-1");
});

test("name and token are encoded", () => {
  const url = buildUrl({location: LOCATION, clients: [new Chat({stream: "s:1"})], name: "Ada Lovelace & co", token: "a.b+c/d="});
  const u = new URL(url);
  assert.equal(u.searchParams.get("name"), "Ada Lovelace & co");
  assert.equal(u.searchParams.get("token"), "a.b+c/d=");
  assert.match(url, /name=Ada%20Lovelace%20%26%20co/, "spaces as %20, not +");
  assert.match(url, /token=a\.b%2Bc%2Fd%3D/);
});

test("an explicit url wins; http(s) becomes ws(s); paths use the page's host", () => {
  const c = [new Chat({stream: "s:1"})];
  assert.match(buildUrl({url: "ws://other:9000/ws", clients: c}), /^ws:\/\/other:9000\/ws\?clients=/);
  assert.match(buildUrl({url: "https://other/socket", clients: c}), /^wss:\/\/other\/socket\?clients=/);
  assert.match(buildUrl({url: "/custom", location: {protocol: "https:", host: "h"}, clients: c}), /^wss:\/\/h\/custom\?clients=/);
  assert.match(buildUrl({path: "/sock", location: LOCATION, clients: c}), /^ws:\/\/example\.test:8080\/sock\?/);
  assert.match(buildUrl({url: "ws://h/ws?x=1", clients: c}), /^ws:\/\/h\/ws\?x=1&clients=/);
});

test("no url and no location is an error", () => {
  assert.throws(() => buildUrl({location: null, clients: [new Chat({stream: "s:1"})]}), /url/);
});

test("plugins validate stream and strategy", () => {
  assert.throws(() => new Chat({stream: "bad stream!"}), TypeError);
  assert.throws(() => new Chat({stream: ""}), TypeError);
  assert.throws(() => new Chat({stream: "x".repeat(201)}), TypeError);
  assert.throws(() => new Chat({stream: "s:1", strategy: "kafka"}), TypeError);
  assert.doesNotThrow(() => new Chat({stream: "stream:123:thread:345_a.b-c"}));
});

test("connect opens one socket for every plugin, at the built URL", () => {
  const WS = fakeWebSocketClass();
  const chat = new Chat({stream: "stream:1", strategy: "streams"});
  const presence = new Presence({stream: "stream:1"});
  const conn = connect({clients: [chat, presence], name: "Ada", WebSocket: WS, location: {protocol: "https:", host: "x.test"}});
  assert.equal(WS.instances.length, 1);
  assert.match(WS.last.url, /^wss:\/\/x\.test\/ws\?clients=/);
  assert.deepEqual(WS.last.specs.map((s) => s.name), ["chat", "presence"]);
  assert.equal(new URL(WS.last.url).searchParams.get("name"), "Ada");
  assert.equal(conn.url, WS.last.url);
  conn.close();
});

test("connect rejects a plugin given twice, and accepts an empty list", () => {
  const WS = fakeWebSocketClass();
  const chat = new Chat({stream: "stream:1"});
  assert.throws(() => connect({clients: [chat, new Chat({stream: "stream:1"})], WebSocket: WS, location: LOCATION}), /twice/);
  // Protocol version 2: a socket may start with no clients (add them later).
  const empty = connect({clients: [], WebSocket: WS, location: LOCATION});
  assert.deepEqual(WS.last.specs, []);
  assert.equal(new URL(WS.last.url).searchParams.get("v"), "2");
  empty.close();
});

test("token may be a function, called on every connect", async () => {
  const WS = fakeWebSocketClass();
  let n = 0;
  const conn = connect({clients: [new Chat({stream: "s:1"})], token: async () => `t${++n}`, WebSocket: WS, location: LOCATION, backoff: {initial: 0, jitter: 0}});
  await new Promise((r) => setImmediate(r));
  assert.equal(new URL(WS.last.url).searchParams.get("token"), "t1");
  WS.last.drop(1006);
  await new Promise((r) => setTimeout(r, 5));
  assert.equal(new URL(WS.last.url).searchParams.get("token"), "t2");
  conn.close();
});

test("4401 after a welcome (token expired) reconnects with a fresh token from the function", async () => {
  const WS = fakeWebSocketClass();
  let n = 0;
  const chat = new Chat({stream: "s:1"});
  const conn = connect({clients: [chat], token: async () => `t${++n}`, WebSocket: WS, location: LOCATION, backoff: {initial: 0, jitter: 0}});
  await new Promise((r) => setImmediate(r));
  WS.last.welcome([{name: chat.name, stream: chat.stream, strategy: chat.strategy}]);
  WS.last.drop(4401, "Unauthorized");
  assert.equal(conn.status, "reconnecting");
  await new Promise((r) => setTimeout(r, 5));
  assert.equal(new URL(WS.last.url).searchParams.get("token"), "t2");
  // Refused once more before a welcome (a clock a little behind the
  // server's): retried with the next token.
  WS.last.drop(4401, "Unauthorized");
  assert.equal(conn.status, "reconnecting");
  await new Promise((r) => setTimeout(r, 5));
  assert.equal(new URL(WS.last.url).searchParams.get("token"), "t3");
  // A second refusal in a row is final.
  WS.last.drop(4401, "Unauthorized");
  assert.equal(conn.status, "closed");
  assert.equal(conn.error.code, 4401);
});

test("4401 before any welcome is final even with a token function", async () => {
  const WS = fakeWebSocketClass();
  const conn = connect({clients: [new Chat({stream: "s:1"})], token: async () => "bad", WebSocket: WS, location: LOCATION, backoff: {initial: 0, jitter: 0}});
  await new Promise((r) => setImmediate(r));
  WS.last.drop(4401, "Unauthorized");
  assert.equal(conn.status, "closed");
  assert.equal(WS.instances.length, 1);
});

test("4401 with a fixed token string stays final even after a welcome", () => {
  const WS = fakeWebSocketClass();
  const chat = new Chat({stream: "s:1"});
  const conn = connect({clients: [chat], token: "t", WebSocket: WS, location: LOCATION});
  WS.last.welcome([{name: chat.name, stream: chat.stream, strategy: chat.strategy}]);
  WS.last.drop(4401, "Unauthorized");
  assert.equal(conn.status, "closed");
});
