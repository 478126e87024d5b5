// Budgets exceeded inside one step, through the real command line: a DC
// range of 2^40 bytes stopped by its page and wall budgets, and a policy
// hook that emits without end stopped by the event budget. Each is exit
// status 2, one line on standard error naming the step and the figure, no
// stack trace, nothing on standard output, and comes within the wall budget
// plus a generous margin (the same range ran 40 s before it was checked
// inside the step).
import assert from "node:assert/strict";
import { join } from "node:path";
import { cli, type Outcome, ROOT } from "../cli/helpers.ts";

const MOD = JSON.stringify(join(ROOT, "mod.ts"));

/** Process start-up, type checking of the module and the worker included. */
const MARGIN_MS = 10_000;

function assertOneLine(o: Outcome, pattern: RegExp): void {
  assert.equal(o.code, 2, `stderr: ${o.stderr}`);
  assert.equal(o.stdout, "");
  const lines = o.stderr.split("\n");
  assert.equal(lines.length, 2, `one line: ${JSON.stringify(o.stderr)}`);
  assert.match(lines[0], /^setway: /);
  assert.match(lines[0], pattern);
  assert.ok(!/\bat .*:\d+:\d+/.test(o.stderr), "no stack trace");
  assert.ok(!/bug in setway/.test(o.stderr), "not blamed on setway");
}

/** A scratch folder holding `s.ts` with `text`; returns the file. */
async function scenarioFile(text: string): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "setway-limits-" });
  const file = join(dir, "s.ts");
  await Deno.writeTextFile(file, text);
  return file;
}

/** The range of the issue: (almost) all of a TiB, one step. */
const HUGE_RANGE = 'vm().machine("generic").ram("1TiB")';
const CIVAC = ".guest((g) => g.mmuOn().dc_civac(0x40000000, 2 ** 40 - 4096))";

Deno.test("command line: `deno task cli run` stops a 2^40-byte DC range at its page budget", async () => {
  const file = await scenarioFile(
    `import { vm } from ${MOD};\nexport default ${HUGE_RANGE}` +
      `.budget({ steps: Infinity, wallMs: 1000, touchedPages: 16, events: 100 })${CIVAC};\n`,
  );
  const started = performance.now();
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["task", "cli", "run", file],
    cwd: ROOT,
    env: { NO_COLOR: "1" },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const took = performance.now() - started;
  const dec = new TextDecoder();
  // deno task echoes the command it runs first.
  const stderr = dec.decode(out.stderr).split("\n").filter((l) => !l.startsWith("Task cli"))
    .join("\n");
  assertOneLine(
    { code: out.code, stdout: dec.decode(out.stdout), stderr },
    /^setway: steps\[1\] \(dc_civac\): .*maxTouchedPages = 16 pages of DRAM written \(17 with this step\)/,
  );
  assert.ok(took < 1000 + MARGIN_MS, `took ${Math.round(took)} ms`);
  await Deno.remove(join(file, ".."), { recursive: true });
});

Deno.test("command line: the wall budget stops a 2^40-byte DC range inside the step", async () => {
  const file = await scenarioFile(
    `import { vm } from ${MOD};\n` +
      `export default ${HUGE_RANGE}.budget({ steps: Infinity, wallMs: 300 })${CIVAC};\n`,
  );
  const started = performance.now();
  const out = await cli(["run", file], { NO_COLOR: "1" });
  const took = performance.now() - started;
  assertOneLine(out, /^setway: steps\[1\] \(dc_civac\): .*maxWallMs = 300 milliseconds of wall/);
  assert.ok(took < 300 + MARGIN_MS, `took ${Math.round(took)} ms`);
  await Deno.remove(join(file, ".."), { recursive: true });
});

Deno.test("command line: the event budget stops a policy hook that emits without end", async () => {
  const file = await scenarioFile(
    `import { definePolicy, vm } from ${MOD};\n` +
      `const chatty = definePolicy({ name: "chatty", description: "d", source: "s",\n` +
      `  onReset(hyp) { hyp.vcpu.hcr.tsw = true; },\n` +
      `  onSetWay(hyp) { for (let i = 0;; i++) hyp.emit("chatter", { i }); } });\n` +
      `export default vm().policy(chatty).budget({ events: 1000 }).guest((g) => g.sw_clean());\n`,
  );
  const out = await cli(["run", file], { NO_COLOR: "1" });
  assertOneLine(
    out,
    /^setway: steps\[0\] \(sw_walk\): .*maxEvents = 1000 event records \(1001 with this step\)/,
  );
  await Deno.remove(join(file, ".."), { recursive: true });
});
