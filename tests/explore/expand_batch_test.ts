/**
 * What expanding a batch of states decides: which operations a state
 * takes next (symmetry, the last length), what each child expects, which
 * hardware choices are run or skipped, and how each is counted.
 */

import assert from "node:assert/strict";
import { explore, type ExploreOptions, type Step } from "../../mod.ts";
import { resolveExploreOptions } from "../../lib/engine/explore/options.ts";
import { ExploreContext, loadParts } from "../../lib/engine/explore/context.ts";
import {
  cannotFail,
  expandBatch,
  expectedValues,
  packWitnesses,
  symmetryAllows,
  usedMasks,
} from "../../lib/engine/explore/expand.ts";
import { Alphabet } from "../../lib/engine/explore/alphabet.ts";
import { CRASHES_ON_DROPPED_LINE, TINY } from "./fixtures.ts";

const A = 0x4000_0000;
const B = 0x4000_1040;

/** A context for `options`, with its policy and class loaded. */
async function contextOf(options: ExploreOptions): Promise<ExploreContext> {
  const config = resolveExploreOptions(options);
  const { policy, guestClass } = await loadParts(config);
  return new ExploreContext(config, policy, guestClass);
}

Deno.test("expectedValues: the last value written to each address, host writes included", () => {
  const steps: Step[] = [
    { kind: "write", vcpu: 0, addr: A, value: 1 },
    { kind: "host_write", cpu: 2, addr: B, value: 2 },
    { kind: "read", vcpu: 0, addr: B },
    { kind: "host_write", cpu: 2, addr: A, value: 3 },
  ];
  assert.deepEqual(Array.from(expectedValues(steps, [A, B])), [3, 2]);
  assert.deepEqual(Array.from(expectedValues(steps.slice(0, 1), [A, B])), [1, 0]);
});

Deno.test("usedMasks: the first vCPU and the first address count as used", () => {
  const alphabet = new Alphabet({
    ops: ["write", "read"],
    cpus: 2,
    addresses: [A, B],
    migrateTo: [],
    hostCpu: 2,
  });
  const on = (vcpu: number, addrIndex: number, name: string) =>
    alphabet.instances.findIndex((i) =>
      i.vcpu === vcpu && i.addrIndex === addrIndex && i.name === name
    );
  assert.deepEqual(usedMasks(alphabet, [on(0, 0, "write")], 1), { vcpus: 1, addresses: 1 });
  assert.deepEqual(usedMasks(alphabet, [on(0, 0, "read"), on(1, 1, "write")], 2), {
    vcpus: 3,
    addresses: 3,
  });
});

Deno.test("symmetryAllows: a new address comes right after the one before it, not merely after the first", () => {
  const none = new Int32Array(1).fill(-1);
  const used = (addresses: number) => ({ vcpus: 1, addresses });
  assert.equal(symmetryAllows(none, true, used(0b001), -1, 1), true);
  assert.equal(symmetryAllows(none, true, used(0b001), -1, 2), false);
  assert.equal(symmetryAllows(none, true, used(0b011), -1, 2), true);
  // An address already used is always allowed, and none is ordered without address symmetry.
  assert.equal(symmetryAllows(none, true, used(0b100), -1, 2), true);
  assert.equal(symmetryAllows(none, false, used(0), -1, 2), true);
});

Deno.test("cannotFail: writes, host writes and every DC by VA; not reads, set/way or SCTLR", () => {
  for (const name of ["write", "host_write", "dc_cvac", "dc_civac", "dc_ivac", "dc_cvau"]) {
    assert.equal(cannotFail(name), true, name);
  }
  for (const name of ["read", "sw_clean", "sw_invalidate", "mmuOn", "mmuOff", "migrate"]) {
    assert.equal(cannotFail(name), false, name);
  }
});

Deno.test("a last DC by VA is not run, whichever DC it is, with RAM prefaulted", async () => {
  const r = await explore({
    machine: TINY,
    ops: ["dc_cvac", "dc_ivac", "dc_cvau", "read"],
    maxOps: 1,
    speculation: false,
    progress: false,
    workers: 1,
  });
  // Only the read runs.
  assert.equal(r.stats.executions, 1);
});

