/**
 * Canonical encoding and 64-bit hashing of an exploration state: the
 * hardware, the hypervisor, the policy's state, the ideal machine the
 * oracle compares against, and what the oracle expects each address to hold.
 *
 * Exploration explores each distinct state once, so everything that can
 * change what happens next must be in the encoding, and nothing else should
 * be. What is encoded, and why the rest can be left out:
 *
 * - every resident line of every cache: slot (set and way), line number,
 *   clean or dirty, and the words at the alphabet's addresses. Other words
 *   of a line are never read by a generated program, and data never steers
 *   the hardware or a policy, so they cannot change a verdict;
 * - DRAM at the alphabet's addresses;
 * - each vCPU's SCTLR (M, C, I), HCR (TSW, TVM, SWIO), physical CPU, last
 *   physical CPU and whether it crashed; stage 2 (mapped, populated) for the
 *   alphabet's pages; the policy's state, walked structurally (a state that
 *   is not plain data switches merging off for the run, which stays correct);
 * - left out: the guest PC, the execution state (AArch32 or AArch64) and
 *   "has ever had caches on" (they only label events and
 *   architectural-validity notes), event counts and costs, and
 *   the LRU ages of lines. Ages only matter once a set is full: when the
 *   alphabet cannot fill a set (see `explore`), they never matter; otherwise
 *   a state with a full set is never merged with another.
 *
 * Values are renamed: each address's values get small numbers in the order
 * a fixed walk meets them (the expected value first), 0 and the poison
 * pattern keep their own codes. Since every write stores a fresh value, two
 * states that differ only by the names of values behave the same.
 *
 * Idle physical CPUs (no vCPU ever runs there, no migration targets them,
 * no host operation runs there) are interchangeable: their L1s only ever
 * hold clean copies that no other CPU reads, so within a cluster their L1s
 * are hashed as a sorted multiset, and fully idle clusters of the same shape
 * likewise. Values they hold that the walk has not named yet are encoded as
 * "other": only equality with an expected value can matter for them (the
 * `lost_write`/`stale_read` distinction), and the expected value is always
 * named first.
 *
 * Why a permutation of idle CPUs that keeps clusters together (idle CPUs of
 * one cluster among themselves, whole idle clusters of one shape among
 * themselves, every busy CPU fixed) maps each execution onto one with the
 * same reads, failures, kinds and blames, so that states equal up to it
 * have the same futures:
 *
 * - idle caches are always clean. Only a CPU's own write dirties its L1
 *   (coherence.ts `#writeOther`), and an L2 or the system cache is dirtied
 *   only by a dirty line from above (`writeBelow`, a snoop); an idle CPU
 *   never writes (the host's `clear_page` runs on the host CPU or the
 *   vCPU's, hypervisor.ts `#populate`) and fills install clean;
 * - the hardware's choices do not tell CPUs apart: perturb.ts
 *   `Perturber.perturb` offers a fill of every candidate into every CPU's
 *   L1 and a castout of every resident line of every cache, so a
 *   permutation maps the choices of one state one to one onto the other's;
 * - coherence sees a CPU through its cluster only: `fillL1` asks the
 *   siblings for a dirty copy, then the cluster's L2, then the other
 *   clusters for a dirty copy (`#snoopOtherClusters`; the first one found
 *   wins, but idle clusters never hold one), then the system cache and
 *   DRAM; a write drops every other L1's and every other cluster's copy;
 *   `holds` asks whether any copy holds a value;
 * - maintenance by VA is broadcast (maintenance.ts); set/way acts on the
 *   issuing CPU's own caches, and only a vCPU's CPU issues it (hypervisor.ts,
 *   handle.ts `flushCacheAll(hardware, this.#cpu())`);
 * - the ideal machine (ideal_choices.ts `idealCounterpart`) makes a fill
 *   into a CPU with no vCPU a write-back by that CPU (`writeBackOthers`),
 *   which depends on its cluster only, and a castout the castout of the
 *   cache with the same name; the ideal machine's idle caches stay empty
 *   (it fills only vCPUs' own CPUs), so both are the same for every idle
 *   CPU of a cluster, and for every idle cluster;
 * - the policies name physical CPUs only through vCPUs (`Vcpu.pcpu`,
 *   `lastPcpu`, the migration and preemption targets: busy CPUs all), and
 *   alike for every idle CPU: kvm-3.18's `require_dcache_flush` mask
 *   (policies/kvm_3_18.ts `onSetWay`) is set for every CPU but the vCPU's
 *   and cleared only by a vCPU loading on a CPU, so its idle entries are all
 *   equal; Xen's need-flush is per vCPU; `flushAll` runs on the current CPU.
 *
 * The soundness check (tests/explore/futures.ts) pairs states that are
 * equal here but differ by position (`Positional`), and catches a wrong
 * symmetry that pools idle L1s across clusters.
 *
 * Nothing coarser is used for idle caches, because nothing coarser holds
 * for them alone: taken as one component (per line: each idle cache absent,
 * newest or not newest) whose moves are a castout, a fill that hits its
 * cluster's L2 (seen outside only as the ideal machine's write-back), a
 * fill that misses (a coherent read from outside, which hands it a newest
 * or an older value), the drop of every copy (a write, CIVAC), the aging
 * of every copy (a write that bypasses the caches) and "holds the newest
 * value", three idle clusters of two CPUs have 1 140 states up to symmetry,
 * and every one is its own class under bisimulation; under trace
 * equivalence too, for one and for two clusters (171 states). A coarser
 * reduction would have to depend on the busy part's state (a second miss
 * repeats what the first did to it, for instance), and none is proved.
 *
 * Prove mode's `"verdicts"` abstraction (`HardwareLayout.idleValues`
 * false) is coarser for them, and sound for less: idle caches are encoded
 * by the lines they hold (slot, line, state), not by their values. Two
 * executions equal under it have the same verdicts (which reads fail,
 * whom each failure blames, which vCPU crashes) along every continuation,
 * but not always the same kinds, because:
 *
 * - an idle copy's value never reaches a read, DRAM or another cache. It
 *   is clean (above), so no castout, clean or snoop writes it anywhere
 *   (coherence.ts: `castOut` and maintenance write back dirty lines only;
 *   `#snoopOtherClusters` and a sibling's lookup take dirty copies only);
 *   the only fill it feeds is an idle L1's from its own idle cluster's L2
 *   (`fillL1`), idle again; a busy CPU's fill reads its own L1, its
 *   cluster's L2, a dirty copy elsewhere, the system cache or DRAM, all
 *   encoded with their values;
 * - what an idle copy's presence does is encoded: which choices exist (a
 *   castout per resident line), whether a fill into an idle CPU moves
 *   nothing, copies from its L2 or reads coherently from the busy part
 *   (and so pulls its dirty copy or allocates in the system cache);
 * - the oracle's verdict compares the read value with the expectation,
 *   and blame compares the ideal machine's read with it: idle values take
 *   no part. Only the kind does: `Judge.kind` asks `Hardware.holds`
 *   whether any copy, idle ones included, still holds the expected value.
 *
 * So the first failure met (the shortest, breadth first) and every
 * "Never" are as with the full encoding; a failure group's kind, and the
 * shortest length of each kind, are only those met. The soundness check
 * compares verdicts for this abstraction, and catches it when kinds are
 * compared (tests/explore/prove_test.ts).
 *
 * Hashes are 64 bits (two 32-bit halves from two different mixes); two
 * distinct states colliding would wrongly prune one: with 10^7 states the
 * chance is about 3 in a million.
 *
 * @example Usage
 * ```ts
 * import { StateEncoder } from "./state_hash.ts";
 * const e = new StateEncoder(1);
 * e.reset();
 * e.int(7);
 * e.int(e.name(0, 0x1234, true));
 * const [hi, lo] = e.hash();
 * console.log(typeof hi, typeof lo); // number number
 * ```
 *
 * @module
 */

