// Set/way instructions and walks that the hypervisor does not trap, and the
// work a trapped walk reports, whichever way the hypervisor runs it.
import assert from "node:assert/strict";
import { POISON } from "../../lib/hw/memory.ts";
import type { WorkMeter } from "../../lib/hw/work_meter.ts";
import { definePolicy } from "../../lib/hyp/policies/define.ts";
import { kvm318 } from "../../lib/hyp/policies/kvm_3_18.ts";
import { trapNothing } from "../../lib/hyp/policies/trap_nothing.ts";
import type { Policy } from "../../lib/hyp/policy.ts";
import { BASE, testVm } from "./fixtures.ts";

/** Sums the units of work reported to it. */
class CountingMeter implements WorkMeter {
  units = 0;
  work(n: number): void {
    this.units += n;
  }
  pagesTouched(): void {}
  eventRecords(): void {}
}

Deno.test("an untrapped DC ISW under HCR.SWIO cleans and invalidates: the dirty line reaches DRAM", () => {
  const { hyp, hw, sink } = testVm(trapNothing);
  const v = hyp.vcpus[0];
  assert.deepEqual({ tsw: v.hcr.tsw, swio: v.hcr.swio }, { tsw: false, swio: true });
  const A = BASE + 0x2040;
  hw.write(0, A, 0x55, true);
  const mark = sink.events.length;
  for (let level = 1; level <= hw.levels(0); level++) {
    const { sets, ways } = hw.geometry(0, level);
    for (let set = 0; set < sets; set++) {
      for (let way = 0; way < ways; way++) hyp.setWay(v, { op: "isw", level, set, way });
    }
  }
  assert.equal(sink.named("kvm_exit", mark).length, 0, "nothing traps");
  assert.equal(hw.memory.read(A), 0x55, "cleaned on its way out (TINY has no system cache)");
  assert.equal(hw.read(1, A, false), 0x55);
});

Deno.test("an untrapped walk covers only the geometry the policy lets the guest read", () => {
  const policy = definePolicy({
    name: "one-slot-view",
    guestCacheView: (_hyp, physical) => ({
      clidr: physical.clidr,
      levels: [{ sets: 1, ways: 1, lineSize: 64 }],
    }),
  });
  const { hyp, hw } = testVm(policy);
  const v = hyp.vcpus[0];
  assert.equal(hyp.trapsSetWay(v), false);
  // L1 set 1 of TINY's 8: outside the one slot (level 1, set 0, way 0) the guest sees.
  const A = BASE + 0x1040;
  hw.write(0, A, 0x66, true);
  hyp.setWayWalk(v, "csw");
  assert.equal(hw.memory.read(A), POISON, "the line outside the view was not cleaned");
  assert.equal(hw.read(0, A, true), 0x66);
});

Deno.test("kvm-3.18: a trapped walk reports one unit of work per slot, locally or slot by slot", () => {
  const walkUnits = (policy: Policy) => {
    const { hyp, hw } = testVm(policy);
    const meter = new CountingMeter();
    hw.meter = meter;
    hyp.setWayWalk(hyp.vcpus[0], "cisw");
    return meter.units;
  };
  // TINY: L1 8 sets x 2 ways + L2 16 sets x 4 ways. A copy of the policy is
  // another object, which walks slot by slot.
  assert.equal(walkUnits(kvm318), 16 + 64);
  assert.equal(walkUnits(Object.freeze({ ...kvm318 }) as Policy), 16 + 64);
});
