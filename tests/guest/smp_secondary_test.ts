/**
 * The smpSecondary preset against the 32-bit Linux 4.x code it follows,
 * step by step: the order of v7_invalidate_l1's DCISW loop
 * (arch/arm/mm/cache-v7.S), what __cpu_up writes to `secondary_data` and
 * cleans (arch/arm/kernel/smp.c), and the registers the secondary loads
 * from it (arch/arm/kernel/head.S). The expected values are written out
 * here from that code, not computed by the preset.
 */

import assert from "node:assert/strict";
import { smpSecondary, type Step } from "../../lib/guest/mod.ts";
import { ScenarioError } from "../../mod.ts";

type Sw = Extract<Step, { kind: "sw" }>;

/** Each DCISW of the walk with the PC step just before it. */
function walk(steps: readonly Step[]): { set: number; way: number; pc: number }[] {
  const out: { set: number; way: number; pc: number }[] = [];
  steps.forEach((s, i) => {
    if (s.kind !== "sw") return;
    const before = steps[i - 1];
    assert.equal(before.kind, "pc", `step ${i - 1} is the walk's PC`);
    out.push({ set: (s as Sw).set, way: (s as Sw).way, pc: (before as { addr: number }).addr });
  });
  return out;
}

Deno.test("smpSecondary: v7_invalidate_l1 goes from the last set down, every way of a set (last first) before the next set", () => {
  // 512 bytes, 2 ways, 64-byte lines: 4 sets.
  const steps = smpSecondary({ base: 0x4000_8000, l1: { size: 512, ways: 2 } });
  const order = walk(steps).map(({ set, way }) => `${set}/${way}`);
  assert.deepEqual(order, ["3/1", "3/0", "2/1", "2/0", "1/1", "1/0", "0/1", "0/0"]);
  for (const s of steps.filter((x): x is Sw => x.kind === "sw")) {
    assert.equal(s.op, "isw", "DCISW: invalidate only, the L1 holds nothing of value at power-up");
    assert.equal(s.level, 1);
  }
});

Deno.test("smpSecondary: the walk's sets come from the line size as CCSIDR gives it", () => {
  // 512 bytes, 2 ways, 32-byte lines: 8 sets; 16-byte lines: 16 sets.
  const sets = (lineSize: number) =>
    new Set(walk(smpSecondary({ l1: { size: 512, ways: 2, lineSize } })).map((w) => w.set)).size;
  assert.equal(sets(32), 8);
  assert.equal(sets(16), 16);
  assert.equal(sets(64), 4);
});

Deno.test("smpSecondary: every DCISW is attributed to v7_invalidate_l1's MCR, in the image's first page", () => {
  const base = 0x4010_0000;
  const pcs = new Set(walk(smpSecondary({ base, l1: { size: 1024, ways: 4 } })).map((w) => w.pc));
  assert.deepEqual([...pcs], [base + 0x86c]);
});

Deno.test("smpSecondary: a line below 16 bytes is refused (CCSIDR.LineSize 0 is 4 words)", () => {
  for (const lineSize of [4, 8]) {
    assert.throws(
      () => smpSecondary({ l1: { size: 1024, ways: 2, lineSize } }),
      (e: unknown) => e instanceof ScenarioError && e.code === "bad_geometry",
    );
  }
  assert.equal(walk(smpSecondary({ l1: { size: 1024, ways: 2, lineSize: 16 } })).length, 64);
});

Deno.test("smpSecondary: __cpu_up writes secondary_data (pgdir as 64 bits, swapper_pg_dir, stack) and cleans all 16 bytes to the PoC", () => {
  const base = 0x4000_8000, pages = 2;
  const steps = smpSecondary({ base, pages, words: 8, l1: false });
  const data = base + pages * 4096; // secondary_data follows the image
  const writes = steps.filter((s) =>
    s.kind === "write" && s.vcpu === 0 && s.addr >= data && s.addr < data + 16
  );
  assert.deepEqual(writes.map((s) => (s as { addr: number }).addr - data), [0, 4, 8, 12]);
  const cleans = steps.filter((s) => s.kind === "dc_va");
  assert.equal(cleans.length, 1);
  const clean = cleans[0] as Extract<Step, { kind: "dc_va" }>;
  // sync_cache_w -> __cpuc_flush_dcache_area: DCCIMVAC over the whole struct.
  assert.deepEqual(
    { op: clean.op, addr: clean.addr, len: clean.len, vcpu: clean.vcpu },
    { op: "civac", addr: data, len: 16, vcpu: 0 },
  );
  assert.ok(steps.indexOf(clean) > steps.indexOf(writes[3]), "cleaned after it is written");
});

Deno.test("smpSecondary: the secondary loads TTBR0 with the pgdir and TTBR1 with the swapper_pg_dir the primary wrote", () => {
  const base = 0x4000_8000;
  const steps = smpSecondary({ base, pages: 1, words: 4, l1: false });
  const data = base + 4096;
  const written = (addr: number) =>
    (steps.find((s) => s.kind === "write" && s.addr === addr) as { value: number }).value;
  const reg = (name: string) =>
    (steps.find((s) => s.kind === "vm_reg" && s.reg === name && s.vcpu === 1) as {
      value: number;
    }).value;
  assert.equal(reg("TTBR0"), written(data), "secondary_data.pgdir: the identity map");
  assert.equal(reg("TTBR1"), written(data + 8), "secondary_data.swapper_pg_dir");
  assert.notEqual(reg("TTBR0"), reg("TTBR1"));
  // ldrd r4, r5 then ldr r8: the secondary reads all three words of the two fields, MMU off.
  const firstReads = steps.filter((s) => s.kind === "read" && s.vcpu === 1).slice(0, 3);
  assert.deepEqual(firstReads.map((s) => (s as { addr: number }).addr - data), [0, 4, 8]);
});

Deno.test("smpSecondary: the primary's second pass gives each odd word a new value, its complement", () => {
  const steps = smpSecondary({ base: 0x4000_8000, pages: 1, words: 6, l1: false });
  const values = new Map<number, number[]>();
  for (const s of steps) {
    if (s.kind !== "write" || s.vcpu !== 0 || s.addr >= 0x4000_9000) continue;
    values.set(s.addr, [...(values.get(s.addr) ?? []), s.value]);
  }
  const twice = [...values.values()].filter((v) => v.length === 2);
  assert.equal(twice.length, 3, "three of six words are written again");
  for (const [first, second] of twice) assert.equal(second, (~first) >>> 0);
});