import { POISON } from "../../hw/memory.ts";
import { MAX_CPUS } from "../../limits.ts";
import type { Hardware } from "../../hw/hardware.ts";
import type { Cache } from "../../hw/cache.ts";
import type { Machine } from "../../hw/machine.ts";

const CODE_ZERO = -1;
const CODE_POISON = -2;
const CODE_OTHER = -3;

/**
 * A buffer of 32-bit integers describing a state, with per-address value
 * naming and 64-bit hashing.
 *
 * @example Usage
 * ```ts
 * import { StateEncoder } from "./state_hash.ts";
 * const e = new StateEncoder(2);
 * e.reset();
 * console.log(e.name(0, 99, true), e.name(0, 42, true), e.name(0, 99, true)); // 1 2 1
 * console.log(e.name(1, 42, true)); // 1: names are per address
 * ```
 */
export class StateEncoder {
  /** The encoded integers; valid up to {@linkcode StateEncoder.length}. */
  buf: Int32Array = new Int32Array(256);
  /** Number of integers written. */
  length: number = 0;
  /** False once something could not be encoded (the state must not be merged). */
  exact: boolean = true;
  /** High half of the last {@linkcode StateEncoder.computeHash}, unsigned. */
  hashHi: number = 0;
  /** Low half of the last {@linkcode StateEncoder.computeHash}, unsigned. */
  hashLo: number = 0;
  /**
   * Per address, the values named so far (name k + 1 for the value at k), in
   * a typed array that only grows: a JS array emptied by `length = 0` gives
   * its storage back, and the next name would allocate new storage, once per
   * address per run.
   */
  readonly #names: Uint32Array[];
  /** Per address, how many of its values are named. */
  readonly #counts: Int32Array;
  readonly #saved: Int32Array;
  readonly #recency: boolean;
  readonly #f64 = new Float64Array(1);
  readonly #i32 = new Int32Array(this.#f64.buffer);
  #pairs = new Uint32Array(32);
  #pairCount = 0;
  readonly #keyCodes = new Map<string, Int32Array>();

  /**
   * An empty encoder.
   *
   * @param addresses number of alphabet addresses (each has its own value names)
   * @param recency name values only "newest" or "older" (see {@linkcode StateEncoder.name})
   */
  constructor(addresses: number, recency = false) {
    this.#names = Array.from({ length: addresses }, () => new Uint32Array(4));
    this.#counts = new Int32Array(addresses);
    this.#saved = new Int32Array(addresses);
    this.#recency = recency;
  }

