/**
 * The command line's options as the README and `--help` describe them: what
 * each takes, which may be repeated, which exclude one another, and the
 * commands' names typed in full.
 *
 * @module
 */

import assert from "node:assert/strict";
import { parseCommandLine } from "../../lib/cli/parse.ts";
import { cli, inProcess, ZIMAGE } from "./helpers.ts";

/** The message of the usage error a command line gives, or "" when it parses. */
function refusal(argv: string[]): string {
  try {
    parseCommandLine(argv);
    return "";
  } catch (e) {
    return (e as Error).message;
  }
}

Deno.test("options: values, flags and repeatable options read as the help describes them", () => {
  const run = parseCommandLine([
    "run",
    "s.ts",
    "--seed",
    "7",
    "--raw",
    "--filter",
    "kvm_exit",
    "--filter",
    "stale_read",
    "--vcpu",
    "0",
    "--vcpu",
    "1",
    "--html",
    "out.html",
    "--check",
  ]);
  assert.deepEqual(run.args, ["s.ts"]);
  assert.equal(run.values.seed, "7");
  assert.equal(run.values.raw, true);
  assert.equal(run.values.filter, "kvm_exit,stale_read");
  assert.equal(run.values.vcpu, "0,1");
  assert.equal(run.values.html, "out.html");
  assert.equal(run.values.check, true);

  // compare and export take the scenario options too.
  const compare = parseCommandLine([
    "compare",
    "s.ts",
    "--machine",
    "tc2",
    "--seed",
    "3",
    "--speculation",
    "adversarial",
    "--wall-ms",
    "500",
  ]);
  assert.equal(compare.values.machine, "tc2");
  assert.equal(compare.values.seed, "3");
  assert.equal(compare.values.speculation, "adversarial");
  assert.equal(compare.values["wall-ms"], "500");
  const exported = parseCommandLine(["export", "--baremetal", "s.ts", "--wall-ms", "500"]);
  assert.equal(exported.values["wall-ms"], "500");
});

Deno.test("options: at most one output format, and --speculation only quiet or adversarial", () => {
  assert.equal(
    refusal(["run", "s.ts", "--json", "--ndjson"]),
    "run: --json and --ndjson cannot be used together",
  );
  assert.equal(
    refusal(["run", "s.ts", "--perfetto", "t.json", "--json"]),
    "run: --json and --perfetto cannot be used together",
  );
  assert.equal(
    refusal(["compare", "s.ts", "--json", "--html", "c.html"]),
    "compare: --json and --html cannot be used together",
  );
  assert.equal(
    refusal(["list", "--markdown", "--json"]),
    "list: --markdown and --json cannot be used together",
  );
  assert.equal(
    refusal(["run", "s.ts", "--speculation", "wild"]),
    'run: --speculation "wild" is not one of quiet, adversarial',
  );
});

Deno.test("options: compare's --ndjson and run's --trace are output formats, one at a time", () => {
  assert.equal(
    refusal(["compare", "s.ts", "--json", "--ndjson"]),
    "compare: --json and --ndjson cannot be used together",
  );
  // --trace names the default output, so it excludes the others too.
  assert.equal(
    refusal(["run", "s.ts", "--trace", "--json"]),
    "run: --trace and --json cannot be used together",
  );
});

Deno.test("commands: typed in full; `help` alone is the overview", async () => {
  const partial = await inProcess(["help", "ru"]);
  assert.equal(partial.code, 2);
  assert.equal(partial.io.stderr, 'setway: help: unknown command "ru"\n');
  const alone = await inProcess(["help"]);
  assert.equal(alone.code, 0, alone.io.stderr);
  assert.match(alone.io.stdout, /^setway: ARM cache maintenance/);
  assert.equal(alone.io.stdout, (await inProcess(["--help"])).io.stdout);
  assert.match(refusal(["comp", "s.ts"]), /^unknown command "comp"; commands: run, compare/);
});

Deno.test("options: a bad value through the real command line is status 2 and one line", async () => {
  const o = await cli(["run", ZIMAGE, "--speculation", "wild"]);
  assert.equal(o.code, 2);
  assert.equal(o.stdout, "");
  assert.equal(o.stderr, 'setway: run: --speculation "wild" is not one of quiet, adversarial\n');
});
