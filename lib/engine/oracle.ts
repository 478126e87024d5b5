/**
 * The oracle: what each guest read should return, and what it means when it
 * does not.
 *
 * The guest program defines the expected value of every read: the last
 * write to that address in scenario order, by a guest `write` or a
 * `host_write`; an address never written reads 0 (RAM is zeroed, by the host
 * or by firmware). A read that returns anything else is a violation: a
 * `lost_write` when the expected value is nowhere in the system any more
 * (no cache and not DRAM holds it: a stale line overwrote it), otherwise a
 * `stale_read` (the value exists, the read just did not see it).
 *
 * Blame comes from reference runs (see run.ts): `"guest"` when the same read
 * fails on the ideal machine too (given the run's hardware choices as far
 * as the architecture allows them there, ideal_choices.ts), `"hypervisor"`
 * when only the policy's run fails, and `"machine"` when the run has no
 * hypervisor (a native policy) and fails only because of the real machine
 * (system cache, choices the ideal machine does not make).
 *
 * @module
 */

import type { Step } from "../guest/ops.ts";
import type { RamRange } from "./rules/values.ts";

/**
 * Who is to blame for a violation.
 *
 * @example Usage
 * ```ts
 * import type { Blame } from "@setway/setway";
 * const blame: Blame = "hypervisor";
 * ```
 */
export type Blame = "guest" | "hypervisor" | "machine";

/**
 * The kind of a violation.
 *
 * @example Usage
 * ```ts
 * import type { ViolationKind } from "@setway/setway";
 * const kind: ViolationKind = "lost_write";
 * ```
 */
export type ViolationKind = "stale_read" | "lost_write";

/**
 * One read that did not return what the program last wrote.
 *
 * @example Usage
 * ```ts
 * import type { Violation } from "@setway/setway";
 * const v: Violation = {
 *   kind: "stale_read", addr: 0x40100000, expected: 0x1234, got: 0, vcpu: 0, pc: 0x40000014,
 *   blame: "hypervisor", readIndex: 0,
 * };
 * ```
 */
export interface Violation {
  /** `"lost_write"` when the expected value is gone from the system, else `"stale_read"`. */
  readonly kind: ViolationKind;
  /** The address read. */
  readonly addr: number;
  /** The last value written there in scenario order (0 if never written). */
  readonly expected: number;
  /** What the read returned. */
  readonly got: number;
  /** The vCPU that read. */
  readonly vcpu: number;
  /** The guest PC of the read. */
  readonly pc: number;
  /** Who is to blame. */
  readonly blame: Blame;
  /** The read's index among the scenario's reads (0-based). */
  readonly readIndex: number;
}

/**
 * The expected value of every read of a program, in read order.
 *
 * @example Usage
 * ```ts
 * import { expectedReads } from "./oracle.ts";
 * const expected = expectedReads([
 *   { kind: "read", vcpu: 0, addr: 0x40000000 },
 *   { kind: "host_write", addr: 0x40000000, value: 7 },
 *   { kind: "read", vcpu: 0, addr: 0x40000000 },
 * ]);
 * console.log(Array.from(expected)); // [0, 7]
 * ```
 * @param steps the program
 * @param ram the guest RAM every access of the program lies in, when known:
 *   the last values are then kept in an array of its words, when it is
 *   small enough (an address outside it, or unaligned, falls back to the table)
 * @returns one expected value per read step, unsigned 32-bit
 */
export function expectedReads(steps: readonly Step[], ram?: RamRange): Float64Array {
  // A short program (an exploration's) is searched backwards from each read: no
  // table to allocate, which costs more than the search.
  if (steps.length <= SHORT_PROGRAM) return expectedReadsByScan(steps);
  // One pass over the program, not a first one to count the reads: room for a read
  // per step, and the reads' part handed out. The last value written at each address
  // is kept in an open-addressing table (linear probing, at most half full) rather
  // than a Map: an address from 2^30 up is no small integer, which a Map hashes and
  // compares slowly. tests/engine/oracle_test.ts compares it with a Map.
  let size = 16;
  while (size < 2 * steps.length) size *= 2;
  // A word per word of RAM, no hashing, when that takes no more memory than the table
  // (8-byte keys and 4-byte values).
  if (ram !== undefined && ram.ram <= 12 * size) {
    const direct = expectedReadsInRam(steps, ram);
    if (direct !== null) return direct;
  }
  const mask = size - 1;
  const keys = new Float64Array(size).fill(-1); // -1: no address (they are not negative)
  const values = new Uint32Array(size);
  const out = new Float64Array(steps.length);
  let i = 0;
  for (let k = 0; k < steps.length; k++) {
    const step = steps[k];
    const kind = step.kind;
    if (kind !== "read" && kind !== "write" && kind !== "host_write") continue;
    const addr = step.addr;
    const quarter = addr / 4; // addresses are 4-byte aligned and below 2^48
    let at = Math.imul((quarter | 0) ^ ((quarter / 0x1_0000_0000) | 0), 0x9e37_79b1) & mask;
    while (keys[at] !== addr && keys[at] !== -1) at = (at + 1) & mask;
    if (kind === "read") {
      out[i++] = keys[at] === addr ? values[at] : 0;
    } else {
      keys[at] = addr;
      values[at] = step.value;
    }
  }
  return out.subarray(0, i);
}

