/**
 * Judging and shrinking at their edges (lib/engine/explore/shrink.ts): a
 * crash outside the guest class, the reads a crash cuts off, a deadline
 * already past, addresses renamed in order of first use, picks read back as
 * perturbations by meaning, and a step that can go only in a later round.
 */

import assert from "node:assert/strict";
import type { ExploreOptions } from "../../mod.ts";
import { ExploreContext, loadParts } from "../../lib/engine/explore/context.ts";
import { resolveExploreOptions } from "../../lib/engine/explore/options.ts";
import { judge, picksToPlan, shrink } from "../../lib/engine/explore/shrink.ts";
import type { GuestClass } from "../../lib/engine/explore/classes.ts";
import { CRASHES_ON_STAGE2_FAULT, TINY } from "./fixtures.ts";

/** An exploration context for `options`, its policy and guest class loaded. */
async function contextOf(options: ExploreOptions): Promise<ExploreContext> {
  const config = resolveExploreOptions(options);
  const { policy, guestClass } = await loadParts(config);
  return new ExploreContext(config, policy, guestClass);
}

/** The op names of a context's alphabet instances, with their address index. */
function opNames(ctx: ExploreContext, ops: readonly number[]): string[] {
  return ops.map((o) => {
    const op = ctx.alphabet.instances[o];
    return op.addrIndex < 0 ? op.name : `${op.name}@${op.addrIndex}`;
  });
}

Deno.test("judge: a crash is not counted while the guest class does not accept the program", async () => {
  const ctx = await contextOf({
    machine: TINY,
    policy: CRASHES_ON_STAGE2_FAULT,
    ops: ["write", "read", "sw_clean"],
    prefault: false,
    speculation: false,
    guestClass: "uses-sw",
  });
  assert.deepEqual(opNames(ctx, [0, 1, 2]), ["write@0", "read@0", "sw_clean"]);
  // write: its stage-2 fault crashes a guest that has not used set/way yet.
  assert.deepEqual(judge(ctx, [0], []), { groups: [], firstStep: [] });
  // sw_clean, write: the same crash, in a program the class accepts.
  assert.deepEqual(judge(ctx, [2, 0], []), { groups: ["hypervisor/crash"], firstStep: [1] });
});

Deno.test("judge: the reads after a crash are not judged", async () => {
  const ctx = await contextOf({
    machine: TINY,
    policy: CRASHES_ON_STAGE2_FAULT,
    ops: ["write", "read"],
    prefault: false,
    speculation: false,
  });
  // write (crashes), read, read: only the crash.
  assert.deepEqual(judge(ctx, [0, 1, 1], []), {
    groups: ["hypervisor/crash"],
    firstStep: [0],
  });
});

Deno.test("shrink: a counterexample's addresses are renamed in order of first use", async () => {
  const ctx = await contextOf({
    machine: TINY,
    policy: "kvm-4.0",
    ops: ["write", "read", "mmuOn", "mmuOff", "dc_civac"],
    addresses: 2,
  });
  assert.equal(ctx.addressSymmetric, true);
  const names = opNames(ctx, ctx.alphabet.instances.map((_, i) => i));
  // mmuOn, write, mmuOff, read, all on the second address: already 1-minimal.
  const ops = ["mmuOn", "write@1", "mmuOff", "read@1"].map((n) => names.indexOf(n));
  const s = shrink(ctx, ops, [], "guest/stale_read");
  assert.deepEqual(opNames(ctx, s.ops), ["mmuOn", "write@0", "mmuOff", "read@0"]);
  assert.deepEqual(s.plan, []);
});

Deno.test("picksToPlan: a preemption is planned to the CPU the vCPU is moved to", async () => {
  const ctx = await contextOf({
    policy: "kvm-4.0",
    ops: ["write", "read", "sw_clean", "mmuOn", "migrate"],
    migrateTo: [0, 1],
  });
  const swClean = opNames(ctx, ctx.alphabet.instances.map((_, i) => i)).indexOf("sw_clean");
  // One candidate line and four CPUs: options 0 to 3 are fills, 4 the preemption to CPU 1.
  assert.equal(ctx.candidates.length, 1);
  assert.deepEqual(picksToPlan(ctx, [swClean], [1, 4]), [
    { before: 0, kind: "preempt", cpu: 1 },
  ]);
});

Deno.test("picksToPlan: each perturbation is planned before the step whose choice point made it", async () => {
  const ctx = await contextOf({
    machine: TINY,
    policy: "kvm-4.0",
    ops: ["write", "read", "mmuOn", "mmuOff"],
  });
  // mmuOn, write, mmuOff, read, read: the first candidate filled into cpu0
  // before the second and the fourth step, nothing before the others.
  const fill = { kind: "speculative_fill", cpu: 0, addr: ctx.candidates[0] } as const;
  assert.deepEqual(picksToPlan(ctx, [2, 0, 3, 1, 1], [0, 1, 0, 0, 1, 0, 0]), [
    { before: 1, ...fill },
    { before: 3, ...fill },
  ]);
});

Deno.test("shrink: a step needed only while a step before it stays is dropped in a later round", async () => {
  const addresses = [0x4000_0000, 0x4000_1040, 0x4000_2080];
  // Guests that never leave a read of the second address without a read of the third after it.
  const answered: GuestClass<number> = {
    name: "answered",
    description: "every read of the second address is followed by a read of the third",
    start: () => 0,
    next: (state, step) =>
      step.kind !== "read"
        ? state
        : step.addr === addresses[1]
        ? 1
        : step.addr === addresses[2]
        ? 0
        : state,
    accepts: (state) => state === 0,
  };
  const ctx = await contextOf({
    machine: TINY,
    policy: "kvm-4.0",
    ops: ["write", "read", "mmuOn", "mmuOff"],
    addresses,
    speculation: false,
    guestClass: answered,
  });
  const names = opNames(ctx, ctx.alphabet.instances.map((_, i) => i));
  const ops = ["mmuOn", "write@0", "mmuOff", "read@1", "read@2", "read@0"].map((n) =>
    names.indexOf(n)
  );
  // The read of the third address is needed while the read of the second
  // stays; once that one is dropped, so can it be.
  const s = shrink(ctx, ops, [], "guest/stale_read");
  assert.deepEqual(opNames(ctx, s.ops), ["mmuOn", "write@0", "mmuOff", "read@0"]);
});
