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
import { cliIn as setway, readmeTrapOnce, scratchProject as scratch } from "./helpers.ts";

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
