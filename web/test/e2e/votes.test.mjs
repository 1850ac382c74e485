// The README's proxy example, run as written: examples/plugins/votes/
// backend.mjs (a Node.js backend) behind `plugins.votes.proxy`, and its
// browser side examples/plugins/votes/votes.js (definePlugin) in two tabs.
import {describe, it, before, after} from "node:test";
import assert from "node:assert/strict";
import {spawn} from "node:child_process";
import {readFile} from "node:fs/promises";
import path from "node:path";
import {freePort, startSwitchboard, uniqueStream, sleep, REPO_ROOT} from "../support/processes.mjs";
import {launchBrowser, newPage, assertNoPageErrors} from "../support/browser.mjs";

const EXAMPLE = path.join(REPO_ROOT, "examples/plugins/votes");
const KEY = "votes-e2e-key";

async function startBackend(port) {
  const child = spawn(process.execPath, [path.join(EXAMPLE, "backend.mjs"), String(port)], {
    env: {...process.env, SWITCHBOARD_API_KEY: KEY},
    stdio: ["ignore", "pipe", "inherit"],
  });
  process.on("exit", () => child.kill("SIGKILL"));
  await new Promise((resolve, reject) => {
    child.stdout.once("data", resolve);
    child.once("exit", (code) => reject(new Error(`the votes backend exited with ${code}`)));
  });
  return child;
}

/** Opens the demo origin, loads votes.js (served from the example folder) and connects. */
async function openVoter(browser, base, source, {name, stream}) {
  const page = await newPage(browser);
  await page.route("**/examples/votes.js", (route) =>
    route.fulfill({contentType: "text/javascript", body: source}));
  await page.goto(`${base}/healthz`);
  await page.evaluate(
    async ({name, stream}) => {
      const {connect} = await import("/switchboard.js");
      const {Votes} = await import("/examples/votes.js");
      const votes = new Votes({stream});
      const connection = connect({clients: [votes], name});
      window.poll = {votes, connection, tallies: []};
      votes.subscribe(({tally}) => window.poll.tallies.push(tally));
    },
    {name, stream},
  );
  return page;
}

const tallyOf = (page) => page.evaluate(() => window.poll.votes.state.tally);

async function expectTally(page, expected) {
  const deadline = Date.now() + 10000;
  let actual;
  while (Date.now() < deadline) {
    actual = await tallyOf(page);
    if (JSON.stringify(actual) === JSON.stringify(expected)) return;
    await sleep(50);
  }
  assert.deepEqual(actual, expected);
}

describe("the votes proxy example", () => {
  let backend;
  let server;
  let browser;
  let source;

  before(async () => {
    const port = await freePort();
    backend = await startBackend(port);
    source = await readFile(path.join(EXAMPLE, "votes.js"), "utf8");
    [server, browser] = await Promise.all([
      startSwitchboard({args: [`--api.key=${KEY}`, `--plugins.votes.proxy=http://127.0.0.1:${port}/hooks/votes`, "--plugins.votes.events=vote"]}),
      launchBrowser(),
    ]);
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
    backend?.kill();
  });

  it("two tabs vote and both see the tally; a bad vote is refused", async () => {
    const stream = uniqueStream("votes");
    const ada = await openVoter(browser, server.base, source, {name: "Ada", stream});
    const grace = await openVoter(browser, server.base, source, {name: "Grace", stream});
    await expectTally(ada, {yes: 0, no: 0});
    const ack = await ada.evaluate(() => window.poll.votes.vote("yes"));
    assert.equal(ack.type, "ack");
    await expectTally(grace, {yes: 1, no: 0});
    await grace.evaluate(() => window.poll.votes.vote("no"));
    await expectTally(ada, {yes: 1, no: 1});
    await ada.evaluate(() => window.poll.votes.vote("no")); // Ada changes her mind
    await expectTally(grace, {yes: 0, no: 2});
    const refused = await ada.evaluate(() => window.poll.votes.vote("maybe").then(() => null, (e) => ({code: e.code, message: e.message})));
    assert.deepEqual(refused, {code: "invalid_frame", message: `vote "yes" or "no"`});
    // A late tab gets the tally on open, from the backend.
    const late = await openVoter(browser, server.base, source, {name: "Lin", stream});
    await expectTally(late, {yes: 0, no: 2});
    assertNoPageErrors(ada, grace, late);
  });
});
