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
import { ROOT } from "./helpers.ts";

/** The README's trap_once.ts, importing setway by file URL. */
function trapOnceModule(): string {
  const readme = Deno.readTextFileSync(join(ROOT, "README.md"));
  const start = readme.indexOf("// trap_once.ts\n");
  const end = readme.indexOf("```", start);
  assert.ok(start > 0 && end > start, "README shows trap_once.ts");
  const mod = new URL("mod.ts", `file://${ROOT}`).href;
  return readme.slice(start, end).replace('"./mod.ts"', JSON.stringify(mod));
}

async function scratchProject(): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "setway-html-" });
  await Deno.writeTextFile(join(dir, "deno.json"), "{}\n");
  await Deno.writeTextFile(join(dir, "trap_once.ts"), trapOnceModule());
  return dir;
}

async function setway(cwd: string, args: string[]) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-R", "-W", join(ROOT, "cli.ts"), ...args],
    cwd,
    env: { ...Deno.env.toObject(), NO_COLOR: "1" },
    clearEnv: true,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder();
  return { code: out.code, stdout: text.decode(out.stdout), stderr: text.decode(out.stderr) };
}

/** The addresses of a page's word lanes, in the first view. */
function words(page: string): string[] {
  const view = page.slice(
    0,
    page.indexOf('<div class="view" data-unit', page.indexOf('<div class="view"') + 1),
  );
  return [...view.matchAll(/class="track-row word" data-addr="(0x[0-9a-f]+)"/g)].map((m) => m[1]);
}

Deno.test("--html: the timeline follows the stale addresses of the user's own policy's run", async () => {
  const dir = await scratchProject();
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
  const dir = await scratchProject();
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
