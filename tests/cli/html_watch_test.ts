/**
 * `--html` and `--watch` as a user works: a scratch project in a temporary
 * directory with its own deno.json and the README's `trap_once.ts` (a
 * policy of the user's own), and `deno run -R -W <setway>/cli.ts ...` run
 * from that project.
 *
 * @module
 */

import * as assert from "node:assert/strict";
import { join } from "node:path";
import {
  cliIn as setway,
  inProcess,
  readmeTrapOnce,
  ROOT,
  scratchProject as scratch,
  ZIMAGE,
} from "./helpers.ts";

/** The addresses of a page's word lanes, in the first view. */
function words(page: string): string[] {
  const view = page.slice(
    0,
    page.indexOf('<div class="view" data-unit', page.indexOf('<div class="view"') + 1),
  );
  return [...view.matchAll(/class="track-row word" data-addr="(0x[0-9a-f]+)"/g)].map((m) => m[1]);
}

Deno.test("--html: the timeline follows the stale addresses of the user's own policy's run", async () => {
  const dir = await scratch("setway-html-", { "trap_once.ts": readmeTrapOnce() });
  const out = await setway(dir, ["run", "trap_once.ts", "--html", "t.html"]);
  assert.equal(out.code, 0, out.stderr);
  const stale = [...out.stdout.matchAll(/stale_read at (0x[0-9a-f]+)/g)].map((m) => m[1]);
  assert.ok(stale.length > 0, out.stdout);
  const page = await Deno.readTextFile(join(dir, "t.html"));
  assert.deepEqual(words(page), [...new Set(stale.map((a) => `0x${a.slice(2).padStart(8, "0")}`))]);
  assert.match(page, /data-lane="dirty"/);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("--watch: the addresses the user chooses, in compare too; a bad one is a usage error", async () => {
  const dir = await scratch("setway-html-", { "trap_once.ts": readmeTrapOnce() });
  const out = await setway(dir, [
    "compare",
    "trap_once.ts",
    "--policies",
    "trap-once,kvm-4.0",
    "--html",
    "c.html",
    "--watch",
    "0x40000000, 0x40001000",
  ]);
  assert.equal(out.code, 0, out.stderr);
  const page = await Deno.readTextFile(join(dir, "c.html"));
  assert.deepEqual(words(page), ["0x40000000", "0x40001000"]);
  for (const run of page.split('<section class="run"').slice(1)) {
    assert.match(run, /data-addr="0x40001000"/, "every run watches them");
  }
  const bad = await setway(dir, [
    "run",
    "trap_once.ts",
    "--html",
    "t.html",
    "--watch",
    "0x40000002",
  ]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--watch "0x40000002": expected a 4-byte aligned address/);
  await Deno.remove(dir, { recursive: true });
});

/** The zImage scenario, by absolute path, for runs whose working directory is elsewhere. */
const SCENARIO = join(ROOT, ZIMAGE);

/** The addresses a run's text output lists as stale, as the page writes them, in order. */
function staleWords(stdout: string): string[] {
  const all = [...stdout.matchAll(/stale_read at (0x[0-9a-f]+)/g)].map((m) =>
    `0x${m[1].slice(2).padStart(8, "0")}`
  );
  return [...new Set(all)];
}

Deno.test("--watch: hex digits in either case and decimal; an address given twice is one lane", async () => {
  const { code, io } = await inProcess([
    "run",
    SCENARIO,
    "--html",
    "w.html",
    "--watch",
    "0X4000E000,1073741824,0x4000e000",
  ], "/nowhere");
  assert.equal(code, 0, io.stderr);
  // 1073741824 is 0x40000000.
  assert.deepEqual(words(io.files.get("/nowhere/w.html")!), ["0x4000e000", "0x40000000"]);
});

Deno.test("--watch: 64 addresses at most, as lib/limits.ts says", async () => {
  const many = (n: number) =>
    Array.from({ length: n }, (_, i) => `0x${(0x4000_0000 + 4 * i).toString(16)}`);
  const ok = await inProcess(
    ["run", SCENARIO, "--html", "w.html", "--watch", many(64).join(",")],
    "/nowhere",
  );
  assert.equal(ok.code, 0, ok.io.stderr);
  assert.deepEqual(words(ok.io.files.get("/nowhere/w.html")!), many(64));
  const over = await inProcess(
    ["run", SCENARIO, "--html", "w.html", "--watch", many(65).join(",")],
    "/nowhere",
  );
  assert.equal(over.code, 2);
  assert.equal(over.io.stderr, "setway: --watch: 65 addresses; at most 64 (lib/limits.ts)\n");
  assert.equal(over.io.files.size, 0);
  // A repeated address counts once.
  const repeated = await inProcess(
    ["run", SCENARIO, "--html", "w.html", "--watch", [...many(64), many(64)[0]].join(",")],
    "/nowhere",
  );
  assert.equal(repeated.code, 0, repeated.io.stderr);
  assert.deepEqual(words(repeated.io.files.get("/nowhere/w.html")!), many(64));
});

Deno.test("--html without --watch: the first 64 stale words, in the order they went stale", async () => {
  const dir = await scratch("setway-html-", {
    "s.ts": `import { vm } from ${JSON.stringify(join(ROOT, "mod.ts"))};\n` +
      "export default vm().guest((g) => g.noMaintenance({ words: 70 }));\n",
  });
  try {
    const { code, io } = await inProcess(["run", "s.ts", "--html", "t.html"], dir);
    assert.equal(code, 0, io.stderr);
    const stale = staleWords(io.stdout);
    assert.equal(stale.length, 70);
    assert.deepEqual(words(io.files.get(join(dir, "t.html"))!), stale.slice(0, 64));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("compare --html: the stale words of every run in turn, each once, 64 at most", async () => {
  // 40 words the guest never cleans (stale under any policy), then the zImage, whose 32
  // words go stale under KVM 3.18 only: 72 different words in all.
  const dir = await scratch("setway-html-", {
    "s.ts": `import { vm } from ${JSON.stringify(join(ROOT, "mod.ts"))};\n` +
      'export default vm().machine("xgene1")\n' +
      "  .guest((g) => g.noMaintenance({ base: 0x4020_0000, words: 40 }).zImage32());\n",
  });
  try {
    const stale = [];
    for (const policy of ["kvm-4.0", "kvm-3.18"]) {
      const alone = await inProcess(["run", "s.ts", "--policy", policy], dir);
      stale.push(...staleWords(alone.io.stdout));
    }
    const all = [...new Set(stale)];
    assert.equal(all.length, 72);
    const { code, io } = await inProcess(
      ["compare", "s.ts", "--policies", "kvm-4.0,kvm-3.18", "--html", "c.html"],
      dir,
    );
    assert.equal(code, 0, io.stderr);
    assert.deepEqual(words(io.files.get(join(dir, "c.html"))!), all.slice(0, 64));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("run --raw --html: the timeline still follows the stale words through the caches", async () => {
  const { code, io } = await inProcess(["run", SCENARIO, "--raw", "--html", "r.html"], "/nowhere");
  assert.equal(code, 0, io.stderr);
  const page = io.files.get("/nowhere/r.html")!;
  assert.deepEqual(words(page), staleWords(io.stdout));
  assert.equal(words(page).length, 32);
  assert.match(page, /data-lane="dirty"/);
});

Deno.test("--html of a scenario whose run() does its own thing: a page without cache lanes", async () => {
  // Its run() keeps every event; the watched rerun collapses them, so it is not the same run.
  const dir = await scratch("setway-html-", {
    "own.ts": `import { vm } from ${JSON.stringify(join(ROOT, "mod.ts"))};\n` +
      "const b = vm().guest((g) => g.noMaintenance({ words: 4 }).sw_clean());\n" +
      "export default { toJSON: () => b.toJSON(), run: () => b.run({ collapse: false }) };\n",
  });
  try {
    const { code, io } = await inProcess(["run", "own.ts", "--html", "o.html"], dir);
    assert.equal(code, 0, io.stderr);
    assert.equal(staleWords(io.stdout).length, 4);
    const page = io.files.get(join(dir, "o.html"))!;
    assert.match(page, /^<!doctype html>/);
    assert.deepEqual(words(page), []);
    assert.doesNotMatch(page, /data-lane="dirty"/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
