// flush_cache_all (Linux 3.18 v7_flush_kern_cache_all, reached from
// kvm_arch_vcpu_load and access_dcsw): clean AND invalidate by set/way of
// every level up to LoC of the CPU running it, and of nothing else. A later
// read on that CPU must miss; another CPU's L1 keeps its lines.
import assert from "node:assert/strict";
import { Hardware } from "../../lib/hw/hardware.ts";
import { flushCacheAll } from "../../lib/hyp/flush.ts";
import { generic } from "../../lib/machines/mod.ts";

const A = 0x4000_0000, B = 0x4000_1040, C = 0x4000_2080;

Deno.test("flush_cache_all: the CPU's L1 and L2 are written back and emptied; another L1 is not", () => {
  const hw = new Hardware(generic, { zeroFill: true });
  hw.write(1, A, 0x1111, true); // dirty in CPU 1's L1
  hw.read(1, B, true); // clean in CPU 1's L1 and the cluster's L2
  hw.write(0, C, 0x3333, true); // dirty in CPU 0's L1
  const l1 = (cpu: number) => hw.caches[hw.cacheIndexOf(cpu, 1)];
  const l2 = hw.caches[hw.cacheIndexOf(1, 2)];
  const lineOf = (addr: number) => l1(1).lineOf(addr);
  assert.ok(l1(1).lookup(lineOf(A)) >= 0 && l1(1).lookup(lineOf(B)) >= 0);

  const r = flushCacheAll(hw, 1);
  assert.equal(r.slots, 16896, "every set and way of L1 (128 x 4) and L2 (1024 x 16)");
  assert.equal(hw.memory.read(A), 0x1111, "A's dirty line reached DRAM");
  for (const addr of [A, B]) {
    assert.equal(l1(1).lookup(lineOf(addr)), -1, `0x${addr.toString(16)} left CPU 1's L1`);
    assert.equal(l2.lookup(lineOf(addr)), -1, `0x${addr.toString(16)} left the L2`);
  }
  assert.ok(r.invalidated >= 2, `${r.invalidated} lines dropped`);
  // CPU 0's own L1 is out of reach of a set/way loop on CPU 1.
  assert.ok(l1(0).lookup(lineOf(C)) >= 0);
  assert.equal(hw.memory.read(C), 0);
});
