import assert from "node:assert/strict";
import { type Machine, machines } from "../../mod.ts";
import { Hardware } from "../../lib/api/hw.ts";
import {
  encodeHardware,
  HardwareLayout,
  StateEncoder,
} from "../../lib/engine/explore/state_hash.ts";
import { TINY } from "./fixtures.ts";

const A = 0x4000_0000;

function encode(hw: Hardware, layout: HardwareLayout, expected = 0) {
  const e = new StateEncoder(layout.addresses.length);
  e.reset();
  e.int(e.name(0, expected, true));
  encodeHardware(e, hw, layout);
  return { hash: e.hash(), exact: e.exact };
}

function policyHash(state: unknown) {
  const e = new StateEncoder(0);
  e.reset();
  e.policyState(state);
  return { hash: e.hash(), exact: e.exact };
}

Deno.test("policy states: strings that split the same characters differently hash apart", () => {
  assert.notDeepEqual(
    policyHash({ log: ["a\u0005b", "c"] }).hash,
    policyHash({ log: ["a", "b\u0005c"] }).hash,
  );
});

Deno.test("policy states: an object without a prototype is plain data, encoded exactly", () => {
  const bare = (n: number) => Object.assign(Object.create(null), { n });
  assert.equal(policyHash({ table: bare(1) }).exact, true);
  assert.equal(policyHash(bare(1)).exact, true);
  assert.notDeepEqual(policyHash({ table: bare(1) }).hash, policyHash({ table: bare(2) }).hash);
});

Deno.test("lines in different sets never make a full set: the encoding stays exact", () => {
  const hw = new Hardware(TINY);
  // TINY's L1 is 2-way with 64-byte lines: A and A + 64 sit in neighbouring sets.
  const addrs = [A, A + 64];
  const layout = new HardwareLayout(hw, addrs, new Set([0]));
  hw.read(0, A, true);
  hw.read(0, A + 64, true);
  const e = new StateEncoder(addrs.length);
  e.reset();
  encodeHardware(e, hw, layout);
  assert.equal(e.exact, true);
});

Deno.test("an idle cluster without an L2 whose L1 holds a line hashes apart from an empty one", () => {
  const l1d = { size: 1024, ways: 2 };
  const machine: Machine = {
    name: "no-l2",
    description: "three one-CPU clusters without L2",
    clusters: [{ cpus: 1, l1d }, { cpus: 1, l1d }, { cpus: 1, l1d }],
  };
  const a = new Hardware(machine);
  const b = new Hardware(machine);
  const layout = new HardwareLayout(a, [A], new Set([0]));
  a.speculativeFill(1, A);
  assert.notDeepEqual(encode(a, layout).hash, encode(b, layout).hash);
});

Deno.test("idle CPUs beside a busy one are interchangeable: a fill into either hashes the same", () => {
  // generic: one cluster of four CPUs; CPU 0 is busy, CPUs 1 to 3 idle.
  const a = new Hardware(machines.generic);
  const b = new Hardware(machines.generic);
  const layout = new HardwareLayout(a, [A], new Set([0]));
  a.speculativeFill(1, A);
  b.speculativeFill(2, A);
  assert.deepEqual(encode(a, layout).hash, encode(b, layout).hash);
});

Deno.test("values only idle clusters hold are all 'other': equal or not among themselves, they hash the same", () => {
  // CPU 0 busy; the other three clusters idle and of one shape. No system
  // cache, so each fill reads what DRAM holds at the time.
  const l1d = { size: 1024, ways: 2 }, l2 = { size: 4096, ways: 4 };
  const machine: Machine = {
    name: "four-pairs",
    description: "four clusters of two CPUs with an L2 each",
    clusters: [{ cpus: 2, l1d, l2 }, { cpus: 2, l1d, l2 }, { cpus: 2, l1d, l2 }, {
      cpus: 2,
      l1d,
      l2,
    }],
  };
  const fill = (second: number) => {
    const hw = new Hardware(machine);
    hw.write(0, A, 5, false);
    hw.speculativeFill(2, A); // the first idle cluster holds 5
    hw.write(0, A, second, false);
    hw.speculativeFill(4, A); // the second holds `second`
    hw.write(0, A, 9, false); // DRAM moves on: neither idle value is named
    return hw;
  };
  const layout = new HardwareLayout(fill(5), [A], new Set([0]));
  assert.deepEqual(encode(fill(5), layout, 9).hash, encode(fill(6), layout, 9).hash);
});

Deno.test("a cache holding many lines hashes the same whatever order they were filled in", () => {
  const lines = Array.from({ length: 20 }, (_, i) => A + 64 * i);
  const a = new Hardware(machines.generic);
  const b = new Hardware(machines.generic);
  const layout = new HardwareLayout(a, [A], new Set([0]));
  for (const addr of lines) a.read(0, addr, true);
  for (const addr of [...lines].reverse()) b.read(0, addr, true);
  const ea = encode(a, layout), eb = encode(b, layout);
  assert.equal(ea.exact, true);
  assert.deepEqual(ea.hash, eb.hash);
});