  /** Empties the buffer and forgets every value name. */
  reset(): void {
    this.length = 0;
    this.#pairCount = 0;
    this.exact = true;
    // Loops, here and in the two methods below, not `fill` and `set`: an
    // exploration calls them for every execution, on an entry or two per
    // address, and a builtin's generic entry costs more than the copy.
    const counts = this.#counts;
    for (let i = 0; i < counts.length; i++) counts[i] = 0;
  }

  /**
   * Marks the value names given so far, to continue several encodings from
   * one point (names are only ever added after it).
   *
   * @returns how many names each address has: the encoder's own array,
   * overwritten by the next call
   */
  saveNames(): Int32Array {
    // One mark at a time is all the search keeps: the array is reused, not allocated per run.
    const counts = this.#counts, saved = this.#saved;
    for (let i = 0; i < counts.length; i++) saved[i] = counts[i];
    return saved;
  }

  /**
   * Forgets the names given after {@linkcode StateEncoder.saveNames}.
   *
   * @param saved what `saveNames` returned
   */
  restoreNames(saved: Int32Array): void {
    const counts = this.#counts;
    for (let i = 0; i < counts.length; i++) counts[i] = saved[i];
  }

  /**
   * Appends one integer.
   *
   * @param v an integer (taken modulo 2^32)
   */
  int(v: number): void {
    if (this.length === this.buf.length) this.#grow(1);
    this.buf[this.length++] = v;
  }

