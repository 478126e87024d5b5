// The hardware part of a state's hash: every cache that can change what happens next takes part,
// each word is read where its line sits, and idle caches are interchangeable only with caches of
// the same shape. The same state hashes alike whatever was encoded before it.
import assert from "node:assert/strict";
import { type Machine, machines } from "../../mod.ts";
import { Hardware } from "../../lib/api/hw.ts";
import {
  encodeHardware,
  encodeHardwareReference,
  HardwareLayout,
  StateEncoder,
} from "../../lib/engine/explore/state_hash.ts";
import { TINY_L3 } from "./fixtures.ts";

const A = 0x4000_0000;

/** The hash of a hardware state with one alphabet address whose expected value is `expected`. */
function hashOf(hw: Hardware, layout: HardwareLayout, expected = 0): [number, number] {
  const e = new StateEncoder(layout.addresses.length);
  e.reset();
  e.int(e.name(0, expected, true));
  encodeHardware(e, hw, layout);
  return e.hash();
}

/** The hash of a hardware state by the reference encoding (no shortcuts). */
function referenceHashOf(hw: Hardware, layout: HardwareLayout): [number, number] {
  const e = new StateEncoder(layout.addresses.length);
  e.reset();
  encodeHardwareReference(e, hw, layout);
  return e.hash();
}

/** The hash of a hardware state by the fast encoding, with nothing named first. */
function fastHashOf(hw: Hardware, layout: HardwareLayout): [number, number] {
  const e = new StateEncoder(layout.addresses.length);
  e.reset();
  encodeHardware(e, hw, layout);
  return e.hash();
}

Deno.test("state hash: a write that sits only in the system cache hashes apart from no write at all", () => {
  const a = new Hardware(TINY_L3);
  const b = new Hardware(TINY_L3);
  const layout = new HardwareLayout(a, [A], new Set([0]));
  a.write(0, A, 7, true);
  assert.equal(a.castout(a.cacheIndexOf(0, 1), A), true);
  assert.equal(a.castout(a.cacheIndexOf(0, 2), A), true);
  // The dirty line now lives in the system cache alone: a later read can still find 7.
  assert.equal(a.holds(A, 7), true);
  assert.notDeepEqual(hashOf(a, layout, 7), hashOf(b, layout, 7));
});

Deno.test("state hash: a cached word in a set other than the first is read from its own line", () => {
  const addr = A + 3 * 64;
  const a = new Hardware(machines.generic);
  const b = new Hardware(machines.generic);
  const layout = new HardwareLayout(a, [addr], new Set([0]));
  a.write(0, addr, 7, true);
  b.write(0, addr, 9, true);
  // Only the busy L1 holds the value: the expected one in a, an unexpected one in b.
  assert.notDeepEqual(hashOf(a, layout, 7), hashOf(b, layout, 7));
  assert.deepEqual(hashOf(a, layout, 7), hashOf(b, layout, 9));
});

Deno.test("state hash: two idle clusters holding different lines are interchangeable as a pair", () => {
  // xgene1: four clusters of two CPUs; with CPU 0 busy, clusters 1 to 3 are idle and alike.
  const B = A + 64; // the next line: another set, so no cache holds the two in one set
  const a = new Hardware(machines.xgene1);
  const b = new Hardware(machines.xgene1);
  const layout = new HardwareLayout(a, [A], new Set([0]));
  a.speculativeFill(2, A); // cluster 1
  a.speculativeFill(4, B); // cluster 2
  b.speculativeFill(2, B);
  b.speculativeFill(4, A);
  assert.deepEqual(hashOf(a, layout), hashOf(b, layout));
  // Holding the same line twice is another state.
  const c = new Hardware(machines.xgene1);
  c.speculativeFill(2, A);
  c.speculativeFill(4, A);
  assert.notDeepEqual(hashOf(a, layout), hashOf(c, layout));
});

Deno.test("state hash: idle clusters whose L1s differ are not interchangeable", () => {
  // The same line can evict other lines, and so fail elsewhere, in an L1 of another size.
  const l2 = { size: 4096, ways: 4 };
  const machine: Machine = {
    name: "mixed-l1",
    description: "three one-CPU clusters, the last with a larger L1",
    clusters: [
      { cpus: 1, l1d: { size: 1024, ways: 2 }, l2 },
      { cpus: 1, l1d: { size: 1024, ways: 2 }, l2 },
      { cpus: 1, l1d: { size: 2048, ways: 2 }, l2 },
    ],
  };
  const a = new Hardware(machine);
  const b = new Hardware(machine);
  const layout = new HardwareLayout(a, [A], new Set([0]));
  assert.equal(layout.idleClusters.length, 2);
  a.speculativeFill(1, A);
  b.speculativeFill(2, A);
  assert.notDeepEqual(hashOf(a, layout), hashOf(b, layout));
});

Deno.test("state hash: empty idle clusters hash as the reference does, whatever layout was hashed before", () => {
  // One idle cluster of two CPUs, then two idle clusters of one CPU, and back: each empty group
  // must encode as its own shape, not as a group of another count and size seen earlier.
  const l1d = { size: 1024, ways: 2 }, l2 = { size: 4096, ways: 4 };
  const one: Machine = {
    name: "one-idle-pair",
    description: "a busy CPU and an idle cluster of two",
    clusters: [{ cpus: 1, l1d, l2 }, { cpus: 2, l1d, l2 }],
  };
  const two: Machine = {
    name: "two-idle-singles",
    description: "a busy CPU and two idle clusters of one",
    clusters: [{ cpus: 1, l1d, l2 }, { cpus: 1, l1d, l2 }, { cpus: 1, l1d, l2 }],
  };
  for (const order of [[one, two, one], [two, one, two]]) {
    for (const machine of order) {
      const hw = new Hardware(machine);
      const layout = new HardwareLayout(hw, [A], new Set([0]));
      assert.deepEqual(fastHashOf(hw, layout), referenceHashOf(hw, layout), machine.name);
    }
  }
  // And the two machines' empty states are told apart.
  const hwOne = new Hardware(one), hwTwo = new Hardware(two);
  assert.notDeepEqual(
    fastHashOf(hwOne, new HardwareLayout(hwOne, [A], new Set([0]))),
    fastHashOf(hwTwo, new HardwareLayout(hwTwo, [A], new Set([0]))),
  );
});
