/**
 * The command line as the parser reads it: what each refusal says, and what
 * it hands on, with the command specs the CLI uses (lib/cli/spec.ts).
 */

import assert from "node:assert/strict";
import { parseCommandLine } from "../../lib/cli/parse.ts";
import { UsageError } from "../../lib/cli/usage_error.ts";
import { formatCost, formatOutcome } from "../../lib/cli/outcome.ts";
import { makeStyle } from "../../lib/cli/style.ts";

/** Asserts that parsing `argv` is refused with a message matching `re`. */
function refused(argv: string[], re: RegExp): void {
  assert.throws(
    () => parseCommandLine(argv),
    (e: unknown) => e instanceof UsageError && re.test(e.message),
    argv.join(" "),
  );
}

Deno.test("parse: one scenario argument, no second", () => {
  assert.deepEqual(parseCommandLine(["run", "s.ts"]).args, ["s.ts"]);
  refused(["run", "s.ts", "t.ts"], /^run: unexpected argument "t\.ts"; see `cli\.ts run --help`$/);
  refused(["run"], /^run: missing <scenario>/);
});

Deno.test("parse: an option's value may not be empty, nor outside its choices", () => {
  refused(["run", "s.ts", "--policy", ""], /^run: --policy needs a value$/);
  refused(["run", "s.ts", "--speculation=loud"], /^run: --speculation "loud" is not one of /);
  assert.equal(
    parseCommandLine(["run", "s.ts", "--speculation", "adversarial"]).values.speculation,
    "adversarial",
  );
});

Deno.test("parse: a repeated option reads as its values joined by commas, in order", () => {
  const p = parseCommandLine(["run", "s.ts", "--filter", "kvm_*", "--filter", "stale_read"]);
  assert.equal(p.values.filter, "kvm_*,stale_read");
});

Deno.test("parse: before the command, -h and --help ask for help, any other option is refused", () => {
  for (const h of ["-h", "--help"]) {
    assert.deepEqual(parseCommandLine([h]), { command: null, help: true, args: [], values: {} });
  }
  refused(["-x", "run"], /^unknown option "-x": the command comes first/);
  refused(["--json", "run"], /^unknown option "--json": the command comes first/);
});

Deno.test("parse: an unknown option is named with the command's valid ones", () => {
  refused(["list", "--jsn"], /^list: unknown option "--jsn"; valid: --markdown, --json, --help;/);
});

Deno.test("outcome: the cost line counts traps, flushes, lines and cycles, singular for one", () => {
  assert.equal(
    formatCost({ exits: 1, flushes: 1, linesFlushed: 1, cycles: 1 }),
    "cost: 1 trap, 1 flush, 1 lines flushed, 1 cycle",
  );
  assert.equal(
    formatCost({ exits: 2, flushes: 3, linesFlushed: 64, cycles: 6500 }),
    "cost: 2 traps, 3 flushes, 64 lines flushed, 6500 cycles",
  );
  assert.equal(
    formatCost({ exits: 0, flushes: 0, linesFlushed: 0 } as never),
    "cost: 0 traps, 0 flushes, 0 lines flushed",
  );
});

Deno.test("outcome: the verdict's first line in the style of good or bad news", () => {
  const style = {
    ...makeStyle(false),
    good: (t: string) => `<good>${t}`,
    bad: (t: string) => `<bad>${t}`,
  };
  const cost = { exits: 0, flushes: 0, linesFlushed: 0, cycles: 0 };
  const verdict = { ok: true, violations: [], archInvalid: [], failsNatively: false };
  assert.match(formatOutcome({ verdict, cost }, style), /^<good>verdict: ok\n/);
  const failed = {
    ok: false,
    violations: [{
      kind: "stale_read",
      addr: 0x4000_0000,
      expected: 1,
      got: 0,
      vcpu: 0,
      pc: 0,
      blame: "guest",
    }],
    archInvalid: [],
    failsNatively: true,
  };
  const text = formatOutcome({ verdict: failed, cost }, style);
  assert.match(text, /^<bad>verdict: FAIL, 1 violation\n/);
  assert.match(text, /\ncost: 0 traps, 0 flushes, 0 lines flushed, 0 cycles\n$/);
});
