import assert from "node:assert/strict";
import { explore, type ExploreOptions, type Machine, machines } from "../../mod.ts";
import { Hardware } from "../../lib/api/hw.ts";
import { HashSet64 } from "../../lib/engine/explore/hash_set.ts";
import {
  encodeHardware,
  HardwareLayout,
  StateEncoder,
} from "../../lib/engine/explore/state_hash.ts";
import { CRASHES_ON_CACHES_OFF, machineName, TINY } from "./fixtures.ts";

const A = 0x4000_0000;

Deno.test("HashSet64 keeps every key once, across growth", () => {
  const s = new HashSet64(16);
  for (let i = 0; i < 5000; i++) assert.equal(s.add(i * 2654435761, i ^ 0x5555), true);
  for (let i = 0; i < 5000; i++) assert.equal(s.add(i * 2654435761, i ^ 0x5555), false);
  assert.equal(s.size, 5000);
  assert.equal(s.has(1, 1), false);
});

function hashOf(hw: Hardware, layout: HardwareLayout, expected = 0): [number, number] {
  const e = new StateEncoder(1);
  e.reset();
  e.int(e.name(0, expected, true));
  encodeHardware(e, hw, layout);
  return e.hash();
}

Deno.test("states that differ only by the names of values hash equal", () => {
  const a = new Hardware(machines.generic);
  const b = new Hardware(machines.generic);
  const layout = new HardwareLayout(a, [A], new Set([0]));
  a.write(0, A, 7, true);
  b.write(0, A, 9, true);
  assert.deepEqual(hashOf(a, layout, 7), hashOf(b, layout, 9));
  // ...but not when the expected value is the old one in one of them.
  assert.notDeepEqual(hashOf(a, layout, 7), hashOf(b, layout, 5));
});

Deno.test("a clean and a dirty copy hash differently; so does where a line sits", () => {
  const a = new Hardware(machines.generic);
  const b = new Hardware(machines.generic);
  const layout = new HardwareLayout(a, [A], new Set([0, 1]));
  a.write(0, A, 7, true);
  b.write(0, A, 7, true);
  b.dcByVa("cvac", 0, A);
  assert.notDeepEqual(hashOf(a, layout), hashOf(b, layout));
  const c = new Hardware(machines.generic);
  c.write(1, A, 7, true);
  assert.notDeepEqual(hashOf(a, layout), hashOf(c, layout));
});

Deno.test("DRAM holding the expected value or an older one hashes differently", () => {
  // Caches empty in both: only DRAM tells a write that reached memory from
  // one that was lost, and only the second fails a later read.
  const a = new Hardware(machines.generic);
  const b = new Hardware(machines.generic);
  const layout = new HardwareLayout(a, [A], new Set([0]));
  a.write(0, A, 7, false);
  b.write(0, A, 5, false);
  assert.notDeepEqual(hashOf(a, layout, 7), hashOf(b, layout, 7));
});

Deno.test("a full set makes the encoding inexact: LRU ages, which it leaves out, pick the next victim", () => {
  const hw = new Hardware(TINY);
  // Three lines in one set of TINY's 2-way L1 (and of its 4-way L2).
  const addrs = [A, A + 0x400, A + 0x800];
  const layout = new HardwareLayout(hw, addrs, new Set([0]));
  const encode = () => {
    const e = new StateEncoder(addrs.length);
    e.reset();
    encodeHardware(e, hw, layout);
    return e.exact;
  };
  hw.read(0, A, true);
  assert.equal(encode(), true, "one line in the set");
  hw.read(0, A + 0x400, true);
  assert.equal(encode(), false, "the L1's set is full");
});

Deno.test("idle CPUs are interchangeable: a fill into either hashes the same", () => {
  const a = new Hardware(machines.xgene1);
  const b = new Hardware(machines.xgene1);
  const c = new Hardware(machines.xgene1);
  const layout = new HardwareLayout(a, [A], new Set([0]));
  a.speculativeFill(3, A); // cluster 1
  b.speculativeFill(7, A); // cluster 3: another idle cluster of the same shape
  c.speculativeFill(1, A); // cluster 0, beside the busy CPU 0: not interchangeable with the others
  assert.deepEqual(hashOf(a, layout), hashOf(b, layout));
  assert.notDeepEqual(hashOf(a, layout), hashOf(c, layout));
});

// Pruning must not change the answer: the same failure groups, found at the
// same place, with state hashing and symmetry on and off.
const SMALL: ExploreOptions[] = [
  {
    machine: TINY,
    policy: "kvm-3.18",
    cpus: 2,
    ops: ["write", "read", "mmuOn", "mmuOff", "migrate"],
  },
  { machine: "xgene1", policy: "kvm-4.0", cpus: 1, ops: ["host_write", "read", "mmuOn"] },
  {
    machine: TINY,
    policy: "trap-nothing",
    cpus: 1,
    ops: ["write", "read", "sw_clean", "mmuOn"],
    addresses: 2,
  },
  // Two addresses in one set of the L1 and of the L2: a slot does not say
  // which of them it holds. A hash that left the line out merged a clean copy
  // of one with a clean copy of the other, and found the stale read later.
  {
    machine: TINY,
    policy: "trap-nothing",
    cpus: 1,
    ops: ["write", "read", "mmuOn", "mmuOff"],
    addresses: [0x40000000, 0x40000400],
  },
  // Two operations: the crash is at the last one, which a search that took
  // turning caches off for an operation that cannot fail would not try.
  {
    machine: TINY,
    policy: CRASHES_ON_CACHES_OFF,
    cpus: 1,
    ops: ["write", "read", "mmuOn", "mmuOff"],
    maxOps: 2,
  },
];

