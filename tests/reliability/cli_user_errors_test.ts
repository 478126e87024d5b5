// The user's own mistakes through the command line: a scenario module whose
// policy hook misbehaves, whose builder's run() gives something else, whose
// options are misspelt; a JSON scenario over the step limit. Each is exit
// status 2 and one line on standard error naming the party at fault and the
// value, with no stack trace and nothing on standard output. Most run in
// process, and again through the real cli.ts.
import assert from "node:assert/strict";
import { join } from "node:path";
import { bufferIo } from "../../lib/cli/io.ts";
import { main } from "../../lib/cli/main.ts";
import { vm } from "../../lib/dsl/mod.ts";
import { cli } from "../cli/helpers.ts";
import { tempDir } from "../support/temp_dir.ts";

const MOD = JSON.stringify(new URL("../../mod.ts", import.meta.url).href);

function assertOneLine(code: number, stdout: string, stderr: string, pattern: RegExp): void {
  assert.equal(code, 2, `stderr: ${stderr}`);
  assert.equal(stdout, "");
  const lines = stderr.split("\n");
  assert.equal(lines.length, 2, `one line: ${JSON.stringify(stderr)}`);
  assert.match(lines[0], /^setway: /);
  assert.match(lines[0], pattern);
  assert.ok(!/\bat .*:\d+:\d+/.test(stderr), "no stack trace");
  assert.ok(!/bug in setway/.test(stderr), "not blamed on setway");
}

/** A module exporting `vm()` + `chain` as its default, with `prelude` before it. */
function scenarioModule(chain: string, prelude = ""): string {
  return `import { definePolicy, vm } from ${MOD};\n${prelude}\nexport default vm()${chain};\n`;
}

const THROWING = `const trapOnce = definePolicy({
  name: "trap-once",
  onReset(hyp) { hyp.vcpu.hcr.tsw = true; },
  onSetWay(hyp, op, state) { throw new TypeError("cannot flush yet"); },
});`;

const MODULES: [string, string, RegExp][] = [
  [
    "a policy hook that throws",
    scenarioModule(".policy(trapOnce).guest((g) => g.sw_clean())", THROWING),
    /^setway: policy "trap-once": onSetWay threw TypeError: cannot flush yet$/,
  ],
  [
    "a policy hook that writes a number into HCR",
    scenarioModule(
      ".policy(p).guest((g) => g.read(0x40000000))",
      'const p = definePolicy({ name: "numeric", onReset(hyp) { hyp.vcpu.hcr.tvm = 1; } });',
    ),
    /policy "numeric": onReset wrote hcr\.tvm = 1; an HCR bit is true or false$/,
  ],
  [
    "an async policy hook that rejects",
    scenarioModule(
      ".policy(p).guest((g) => g.read(0x40000000))",
      'const p = definePolicy({ name: "later", async onVcpuLoad() { throw new Error("x"); } });',
    ),
    /policy "later": onVcpuLoad returned a promise; hooks run synchronously/,
  ],
  [
    "a cache view that answers something else",
    scenarioModule(
      ".policy(p).guest((g) => g.sw_clean())",
      `const p = definePolicy({
        name: "vague",
        onReset(hyp) { hyp.vcpu.hcr.tsw = true; },
        guestCacheView: () => 1,
      });`,
    ),
    /policy "vague": guestCacheView returned 1; expected \{ clidr, levels \}/,
  ],
  [
    "a user policy that declares a built-in set/way shortcut",
    scenarioModule(
      ".policy(p).guest((g) => g.sw_clean())",
      `const p = definePolicy({ name: "vague", setWayIdle: () => true });`,
    ),
    /definePolicy: setWayIdle is internal to the built-in policies/,
  ],
  [
    "a policy state() that throws",
    scenarioModule(
      ".policy(p)",
      'const p = definePolicy({ name: "stateless", state() { throw "no state"; } });',
    ),
    /policy "stateless": state\(\) threw "no state"$/,
  ],
  [
    "a misspelt preset option",
    scenarioModule(".cpus(2).guest((g) => g.linuxArm64({ cpu: 2 }))"),
    /linuxArm64\(.*\): unknown option "cpu" \(did you mean "cpus"\?\)/,
  ],
  [
    "preset options that are NaN",
    scenarioModule(".guest((g) => g.zImage32(NaN))"),
    /zImage32\(NaN\)/,
  ],
  [
    "smpSecondary on one vCPU",
    scenarioModule(".guest((g) => g.smpSecondary())"),
    /smpSecondary\(cpus = 1\): .*second vCPU/,
  ],
  [
    "a misspelt ram() option",
    scenarioModule('.ram("1GiB", { bsae: 0 }).guest((g) => g.read(0x40000000))'),
    /^setway: ram\(bsae = 0\): unknown option "bsae" \(did you mean "base"\?\); valid: base$/,
  ],
  [
    "a misspelt machine name",
    scenarioModule('.machine("xgene").guest((g) => g.read(0x40000000))'),
    /^setway: machine\("xgene"\): unknown machine \(did you mean "xgene1"\?\)/,
  ],
];

Deno.test("command line: each user mistake in a scenario module is exit status 2 and one line", async () => {
  const dir = await tempDir();
  for (const [name, text, pattern] of MODULES) {
    const file = join(dir, `${name.replaceAll(/\W+/g, "_")}.ts`);
    await Deno.writeTextFile(file, text);
    const io = bufferIo(dir);
    const code = await main(["run", file], io);
    assertOneLine(code, io.stdout, io.stderr, pattern);
  }
  await Deno.remove(dir, { recursive: true });
});