  /** Makes room for `more` integers after the current end. */
  #grow(more: number): void {
    let size = this.buf.length * 2;
    while (size < this.length + more) size *= 2;
    const bigger = new Int32Array(size);
    bigger.set(this.buf);
    this.buf = bigger;
  }

  /**
   * Appends integers already encoded (a precomputed stretch of a stream).
   *
   * @example Usage
   * ```ts
   * import { StateEncoder } from "./state_hash.ts";
   * const e = new StateEncoder(0);
   * e.reset();
   * e.ints(Int32Array.of(1, 2));
   * console.log(e.length); // 2
   * ```
   * @param src the integers
   */
  ints(src: Int32Array): void {
    if (this.length + src.length > this.buf.length) this.#grow(src.length);
    // A loop, not `set`: the stretches are a few integers, and `set`'s generic entry costs more.
    const buf = this.buf;
    let at = this.length;
    for (let i = 0; i < src.length; i++) buf[at++] = src[i];
    this.length = at;
  }

  /**
   * Appends another encoder's integers, and its inexactness: as if what was
   * written to it had been written here (it must name no values).
   *
   * @example Usage
   * ```ts
   * import { StateEncoder } from "./state_hash.ts";
   * const part = new StateEncoder(0), e = new StateEncoder(0);
   * part.structural({ dirty: [1] });
   * e.append(part);
   * console.log(e.length === part.length); // true
   * ```
   * @param other the encoder whose integers are appended
   */
  append(other: StateEncoder): void {
    const n = other.length;
    if (this.length + n > this.buf.length) this.#grow(n);
    const src = other.buf, buf = this.buf;
    let at = this.length;
    for (let i = 0; i < n; i++) buf[at++] = src[i];
    this.length = at;
    if (!other.exact) this.exact = false;
  }

  /**
   * Appends a whole number exactly (numbers above 2^31, e.g. line numbers).
   *
   * @param v a number
   */
  num(v: number): void {
    if ((v | 0) === v) {
      this.int(0);
      this.int(v);
    } else {
      this.#f64[0] = v;
      this.int(1);
      this.int(this.#i32[0]);
      this.int(this.#i32[1]);
    }
  }

  /**
   * The canonical name of a value held at an alphabet address.
   *
   * @param address the address's index
   * @param value the 32-bit value (unsigned)
   * @param insert whether an unseen value gets a new name (else it is "other")
   * With `recency` (prove mode, prove.ts), the first value named for an
   * address in an encoding is its newest (the oracle's expectation, named
   * first); afterwards every value is 1 if it is that one and 2 if not
   * ("newest" or "not newest": 0 and poison included, which only an
   * equality with the expectation could tell apart, and the expectation
   * after a write is a fresh value that is neither).
   *
   * @returns the name: 1, 2... for program values, negative codes for 0, poison and "other"
   */
  name(address: number, value: number, insert: boolean): number {
    const v = value >>> 0;
    if (this.#recency) return this.#recencyName(address, v, insert);
    if (v === 0) return CODE_ZERO;
    if (v === POISON) return CODE_POISON;
    const names = this.#names[address];
    const count = this.#counts[address];
    for (let i = 0; i < count; i++) if (names[i] === v) return i + 1;
    if (!insert) return CODE_OTHER;
    this.#add(address, v);
    return count + 1;
  }

  #recencyName(address: number, v: number, insert: boolean): number {
    if (this.#counts[address] === 0 && insert) this.#add(address, v);
    if (this.#counts[address] > 0) return this.#names[address][0] === v ? 1 : 2;
    if (v === 0) return CODE_ZERO;
    if (v === POISON) return CODE_POISON;
    return 2;
  }

  /** Names `v` at `address`: the next name, its storage doubled when full. */
  #add(address: number, v: number): void {
    const count = this.#counts[address];
    let names = this.#names[address];
    if (count === names.length) {
      names = new Uint32Array(2 * count);
      names.set(this.#names[address]);
      this.#names[address] = names;
    }
    names[count] = v;
    this.#counts[address] = count + 1;
  }

  /**
   * The 64-bit hash of the integers from `from` to the end.
   *
   * @param from first index (default 0)
   * @returns `[hi, lo]`, unsigned 32-bit halves
   */
  hash(from = 0): [number, number] {
    this.computeHash(from);
    return [this.hashHi, this.hashLo];
  }

  /**
   * Computes {@linkcode StateEncoder.hash} into {@linkcode StateEncoder.hashHi}
   * and {@linkcode StateEncoder.hashLo}, allocating nothing.
   *
   * @example Usage
   * ```ts
   * import { StateEncoder } from "./state_hash.ts";
   * const e = new StateEncoder(0);
   * e.reset();
   * e.int(7);
   * e.computeHash();
   * const [hi, lo] = e.hash();
   * console.log(e.hashHi === hi && e.hashLo === lo); // true
   * ```
   * @param from first index (default 0)
   */
  computeHash(from = 0): void {
    const buf = this.buf;
    const end = this.length;
    let h1 = 0x9747b28c ^ (end - from);
    let h2 = 0x5bd1e995 ^ Math.imul(end - from, 0x27d4eb2d);
    for (let i = from; i < end; i++) {
      const v = buf[i];
      let k = Math.imul(v, 0xcc9e2d51);
      k = (k << 15) | (k >>> 17);
      k = Math.imul(k, 0x1b873593);
      h1 ^= k;
      h1 = (h1 << 13) | (h1 >>> 19);
      // Both sums are cut to 32 bits (`| 0`, with the constant as a signed
      // 32-bit integer) so that the loop stays in integer arithmetic; the
      // bits are those of the plain sums, which only ever went on to 32-bit
      // operations.
      h1 = (Math.imul(h1, 5) + (0xe6546b64 | 0)) | 0;
      h2 = (Math.imul(h2 ^ v, 0x01000193) + 0x7f4a7c15) | 0;
      h2 ^= h2 >>> 15;
      h2 = Math.imul(h2, 0x2c1b3c6d);
    }
    this.hashHi = fmix(h1) >>> 0;
    this.hashLo = fmix(h2 ^ 0x68e31da4) >>> 0;
  }

  /**
   * Replaces everything from `from` on by its 64-bit hash, remembering the
   * hash for {@linkcode StateEncoder.flushSorted}: how a multiset member is
   * encoded.
   *
   * @param from where the member's encoding starts
   */
  collapse(from: number): void {
    this.computeHash(from);
    this.length = from;
    this.member(this.hashHi, this.hashLo);
  }

  /**
   * Adds a multiset member whose collapsed hash is already known (what
   * {@linkcode StateEncoder.collapse} would have computed).
   *
   * @example Usage
   * ```ts
   * import { StateEncoder } from "./state_hash.ts";
   * const a = new StateEncoder(0), b = new StateEncoder(0);
   * a.int(5);
   * a.collapse(0);
   * a.flushSorted();
   * b.int(5);
   * const [hi, lo] = b.hash();
   * b.length = 0;
   * b.member(hi, lo);
   * b.flushSorted();
   * console.log(a.hash()[0] === b.hash()[0]); // true
   * ```
   * @param hi the member's hash, high half
   * @param lo the member's hash, low half
   */
  member(hi: number, lo: number): void {
    if (this.#pairCount * 2 === this.#pairs.length) {
      const bigger = new Uint32Array(this.#pairs.length * 2);
      bigger.set(this.#pairs);
      this.#pairs = bigger;
    }
    this.#pairs[2 * this.#pairCount] = hi;
    this.#pairs[2 * this.#pairCount + 1] = lo;
    this.#pairCount++;
  }

  /**
   * Appends the hashes collected by {@linkcode StateEncoder.collapse},
   * sorted (a multiset), and forgets them.
   */
  flushSorted(): void {
    const p = this.#pairs;
    const n = this.#pairCount;
    // Insertion sort: a handful of members, no allocation.
    for (let i = 1; i < n; i++) {
      const hi = p[2 * i], lo = p[2 * i + 1];
      let j = i - 1;
      while (j >= 0 && (p[2 * j] > hi || (p[2 * j] === hi && p[2 * j + 1] > lo))) {
        p[2 * j + 2] = p[2 * j];
        p[2 * j + 3] = p[2 * j + 1];
        j--;
      }
      p[2 * j + 2] = hi;
      p[2 * j + 3] = lo;
    }
    this.int(n);
    for (let i = 0; i < 2 * n; i++) this.int(p[i]);
    this.#pairCount = 0;
  }

  /**
   * Appends any plain-data value (numbers, strings, booleans, null,
   * undefined, arrays, typed arrays, plain objects, Maps and Sets). Anything
   * else (a function, a class instance, a cycle) marks the encoding inexact.
   *
   * @param value the value
   * @param depth recursion depth so far
   */
  structural(value: unknown, depth = 0): void {
    if (depth > 32) {
      this.exact = false;
      return;
    }
    if (value === undefined) return this.int(0);
    if (value === null) return this.int(1);
    switch (typeof value) {
      case "boolean":
        return this.int(value ? 3 : 2);
      case "number":
        this.int(4);
        return this.num(value);
      case "string":
        this.int(5);
        this.int(value.length);
        for (let i = 0; i < value.length; i++) this.int(value.charCodeAt(i));
        return;
      case "bigint":
        return this.structural(`${value}n`, depth);
      case "object":
        break;
      default:
        this.exact = false;
        return;
    }
    if (Array.isArray(value)) {
      this.int(6);
      this.int(value.length);
      for (const v of value) this.structural(v, depth + 1);
      return;
    }
    if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
      const arr = value as unknown as ArrayLike<number>;
      this.int(7);
      this.int(arr.length);
      for (let i = 0; i < arr.length; i++) this.num(Number(arr[i]));
      return;
    }
    if (value instanceof Map) {
      this.int(9);
      this.int(value.size);
      for (const [k, v] of value) {
        this.structural(k, depth + 1);
        this.structural(v, depth + 1);
      }
      return;
    }
    if (value instanceof Set) {
      this.int(10);
      this.int(value.size);
      for (const v of value) this.structural(v, depth + 1);
      return;
    }
    const proto = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) {
      this.exact = false;
      return;
    }
    const keys = Object.keys(value);
    this.int(8);
    this.int(keys.length);
    for (const k of keys) {
      this.structural(k, depth + 1);
      this.structural((value as Record<string, unknown>)[k], depth + 1);
    }
  }

  /**
   * Appends a policy's state: the same integers as
   * {@linkcode StateEncoder.structural}, with the shapes the built-in
   * policies use (nothing, a plain object of arrays of flags or of CPU
   * masks) written without the generic walk; anything else goes through it.
   *
   * @example Usage
   * ```ts
   * import { StateEncoder } from "./state_hash.ts";
   * const state = { requireDcacheFlush: [Uint8Array.of(0, 1)] };
   * const a = new StateEncoder(0), b = new StateEncoder(0);
   * a.policyState(state);
   * b.structural(state);
   * console.log(a.hash()[0] === b.hash()[0]); // true
   * ```
   * @param value the policy's state
   */
  policyState(value: unknown): void {
    if (value === undefined) return this.int(0);
    if (
      typeof value !== "object" || value === null ||
      Object.getPrototypeOf(value) !== Object.prototype
    ) return this.structural(value);
    const keys = Object.keys(value);
    this.int(8);
    this.int(keys.length);
    for (const k of keys) {
      this.#key(k);
      const v = (value as Record<string, unknown>)[k];
      if (Array.isArray(v)) this.#flatArray(v);
      else this.structural(v, 1);
    }
  }

  /** A property name as `structural` writes it, cached (the same few names every time). */
  #key(k: string): void {
    let code = this.#keyCodes.get(k);
    if (code === undefined) {
      const scratch = new StateEncoder(0);
      scratch.structural(k);
      code = scratch.buf.slice(0, scratch.length);
      this.#keyCodes.set(k, code);
    }
    this.ints(code);
  }

  /** An array at depth 1 of a policy state: flags and byte masks directly, the rest structurally. */
  #flatArray(a: readonly unknown[]): void {
    this.int(6);
    this.int(a.length);
    for (const v of a) {
      if (v === undefined) this.int(0);
      else if (v === true) this.int(3);
      else if (v === false) this.int(2);
      else if (v instanceof Uint8Array) {
        this.int(7);
        this.int(v.length);
        for (let i = 0; i < v.length; i++) {
          this.int(0);
          this.int(v[i]);
        }
      } else this.structural(v, 2);
    }
  }
}

function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h;
}

