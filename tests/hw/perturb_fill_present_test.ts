import assert from "node:assert/strict";
import { Hardware } from "../../lib/hw/hardware.ts";
import type { Chooser } from "../../lib/hw/chooser.ts";

const A = 0x4000_0000; // set 0 of the L1 below

/** One CPU with a 2-way L1 of 8 sets, nothing below it. */
function oneCpu(): Hardware {
  return new Hardware({
    name: "one",
    description: "",
    clusters: [{ cpus: 1, l1d: { size: 1024, ways: 2 } }],
  });
}

/** An adversarial chooser that gives `answers` in order and records every `n` it is asked about. */
function scripted(answers: number[], asked: number[]): Chooser {
  return {
    mode: "adversarial",
    pick: (n) => {
      asked.push(n);
      assert.ok(n >= 1, `asked to pick among ${n} outcomes`);
      const a = answers.shift() ?? 0;
      assert.ok(a < n);
      return a;
    },
  };
}

Deno.test("perturb: with no candidate, no resident line and no caller option, nothing is offered", () => {
  const hw = oneCpu();
  const asked: number[] = [];
  for (let i = 0; i < 4; i++) assert.equal(hw.perturb(scripted([1], asked), []), null);
  // Only the "perturb at all?" question is asked, never a pick among zero options.
  assert.deepEqual(asked, [2, 2, 2, 2]);
  assert.deepEqual(hw.extraOptions, []);
});

Deno.test("perturb: a speculative fill says whether the L1 already held the line, whatever its slot", () => {
  const hw = oneCpu();
  const l1 = hw.caches[0];
  hw.write(0, A, 1, true);
  hw.write(0, A + 64, 2, true);
  assert.equal(l1.lookup(l1.lineOf(A)), 0, "the first line of set 0 is in slot 0");
  assert.ok(l1.lookup(l1.lineOf(A + 64)) > 0);
  const candidates = [A, A + 64, A + 128];
  const present = candidates.map((_, c) => {
    const p = hw.perturb(scripted([1, c], []), candidates);
    assert.ok(p?.kind === "speculative_fill");
    assert.equal(p.addr, candidates[c]);
    return p.present;
  });
  assert.deepEqual(present, [true, true, false]);
  assert.equal(hw.read(0, A, true), 1);
  assert.equal(hw.read(0, A + 64, true), 2);
});
