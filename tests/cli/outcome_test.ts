// The end of a run's text output: the verdict, then the cost on the line
// right after it, each count spelled for its number.
import assert from "node:assert/strict";
import { formatCost, formatOutcome } from "../../lib/cli/outcome.ts";
import { makeStyle } from "../../lib/cli/style.ts";
import { inProcess, ZIMAGE } from "./helpers.ts";

const OK = { ok: true, violations: [], archInvalid: [], failsNatively: false };

Deno.test("outcome: one trap and one flush are singular, several are plural", () => {
  assert.equal(
    formatCost({ exits: 1, flushes: 1, linesFlushed: 0 }),
    "cost: 1 trap, 1 flush, 0 lines flushed",
  );
  assert.equal(
    formatCost({ exits: 2, flushes: 3, linesFlushed: 1024, cycles: 1 }),
    "cost: 2 traps, 3 flushes, 1024 lines flushed, 1 cycle",
  );
});

Deno.test("outcome: the cost line follows the verdict's last line, with no blank line between", () => {
  const text = formatOutcome(
    { verdict: OK, cost: { exits: 0, flushes: 0, linesFlushed: 0 } },
    makeStyle(false),
  );
  assert.equal(
    text,
    "verdict: ok\narchitecturally valid: yes\nnatively on this machine: passes\n" +
      "cost: 0 traps, 0 flushes, 0 lines flushed\n",
  );
});

Deno.test("outcome: run prints the verdict and the plural cost as the last lines of its trace", async () => {
  const { code, io } = await inProcess(["run", ZIMAGE, "--policy", "kvm-4.0", "--filter", "flush"]);
  assert.equal(code, 0, io.stderr);
  assert.match(
    io.stdout,
    /\nverdict: ok\n(.+\n)*natively on this machine: fails\ncost: \d+ traps, 3 flushes, 1024 lines flushed(, \d+ cycles)?\n$/,
  );
});
