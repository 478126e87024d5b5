import assert from "node:assert/strict";
import { run } from "../../lib/engine/run.ts";
import { ScenarioError } from "../../lib/errors.ts";
import { KERNEL, scenario } from "./fixtures.ts";

/** A write and a set/way walk under KVM 4.0: a trapped walk of many exits. */
const WALK = scenario([
  { kind: "write", vcpu: 0, addr: KERNEL, value: 1 },
  { kind: "sw_walk", vcpu: 0, op: "cisw" },
]);

/** The `count` of each `kvm_exit` record of a run. */
function exitCounts(options: Parameters<typeof run>[1]): number[] {
  return run(WALK, options).events.filter((e) => e.name === "kvm_exit").map((e) => e.count ?? 1);
}

Deno.test("run: collapse is on by default, and collapse: false keeps a record per exit", () => {
  const collapsed = exitCounts({});
  assert.deepEqual(exitCounts({ collapse: true }), collapsed);
  assert.ok(collapsed.length < 5, `${collapsed.length} records`);
  const each = exitCounts({ collapse: false });
  assert.ok(each.every((n) => n === 1));
  assert.equal(each.length, collapsed.reduce((a, b) => a + b, 0));
});

Deno.test("run: a collapse option that is not a boolean is refused as invalid_value", () => {
  for (const value of ["yes", 1, 0, null]) {
    assert.throws(
      () => run(WALK, { collapse: value as unknown as boolean }),
      (e) => e instanceof ScenarioError && e.code === "invalid_value" && e.call === "run.collapse",
      String(value),
    );
  }
});
