// "Ada is typing…" in the demo: the other tab shows who types, and stops
// showing it when they send. Run against both kinds of typing plugin the
// README shows: the C++ example loaded from its shared library, and a
// relay defined in the configuration; a server with neither shows nothing.
import {describe, it, before, after} from "node:test";
import assert from "node:assert/strict";
import {existsSync} from "node:fs";
import path from "node:path";
import {startSwitchboard, uniqueStream, SWITCHBOARD_BIN} from "../support/processes.mjs";
import {launchBrowser, newPage, joinDemo, expectMessages, sendMessage, expectTypingIndicator, assertNoPageErrors} from "../support/browser.mjs";

const TYPING_PLUGIN =
  process.env.SWITCHBOARD_TYPING_PLUGIN || path.join(path.dirname(SWITCHBOARD_BIN), "examples/plugins/typing/libtyping.so");

const indicator = (page) => page.getByTestId("typing-indicator");

const kinds = [
  ["the C++ example plugin", () => [`--plugins.load=${TYPING_PLUGIN}`]],
  ["a relay", () => ["--plugins.typing.relay", "--plugins.typing.events=typing,stopped"]],
];

for (const [kind, args] of kinds) {
  describe(`demo typing indicator (${kind})`, () => {
    let server;
    let browser;

    before(async () => {
      assert.ok(existsSync(TYPING_PLUGIN), `${TYPING_PLUGIN} is missing: build the typing target`);
      [server, browser] = await Promise.all([startSwitchboard({args: args()}), launchBrowser()]);
    });
    after(async () => {
      await browser?.close();
      await server?.stop();
    });

    it("shows who is typing in the other tab until they send", async () => {
      const stream = uniqueStream("typing");
      const ada = await newPage(browser);
      const grace = await newPage(browser);
      await joinDemo(ada, server.base, {name: "Ada", stream});
      await joinDemo(grace, server.base, {name: "Grace", stream});
      await expectTypingIndicator(grace, null);

      await ada.getByTestId("message-input").pressSequentially("hello Gr", {delay: 20});
      await expectTypingIndicator(grace, "Ada is typing…");
      await expectTypingIndicator(ada, null); // not to herself
      assert.equal(await ada.evaluate(() => window.switchboard.typing.error), null);

      await ada.getByTestId("message-input").pressSequentially("ace");
      await sendMessage(ada, "hello Grace");
      await expectMessages(grace, ["hello Grace"]);
      await expectTypingIndicator(grace, null);
      assertNoPageErrors(ada, grace);
    });
  });
}

describe("demo typing indicator (no typing plugin)", () => {
  let server;
  let browser;

  before(async () => {
    [server, browser] = await Promise.all([startSwitchboard(), launchBrowser()]);
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  it("chat works and nothing is shown", async () => {
    const stream = uniqueStream("notyping");
    const ada = await newPage(browser);
    const grace = await newPage(browser);
    await joinDemo(ada, server.base, {name: "Ada", stream});
    await joinDemo(grace, server.base, {name: "Grace", stream});
    await ada.getByTestId("message-input").pressSequentially("hi", {delay: 20});
    await sendMessage(ada, "hi");
    await expectMessages(grace, ["hi"]);
    assert.equal(await ada.evaluate(() => window.switchboard.typing.error?.code), "unknown_plugin");
    assert.equal(await indicator(grace).isHidden(), true);
    assertNoPageErrors(ada, grace);
  });
});
