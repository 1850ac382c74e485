// The Typing plugin without a browser: what it sends (throttled, only when
// connected), whom it shows (others only, expiring, cleared on stop and
// when the socket goes).
import {test} from "node:test";
import assert from "node:assert/strict";
import {connect, Typing} from "../../client/switchboard.js";
import {fakeWebSocketClass, fakeTimers, flush, LOCATION} from "./fakes.mjs";

const ADA = {id: "u-ada", name: "Ada"};
const GRACE = {id: "u-grace", name: "Grace"};

function setup() {
  const WS = fakeWebSocketClass();
  const timers = fakeTimers();
  const typing = new Typing({stream: "stream:1", setTimeout: timers.setTimeout, clearTimeout: timers.clearTimeout, now: () => timers.now});
  const conn = connect({clients: [typing], WebSocket: WS, location: LOCATION, setTimeout: timers.setTimeout, clearTimeout: timers.clearTimeout, random: () => 0});
  const welcome = () => WS.last.welcome([{name: "typing", stream: "stream:1", strategy: "pub-sub"}], ADA);
  const event = (name, user) => WS.last.receive({client: "typing", stream: "stream:1", event: name, data: {user}});
  return {WS, timers, typing, conn, welcome, event};
}

test("start() sends typing at most once per throttle, stop() sends stopped once", async () => {
  const {WS, timers, typing, conn, welcome} = setup();
  assert.equal(await typing.start(), null, "nothing is sent before welcome");
  welcome();
  typing.start();
  typing.start();
  timers.advance(1999);
  typing.start();
  assert.deepEqual(WS.last.sent.map((f) => f.event), ["typing"]);
  timers.advance(1);
  typing.start();
  typing.stop();
  typing.stop();
  assert.deepEqual(WS.last.sent.map((f) => [f.client, f.stream, f.event]), [
    ["typing", "stream:1", "typing"],
    ["typing", "stream:1", "typing"],
    ["typing", "stream:1", "stopped"],
  ]);
  for (const f of WS.last.sent) WS.last.receive({type: "error", ref: f.ref, code: "rate_limited"});
  await flush(); // failures are swallowed: typing is best effort
  conn.close();
});

test("others typing are listed until they stop, go quiet, or the socket closes", () => {
  const {WS, timers, typing, conn, welcome, event} = setup();
  welcome();
  event("typing", GRACE);
  event("typing", ADA); // ourselves (another tab): not listed
  assert.deepEqual(typing.users, [GRACE]);
  event("typing", {id: "u-lin", name: "Lin"});
  event("stopped", GRACE);
  assert.deepEqual(typing.users.map((u) => u.name), ["Lin"]);
  timers.advance(4000);
  event("typing", {id: "u-lin", name: "Lin"}); // refreshed: the expiry restarts
  timers.advance(4000);
  assert.deepEqual(typing.users.map((u) => u.name), ["Lin"]);
  timers.advance(1000);
  assert.deepEqual(typing.users, [], "expired after 5 s without a refresh");
  event("typing", GRACE);
  WS.last.drop(1006);
  assert.deepEqual(typing.users, [], "cleared when the socket went");
  conn.close();
});

test("Typing.text puts the users typing in one line", () => {
  const user = (name) => ({id: name, name});
  assert.equal(Typing.text([]), "");
  assert.equal(Typing.text([user("Ada")]), "Ada is typing…");
  assert.equal(Typing.text([user("Ada"), user("Grace")]), "Ada and Grace are typing…");
  assert.equal(Typing.text([user("Ada"), user("Grace"), user("Lin"), user("Bo")]), "Ada, Grace and 2 more are typing…");
  assert.equal(Typing.text([{id: "x"}]), "Someone is typing…");
});