/**
 * Where the alphabet's words sit, and which caches of a machine are
 * interchangeable: precomputed once per exploration.
 *
 * @example Usage
 * ```ts
 * import { HardwareLayout } from "./state_hash.ts";
 * import { Hardware } from "@setway/setway/hw";
 * import { xgene1 } from "../../machines/mod.ts";
 * const layout = new HardwareLayout(new Hardware(xgene1), [0x40000000], new Set([0, 1, 2]));
 * console.log(layout.idleClusters.length); // 2: clusters 2 and 3 never run anything
 * ```
 */
export class HardwareLayout {
  /** The alphabet's word addresses. */
  readonly addresses: readonly number[];
  /** Line number to `[word offset, address index, ...]` for the alphabet's words in it. */
  readonly wordsByLine: ReadonlyMap<number, readonly number[]>;
  /** Caches encoded in order: L1s of busy CPUs. */
  readonly busyL1: readonly number[];
  /** Clusters with a busy CPU: their L2 (or -1) and the L1s of their idle CPUs. */
  readonly busyClusters: readonly { readonly l2: number; readonly idleL1: readonly number[] }[];
  /** Fully idle clusters, grouped by shape: each group's clusters as `{ l2, l1 }`. */
  readonly idleClusters:
    readonly (readonly { readonly l2: number; readonly l1: readonly number[] }[])[];
  /** Index of the system cache, or -1. */
  readonly system: number;
  /** Whether no set of any cache can ever be full (so LRU ages never matter). */
  staticNoFullSet: boolean = false;
  /**
   * Whether idle CPUs' caches are encoded with their values (newest or
   * not); false under prove mode's `"verdicts"` abstraction, which encodes
   * only which lines they hold (see the module doc).
   */
  idleValues: boolean = true;