Deno.test("symmetry over addresses: the second address is reached once the first is used, the third once the second is", async () => {
  const base: ExploreOptions = {
    machine: TINY,
    ops: ["write", "read"],
    maxOps: 2,
    speculation: false,
    stateHashing: false,
    progress: false,
    workers: 1,
    shrink: false,
  };
  // Two addresses, 4 instances. Length 1: write and read of the first address (the second's
  // two are symmetric). Length 2, after each: the two reads (a last write is not run).
  const two = await explore({ ...base, addresses: 2 });
  assert.equal(two.stats.executions, 2 + 2 * 2);
  assert.equal(two.stats.symmetric, 2);
  // Three addresses, 6 instances. Length 1: 2 runs, 4 symmetric. Length 2, after each:
  // the reads of the first two addresses; the third address's write and read are symmetric.
  const three = await explore({ ...base, addresses: 3 });
  assert.equal(three.stats.executions, 2 + 2 * 2);
  assert.equal(three.stats.symmetric, 4 + 2 * 2);
});

Deno.test("the last length's runs leave no children, the shorter lengths' do", async () => {
  const ctx = await contextOf({ machine: TINY, ops: ["write", "read"], maxOps: 2 });
  const root = packWitnesses([{ ops: [], picks: [] }]);
  const first = expandBatch(ctx, root, 0);
  assert.ok(first.count > 0);
  const read = ctx.alphabet.instances.findIndex((i) => i.name === "read");
  const lastLength = expandBatch(ctx, packWitnesses([{ ops: [read], picks: [0] }]), 1);
  assert.ok(lastLength.executions > 0);
  assert.equal(lastLength.count, 0);
  assert.equal(lastLength.children.length, 0);
});

Deno.test("fills into an idle CPU's empty twin are skipped and counted as symmetric, for every operation", async () => {
  // The generic machine's four CPUs share a cluster. One vCPU on CPU 0, migration targets 0
  // and 1: CPUs 2 and 3 are idle, and while their L1s are empty a fill into CPU 3 is a fill
  // into CPU 2. The set/way op's choice point also offers the scheduler's preemptions.
  const options: ExploreOptions = {
    policy: "kvm-4.0",
    ops: ["write", "read", "sw_clean", "mmuOn", "migrate"],
    migrateTo: [0, 1],
  };
  const ctx = await contextOf(options);
  const all = await contextOf({ ...options, symmetry: false });
  const root = packWitnesses([{ ops: [], picks: [] }]);
  const pruned = expandBatch(ctx, root, 0);
  const full = expandBatch(all, root, 0);
  assert.equal(ctx.candidates.length, 1);
  // One vCPU and one address: no operation is symmetric, one fill per operation is.
  assert.equal(pruned.symmetric, ctx.alphabet.size);
  assert.equal(full.symmetric, 0);
  assert.equal(pruned.executions + pruned.symmetric, full.executions);
});

Deno.test("an alphabet that accesses no line offers no hardware choice: one run per operation", async () => {
  const r = await explore({
    machine: TINY,
    policy: "kvm-4.0",
    ops: ["mmuOn", "mmuOff", "sw_clean"],
    maxOps: 2,
    stateHashing: false,
    progress: false,
    workers: 1,
  });
  assert.equal(r.stats.executions, 3 + 3 * 3);
  assert.equal(r.stats.referenceRuns, 3 + 3 * 3);
});

Deno.test("a crash at the first perturbation of a choice point is found as perturbation 0", async () => {
  const r = await explore({
    machine: TINY,
    policy: CRASHES_ON_DROPPED_LINE,
    ops: ["read", "sw_clean_invalidate"],
    maxOps: 1,
    progress: false,
    shrink: false,
  });
  assert.deepEqual(r.failures.map((f) => `${f.blame}/${f.kind}`), ["hypervisor/crash"]);
  const f = r.failures[0];
  // The set/way op (instance 1), after the choice point's first perturbation: a fill into CPU 0.
  assert.deepEqual(f.found, [1, 1, 1, 0]);
  assert.deepEqual([...f.witness!.ops], [1]);
  assert.deepEqual([...f.witness!.picks], [1, 0]);
});
