/**
 * What makes a child of an expanded state a new state: the value it writes,
 * the guest-class monitor's state, the addresses it has used; and which
 * vCPU symmetry lets a program take next.
 */

import assert from "node:assert/strict";
import { explore, type ExploreOptions, policies, type Policy } from "../../mod.ts";
import { symmetryAllows } from "../../lib/engine/explore/expand.ts";
import { TINY } from "./fixtures.ts";

const QUIET: ExploreOptions = {
  machine: TINY,
  policy: "kvm-4.0",
  speculation: false,
  progress: false,
  shrink: false,
  workers: 1,
};

Deno.test("expand: a first write reaches a new state, its value differing from memory's initial zeros", async () => {
  // With the caches off the write goes to memory: were its value 0, memory would be unchanged
  // and the write merged into the empty program, never explored further.
  const r = await explore({ ...QUIET, ops: ["write", "read"], maxOps: 2 });
  assert.deepEqual(r.stats.levels, [1, 2]);
  assert.equal(r.stats.merged, 0);
  assert.equal(r.stats.executions, 2 + 2);
});

Deno.test("expand: children that differ only in the guest class's monitor are distinct states", async () => {
  // Under cleans-by-va the monitor tracks what the guest has written and cleaned: a DC by VA
  // changes it where the caches may not change at all.
  const r = await explore({
    ...QUIET,
    guestClass: "cleans-by-va",
    ops: ["write", "read", "dc_civac", "mmuOn", "mmuOff"],
    maxOps: 3,
  });
  assert.deepEqual(r.stats.levels, [1, 4, 7]);
  assert.equal(r.stats.executions, 45);
  assert.equal(r.stats.merged, 14);
});

Deno.test("expand: a read of the first address is a new state, since it lets the second address in", async () => {
  // With the caches off a read changes no cache, but after it symmetry allows the second address.
  const r = await explore({
    ...QUIET,
    addresses: 2,
    ops: ["write", "read", "mmuOn", "mmuOff"],
    maxOps: 3,
  });
  assert.deepEqual(r.stats.levels, [1, 4, 9]);
  assert.equal(r.stats.executions, 59);
});

Deno.test("symmetryAllows: a new vCPU of a class waits for every lower vCPU of the class, the one just below too", () => {
  const one = Int32Array.of(0, 0, 0);
  const used = (vcpus: number) => ({ vcpus, addresses: 1 });
  assert.equal(symmetryAllows(one, false, used(0b001), 2, -1), false);
  assert.equal(symmetryAllows(one, false, used(0b010), 2, -1), false);
  assert.equal(symmetryAllows(one, false, used(0b011), 2, -1), true);
  assert.equal(symmetryAllows(one, false, used(0b001), 1, -1), true);
  // vCPUs of another class, or of none, do not hold it back.
  assert.equal(symmetryAllows(Int32Array.of(1, 0, 0), false, used(0b010), 2, -1), true);
  assert.equal(symmetryAllows(Int32Array.of(-1, 0, 0), false, used(0b010), 2, -1), true);
});

Deno.test("expand: a failing read of a program outside the class's accepted ones is not a failure", async () => {
  // The guest that never cleans reads stale data in four operations, but issues no set/way
  // operation: uses-sw lets such programs grow (a later set/way op would be accepted) and
  // judges none of their reads.
  const options: ExploreOptions = {
    ...QUIET,
    ops: ["write", "read", "mmuOn", "mmuOff"],
    maxOps: 4,
  };
  const any = await explore(options);
  assert.deepEqual(any.failures.map((f) => `${f.blame}/${f.kind}`), ["guest/stale_read"]);
  const sw = await explore({ ...options, guestClass: "uses-sw" });
  assert.deepEqual(sw.failures, []);
  assert.equal(sw.stats.executions, any.stats.executions);
});

/** A note a policy keeps once the guest has trapped a set/way op: a class instance. */
class FirstTrap {
  seen = true;
}

/** kvm-4.0 whose plain state takes a class instance at the first set/way trap. */
const LATER_NOT_PLAIN: Policy = {
  ...policies["kvm-4.0"],
  name: "kvm-4.0-later-object",
  description: "kvm-4.0 noting its first set/way trap in a class instance",
  state: () => ({ first: null }),
  onSetWay(hyp, _op, state) {
    const s = state as { first: FirstTrap | null };
    if (s.first === null) s.first = new FirstTrap();
    hyp.flushVm();
  },
};

Deno.test("expand: once a policy state was not plain data, no later state is merged, plain or not", async () => {
  const r = await explore({
    ...QUIET,
    policy: LATER_NOT_PLAIN,
    ops: ["write", "read", "sw_clean", "mmuOn", "mmuOff"],
    maxOps: 3,
  });
  assert.equal(r.stats.exact, false);
  assert.equal(r.stats.merged, 0);
  assert.deepEqual(r.stats.levels, [1, 5, 25]);
});
