// Exit statuses and error lines of the real command line, in subprocesses.
import assert from "node:assert/strict";
import { cli, ZIMAGE } from "./helpers.ts";

/** Bad input: status 2, nothing on stdout, exactly one `setway: ...` line on stderr. */
function assertBadInput(o: { code: number; stdout: string; stderr: string }, pattern: RegExp) {
  assert.equal(o.code, 2, `stderr: ${o.stderr}`);
  assert.equal(o.stdout, "");
  const lines = o.stderr.split("\n");
  assert.equal(lines.length, 2, `expected one line, got ${JSON.stringify(o.stderr)}`);
  assert.equal(lines[1], "");
  assert.match(lines[0], /^setway: /);
  assert.match(lines[0], pattern);
  assert.ok(!/\bat .*:\d+:\d+/.test(o.stderr), "no stack trace");
}

Deno.test("run: status 0 and a trace with the verdict, even when the verdict fails", async () => {
  const o = await cli(["run", ZIMAGE, "--filter", "flush"]);
  assert.equal(o.code, 0, o.stderr);
  assert.equal(o.stderr, "");
  assert.match(o.stdout, /^# tracer: setway\n/);
  assert.match(o.stdout, /# policy: kvm-3\.18\n/);
  assert.match(o.stdout, /stale_read: at 0x40008000: expected/);
  assert.match(o.stdout, /\nverdict: FAIL, 32 violations\n/);
  assert.match(o.stdout, /\ncost: \d+ traps, 1 flush, 0 lines flushed(, \d+ cycles)?\n$/);
});

Deno.test("run --check: status 1 with violations, 0 when the policy hides them", async () => {
  const failing = await cli(["run", ZIMAGE, "--check", "--filter", "flush"]);
  assert.equal(failing.code, 1, failing.stderr);
  assert.match(failing.stdout, /verdict: FAIL/);
  const passing = await cli(["run", ZIMAGE, "--check", "--policy", "kvm-4.0", "--json"]);
  assert.equal(passing.code, 0, passing.stderr);
  assert.equal(JSON.parse(passing.stdout).verdict.ok, true);
});

Deno.test("bad input: status 2 and one line on stderr, no stack trace", async () => {
  assertBadInput(await cli(["frobnicate"]), /unknown command "frobnicate"; commands: run, compare/);
  assertBadInput(await cli(["explore", ZIMAGE]), /explore: unexpected argument/);
  assertBadInput(await cli([]), /missing command/);
  assertBadInput(await cli(["run", ZIMAGE, "--colour"]), /run: unknown option "--colour"/);
  assertBadInput(await cli(["run"]), /run: missing <scenario>/);
  assertBadInput(
    await cli(["run", "tests/cli/data/missing.ts"]),
    /cannot read .*missing\.ts: no such file/,
  );
  assertBadInput(
    await cli(["run", ZIMAGE, "--policy", "kvm-9.9"]),
    /policy\("kvm-9\.9"\): unknown policy; valid: .*kvm-4\.0/,
  );
  assertBadInput(await cli(["run", ZIMAGE, "--seed", "1.5"]), /--seed "1\.5": expected an integer/);
  assertBadInput(
    await cli(["run", ZIMAGE, "--json", "--ndjson"]),
    /--json and --ndjson cannot be used together/,
  );
  assertBadInput(await cli(["run", "tests/cli/data/bad_call.ts"]), /cpus\(0\): out of range/);
  assertBadInput(await cli(["run", "tests/cli/data/not_a_scenario.ts"]), /default export .* is 42/);
});

Deno.test("bad input: an AArch64 guest on tc2 is one line naming the machine and the guest", async () => {
  assertBadInput(
    await cli(["run", "tests/cli/data/uboot_tc2.ts"]),
    /uboot\(\)\[0\]\.aarch32 = false: .*machine "tc2" is ARMv7-A and cannot run an AArch64 guest/,
  );
  assertBadInput(
    await cli(["run", "tests/cli/data/uboot.ts", "--machine", "tc2"]),
    /steps\[0\]\.aarch32 = false: .*machine "tc2" is ARMv7-A and cannot run an AArch64 guest/,
  );
  const ok = await cli(["run", "tests/cli/data/uboot.ts", "--machine", "juno-r0"]);
  assert.equal(ok.code, 0, ok.stderr);
});

Deno.test("bad input: an invalid JSON scenario lists its issues on one line", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const file = `${dir}/bad.json`;
    await Deno.writeTextFile(file, JSON.stringify({ version: 1, machine: "generic", cpus: 99 }));
    assertBadInput(await cli(["run", file]), /invalid scenario \(\d+ issues\): .*; /);
    await Deno.writeTextFile(file, "{ not json");
    assertBadInput(await cli(["run", file]), /bad\.json is not valid JSON/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("colour: off when stdout is not a terminal, and with NO_COLOR", async () => {
  for (const env of [{}, { NO_COLOR: "1" }] as Record<string, string>[]) {
    const o = await cli(["run", ZIMAGE, "--filter", "flush"], env);
    assert.equal(o.code, 0);
    assert.ok(!o.stdout.includes("\x1b["), "no escape codes in piped output");
  }
});