/** Steps up to which {@linkcode expectedReads} searches backwards instead of keeping a table. */
const SHORT_PROGRAM = 32;

/**
 * {@linkcode expectedReads} of a short program: each read's value is that of
 * the last write before it to its address (zero if none), found by searching
 * back from the read.
 */
function expectedReadsByScan(steps: readonly Step[]): Float64Array {
  // Counted first (a short program): an array of the reads' length, not a view of a longer one.
  let reads = 0;
  for (let k = 0; k < steps.length; k++) if (steps[k].kind === "read") reads++;
  return expectedReadsInto(steps, new Float64Array(reads));
}

/**
 * {@linkcode expectedReads} of a short program (an exploration's), written
 * into an array the caller keeps, from its first entry: each read's value
 * is that of the last write before it to its address (zero if none), found
 * by searching back from the read. A loop of many programs reuses one
 * array per read count instead of making one per program.
 *
 * @example Usage
 * ```ts
 * import { expectedReadsInto } from "./oracle.ts";
 * const out = expectedReadsInto([
 *   { kind: "write", vcpu: 0, addr: 0x40000000, value: 7 },
 *   { kind: "read", vcpu: 1, addr: 0x40000000 },
 * ], new Float64Array(1));
 * console.log(Array.from(out)); // [7]
 * ```
 * @param steps the program
 * @param out at least one entry per read step
 * @returns `out`
 * @throws {RangeError} when `out` has fewer entries than the program has reads
 */
export function expectedReadsInto(steps: readonly Step[], out: Float64Array): Float64Array {
  let i = 0;
  for (let k = 0; k < steps.length; k++) {
    const step = steps[k];
    if (step.kind !== "read") continue;
    if (i >= out.length) {
      throw new RangeError(`expectedReadsInto: room for ${out.length} reads, the program has more`);
    }
    const addr = step.addr;
    let value = 0;
    for (let j = k - 1; j >= 0; j--) {
      const w = steps[j];
      if ((w.kind === "write" || w.kind === "host_write") && w.addr === addr) {
        value = w.value >>> 0;
        break;
      }
    }
    out[i++] = value;
  }
  return out;
}

/**
 * {@linkcode expectedReads} with the last value written at each address
 * kept in an array of RAM's words (zero: never written), or null when an
 * access is not an aligned word of `ram`.
 */
function expectedReadsInRam(steps: readonly Step[], ram: RamRange): Float64Array | null {
  const base = ram.ramBase;
  const words = new Uint32Array(Math.floor(ram.ram / 4));
  const n = words.length;
  const out = new Float64Array(steps.length);
  let i = 0;
  for (let k = 0; k < steps.length; k++) {
    const step = steps[k];
    const kind = step.kind;
    if (kind !== "read" && kind !== "write" && kind !== "host_write") continue;
    const w = (step.addr - base) / 4;
    if (!(w >= 0 && w < n) || Math.floor(w) !== w) return null;
    if (kind === "read") out[i++] = words[w];
    else words[w] = step.value;
  }
  return out.subarray(0, i);
}

/**
 * Whether a reference run's reads all returned what the program expects.
 *
 * @example Usage
 * ```ts
 * import { firstFailingRead } from "./oracle.ts";
 * firstFailingRead(new Float64Array([1, 2]), new Float64Array([1, 3])); // 1
 * ```
 * @param expected the expected values, from {@linkcode expectedReads}
 * @param got what the run's reads returned, in read order
 * @returns the index of the first read that failed, or -1
 */
export function firstFailingRead(expected: Float64Array, got: Float64Array): number {
  for (let i = 0; i < expected.length; i++) if (expected[i] !== got[i]) return i;
  return -1;
}

/**
 * Classifies a failed read: the value is gone (`lost_write`) or merely not seen.
 *
 * @example Usage
 * ```ts
 * import { violationKind } from "./oracle.ts";
 * violationKind(false); // "lost_write"
 * ```
 * @param stillHeld whether any cache or DRAM still holds the expected value at the address
 * @returns the violation kind
 */
export function violationKind(stillHeld: boolean): ViolationKind {
  return stillHeld ? "stale_read" : "lost_write";
}
