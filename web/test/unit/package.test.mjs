import {test} from "node:test";
import assert from "node:assert/strict";
import {readFileSync, existsSync} from "node:fs";
import path from "node:path";
import {fileURLToPath} from "node:url";
import * as client from "../../client/switchboard.js";

const dir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../client");
const pkg = JSON.parse(readFileSync(path.join(dir, "package.json"), "utf8"));

test("package.json is an npm-packable ES module with types", () => {
  assert.equal(pkg.name, "@switchboard/client");
  assert.equal(pkg.type, "module");
  assert.equal(pkg.types, "./switchboard.d.ts");
  assert.deepEqual(pkg.exports["."], {types: "./switchboard.d.ts", import: "./switchboard.js", default: "./switchboard.js"});
  for (const f of pkg.files) assert.ok(existsSync(path.join(dir, f)), f);
  assert.deepEqual(pkg.dependencies ?? {}, {}, "dependency-free");
});

test("switchboard.d.ts declares every runtime export, and nothing else", () => {
  const dts = readFileSync(path.join(dir, "switchboard.d.ts"), "utf8");
  const declared = new Set([...dts.matchAll(/^export declare (?:class|function|const) (\w+)/gm)].map((m) => m[1]));
  assert.deepEqual([...declared].sort(), Object.keys(client).sort());
});

test("the client has no imports (dependency-free, servable as one file)", () => {
  const src = readFileSync(path.join(dir, "switchboard.js"), "utf8");
  assert.doesNotMatch(src, /^\s*import\s/m);
  assert.doesNotMatch(src, /\brequire\(/);
});
