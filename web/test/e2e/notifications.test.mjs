// Notifications in the demo (bell, unread count, mark read). Skipped while
// the server answers the notifications spec with unknown_plugin or has no
// /api/publish; runs by itself once it has both.
import {describe, it, before, after} from "node:test";
import assert from "node:assert/strict";
import {startSwitchboard, switchboardOptions} from "../support/processes.mjs";
import {launchBrowser, newPage, joinDemo, waitForTexts, unknownPlugins, assertNoPageErrors, screenshotPath} from "../support/browser.mjs";

const API_KEY = "e2e-api-key";

describe("demo notifications", () => {
  let server;
  let browser;

  const publish = (body) =>
    fetch(`${server.base}/api/publish`, {
      method: "POST",
      headers: {"Content-Type": "application/json", Authorization: `Bearer ${API_KEY}`},
      body: JSON.stringify(body),
    });

  before(async () => {
    const args = switchboardOptions().has("api.key") ? [`--api.key=${API_KEY}`] : [];
    [server, browser] = await Promise.all([startSwitchboard({args}), launchBrowser()]);
    const probe = await newPage(browser);
    // The server has both; a regression must fail here, not skip.
    assert.ok(!(await unknownPlugins(probe, server.base, ["notifications"])).has("notifications"),
              "the server reports unknown_plugin for notifications");
    const res = await publish({stream: "user:probe", client: "notifications", event: "notification", data: {title: "probe"}});
    assert.equal(res.status, 200, "POST /api/publish must work");
    await probe.context().close();
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  it("a published notification rings the bell; mark all read clears the count", async (t) => {
    const name = `Ada${Date.now().toString(36)}`;
    const stream = `user:${name.toLowerCase()}`;
    const ada = await newPage(browser);
    await joinDemo(ada, server.base, {name, stream: "stream:lobby"});
    assert.equal(await ada.evaluate(() => window.switchboard.notifications.stream), stream);
    await ada.waitForFunction(() => window.switchboard.notifications.started);

    for (const title of ["Your report is ready", "Grace mentioned you"]) {
      const res = await publish({stream, client: "notifications", event: "notification", data: {title}});
      assert.equal(res.ok, true, `publish: ${res.status} ${await res.text()}`);
    }
    await waitForTexts(ada, "notification", (l) => l.length === 2);
    const texts = await ada.$$eval('[data-testid="notification"]', (els) => els.map((e) => e.textContent));
    assert.ok(texts[0].includes("Grace mentioned you") && texts[1].includes("Your report is ready"), "newest first");
    await ada.waitForFunction(() => document.querySelector('[data-testid="unread-count"]').textContent === "2");

    await ada.getByRole("button", {name: /Notifications/}).click();
    await ada.screenshot({path: screenshotPath("demo-notifications.png")});
    await ada.locator("#mark-read").click();
    await ada.waitForFunction(() => document.querySelector('[data-testid="unread-count"]').textContent === "0");
    await ada.waitForTimeout(300);
    assert.equal(await ada.evaluate(() => window.switchboard.notifications.error), null);
    assertNoPageErrors(ada);
  });
});