  /**
   * Computes the layout.
   *
   * @param hardware a hardware model of the machine
   * @param addresses the alphabet's word addresses
   * @param busy physical CPUs that can run anything (vCPUs, migration targets, the host CPU)
   */
  constructor(hardware: Hardware, addresses: readonly number[], busy: ReadonlySet<number>) {
    this.addresses = addresses;
    const lineSize = hardware.lineSize;
    const words = new Map<number, number[]>();
    addresses.forEach((a, i) => {
      const line = Math.floor(a / lineSize);
      const list = words.get(line) ?? [];
      list.push((a % lineSize) >>> 2, i);
      words.set(line, list);
    });
    this.wordsByLine = words;
    const machine: Machine = hardware.machine;
    const busyL1: number[] = [];
    const busyClusters: { l2: number; idleL1: number[] }[] = [];
    const idleByShape = new Map<string, { l2: number; l1: number[] }[]>();
    let cpu = 0;
    machine.clusters.forEach((c) => {
      const cpus = Array.from({ length: c.cpus }, (_, i) => cpu + i);
      cpu += c.cpus;
      const l2 = hardware.levels(cpus[0]) === 2 ? hardware.cacheIndexOf(cpus[0], 2) : -1;
      const idle = cpus.filter((p) => !busy.has(p));
      if (idle.length === cpus.length) {
        const shape = JSON.stringify([c.cpus, c.l1d, c.l2 ?? null]);
        const group = idleByShape.get(shape) ?? [];
        group.push({ l2, l1: cpus });
        idleByShape.set(shape, group);
      } else {
        for (const p of cpus) if (busy.has(p)) busyL1.push(p);
        busyClusters.push({ l2, idleL1: idle });
      }
    });
    this.busyL1 = busyL1;
    this.busyClusters = busyClusters;
    this.idleClusters = [...idleByShape.values()];
    this.system = hardware.systemCacheIndex;
  }
}

/**
 * Appends a hardware model's state (caches and DRAM at the alphabet's
 * addresses) to an encoder, canonically (see the module doc).
 *
 * @example Usage
 * ```ts
 * import { encodeHardware, HardwareLayout, StateEncoder } from "./state_hash.ts";
 * import { Hardware } from "@setway/setway/hw";
 * import { generic } from "../../machines/mod.ts";
 * const hw = new Hardware(generic);
 * const layout = new HardwareLayout(hw, [0x40000000], new Set([0]));
 * const e = new StateEncoder(1);
 * e.reset();
 * encodeHardware(e, hw, layout);
 * const empty = e.hash();
 * hw.write(0, 0x40000000, 5, true);
 * e.reset();
 * encodeHardware(e, hw, layout);
 * console.log(e.hash()[0] !== empty[0]); // true
 * ```
 * @param e the encoder
 * @param hw the hardware
 * @param layout its layout
 */
export function encodeHardware(e: StateEncoder, hw: Hardware, layout: HardwareLayout): void {
  encodeHardwareWith(e, hw, layout, true);
}

/**
 * {@linkcode encodeHardware} without its shortcut for empty idle caches:
 * the reference the shortcut is tested against.
 *
 * @example Usage
 * ```ts
 * import { encodeHardware, encodeHardwareReference, HardwareLayout, StateEncoder } from "./state_hash.ts";
 * import { Hardware } from "@setway/setway/hw";
 * import { xgene1 } from "../../machines/mod.ts";
 * const hw = new Hardware(xgene1);
 * const layout = new HardwareLayout(hw, [0x40000000], new Set([0]));
 * const a = new StateEncoder(1), b = new StateEncoder(1);
 * encodeHardware(a, hw, layout);
 * encodeHardwareReference(b, hw, layout);
 * console.log(a.hash()[0] === b.hash()[0]); // true
 * ```
 * @param e the encoder
 * @param hw the hardware
 * @param layout its layout
 */
export function encodeHardwareReference(
  e: StateEncoder,
  hw: Hardware,
  layout: HardwareLayout,
): void {
  encodeHardwareWith(e, hw, layout, false);
}

