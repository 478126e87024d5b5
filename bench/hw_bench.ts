/**
 * Benchmarks of the hardware model. Each bench that names a count does that
 * many operations per iteration, so operations per second = count / (time
 * per iteration).
 *
 * Run: `deno bench -P bench/hw_bench.ts`
 *
 * @module
 */

import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { Cache } from "../lib/hw/cache.ts";
import { Hardware } from "../lib/hw/hardware.ts";
import type { Machine } from "../lib/hw/machine.ts";
import { Random } from "../lib/hw/random.ts";

const N = 1_000_000;
const BASE = 0x8000_0000;

const seqL1 = new Cache({ size: 32768, ways: 4 }, { name: "L1" });
Deno.bench(`Cache.access sequential, 4-byte stride over 256 KiB (${N} accesses)`, {
  group: "cache",
  baseline: true,
}, () => {
  let addr = BASE;
  for (let i = 0; i < N; i++) {
    seqL1.access(addr, (i & 3) === 0, 4);
    addr += 4;
    if (addr === BASE + 262144) addr = BASE;
  }
});

const random = new Random(1);
const randomAddrs = new Float64Array(N);
for (let i = 0; i < N; i++) randomAddrs[i] = BASE + random.below(65536 / 4) * 4; // 64 KiB: ~50% hits
const rndL1 = new Cache({ size: 32768, ways: 4 }, { name: "L1" });
Deno.bench(`Cache.access random over 64 KiB (${N} accesses)`, { group: "cache" }, () => {
  for (let i = 0; i < N; i++) rndL1.access(randomAddrs[i], (i & 3) === 0, 4);
});

const rndMiss = new Cache({ size: 32768, ways: 4 }, { name: "L1", replacement: "random" });
Deno.bench(`Cache.access random over 64 KiB, random replacement (${N} accesses)`, {
  group: "cache",
}, () => {
  for (let i = 0; i < N; i++) rndMiss.access(randomAddrs[i], (i & 3) === 0, 4);
});

// The data accesses of tests/data/cachegrind/trace_prog.c, as in the cross-check test.
const traceText = new TextDecoder().decode(
  gunzipSync(readFileSync(new URL("../tests/data/cachegrind/trace.txt.gz", import.meta.url))),
);
const traceLines = traceText.split("\n").filter((l) => l.length > 0);
const traceAddrs = new Float64Array(traceLines.length);
const traceWrites = new Uint8Array(traceLines.length);
const traceSizes = new Uint8Array(traceLines.length);
traceLines.forEach((l, i) => {
  const comma = l.indexOf(",");
  traceAddrs[i] = parseInt(l.slice(3, comma), 16);
  traceWrites[i] = l[1] === "S" ? 1 : 0;
  traceSizes[i] = Number(l.slice(comma + 1));
});
const traceL1 = new Cache({ size: 32768, ways: 8 }, { name: "D1" });
Deno.bench(`Cache.access replaying the cachegrind trace (${traceLines.length} accesses)`, {
  group: "cache",
}, () => {
  for (let i = 0; i < traceAddrs.length; i++) {
    traceL1.access(traceAddrs[i], traceWrites[i] === 1, traceSizes[i]);
  }
});

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
