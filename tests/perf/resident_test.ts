/**
 * The simulator pays for what is resident, the model charges what the
 * kernel walks: counted, never timed.
 */

import assert from "node:assert/strict";
import { run } from "../../lib/engine/run.ts";
import { Cache } from "../../lib/hw/cache.ts";
import { Hardware } from "../../lib/hw/hardware.ts";
import { Memory } from "../../lib/hw/memory.ts";
import { flushVmLines, stage2FlushVm } from "../../lib/hyp/flush.ts";
import { Stage2 } from "../../lib/hyp/stage2.ts";
import { generic } from "../../lib/machines/mod.ts";
import { GIB, stage2Scenario } from "../../bench/stage2_scenario.ts";

const BASE = 0x4000_0000;

function flushEvents(ram: number) {
  const result = run(stage2Scenario(ram));
  const flushes = result.events.filter((e) => e.name === "stage2_flush_vm")
    .map((e) => e as unknown as Record<string, number>);
  return { result, flushes };
}

Deno.test("stage-2 flush: a prefaulted 64 GiB guest is charged 64 times the pages, lines and cycles of 1 GiB", () => {
  const small = flushEvents(GIB), large = flushEvents(64 * GIB);
  assert.equal(small.flushes.length, 3);
  assert.equal(large.flushes.length, small.flushes.length);
  small.flushes.forEach((s, i) => {
    const l = large.flushes[i];
    assert.equal(s.pages, GIB / 4096);
    assert.equal(l.pages, 64 * s.pages);
    assert.equal(l.lines, 64 * s.lines);
    assert.equal(l.cycles, 64 * s.cycles);
    // What the hardware did is the same: only resident lines were visited.
    assert.deepEqual([l.cleaned, l.invalidated], [s.cleaned, s.invalidated]);
  });
  assert.ok(small.flushes.some((f) => f.cleaned > 0), "the workload flushes dirty lines");
  assert.deepEqual(large.result.verdict, small.result.verdict);
});

Deno.test("stage-2 flush: the mapping is asked about resident lines only, never per mapped page", () => {
  class CountingStage2 extends Stage2 {
    asked = 0;
    override isMapped(addr: number): boolean {
      this.asked++;
      return super.isMapped(addr);
    }
  }
  const stage2 = new CountingStage2(BASE, 64 * GIB);
  stage2.mapAll();
  const hw = new Hardware(generic);
  // 40 lines in 40 different sets, spread over the CPUs: nothing is evicted.
  for (let i = 0; i < 40; i++) hw.write(i % hw.cpuCount, BASE + i * (4096 + 64), i, true);
  const resident = hw.residentLines();
  assert.equal(stage2.mappedPages, 16 * 2 ** 20);
  assert.equal(flushVmLines(stage2.mappedPages, 64), 2 ** 30);
  const r = stage2FlushVm(hw, stage2);
  assert.ok(stage2.asked > 0 && stage2.asked <= resident, `asked ${stage2.asked} of ${resident}`);
  assert.equal(r.cleaned, 40);
  assert.equal(hw.residentLines(), 0);
});

Deno.test("stage 2: prefaulting 64 GiB keeps no bitmap; a change makes one 4 KiB chunk", () => {
  const s2 = new Stage2(BASE, 64 * GIB);
  s2.mapAll();
  assert.equal(s2.bitmapBytes, 0);
  assert.equal(s2.mappedPages, 16 * 2 ** 20);
  assert.ok(s2.unmap(BASE + 5 * GIB));
  assert.equal(s2.bitmapBytes, 4096);
  assert.equal(s2.isMapped(BASE + 5 * GIB), false);
  assert.ok(s2.isMapped(BASE + 5 * GIB + 4096), "the rest of the chunk stays mapped");
  assert.ok(s2.isMapped(BASE + 64 * GIB - 4));
  // An empty VM that faults a few pages in makes bitmaps only where they are.
  const lazy = new Stage2(BASE, 64 * GIB);
  for (let i = 0; i < 10; i++) lazy.map(BASE + i * 4096);
  lazy.map(BASE + 63 * GIB);
  assert.equal(lazy.bitmapBytes, 2 * 4096);
  assert.equal(lazy.mappedPages, 11);
});

Deno.test("stage 2: a partial last chunk keeps pages past the end of RAM unmapped", () => {
  const ram = 128 * 2 ** 20 + 5 * 4096; // one full chunk and 5 pages
  const s2 = new Stage2(BASE, ram);
  s2.mapAll();
  assert.equal(s2.mappedPages, ram / 4096);
  assert.ok(s2.unmap(BASE + ram - 4096));
  assert.equal(s2.mappedPages, ram / 4096 - 1);
  assert.ok(s2.map(BASE + ram - 4096));
  assert.equal(s2.mappedPages, ram / 4096);
  assert.equal(s2.map(BASE + ram - 8192), false, "already mapped");
});

Deno.test("set/way walk: visits resident lines only, reports every slot of the real walk", () => {
  const hw = new Hardware(generic);
  for (let i = 0; i < 10; i++) hw.write(0, BASE + i * 64, i, true);
  const original = Cache.prototype.residentSlot;
  let visited = 0;
  Cache.prototype.residentSlot = function (this: Cache, i: number): number {
    visited++;
    return original.call(this, i);
  };
  let r;
  try {
    r = hw.setWayAll(0, "cisw");
  } finally {
    Cache.prototype.residentSlot = original;
  }
  const l1 = hw.geometry(0, 1), l2 = hw.geometry(0, 2);
  assert.equal(r.slots, l1.sets * l1.ways + l2.sets * l2.ways);
  assert.ok(visited <= 20, `visited ${visited} slots`);
  assert.ok(r.invalidated >= 10);
});

Deno.test("memory: zero-filling 64 GiB of guest RAM allocates no page", () => {
  const m = new Memory();
  m.zeroFill(BASE, 64 * GIB);
  assert.equal(m.pagesTouched, 0);
  assert.equal(m.read(BASE + 40 * GIB), 0);
  m.write(BASE + 64 * GIB + 8, 1); // just past RAM: poison around it
  assert.equal(m.pagesTouched, 1);
  assert.equal(m.read(BASE + 64 * GIB), 0xdeadbeef);
  assert.equal(m.read(BASE + 64 * GIB - 4), 0);
  const line = new Int32Array(32);
  m.readBlock(BASE + 64 * GIB - 64, line, 0, 32); // half zero-filled, half poison
  assert.deepEqual(Array.from(line.subarray(14, 18), (x) => x >>> 0), [
    0,
    0,
    0xdeadbeef,
    0xdeadbeef,
  ]);
});
