// Presence in the demo ("online now"). Skipped while the server answers
// the presence spec with unknown_plugin; runs by itself once it has it.
import {describe, it, before, after} from "node:test";
import assert from "node:assert/strict";
import {startSwitchboard, uniqueStream} from "../support/processes.mjs";
import {launchBrowser, newPage, joinDemo, unknownPlugins, assertNoPageErrors} from "../support/browser.mjs";

/** Names in the "online now" list, sorted. */
const online = (page) =>
  page.$$eval('[data-testid="presence-user"] .person-name', (els) => els.map((e) => e.textContent.trim()).sort());

async function expectOnline(page, expected, timeout = 15000) {
  const deadline = Date.now() + timeout;
  let actual;
  do {
    actual = await online(page);
    if (JSON.stringify(actual) === JSON.stringify(expected)) return;
    await page.waitForTimeout(50);
  } while (Date.now() < deadline);
  assert.deepEqual(actual, expected);
}

describe("demo presence", () => {
  let server;
  let browser;

  before(async () => {
    [server, browser] = await Promise.all([startSwitchboard(), launchBrowser()]);
    const probe = await newPage(browser);
    // The server has presence; a regression must fail here, not skip.
    assert.ok(!(await unknownPlugins(probe, server.base, ["presence"])).has("presence"),
              "the server reports unknown_plugin for presence");
    await probe.context().close();
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  it("lists who is online, across users and tabs, and drops those who leave", async (t) => {
    const stream = uniqueStream("presence");
    const ada = await newPage(browser);
    const grace = await newPage(browser);
    await joinDemo(ada, server.base, {name: "Ada", stream});
    await expectOnline(ada, ["Ada"]);
    await joinDemo(grace, server.base, {name: "Grace", stream});
    await expectOnline(ada, ["Ada", "Grace"]);
    await expectOnline(grace, ["Ada", "Grace"]);
    assert.equal(await ada.locator("#presence-note").isHidden(), true, "no fallback note when presence runs");
    const texts = await ada.$$eval('[data-testid="presence-user"]', (els) => els.map((e) => e.textContent));
    assert.ok(texts.some((t) => t.includes("Grace")), "each entry contains the name");

    // The joining socket gets `state` (already listing itself) and then its
    // own `join`: each user is listed once.
    const users = await ada.evaluate(() => window.switchboard.presence.users.map((u) => u.id));
    assert.equal(new Set(users).size, users.length, "no duplicate users");

    await grace.context().close();
    await expectOnline(ada, ["Ada"]);
    assertNoPageErrors(ada);
  });
});
