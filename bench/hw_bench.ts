/**
 * Benchmarks of the hardware model (the cache core alone is in
 * cache_bench.ts). Each bench that names a count does that many operations
 * per iteration, so operations per second = count / (time per iteration).
 *
 * Run: `deno bench -P bench/hw_bench.ts`
 *
 * @module
 */

import { Hardware } from "../lib/hw/hardware.ts";
import type { Machine } from "../lib/hw/machine.ts";

const N = 1_000_000;
const BASE = 0x8000_0000;

const juno: Machine = {
  name: "bench",
  description: "two clusters of two, 32 KiB L1D, 1 MiB 16-way L2, 8 MiB system cache",
  clusters: [
    { cpus: 2, l1d: { size: 32768, ways: 2 }, l2: { size: 1 << 20, ways: 16 } },
    { cpus: 2, l1d: { size: 32768, ways: 2 }, l2: { size: 1 << 20, ways: 16 } },
  ],
  systemCache: { size: 8 << 20, ways: 16 },
};

const hw = new Hardware(juno);
const HOT = 16384; // bytes: fits the L1
for (let a = 0; a < HOT; a += 4) hw.write(0, BASE + a, a, true);
const HW_N = N / 4;
Deno.bench(`Hardware.read L1 hits (${HW_N} reads)`, { group: "hardware" }, () => {
  let sum = 0;
  for (let i = 0; i < HW_N; i++) sum += hw.read(0, BASE + ((i * 4) & (HOT - 1)), true);
  if (sum < 0) throw new Error("unreachable");
});
Deno.bench(`Hardware.write L1 hits on dirty lines (${HW_N} writes)`, { group: "hardware" }, () => {
  for (let i = 0; i < HW_N; i++) hw.write(0, BASE + ((i * 4) & (HOT - 1)), i, true);
});

// A 1 MiB L2 full of lines (16384 resident), plus a full L1.
const full = new Hardware(juno);
for (let a = 0; a < (1 << 20) + 32768; a += 64) full.write(0, BASE + a, a, true);
Deno.bench("setWayAll csw on cpu0: 32 KiB L1 + full 1 MiB L2 (16896 slots)", {
  group: "walk",
}, () => {
  full.setWayAll(0, "csw");
});

const sparse = new Hardware(juno);
for (let a = 0; a < 64 * 64; a += 64) sparse.write(0, BASE + a, a, true);
Deno.bench("setWayAll csw on cpu0: 64 resident lines (16896 slots modelled)", {
  group: "walk",
}, () => {
  sparse.setWayAll(0, "csw");
});

Deno.bench(`resident-line enumeration: every cache (${full.residentLines()} lines)`, {
  group: "walk",
}, () => {
  let sum = 0;
  for (const c of full.caches) {
    for (let i = 0; i < c.residentCount; i++) sum += c.tags[c.residentSlot(i)];
  }
  if (sum < 0) throw new Error("unreachable");
});

// A new hardware model costs O(lines filled), not O(capacity): 8 MiB of
// system cache and four 256 KiB L2s, of which a handful of lines are used.
const xgene: Machine = {
  name: "bench-xgene",
  description: "X-Gene 1 shape: 4 pairs, 32 KiB L1D, 256 KiB L2 per pair, 8 MiB system cache",
  clusters: Array.from({ length: 4 }, () => ({
    cpus: 2,
    l1d: { size: 32768, ways: 8 },
    l2: { size: 256 * 1024, ways: 32 },
  })),
  systemCache: { size: 8 << 20, ways: 16 },
};
Deno.bench("new Hardware (8 CPUs, 8 MiB system cache) and 64 line fills", {
  group: "construction",
}, () => {
  const h = new Hardware(xgene);
  for (let i = 0; i < 64; i++) h.write(i & 7, BASE + i * 4096, i, true);
});
