/**
 * Data-access traces of real programs, as valgrind's lackey tool records
 * them (`valgrind --tool=lackey --trace-mem=yes`), held as a {@linkcode MemoryTrace}
 * (access_trace.ts) for `TraceCache.replay` (replay.ts).
 *
 * lackey prints one access a line: ` L addr,size` (load), ` S addr,size`
 * (store), ` M addr,size` (modify: a load and a store of the same size at the
 * same address by one instruction) and `I  addr,size` (instruction fetch).
 * {@linkcode parseLackey} keeps the data accesses and skips everything else
 * (fetches, valgrind's `==pid==` messages, blank lines).
 *
 * A modify is one *read* access of the data cache, as cachegrind counts it
 * (its `Dr` total includes lackey's `M` lines): replaying it as a write
 * does not reproduce cachegrind's counts.
 *
 * Simplified: addresses are exact up to 2^53 (every user-space address is);
 * sizes above 255 bytes (never produced by lackey) are rejected.
 *
 * @example Usage
 * ```ts
 * import { parseLackey } from "@setway/setway/hw";
 * import { TraceCache } from "@setway/setway/hw";
 * const trace = parseLackey("I  04001000,3\n L 1ffefff000,8\n S 1ffefff008,8\n M 1ffefff000,8\n");
 * const d1 = new TraceCache({ size: 32768, ways: 8 }, { name: "D1" });
 * d1.replay(trace);
 * console.log(trace.length, d1.stats.reads, d1.stats.writes, d1.stats.misses); // 3 2 1 1
 * ```
 *
 * @module
 */

import { ScenarioError, showValue } from "../errors.ts";
import { LOAD, type MemoryTrace, MODIFY, STORE } from "./access_trace.ts";

const CODE_L = 76, CODE_S = 83, CODE_M = 77, CODE_SPACE = 32, CODE_COMMA = 44;
const CODE_NL = 10, CODE_CR = 13;

function hexDigit(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

/**
 * Parses lackey's `--trace-mem=yes` output into a {@linkcode MemoryTrace}.
 * Only lines of the form ` L|S|M <hex addr>,<size>` are kept; any other
 * line is skipped. Works on the bytes directly (no string per line), so a
 * trace of millions of accesses parses in a fraction of a second.
 *
 * @example Usage
 * ```ts
 * import { MODIFY } from "@setway/setway/hw";
 * import { parseLackey } from "@setway/setway/hw";
 * const t = parseLackey("==1== Lackey\n M 0041a0c0,4\n");
 * console.log(t.length, t.kinds[0] === MODIFY, t.addrs[0].toString(16), t.sizes[0]); // 1 true "41a0c0" 4
 * ```
 * @param text the trace, as a string or as its bytes
 * @returns the data accesses, in order
 * @throws {ScenarioError} `invalid_value` for a data-access line whose address or size
 *   does not parse (a truncated file), naming the line
 */
export function parseLackey(text: string | Uint8Array): MemoryTrace {
  const bytes = typeof text === "string" ? new TextEncoder().encode(text) : text;
  const n = bytes.length;
  // A data line is at least " L 0,1\n": an upper bound on the count.
  const cap = Math.floor(n / 6) + 1;
  let addrs = new Float64Array(cap);
  let kinds = new Uint8Array(cap);
  let sizes = new Uint8Array(cap);
  let count = 0;
  let lineNo = 0;
  let i = 0;
  while (i < n) {
    lineNo++;
    const start = i;
    let end = i;
    while (end < n && bytes[end] !== CODE_NL) end++;
    i = end + 1;
    const k = bytes[start + 1];
    if (
      end - start < 6 || bytes[start] !== CODE_SPACE || bytes[start + 2] !== CODE_SPACE ||
      (k !== CODE_L && k !== CODE_S && k !== CODE_M)
    ) {
      continue;
    }
    let p = start + 3;
    let addr = 0;
    let digits = 0;
    for (let d; p < end && (d = hexDigit(bytes[p])) >= 0; p++, digits++) addr = addr * 16 + d;
    let size = 0;
    let sizeDigits = 0;
    if (p < end && bytes[p] === CODE_COMMA) {
      for (p++; p < end && bytes[p] >= 48 && bytes[p] <= 57; p++, sizeDigits++) {
        size = size * 10 + bytes[p] - 48;
      }
    }
    if (p < end && bytes[p] === CODE_CR) p++;
    if (
      digits === 0 || digits > 13 || sizeDigits === 0 || p !== end || size < 1 || size > 255
    ) {
      const shown = new TextDecoder().decode(bytes.subarray(start, Math.min(end, start + 40)));
      throw new ScenarioError(
        "invalid_value",
        "parseLackey",
        shown,
        `parseLackey: line ${lineNo} (${
          showValue(shown)
        }) is not " L|S|M <hex address>,<size from 1 to 255>"`,
      );
    }
    addrs[count] = addr;
    kinds[count] = k === CODE_L ? LOAD : k === CODE_S ? STORE : MODIFY;
    sizes[count] = size;
    count++;
  }
  addrs = addrs.slice(0, count);
  kinds = kinds.slice(0, count);
  sizes = sizes.slice(0, count);
  return { length: count, addrs, kinds, sizes };
}
