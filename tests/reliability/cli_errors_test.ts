// Every kind of ScenarioError through the command line: exit status 2 and one
// line on standard error, `setway: <message>`, naming the field and the value,
// with no stack trace. Most cases run in process; one runs the real cli.ts.
import assert from "node:assert/strict";
import { join } from "node:path";
import { bufferIo } from "../../lib/cli/io.ts";
import { main } from "../../lib/cli/main.ts";
import { vm } from "../../lib/dsl/mod.ts";
import { tempDir } from "../support/temp_dir.ts";

const ROOT = new URL("../../", import.meta.url);
const MOD = new URL("mod.ts", ROOT).href;

/** A valid scenario's JSON, changed by `change`. */
function scenarioJson(change: (s: Record<string, unknown>) => void): string {
  const s = JSON.parse(
    JSON.stringify(vm().cpus(2).ram("1MiB").guest((g) => g.mmuOn().write(0x4000_0000, 1)).toJSON()),
  );
  change(s);
  return JSON.stringify(s);
}

function assertOneLine(code: number, stdout: string, stderr: string, pattern: RegExp): void {
  assert.equal(code, 2, `stderr: ${stderr}`);
  assert.equal(stdout, "");
  const lines = stderr.split("\n");
  assert.deepEqual(lines.length, 2, `one line: ${JSON.stringify(stderr)}`);
  assert.match(lines[0], /^setway: /);
  assert.match(lines[0], pattern);
  assert.ok(!/\bat .*:\d+:\d+/.test(stderr), "no stack trace");
}

const CASES: [string, string, RegExp][] = [
  [
    "a field of the wrong type",
    scenarioJson((s) => ((s.steps as { addr: unknown }[])[1].addr = "0x40000000")),
    /steps\[1\]\.addr = "0x40000000"/,
  ],
  [
    "an unknown machine, listing the valid ones",
    scenarioJson((s) => (s.machine = "juno")),
    /machine = "juno": unknown name; valid names: generic, xgene1, juno-r0/,
  ],
  [
    "cpus above the machine's",
    scenarioJson((s) => (s.cpus = 9)),
    /cpus = 9: out of range: .*generic.*4 CPUs/,
  ],
  [
    "a vCPU index out of range",
    scenarioJson((s) => ((s.steps as { vcpu: number }[])[1].vcpu = 2)),
    /steps\[1\]\.vcpu = 2: out of range/,
  ],
  [
    "an unaligned address",
    scenarioJson((s) => ((s.steps as { addr: number }[])[1].addr = 0x4000_0002)),
    /steps\[1\]\.addr = 0x40000002: bad address/,
  ],
  [
    "an address outside RAM",
    scenarioJson((s) => ((s.steps as { addr: number }[])[1].addr = 0x4010_0000)),
    /steps\[1\]\.addr = 0x40100000: bad address: .*\[0x40000000, 0x40100000\)/,
  ],
  [
    "RAM that is not whole pages",
    scenarioJson((s) => (s.ram = 5000)),
    /ram = 5000: invalid value/,
  ],
  [
    "a system cache that is not a power of two",
    scenarioJson((s) => (s.systemCache = { size: 3000, ways: 4 })),
    /systemCache\.size = 3000: expected a power of two/,
  ],
  ["text that is not JSON", "{ version: 1", /scenarioFrom|JSON/],
];

Deno.test("command line: each kind of bad scenario is exit status 2 and one line naming the value", async () => {
  const dir = await tempDir();
  for (const [name, text, pattern] of CASES) {
    const file = join(dir, `${name.replaceAll(/\W+/g, "_")}.json`);
    await Deno.writeTextFile(file, text);
    const io = bufferIo(dir);
    const code = await main(["run", file], io);
    assertOneLine(code, io.stdout, io.stderr, pattern);
  }
  await Deno.remove(dir, { recursive: true });
});

Deno.test("command line: an exceeded budget is bad input too, with the figure", async () => {
  const dir = await tempDir();
  const file = join(dir, "budget.ts");
  await Deno.writeTextFile(
    file,
    `import { vm } from ${JSON.stringify(MOD)};\n` +
      "export default vm().budget({ steps: 1000 }).guest((g) => g.sw_clean_invalidate());\n",
  );
  const io = bufferIo(dir);
  const code = await main(["run", file], io);
  assertOneLine(code, io.stdout, io.stderr, /steps\[0\] \(sw_walk\): .*maxSteps = 1000 .*16896/);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("command line: the real cli.ts exits 2 with one line for a bad scenario", async () => {
  const dir = await tempDir();
  const file = join(dir, "bad.json");
  await Deno.writeTextFile(file, CASES[0][1]);
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-R", "-W", "cli.ts", "run", file],
    cwd: new URL(".", ROOT).pathname,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  const dec = new TextDecoder();
  assertOneLine(out.code, dec.decode(out.stdout), dec.decode(out.stderr), CASES[0][2]);
  await Deno.remove(dir, { recursive: true });
});
