/**
 * The state encoder's shortcuts must write exactly the integers of the
 * generic walks they stand in for, since a state's hash (and so every
 * count and report of a search) is the hash of those integers: the
 * constant encodings of empty idle caches against `encodeHardwareReference`
 * on hardware driven at random, and the direct policy-state encoder
 * against `structural` on random policy states.
 */

import assert from "node:assert/strict";
import fc from "fast-check";
import { machines } from "../../mod.ts";
import { Hardware } from "../../lib/api/hw.ts";
import type { Machine } from "../../lib/hw/machine.ts";
import {
  encodeHardware,
  encodeHardwareReference,
  HardwareLayout,
  StateEncoder,
} from "../../lib/engine/explore/state_hash.ts";
import { TINY, TINY_L3 } from "./fixtures.ts";

const A = 0x4000_0000;
/** Two words of one line and one of another; `A + 0x80` is outside the alphabet. */
const ADDRESSES = [A, A + 4, A + 0x1000];
const TOUCHED = [...ADDRESSES, A + 0x80];

/** Everything an encoding leaves behind that a later one could see. */
function encoded(e: StateEncoder): { ints: number[]; exact: boolean; names: number[] } {
  const more = Array.from({ length: ADDRESSES.length }, (_, i) => e.name(i, 0x1234_5678, true));
  return { ints: Array.from(e.buf.subarray(0, e.length)), exact: e.exact, names: more };
}

const hardwareOp = fc.record({
  kind: fc.constantFrom("write", "read", "fill", "castout", "civac" as const, "cvac" as const),
  cpu: fc.nat(),
  addr: fc.constantFrom(...TOUCHED),
  cache: fc.nat(),
  value: fc.integer({ min: 1, max: 6 }),
  cacheable: fc.boolean(),
});

Deno.test("encodeHardware's shortcuts for empty idle caches write what the reference writes", () => {
  const shapes: Machine[] = [machines.xgene1, machines.generic, TINY, TINY_L3];
  fc.assert(
    fc.property(
      fc.constantFrom(...shapes),
      fc.array(fc.nat(), { minLength: 1, maxLength: 3 }),
      fc.array(hardwareOp, { maxLength: 12 }),
      fc.boolean(),
      fc.boolean(),
      fc.boolean(),
      fc.integer({ min: 0, max: 6 }),
      (machine, busyPicks, ops, idleValues, staticNoFullSet, recency, expected) => {
        const hw = new Hardware(machine);
        const cpus = machine.clusters.reduce((n, c) => n + c.cpus, 0);
        const busy = new Set(busyPicks.map((p) => p % cpus));
        for (const op of ops) {
          const cpu = op.cpu % cpus;
          if (op.kind === "write") hw.write(cpu, op.addr, op.value, op.cacheable);
          else if (op.kind === "read") hw.read(cpu, op.addr, op.cacheable);
          else if (op.kind === "fill") hw.speculativeFill(cpu, op.addr);
          else if (op.kind === "castout") hw.castout(op.cache % hw.caches.length, op.addr);
          else hw.dcByVa(op.kind as "civac" | "cvac", cpu, op.addr);
        }
        const layout = new HardwareLayout(hw, ADDRESSES, busy);
        layout.idleValues = idleValues;
        layout.staticNoFullSet = staticNoFullSet;
        const run = (encode: typeof encodeHardware) => {
          const e = new StateEncoder(ADDRESSES.length, recency);
          e.reset();
          e.int(e.name(0, expected, true));
          // Twice into one encoder, as the search encodes the ideal machine then the real one.
          encode(e, hw, layout);
          encode(e, hw, layout);
          return encoded(e);
        };
        assert.deepEqual(run(encodeHardware), run(encodeHardwareReference));
      },
    ),
    { numRuns: 300, seed: 20261203 },
  );
});

Deno.test("encodeHardware's shortcut is taken: an empty xgene1 encodes as the reference does", () => {
  const hw = new Hardware(machines.xgene1);
  const layout = new HardwareLayout(hw, ADDRESSES, new Set([0]));
  const a = new StateEncoder(ADDRESSES.length), b = new StateEncoder(ADDRESSES.length);
  encodeHardware(a, hw, layout);
  encodeHardwareReference(b, hw, layout);
  assert.deepEqual(encoded(a), encoded(b));
  assert.ok(layout.idleClusters.length > 0 && layout.busyClusters[0].idleL1.length > 0);
});

/** kvm-3.18's per-vCPU CPU masks, made on first use (policies/kvm_3_18.ts). */
const kvm318 = fc.record({
  requireDcacheFlush: fc.sparseArray(
    fc.uint8Array({ min: 0, max: 1, minLength: 8, maxLength: 8 }),
    { maxLength: 4 },
  ),
});
/** Xen's per-vCPU need-flush, set on first use (policies/xen.ts). */
const xen = fc.record({
  needFlushToRam: fc.sparseArray(fc.boolean(), { maxLength: 4 }),
});
/** A policy of one's own: a pending preemption among other plain data. */
const pending = fc.record({
  needFlushToRam: fc.array(fc.oneof(fc.boolean(), fc.constant(undefined))),
  preemptTo: fc.int32Array({ min: -1, max: 7, maxLength: 4 }),
  pending: fc.oneof(fc.constant(null), fc.record({ vcpu: fc.nat(3), pcpu: fc.nat(7) })),
  flushes: fc.nat(),
});
const mixedArrays = fc.dictionary(
  fc.string(),
  fc.array(fc.oneof(fc.boolean(), fc.uint8Array(), fc.anything(), fc.constant(undefined))),
);
const policyStates = fc.oneof(
  fc.constant(undefined),
  kvm318,
  xen,
  pending,
  mixedArrays,
  fc.anything({ withTypedArray: true, withMap: true, withSet: true, withNullPrototype: true }),
  fc.func(fc.nat()),
);

Deno.test("policyState writes what structural writes, on random policy states", () => {
  fc.assert(
    fc.property(policyStates, fc.boolean(), (state, inexactBefore) => {
      const run = (encode: (e: StateEncoder) => void) => {
        const e = new StateEncoder(0);
        e.reset();
        e.int(42);
        e.exact = !inexactBefore;
        encode(e);
        encode(e);
        return { ints: Array.from(e.buf.subarray(0, e.length)), exact: e.exact };
      };
      assert.deepEqual(run((e) => e.policyState(state)), run((e) => e.structural(state)));
    }),
    { numRuns: 1000, seed: 20261203 },
  );
});