Deno.test("command line: a builder whose run() gives something else is exit status 2", async () => {
  const dir = await tempDir();
  const cases = [["42", "42"], ["{ verdict: 1 }", '{"verdict":1}'], ["NaN", "NaN"]];
  for (const [i, [given, shown]] of cases.entries()) {
    // One file each: a module is imported once per process.
    const file = join(dir, `odd_builder_${i}.ts`);
    await Deno.writeTextFile(
      file,
      `export default { toJSON() { return {}; }, run() { return ${given}; } };\n`,
    );
    const io = bufferIo(dir);
    const code = await main(["run", file], io);
    assertOneLine(
      code,
      io.stdout,
      io.stderr,
      new RegExp(`run\\(\\) returned ${shown.replace(/[{}]/g, "\\$&")}; expected a run result`),
    );
  }
  await Deno.remove(dir, { recursive: true });
});

Deno.test("command line: a builder of the scenario's own whose run() throws is exit status 2", async () => {
  const dir = await tempDir();
  const file = join(dir, "throwing_builder.ts");
  await Deno.writeTextFile(
    file,
    'export default { toJSON() { return {}; }, run() { throw new RangeError("no run"); } };\n',
  );
  const io = bufferIo(dir);
  const code = await main(["run", file], io);
  assertOneLine(code, io.stdout, io.stderr, /the scenario's run\(\) threw RangeError: no run$/);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("command line: a JSON scenario over the step limit is refused before its steps are checked", async () => {
  const dir = await tempDir();
  const file = join(dir, "huge.json");
  const s = JSON.parse(JSON.stringify(vm().toJSON()));
  s.steps = new Array(1_000_001).fill({ kind: "nonsense" });
  await Deno.writeTextFile(file, JSON.stringify(s));
  const io = bufferIo(dir);
  const code = await main(["run", file], io);
  // Checked first, the million steps of an unknown kind would be refused with
  // their own issues: the one line is the budget's, so none was looked at
  // (budget_test.ts counts the steps read on the way from JSON).
  assertOneLine(code, io.stdout, io.stderr, /steps: the program has 1000001 steps, more than/);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("command line: the real cli.ts gives each user mistake exit status 2 and one line", async () => {
  // The throwing hook (MODULES[0]) has its own test below.
  const dir = await tempDir();
  const cases: [string, string, RegExp][] = [
    ...MODULES.slice(1),
    [
      "odd builder",
      "export default { toJSON() { return {}; }, run() { return 42; } };\n",
      /run\(\) returned 42; expected a run result/,
    ],
  ];
  // Three processes at a time: each spends most of its time starting up.
  for (let at = 0; at < cases.length; at += 3) {
    await Promise.all(
      cases.slice(at, at + 3).map(async ([name, text, pattern]) => {
        const file = join(dir, `${name.replaceAll(/\W+/g, "_")}.ts`);
        await Deno.writeTextFile(file, text);
        const out = await cli(["run", file], { NO_COLOR: "1" });
        assertOneLine(out.code, out.stdout, out.stderr, pattern);
      }),
    );
  }
  await Deno.remove(dir, { recursive: true });
});

Deno.test("command line: the real cli.ts blames a throwing policy hook with exit status 2", async () => {
  const dir = await tempDir();
  const file = join(dir, "trap_once.ts");
  await Deno.writeTextFile(file, MODULES[0][1]);
  const out = await cli(["run", file], { NO_COLOR: "1" });
  assertOneLine(out.code, out.stdout, out.stderr, MODULES[0][2]);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("command line: explore's malformed options are exit status 2 and one line naming the option", async () => {
  const dir = await tempDir();
  await Deno.mkdir(join(dir, "sub"));
  await Deno.writeTextFile(join(dir, "p.ts"), "export const x = 1;\n");
  const cases: [string[], string][] = [
    [["--max-ops", "3x"], '--max-ops: expected an integer, got "3x"'],
    [["--cpus", "1.5"], '--cpus: expected an integer, got "1.5"'],
    [["--seconds", "0"], '--seconds: expected a positive number, got "0"'],
    [["--seconds", "soon"], '--seconds: expected a positive number, got "soon"'],
    [["--exchange-timeout", "5"], "--exchange-timeout: give --exchange DIR too"],
    [
      ["--exchange", dir, "--exchange-timeout", "0"],
      '--exchange-timeout: expected a positive number, got "0"',
    ],
    // A path without # or an extension still names a module, not a built-in policy.
    [["--policy", "./my_policy"], `--policy "./my_policy": no such file ${join(dir, "my_policy")}`],
    // An existing module, but no export after the #.
    [
      ["--policy", "./p.ts#"],
      '--policy "./p.ts#": expected a module path and an export, ./policies.ts#name',
    ],
    [["--policy", "./sub/"], `--policy "./sub/": ${join(dir, "sub")} is not a file`],
  ];
  for (const [options, message] of cases) {
    const io = bufferIo(dir);
    const code = await main(["explore", "--workers", "0", ...options], io);
    assertOneLine(code, io.stdout, io.stderr, /./);
    assert.equal(io.stderr, `setway: ${message}\n`, options.join(" "));
  }
  await Deno.remove(dir, { recursive: true });
});
