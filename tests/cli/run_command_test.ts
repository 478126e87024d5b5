// `run`'s refusals as a user meets them: a --vcpu that is not a vCPU number,
// and an output file whose directory does not exist, each exit status 2 with
// one line on standard error and nothing written.
import assert from "node:assert/strict";
import { join } from "node:path";
import { runCommand } from "../support/command.ts";
import { cli, inProcess, ROOT, ZIMAGE } from "./helpers.ts";

Deno.test("run --vcpu: a value that is not a whole vCPU number is refused with status 2", async () => {
  for (const value of ["1x", "x1", "0.5"]) {
    const { code, io } = await inProcess(["run", ZIMAGE, "--vcpu", value]);
    assert.equal(code, 2, value);
    assert.equal(io.stdout, "");
    // The zImage scenario has two vCPUs.
    assert.equal(
      io.stderr,
      `setway: --vcpu ${JSON.stringify(value)}: expected a vCPU of this scenario, 0 to 1\n`,
    );
  }
});

Deno.test("run --html into a directory that does not exist: one line, status 2, no timeline line", async () => {
  const tmp = await Deno.makeTempDir({ prefix: "setway-run-" });
  try {
    const page = join(tmp, "missing", "zimage.html");
    const o = await cli(["run", ZIMAGE, "--html", page]);
    assert.equal(o.code, 2, o.stderr);
    assert.equal(o.stdout, "");
    assert.equal(o.stderr, `setway: cannot write ${page}: no such directory\n`);
    const perfetto = join(tmp, "missing", "trace.json");
    const p = await cli(["run", ZIMAGE, "--perfetto", perfetto]);
    assert.equal(p.code, 2, p.stderr);
    assert.equal(p.stdout, "");
    assert.equal(p.stderr, `setway: cannot write ${perfetto}: no such directory\n`);
    assert.deepEqual([...Deno.readDirSync(tmp)], []);
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});

Deno.test("run --html without -W: one line asking for -W, status 2, nothing written", async () => {
  const tmp = await Deno.makeTempDir({ prefix: "setway-run-" });
  try {
    const page = join(tmp, "zimage.html");
    const o = await runCommand(
      [Deno.execPath(), "run", "-R", "cli.ts", "run", ZIMAGE, "--html", page],
      { cwd: ROOT },
    );
    assert.equal(o.code, 2, o.stderr);
    assert.equal(o.stdout, "");
    assert.equal(
      o.stderr,
      `setway: cannot write ${page}: permission denied; run with -W (deno run -R -W cli.ts ...)\n`,
    );
    assert.deepEqual([...Deno.readDirSync(tmp)], []);
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});

Deno.test("run: a builder whose run() gives a near-miss of a run result is refused with status 2", async () => {
  const dir = await Deno.makeTempDir({ prefix: "setway-run-" });
  const whole = "trace() { return ''; }, toJSON() { return {}; }, " +
    "verdict: { ok: true, violations: [] }, cost: {}";
  // Each lacks one thing the printers read; a module is imported once per process, so one file each.
  const cases = [
    whole.replace("trace() { return ''; }, ", ""),
    whole.replace("toJSON() { return {}; }, ", ""),
    whole.replace("ok: true", "ok: 'yes'"),
    whole.replace("violations: []", "violations: 3"),
    whole.replace("cost: {}", "cost: null"),
  ];
  try {
    for (const [i, result] of cases.entries()) {
      const file = join(dir, `near_miss_${i}.ts`);
      await Deno.writeTextFile(
        file,
        `export default { toJSON() { return {}; }, run() { return { ${result} }; } };\n`,
      );
      const { code, io } = await inProcess(["run", file], dir);
      assert.equal(code, 2, `${result}: ${io.stderr}`);
      assert.equal(io.stdout, "");
      assert.match(io.stderr, /^setway: the scenario's run\(\) returned .*; expected a run result/);
      assert.equal(io.stderr.split("\n").length, 2, io.stderr);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