function encodeHardwareWith(
  e: StateEncoder,
  hw: Hardware,
  layout: HardwareLayout,
  shortcuts: boolean,
): void {
  const caches = hw.caches;
  // Index loops, not for-of: this runs twice for every execution of an
  // exploration, and V8 kept the for-of loops' iterators here, about 100
  // bytes an execution (bench/explore_alloc.ts) for the collector.
  for (let k = 0; k < layout.busyL1.length; k++) {
    encodeCache(e, caches[layout.busyL1[k]], layout, true);
  }
  if (layout.system >= 0) encodeCache(e, caches[layout.system], layout, true);
  for (let k = 0; k < layout.busyClusters.length; k++) {
    const c = layout.busyClusters[k];
    if (c.l2 >= 0) encodeCache(e, caches[c.l2], layout, true);
  }
  const addrs = layout.addresses;
  for (let i = 0; i < addrs.length; i++) e.int(e.name(i, hw.memory.read(addrs[i]), true));
  // Idle caches last, so that their values can only refer to names already given.
  // Most of them are empty most of the time (the ideal machine's always are):
  // a wholly empty multiset encodes to a constant, appended at once.
  for (let k = 0; k < layout.busyClusters.length; k++) {
    const c = layout.busyClusters[k];
    if (shortcuts && allEmpty(caches, c.idleL1)) {
      e.ints(emptyIdleL1s(c.idleL1.length));
      continue;
    }
    for (let k2 = 0; k2 < c.idleL1.length; k2++) {
      encodeIdleL1(e, caches[c.idleL1[k2]], layout, shortcuts);
    }
    e.flushSorted();
  }
  for (let g = 0; g < layout.idleClusters.length; g++) {
    const group = layout.idleClusters[g];
    if (shortcuts && allEmptyClusters(caches, group)) {
      e.ints(emptyIdleClusters(group.length, group[0].l1.length));
      continue;
    }
    if (memberScratch.length < 2 * group.length) memberScratch = new Float64Array(2 * group.length);
    const members = memberScratch;
    let n = 0;
    for (let k = 0; k < group.length; k++) {
      const c = group[k];
      if (isEmptyCluster(caches, c)) {
        if (shortcuts) {
          members[n++] = EMPTY_CLUSTER;
          members[n++] = 0;
        } else {
          const [hi, lo] = emptyCluster(c.l1.length);
          members[n++] = hi;
          members[n++] = lo;
        }
        continue;
      }
      const start = e.length;
      if (c.l2 >= 0) encodeCache(e, caches[c.l2], layout, false, layout.idleValues);
      for (let k2 = 0; k2 < c.l1.length; k2++) encodeIdleL1(e, caches[c.l1[k2]], layout, shortcuts);
      e.flushSorted();
      e.computeHash(start);
      e.length = start;
      members[n++] = e.hashHi;
      members[n++] = e.hashLo;
    }
    for (let i = 0; i < n; i += 2) {
      if (shortcuts && members[i] === EMPTY_CLUSTER) {
        const [hi, lo] = emptyClusterMember(group[i >> 1].l1.length);
        e.member(hi, lo);
        continue;
      }
      const from = e.length;
      e.int(members[i]);
      e.int(members[i + 1]);
      e.collapse(from);
    }
    e.flushSorted();
  }
}

/**
 * Each idle cluster's member (hash halves) while a group is encoded: a typed
 * array that only grows, where a JS array emptied per state would give its
 * storage back and allocate it again.
 */
let memberScratch = new Float64Array(16);
/** Marks an empty cluster in `memberScratch` (not a hash: hashes are unsigned). */
const EMPTY_CLUSTER = -1;

/** An empty idle cluster of `cpus` CPUs as a multiset member: `emptyCluster`, collapsed. */
const emptyClusterMembers: [number, number][] = [];

function emptyClusterMember(cpus: number): [number, number] {
  let member = emptyClusterMembers[cpus];
  if (member === undefined) {
    const e = new StateEncoder(0);
    const [hi, lo] = emptyCluster(cpus);
    e.int(hi);
    e.int(lo);
    member = e.hash();
    emptyClusterMembers[cpus] = member;
  }
  return member;
}

function allEmptyClusters(
  caches: readonly Cache[],
  group: readonly { l2: number; l1: readonly number[] }[],
): boolean {
  for (const c of group) if (!isEmptyCluster(caches, c)) return false;
  return true;
}

function allEmpty(caches: readonly Cache[], list: readonly number[]): boolean {
  for (const ci of list) if (caches[ci].residentCount !== 0) return false;
  return true;
}

/** What the slow path appends for `count` empty idle L1s of a busy cluster, by count. */
const emptyIdleL1Codes: Int32Array[] = [];

function emptyIdleL1s(count: number): Int32Array {
  let code = emptyIdleL1Codes[count];
  if (code === undefined) {
    const e = new StateEncoder(0);
    for (let i = 0; i < count; i++) {
      e.int(EMPTY[0]);
      e.int(EMPTY[1]);
      e.collapse(0);
    }
    e.flushSorted();
    code = e.buf.slice(0, e.length);
    emptyIdleL1Codes[count] = code;
  }
  return code;
}

/** What the slow path appends for a group of `count` empty idle clusters of `cpus` CPUs each. */
const emptyIdleClusterCodes = new Map<number, Int32Array>();

