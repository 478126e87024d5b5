// The test suite's own tasks read their options strictly: `deno task fuzz` and
// `deno task fidelity` print their usage for --help and one line, status 2,
// for anything else they do not take, before any work starts.
import assert from "node:assert/strict";
import { taskOptions } from "../support/task_options.ts";
import { runCommand } from "../support/command.ts";
import { ROOT } from "../cli/helpers.ts";

const SPEC = {
  runs: { default: 1000, min: 1, value: "N" },
  seed: { default: 22, min: -5, value: "S" },
};
const USAGE = "usage: deno task t [--runs N] [--seed S]";

Deno.test("taskOptions: defaults, given values, and both spellings", () => {
  assert.deepEqual(taskOptions("t", [], SPEC), { values: { runs: 1000, seed: 22 } });
  assert.deepEqual(taskOptions("t", ["--runs", "7", "--seed=-5"], SPEC), {
    values: { runs: 7, seed: -5 },
  });
  assert.deepEqual(taskOptions("t", ["--help"], SPEC), { exit: 0, line: USAGE });
});

Deno.test("taskOptions: one line and status 2 for what a task does not take", () => {
  const refused = (args: string[]) => {
    const r = taskOptions("t", args, SPEC);
    assert.ok("exit" in r, JSON.stringify(args));
    assert.equal(r.exit, 2);
    assert.ok(r.line.startsWith("t: ") && r.line.endsWith(`; ${USAGE}`), r.line);
    assert.ok(!r.line.includes("\n"), r.line);
    return r.line.slice(3, -USAGE.length - 2);
  };
  assert.match(refused(["--bogus"]), /Unknown option '--bogus'/);
  assert.match(refused(["extra"]), /Unexpected argument 'extra'/);
  assert.match(refused(["--runs"]), /--runs/);
  assert.equal(refused(["--runs", "0"]), `--runs takes a whole number from 1, not "0"`);
  assert.equal(refused(["--runs", "1.5"]), `--runs takes a whole number from 1, not "1.5"`);
  assert.equal(refused(["--runs", ""]), `--runs takes a whole number from 1, not ""`);
  assert.equal(refused(["--seed=-6"]), `--seed takes a whole number from -5, not "-6"`);
  assert.match(refused(["--seed", "-6"]), /--seed=-XYZ/); // node:util's own hint, on one line
  assert.equal(refused(["--seed", "2e53"]), `--seed takes a whole number from -5, not "2e53"`);
});

Deno.test("deno task fuzz and deno task fidelity: --help, and a bad option refused before any work", async () => {
  for (
    const [task, usage] of [
      ["fuzz", "usage: deno task fuzz [--runs N] [--seed S]"],
      ["fidelity", "usage: deno task fidelity [--programs N] [--seed S]"],
    ]
  ) {
    const help = await runCommand([Deno.execPath(), "task", "-q", task, "--help"], { cwd: ROOT });
    assert.equal(help.code, 0, help.stderr);
    assert.equal(help.stdout, `${usage}\n`);
    const bad = await runCommand([Deno.execPath(), "task", "-q", task, "--bogus"], { cwd: ROOT });
    assert.equal(bad.code, 2);
    assert.equal(bad.stdout, "");
    assert.equal(bad.stderr, `${task}: Unknown option '--bogus'; ${usage}\n`);
  }
});
