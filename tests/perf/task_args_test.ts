// The bench tasks' command lines: counts by position, known flags, --help, and one line with
// status 2 for anything else, before any measurement starts.
import assert from "node:assert/strict";
import { benchArgs } from "../../bench/task_args.ts";
import { runCommand } from "../support/command.ts";
import { ROOT } from "../cli/helpers.ts";

const COUNTS = [{ name: "n", default: 5, min: 1 }, { name: "m", default: 3, min: 0 }];

Deno.test("benchArgs: defaults, counts by position, known flags", () => {
  assert.deepEqual(benchArgs("t", [], COUNTS), { counts: [5, 3], flags: [] });
  assert.deepEqual(benchArgs("t", ["7", "0"], COUNTS), { counts: [7, 0], flags: [] });
  assert.deepEqual(benchArgs("t", ["--cold", "2"], COUNTS, ["--cold"]), {
    counts: [2, 3],
    flags: ["--cold"],
  });
  assert.deepEqual(benchArgs("t", ["--help", "x"], COUNTS), {
    exit: 0,
    line: "usage: deno task t [n] [m]",
  });
});

Deno.test("benchArgs: one line and status 2 for what a task does not take", () => {
  const usage = "; usage: deno task t [n] [m] [--cold]";
  for (
    const [args, why] of [
      [["--fast"], "unknown flag --fast"],
      [["1", "2", "3"], "unexpected argument 3"],
      [["0"], `n takes a whole number from 1, not "0"`],
      [["1", "-1"], `m takes a whole number from 0, not "-1"`],
      [["2.5"], `n takes a whole number from 1, not "2.5"`],
      [[""], `n takes a whole number from 1, not ""`],
      [["x"], `n takes a whole number from 1, not "x"`],
    ] as const
  ) {
    assert.deepEqual(benchArgs("t", args, COUNTS, ["--cold"]), {
      exit: 2,
      line: `t: ${why}${usage}`,
    });
  }
});

Deno.test("deno task bench:replay with a bad count says so in one line, status 2, before measuring", async () => {
  const out = await runCommand([Deno.execPath(), "task", "-q", "bench:replay", "x"], { cwd: ROOT });
  assert.equal(out.code, 2);
  assert.equal(out.stdout, "");
  assert.equal(
    out.stderr,
    `bench:replay: n takes a whole number from 1, not "x"; usage: deno task bench:replay [n] [m]\n`,
  );
});

Deno.test("deno task binaries and deno task build:core refuse a flag they do not know, before any work", async () => {
  // build:core --chek would otherwise write lib/ where --check only compares.
  for (
    const [task, flag, usage] of [
      ["binaries", "--bogus", "usage: deno task binaries [--check] [--force]"],
      ["build:core", "--chek", "usage: deno task build:core [--check]"],
    ]
  ) {
    const out = await runCommand([Deno.execPath(), "task", "-q", task, flag], { cwd: ROOT });
    assert.equal(out.code, 2, out.stderr);
    assert.equal(out.stdout, "");
    assert.equal(out.stderr, `${task}: unknown flag ${flag}; ${usage}\n`);
  }
});