for (const c of SMALL) {
  const policy = c.policy === CRASHES_ON_CACHES_OFF ? CRASHES_ON_CACHES_OFF.name : c.policy;
  const machine = machineName(c);
  const where = Array.isArray(c.addresses) ? `, ${c.addresses.length} addresses in one set` : "";
  Deno.test(`pruning is sound: ${policy} on ${machine}${where}`, async () => {
    const base = { maxOps: 3, ...c, ops: [...c.ops!], progress: false, shrink: false };
    const pruned = await explore(base);
    const full = await explore({ ...base, stateHashing: false, symmetry: false });
    const groups = (r: typeof pruned) =>
      r.failures.map((f) => [`${f.blame}/${f.kind}`, f.found.join(",")]);
    assert.deepEqual(groups(pruned), groups(full));
    assert.ok(pruned.failures.length > 0, "the case must fail somewhere to test anything");
    assert.ok(pruned.stats.executions < full.stats.executions);
    assert.equal(full.stats.merged, 0);
  });
}

Deno.test("StateEncoder: after reset, and back at a mark, values are named as on a fresh encoder", () => {
  // Names the values at address 0 in order and returns the names given.
  const names = (e: StateEncoder, values: number[]) => values.map((v) => e.name(0, v, true));
  const used = new StateEncoder(2);
  used.reset();
  assert.deepEqual(names(used, [5, 7]), [1, 2]);
  used.reset();
  const fresh = new StateEncoder(2);
  fresh.reset();
  assert.deepEqual(names(used, [7, 5]), names(fresh, [7, 5]));
  assert.deepEqual(names(used, [7, 5]), [1, 2]);

  // A mark after one name: the names given after it are forgotten, the one before kept.
  used.reset();
  names(used, [5]);
  const mark = used.saveNames();
  assert.deepEqual(names(used, [7, 9]), [2, 3]);
  used.restoreNames(mark);
  assert.equal(used.name(0, 7, false), used.name(0, 11, false), "7 is no longer named");
  assert.deepEqual(names(used, [9, 5]), [2, 1]);
});

Deno.test("DRAM never written hashes apart from DRAM holding a value other than the expected one", () => {
  // Both reads fail, but a poisoned word stays poisoned until written: it is
  // not just another old value.
  const a = new Hardware(machines.generic);
  const b = new Hardware(machines.generic);
  const layout = new HardwareLayout(a, [A], new Set([0]));
  b.write(0, A, 9, false);
  assert.notDeepEqual(hashOf(a, layout, 7), hashOf(b, layout, 7));
});

Deno.test("a value first met in a busy L1 is named there: the L1 agreeing with DRAM or not hashes apart", () => {
  const a = new Hardware(machines.generic);
  const b = new Hardware(machines.generic);
  const layout = new HardwareLayout(a, [A], new Set([0]));
  for (const hw of [a, b]) hw.write(0, A, 7, false);
  a.write(0, A, 7, true);
  b.write(0, A, 9, true);
  assert.notDeepEqual(hashOf(a, layout), hashOf(b, layout));
});

Deno.test("a cached word past the first of its line is read at its own place in the line", () => {
  const a = new Hardware(machines.generic);
  const b = new Hardware(machines.generic);
  const layout = new HardwareLayout(a, [A + 4], new Set([0]));
  a.write(0, A + 4, 7, true);
  b.write(0, A + 4, 9, true);
  assert.notDeepEqual(hashOf(a, layout, 7), hashOf(b, layout, 7));
});

Deno.test("policy states: numbers past 32 bits and the keys of a Map take part in the hash", () => {
  const hash = (state: unknown) => {
    const e = new StateEncoder(0);
    e.reset();
    e.policyState(state);
    return e.hash();
  };
  assert.notDeepEqual(hash({ base: 2 ** 32 }), hash({ base: 0 }));
  assert.notDeepEqual(hash({ base: 2 ** 32 + 5 }), hash({ base: 5 }));
  assert.notDeepEqual(
    hash({ owners: new Map([[1, "vm"]]) }),
    hash({ owners: new Map([[2, "vm"]]) }),
  );
});

Deno.test("idle clusters whose L2s differ are not interchangeable: a fill into either hashes apart", () => {
  // The same line can evict other lines, and so fail elsewhere, in an L2 of another size.
  const l1d = { size: 1024, ways: 2 };
  const machine: Machine = {
    name: "mixed-l2",
    description: "three one-CPU clusters, the last with a larger L2",
    clusters: [
      { cpus: 1, l1d, l2: { size: 4096, ways: 4 } },
      { cpus: 1, l1d, l2: { size: 4096, ways: 4 } },
      { cpus: 1, l1d, l2: { size: 8192, ways: 4 } },
    ],
  };
  const a = new Hardware(machine);
  const b = new Hardware(machine);
  const layout = new HardwareLayout(a, [A], new Set([0]));
  a.speculativeFill(1, A);
  b.speculativeFill(2, A);
  assert.notDeepEqual(hashOf(a, layout), hashOf(b, layout));
});

Deno.test("a policy state nested a few levels deep is encoded whole, and exactly", () => {
  const encode = (leaf: number) => {
    const e = new StateEncoder(0);
    e.reset();
    e.policyState({ vm: { stage2: { tables: [{ entry: { pa: leaf } }] } } });
    return { exact: e.exact, hash: e.hash() };
  };
  assert.equal(encode(1).exact, true);
  assert.notDeepEqual(encode(1).hash, encode(2).hash);
});
