/**
 * The cache-core workloads shared by bench/cache_bench.ts and the report:
 * a random stream over twice the cache (about half misses), a sequential
 * stream, and the two real-program traces.
 *
 * @example Usage
 * ```ts
 * import { randomTrace } from "./cache_workloads.ts";
 * console.log(randomTrace(1000).length); // 1000
 * ```
 *
 * @module
 */

import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { Random } from "../lib/hw/random.ts";
import type { MemoryTrace } from "../lib/sim/access_trace.ts";
import { parseLackey } from "../lib/sim/lackey.ts";
import type { CachegrindCounts } from "./gzip_trace.ts";

export type { MemoryTrace };

/** Base address of the synthetic streams (2 GiB: above the signed 32-bit range). */
export const STREAM_BASE = 0x8000_0000;

/** The L1 the synthetic streams run on: 32 KiB, 4-way, 64-byte lines. */
export const L1_GEOMETRY = { size: 32768, ways: 4, lineSize: 64 } as const;

function streamOf(n: number, addr: (i: number) => number): MemoryTrace {
  const addrs = new Float64Array(n);
  const kinds = new Uint8Array(n);
  const sizes = new Uint8Array(n).fill(4);
  for (let i = 0; i < n; i++) {
    addrs[i] = addr(i);
    kinds[i] = (i & 3) === 0 ? 1 : 0; // one store in four
  }
  return { length: n, addrs, kinds, sizes };
}

/**
 * `n` random aligned 4-byte accesses over 64 KiB (twice {@linkcode L1_GEOMETRY}):
 * about half of them miss, and a hit or miss cannot be predicted.
 *
 * @example Usage
 * ```ts
 * import { randomTrace } from "./cache_workloads.ts";
 * const t = randomTrace(4);
 * console.log(t.addrs[0] >= 0x8000_0000 && t.addrs[0] < 0x8001_0000); // true
 * ```
 * @param n number of accesses
 * @returns the stream (one store in four)
 */
export function randomTrace(n: number): MemoryTrace {
  const random = new Random(1);
  return streamOf(n, () => STREAM_BASE + random.below(65536 / 4) * 4);
}

/**
 * `n` sequential 4-byte accesses cycling over 256 KiB: one miss per line.
 *
 * @example Usage
 * ```ts
 * import { sequentialTrace } from "./cache_workloads.ts";
 * console.log(sequentialTrace(3).addrs[2] - sequentialTrace(3).addrs[0]); // 8
 * ```
 * @param n number of accesses
 * @returns the stream (one store in four)
 */
export function sequentialTrace(n: number): MemoryTrace {
  return streamOf(n, (i) => STREAM_BASE + ((i * 4) % 262144));
}

/**
 * The lackey trace of tests/data/cachegrind/trace_prog.c (374,523 accesses).
 *
 * @example Usage
 * ```ts
 * import { testProgramTrace } from "./cache_workloads.ts";
 * console.log(testProgramTrace().length); // 374523
 * ```
 * @returns the data accesses
 */
export function testProgramTrace(): MemoryTrace {
  const url = new URL("../tests/data/cachegrind/trace.txt.gz", import.meta.url);
  return parseLackey(gunzipSync(readFileSync(url)));
}

/**
 * cachegrind's counts for the test program, per D1 geometry, as recorded
 * in tests/data/cachegrind/expected.json.
 *
 * @example Usage
 * ```ts
 * import type { TestProgramExpected } from "./cache_workloads.ts";
 * const none: TestProgramExpected = { valgrind: "valgrind-3.19.0", geometries: [] };
 * ```
 */
export interface TestProgramExpected {
  /** `valgrind --version` of the recording. */
  readonly valgrind: string;
  /** cachegrind's counts. */
  readonly geometries: readonly CachegrindCounts[];
}

/**
 * Reads {@linkcode TestProgramExpected} from tests/data/cachegrind/expected.json.
 *
 * @example Usage
 * ```ts
 * import { loadTestProgramExpected } from "./cache_workloads.ts";
 * console.log(loadTestProgramExpected().geometries.length); // 5
 * ```
 * @returns the version and counts
 */
export function loadTestProgramExpected(): TestProgramExpected {
  const url = new URL("../tests/data/cachegrind/expected.json", import.meta.url);
  return JSON.parse(readFileSync(url, "utf8"));
}
