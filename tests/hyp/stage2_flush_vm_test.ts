/**
 * `stage2_flush_vm` (and Xen's `p2m_flush_vm`) walk the stage-2 tables, so
 * they reach only the pages mapped there: Linux 4.0 arch/arm/kvm/mmu.c
 * `stage2_flush_memslot` descends `stage2_flush_puds`/`pmds`/`ptes`, which
 * skip empty entries; Xen's `p2m_cache_flush_range` (xen/arch/arm/p2m.c)
 * skips a range whose entry is not valid. A dirty line of a page the host
 * has unmapped stays dirty in the caches, and its DRAM keeps the old value.
 *
 * @module
 */

import assert from "node:assert/strict";
import { run } from "../../lib/engine/run.ts";
import { Hardware } from "../../lib/hw/hardware.ts";
import { flushVmLines, stage2FlushVm } from "../../lib/hyp/flush.ts";
import { PAGE_SIZE, Stage2 } from "../../lib/hyp/stage2.ts";
import { BASE, TINY } from "./fixtures.ts";

const A = BASE, B = BASE + 2 * PAGE_SIZE;

Deno.test("stage2_flush_vm: a dirty line of an unmapped page is left dirty, its DRAM unchanged", () => {
  const hw = new Hardware(TINY);
  const stage2 = new Stage2(BASE, 1 << 20);
  stage2.map(B);
  const dramA = hw.memory.read(A);
  hw.write(0, A, 1, true);
  hw.write(0, B, 2, true);
  assert.equal(flushVmLines(stage2.mappedPages, hw.lineSize), PAGE_SIZE / hw.lineSize);
  const r = stage2FlushVm(hw, stage2);
  assert.deepEqual(r, {
    cleaned: 1,
    invalidated: 2, // B's line, filled into the L1 and the L2
  });
  assert.equal(hw.memory.read(B), 2);
  assert.equal(hw.memory.read(A), dramA, "the unmapped page is not walked");
  assert.ok(hw.holds(A, 1), "its line still holds the write");
});

Deno.test("p2m_flush_vm under Xen after the host unmaps a written page: only the mapped page is flushed", () => {
  const result = run({
    version: 1,
    machine: "generic",
    cpus: 1,
    systemCache: "machine",
    policy: "xen",
    ram: 1 << 20,
    ramBase: BASE,
    prefault: false,
    seed: 1,
    speculation: "quiet",
    steps: [
      { kind: "sctlr", vcpu: 0, bits: { m: true, c: true } },
      { kind: "write", vcpu: 0, addr: A, value: 1 },
      { kind: "write", vcpu: 0, addr: B, value: 2 },
      { kind: "host_unmap", addr: A },
      // Xen marks need_flush_to_ram; p2m_flush_vm runs at the next guest entry.
      { kind: "sw_walk", vcpu: 0, op: "csw" },
    ],
  });
  const flushes = result.events.filter((e) => e.name === "p2m_flush_vm");
  assert.equal(flushes.length, 1);
  // B's line, dirty in the L1 and the L2 after the page was populated.
  assert.deepEqual(
    [flushes[0].pages, flushes[0].cleaned, flushes[0].invalidated],
    [1, 1, 2],
  );
});
