import assert from "node:assert/strict";
import { replay } from "../../lib/api/explore.ts";
import type { Step } from "../../lib/guest/ops.ts";
import type { PlannedPerturbation } from "../../lib/engine/choosers.ts";
import { A, scenario } from "../expect/helpers.ts";

/** Caches on, then off, a write to DRAM, caches on again, a read: the guest never invalidates. */
const NO_INVALIDATE: Step[] = [
  { kind: "sctlr", vcpu: 0, bits: { m: true, c: true } },
  { kind: "sctlr", vcpu: 0, bits: { m: false, c: false } },
  { kind: "write", vcpu: 0, addr: A, value: 7 },
  { kind: "sctlr", vcpu: 0, bits: { m: true, c: true } },
  { kind: "read", vcpu: 0, addr: A },
];

/** The verdict of a replay of `plan` under KVM 4.0 on adversarial hardware. */
function verdictOf(plan: PlannedPerturbation[]) {
  const s = scenario(NO_INVALIDATE, { policy: "kvm-4.0", speculation: "adversarial" });
  return replay(s, plan).verdict;
}

Deno.test("run: a replay's native execution makes the replay's own hardware choices", () => {
  // A fill of A's line while the caches are on hides the write made with them off: the same
  // fill happens on bare metal, so the guest fails natively too and is to blame.
  const filled = verdictOf([{ before: 1, kind: "speculative_fill", cpu: 0, addr: A }]);
  assert.equal(filled.ok, false);
  assert.equal(filled.failsNatively, true);
  assert.deepEqual(filled.violations.map((v) => v.blame), ["guest"]);
  // Without the fill nothing goes wrong, natively either.
  const calm = verdictOf([]);
  assert.equal(calm.ok, true);
  assert.equal(calm.failsNatively, false);
});