function emptyIdleClusters(count: number, cpus: number): Int32Array {
  const key = count * (MAX_CPUS + 1) + cpus;
  let code = emptyIdleClusterCodes.get(key);
  if (code === undefined) {
    const [hi, lo] = emptyCluster(cpus);
    const e = new StateEncoder(0);
    for (let i = 0; i < count; i++) {
      e.int(hi);
      e.int(lo);
      e.collapse(0);
    }
    e.flushSorted();
    code = e.buf.slice(0, e.length);
    emptyIdleClusterCodes.set(key, code);
  }
  return code;
}

const slotScratch: { buf: Int32Array } = { buf: new Int32Array(64) };

/** The collapsed hash of an empty cache, and of a cluster of empty caches, by cluster shape. */
const EMPTY = (() => {
  const e = new StateEncoder(0);
  e.int(0);
  return e.hash();
})();

/**
 * Whether a cluster's L2 (if it has one) and its L1s hold no line.
 *
 * @example Usage
 * ```ts
 * import { isEmptyCluster } from "./state_hash.ts";
 * import { Hardware } from "../../hw/hardware.ts";
 * import { xgene1 } from "../../machines/mod.ts";
 * const hw = new Hardware(xgene1);
 * console.log(isEmptyCluster(hw.caches, { l2: -1, l1: [0, 1] })); // true
 * ```
 * @param caches the machine's caches
 * @param c the cluster: its L2's index (-1 when none) and its L1s'
 * @returns true when every one is empty
 */
export function isEmptyCluster(
  caches: readonly Cache[],
  c: { l2: number; l1: readonly number[] },
): boolean {
  if (c.l2 >= 0 && caches[c.l2].residentCount !== 0) return false;
  for (const ci of c.l1) if (caches[ci].residentCount !== 0) return false;
  return true;
}

const emptyClusterHash = new Map<number, [number, number]>();

function emptyCluster(cpus: number): [number, number] {
  let h = emptyClusterHash.get(cpus);
  if (h === undefined) {
    const e = new StateEncoder(0);
    e.int(0);
    for (let i = 0; i < cpus; i++) {
      e.int(EMPTY[0]);
      e.int(EMPTY[1]);
    }
    h = e.hash();
    emptyClusterHash.set(cpus, h);
  }
  return h;
}

/** An idle CPU's L1, collapsed to one value so that idle CPUs with equal contents are interchangeable. */
function encodeIdleL1(
  e: StateEncoder,
  cache: Cache,
  layout: HardwareLayout,
  shortcuts: boolean,
): void {
  if (shortcuts && cache.residentCount === 0) {
    e.member(EMPTY_L1_MEMBER[0], EMPTY_L1_MEMBER[1]);
    return;
  }
  const from = e.length;
  if (cache.residentCount === 0) {
    e.int(EMPTY[0]);
    e.int(EMPTY[1]);
  } else {
    encodeCache(e, cache, layout, false, layout.idleValues);
  }
  e.collapse(from);
}

/** An empty idle L1 as a multiset member: `EMPTY`, collapsed. */
const EMPTY_L1_MEMBER = (() => {
  const e = new StateEncoder(0);
  e.int(EMPTY[0]);
  e.int(EMPTY[1]);
  return e.hash();
})();

/**
 * Appends a cache's resident lines: slot, line, state and, with `values`,
 * the name of each alphabet word's value (`insert`: whether a value not
 * named yet gets a name).
 */
function encodeCache(
  e: StateEncoder,
  cache: Cache,
  layout: HardwareLayout,
  insert: boolean,
  values = true,
): void {
  const n = cache.residentCount;
  e.int(n);
  if (n === 0) return;
  if (slotScratch.buf.length < n) slotScratch.buf = new Int32Array(n * 2);
  const slots = slotScratch.buf;
  // A few lines per cache as a rule: an insertion sort in place allocates no view.
  if (n > 16) {
    for (let i = 0; i < n; i++) slots[i] = cache.residentSlot(i);
    slots.subarray(0, n).sort();
  } else {
    sortResidentSlots(cache, n, slots);
  }
  const ways = cache.ways;
  const tags = cache.tags, states = cache.states, data = cache.data;
  const wordsByLine = layout.wordsByLine;
  const checkFull = !layout.staticNoFullSet;
  let runSet = -1;
  let run = 0;
  for (let i = 0; i < n; i++) {
    const s = slots[i];
    const set = Math.floor(s / ways);
    run = set === runSet ? run + 1 : 1;
    runSet = set;
    if (run === ways && checkFull) e.exact = false;
    const line = tags[s];
    e.int(s);
    e.num(line);
    e.int(states[s]);
    const words = values ? wordsByLine.get(line) : undefined;
    if (words === undefined) continue;
    const base = cache.dataOffset(s);
    for (let w = 0; w < words.length; w += 2) {
      e.int(e.name(words[w + 1], data[base + words[w]], insert));
    }
  }
}

function sortResidentSlots(cache: Cache, n: number, slots: Int32Array): void {
  for (let i = 0; i < n; i++) {
    const s = cache.residentSlot(i);
    let j = i - 1;
    while (j >= 0 && slots[j] > s) {
      slots[j + 1] = slots[j];
      j--;
    }
    slots[j + 1] = s;
  }
}
