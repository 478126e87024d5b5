/**
 * Cache maintenance: the data cache instructions a guest or a hypervisor
 * issues, and what each does to the hierarchy of topology.ts.
 *
 * By virtual address (the Arm ARM's `DC CVAC`, `DC CIVAC`, `DC IVAC` to the
 * Point of Coherency, `DC CVAU` to the Point of Unification): the operation
 * is broadcast to every cache of the shareability domain. To the PoC, every
 * dirty copy (L1s, L2s, the system cache) is written back, newest last, until
 * DRAM holds the newest data; CIVAC and IVAC then drop every copy (IVAC
 * without writing anything: dirty data is discarded). CVAU cleans every
 * L1's dirty copy to the PoU (the cluster's L2, allocating there; or the next
 * level when there is none). {@linkcode Maintenance.vaFlushResident} is the
 * kernel's `stage2_flush_vm` loop at O(resident) cost.
 *
 * By set/way (`DC CSW`, `DC CISW`, `DC ISW`): the operation acts on one
 * slot of the issuing CPU's own cache at one level and is not broadcast. A
 * clean writes a dirty line to the next level only (L1 to L2; the last
 * architected level to the system cache, allocating there dirty, or to
 * DRAM); an invalidate drops the line, dirty data included. Other CPUs'
 * caches and the system cache, which is beyond the architected levels, are
 * never touched: the Arm ARM restricts set/way maintenance to cache
 * initialisation and power-down for exactly this reason, and why a
 * hypervisor traps it (HCR_EL2.TSW). {@linkcode Maintenance.setWayAll} is a
 * whole walk as `v7_flush_dcache_all` / `__flush_dcache_all` issue it, at a
 * cost that depends on the resident lines only (walk_order.ts gives the
 * order).
 *
 * It trusts its arguments: the facade (hardware.ts) checks them.
 *
 * @example Usage
 * ```ts
 * import { Coherence } from "./coherence.ts";
 * import { Maintenance } from "./maintenance.ts";
 * import { Topology } from "./topology.ts";
 * import { newCaches } from "./cache_pool.ts";
 * import { Memory } from "./memory.ts";
 * const t = new Topology({ name: "m", description: "",
 *   clusters: [{ cpus: 1, l1d: { size: 4096, ways: 2 } }] }, 64, newCaches, "lru", 1);
 * const memory = new Memory();
 * const c = new Coherence(t, memory);
 * const m = new Maintenance(t, c, memory);
 * c.write(0, 0x1000, 9, true);
 * console.log(m.dcByVa("cvac", 0x1000), memory.read(0x1000)); // { cleaned: 1, invalidated: 0 } 9
 * ```
 *
 * @module
 */

import { type Cache, CLEAN, DIRTY, INVALID } from "./cache.ts";
import type { Coherence } from "./coherence.ts";
import { cleanedOf, type HierarchyCore, invalidatedOf } from "./hierarchy_core.ts";
import type { Memory } from "./memory.ts";
import type { Topology } from "./topology.ts";
import { sortLines } from "./sort_lines.ts";

/** The core's code of each by-VA operation (wasm/hierarchy.as `dcByVa`). */
const VA_OP_CODES = { cvac: 0, civac: 1, ivac: 2, cvau: 3 } as const;

/** What a maintenance operation did. */
export interface FlushResult {
  /** Dirty lines written back. */
  readonly cleaned: number;
  /** Valid lines dropped. */
  readonly invalidated: number;
}

/**
 * A level with at least one resident line in this many slots is walked by
 * scanning every slot, not by sorting its resident lines.
 */
const DENSE_WALK = 16;

/**
 * Appends `n` slots with the result (`cleaned`, `invalidated`) to the runs
 * of triples `runs`, lengthening the last run when it has the same result.
 */
function addRun(runs: number[], n: number, cleaned: number, invalidated: number): void {
  const last = runs.length - 3;
  if (last >= 0 && runs[last + 1] === cleaned && runs[last + 2] === invalidated) {
    runs[last] += n;
  } else {
    runs.push(n, cleaned, invalidated);
  }
}

/**
 * The maintenance operations of one machine (see the module doc).
 *
 * @example Usage
 * ```ts
 * import { Coherence } from "./coherence.ts";
 * import { Maintenance } from "./maintenance.ts";
 * import { Topology } from "./topology.ts";
 * import { newCaches } from "./cache_pool.ts";
 * import { Memory } from "./memory.ts";
 * const t = new Topology({ name: "m", description: "",
 *   clusters: [{ cpus: 1, l1d: { size: 4096, ways: 2 } }] }, 64, newCaches, "lru", 1);
 * const memory = new Memory();
 * const c = new Coherence(t, memory);
 * c.write(0, 0, 1, true);
 * console.log(new Maintenance(t, c, memory).setWayAll(0, "isw")); // { cleaned: 0, invalidated: 1, slots: 64 }
 * ```
 */
export class Maintenance {
  readonly #topology: Topology;
  readonly #coherence: Coherence;
  readonly #memory: Memory;
  readonly #caches: readonly Cache[];
  readonly #l1: readonly Cache[];
  readonly #l2Index: Int32Array;
  readonly #cpuCluster: Int32Array;
  readonly #next: Int32Array;
  readonly #cpuCount: number;
  readonly #lineSize: number;
  readonly #wpl: number;
  /** Copies turned dirty by a cascade inside one by-VA clean (not counted as cleaned). */
  #cascaded = 0;
  #swCleaned = 0;
  #swInvalidated = 0;
  /** Scratch for the resident slots of a level, sorted into walk order. */
  #walkOrder = new Int32Array(64);
  /** The resident lines `vaFlushResident` sorts, kept from one flush to the next. */
  #sortedLines = new Float64Array(64);
  #walkSlotsVisited = 0;
  /** Each cache's slot of the line a PoC by-VA operation works on, or -1 (`#locate`). */
  #slots: Int32Array;
  /** Whether a PoC by-VA operation looks its line up afresh in every cache at each phase. */
  readonly #staged: boolean;
  /** The WebAssembly core that does the by-VA and set/way operations, or null (hierarchy_core.ts). */
  readonly #core: HierarchyCore | null;

  /**
   * Maintenance over a topology, writing back through its coherence.
   *
   * @param topology the CPUs and caches
   * @param coherence the data movement between levels
   * @param memory DRAM
   * @param staged look a PoC by-VA operation's line up in every cache,
   *   empty ones included, before its clean and again before its
   *   invalidate: the slow path the single lookup is tested against
   *   (tests/hw/direct_fill_test.ts). Default false.
   * @param core the WebAssembly core over the same caches and DRAM that does
   *   each by-VA operation and each set/way operation on a slot (the walks'
   *   order stays here), or null (the default) for the JavaScript paths below
   */
  constructor(
    topology: Topology,
    coherence: Coherence,
    memory: Memory,
    staged = false,
    core: HierarchyCore | null = null,
  ) {
    this.#topology = topology;
    this.#coherence = coherence;
    this.#memory = memory;
    this.#caches = topology.caches;
    this.#l1 = topology.l1;
    this.#l2Index = topology.l2Index;
    this.#cpuCluster = topology.cpuCluster;
    this.#next = topology.next;
    this.#cpuCount = topology.cpuCount;
    this.#lineSize = topology.lineSize;
    this.#wpl = topology.wordsPerLine;
    this.#slots = new Int32Array(topology.caches.length);
    this.#staged = staged;
    this.#core = core;
  }

  /** {@linkcode Hardware.dcByVa}: one by-VA operation on the line holding `addr`. */
  dcByVa(op: "cvac" | "civac" | "ivac" | "cvau", addr: number): FlushResult {
    if (this.#core !== null) {
      const r = this.#core.dcByVa(VA_OP_CODES[op], addr);
      return { cleaned: cleanedOf(r), invalidated: invalidatedOf(r) };
    }
    const line = Math.floor(addr / this.#lineSize);
    let cleaned = 0;
    let invalidated = 0;
    if (op === "cvau") {
      cleaned = this.#cleanToPou(line);
    } else if (this.#staged) {
      this.#locate(line);
      if (op !== "ivac") cleaned = this.#cleanToPoc(line);
      this.#locate(line);
      if (op !== "cvac") invalidated = this.#invalidateEverywhere();
    } else if (this.#locate(line) > 0) {
      if (op !== "ivac") cleaned = this.#cleanToPoc(line);
      if (op !== "cvac") invalidated = this.#invalidateEverywhere();
    }
    return { cleaned, invalidated };
  }

  /**
   * Looks `line` up once in every cache, into `#slots`;
   * returns how many hold it. The clean and the invalidate of a PoC
   * operation both read these slots: a clean only writes into lines already
   * present (or DRAM), so no slot moves between the two.
   */
  #locate(line: number): number {
    const caches = this.#caches;
    const slots = this.#slots;
    let found = 0;
    for (let ci = 0; ci < caches.length; ci++) {
      const cache = caches[ci];
      // An empty cache (most of a large machine's) answers without a lookup.
      const s = cache.residentCount === 0 && !this.#staged ? -1 : cache.lookup(line);
      slots[ci] = s;
      if (s >= 0) found++;
    }
    return found;
  }

  /**
   * Cleans every dirty copy of `line` down to DRAM; returns how many copies
   * were dirty. Reads the slots `#locate` found.
   */
  #cleanToPoc(line: number): number {
    this.#cascaded = 0;
    let written = 0;
    const caches = this.#caches;
    const slots = this.#slots;
    // Top-down, so a newer copy overwrites an older one on its way to DRAM.
    for (let ci = 0; ci < caches.length; ci++) {
      const cache = caches[ci];
      const s = slots[ci];
      if (s < 0 || cache.states[s] !== DIRTY) continue;
      this.#pushIntoExisting(ci, line, cache.data, cache.dataOffset(s));
      cache.setState(s, CLEAN);
      written++;
    }
    return written - this.#cascaded;
  }

  /** Writes a line into the first level below `ci` that holds it (dirtying it), else DRAM. */
  #pushIntoExisting(ci: number, line: number, src: Int32Array, off: number): void {
    for (let n = this.#next[ci]; n >= 0; n = this.#next[n]) {
      const below = this.#caches[n];
      const s = this.#slots[n];
      if (s >= 0) {
        below.copyIn(s, src, off);
        if (below.states[s] !== DIRTY) {
          below.setState(s, DIRTY);
          this.#cascaded++;
        }
        return;
      }
    }
    this.#memory.writeBlock(line * this.#lineSize, src, off, this.#wpl);
  }

  /** Cleans every L1's dirty copy of `line` to the next level (the PoU); returns how many. */
  #cleanToPou(line: number): number {
    let cleaned = 0;
    for (let c = 0; c < this.#cpuCount; c++) {
      const l1 = this.#l1[c];
      const s = l1.lookup(line);
      if (s < 0 || l1.states[s] !== DIRTY) continue;
      l1.setState(s, CLEAN);
      this.#coherence.writeBelow(c, line, l1.data, l1.dataOffset(s));
      cleaned++;
    }
    return cleaned;
  }

  /**
   * Drops every copy of the line `#locate` found, dirty
   * data included; returns how many.
   */
  #invalidateEverywhere(): number {
    const caches = this.#caches;
    const slots = this.#slots;
    let dropped = 0;
    for (let ci = 0; ci < caches.length; ci++) {
      const s = slots[ci];
      if (s >= 0) {
        caches[ci].evict(s);
        dropped++;
      }
    }
    return dropped;
  }

  /** {@linkcode Hardware.vaFlushResident}: a by-VA operation on every resident line `keep` accepts. */
  vaFlushResident(op: "cvac" | "civac" | "ivac", keep: (lineAddr: number) => boolean): FlushResult {
    let cleaned = 0;
    let invalidated = 0;
    const lineSize = this.#lineSize;
    // Ascending addresses, as the kernel's loop issues them: an invalidate
    // moves the last resident line into the freed position, so the order
    // decides the resident order later castouts are picked in.
    const resident = this.#topology.residentLines();
    if (this.#sortedLines.length < resident) this.#sortedLines = new Float64Array(2 * resident);
    const lines = this.#sortedLines;
    let n = 0;
    for (const cache of this.#caches) {
      for (let i = 0; i < cache.residentCount; i++) lines[n++] = cache.tags[cache.residentSlot(i)];
    }
    sortLines(lines, n);
    const core = this.#core;
    for (let i = 0; i < n; i++) {
      const line = lines[i];
      if ((i > 0 && line === lines[i - 1]) || !keep(line * lineSize)) continue;
      if (core !== null) {
        const r = core.pocLine(VA_OP_CODES[op], line);
        cleaned += cleanedOf(r);
        invalidated += invalidatedOf(r);
        continue;
      }
      this.#locate(line);
      if (op !== "ivac") cleaned += this.#cleanToPoc(line);
      if (op !== "cvac") invalidated += this.#invalidateEverywhere();
    }
    return { cleaned, invalidated };
  }

  /** {@linkcode Hardware.dcBySetWay}: one set/way operation on slot `slot` of cache `ci`. */
  dcBySetWay(ci: number, slot: number, op: "csw" | "cisw" | "isw"): FlushResult {
    this.#swCleaned = 0;
    this.#swInvalidated = 0;
    this.#swSlot(ci, slot, op !== "isw", op !== "csw");
    return { cleaned: this.#swCleaned, invalidated: this.#swInvalidated };
  }

  /**
   * {@linkcode Hardware.setWayRunsDownFrom}: the set/way operation `op` on
   * slots `from` down to 0 of cache `ci`, each as {@linkcode Maintenance.dcBySetWay}
   * would do it, in walk order; appends to `runs` one triple (slots,
   * cleaned, invalidated) per run of consecutive slots with the same result.
   */
  setWayRunsDownFrom(ci: number, from: number, op: "csw" | "cisw" | "isw", runs: number[]): void {
    const cache = this.#caches[ci];
    const clean = op !== "isw";
    const invalidate = op !== "csw";
    const states = cache.states;
    const n = cache.residentCount;
    if (n * DENSE_WALK >= cache.slots) {
      for (let s = from; s >= 0;) {
        if (states[s] === INVALID) {
          let end = s - 1;
          while (end >= 0 && states[end] === INVALID) end--;
          addRun(runs, s - end, 0, 0);
          s = end;
          continue;
        }
        this.#swCleaned = 0;
        this.#swInvalidated = 0;
        this.#swSlot(ci, s, clean, invalidate);
        addRun(runs, 1, this.#swCleaned, this.#swInvalidated);
        s--;
      }
      return;
    }
    // As setWayAll: only the resident slots, in walk order; the gaps between
    // them are runs of slots that do nothing. No slot of this cache fills meanwhile.
    const order = this.#residentUpTo(cache, from);
    let next = from;
    for (let i = order.length - 1; i >= 0; i--) {
      const s = order[i];
      if (next > s) addRun(runs, next - s, 0, 0);
      this.#swCleaned = 0;
      this.#swInvalidated = 0;
      this.#swSlot(ci, s, clean, invalidate);
      addRun(runs, 1, this.#swCleaned, this.#swInvalidated);
      next = s - 1;
    }
    if (next >= 0) addRun(runs, next + 1, 0, 0);
  }

  /** One set/way operation on slot `slot` of cache `ci`, counted in the set/way totals. */
  #swSlot(ci: number, slot: number, clean: boolean, invalidate: boolean): void {
    if (this.#core !== null) {
      const r = this.#core.swSlot(ci, slot, clean, invalidate);
      this.#swCleaned += cleanedOf(r);
      this.#swInvalidated += invalidatedOf(r);
      return;
    }
    const cache = this.#caches[ci];
    const state = cache.states[slot];
    if (state === INVALID) return;
    if (clean && state === DIRTY) {
      cache.setState(slot, CLEAN);
      this.#coherence.writeBelow(ci, cache.tags[slot], cache.data, cache.dataOffset(slot));
      this.#swCleaned++;
    }
    if (invalidate) {
      cache.evict(slot);
      this.#swInvalidated++;
    }
  }

  /** {@linkcode Hardware.setWayAll}: a whole set/way walk of CPU `cpu`, level by level. */
  setWayAll(cpu: number, op: "csw" | "cisw" | "isw"): FlushResult & { slots: number } {
    const levels = this.#topology.levels(cpu);
    const clean = op !== "isw";
    const invalidate = op !== "csw";
    this.#swCleaned = 0;
    this.#swInvalidated = 0;
    let slots = 0;
    for (let level = 1; level <= levels; level++) {
      const ci = level === 1 ? cpu : this.#l2Index[this.#cpuCluster[cpu]];
      const cache = this.#caches[ci];
      slots += cache.slots;
      // The kernel's order, skipping empty slots: a clean allocates in the
      // level below, so the order decides its LRU order and its victims. No
      // slot of this cache fills meanwhile (nothing writes upwards).
      const n = cache.residentCount;
      if (n * DENSE_WALK >= cache.slots) {
        this.#walkSlotsVisited += cache.slots;
        const states = cache.states;
        for (let s = cache.slots - 1; s >= 0; s--) {
          if (states[s] !== INVALID) this.#swSlot(ci, s, clean, invalidate);
        }
        continue;
      }
      this.#walkSlotsVisited += n;
      const order = this.#residentUpTo(cache, cache.slots - 1);
      for (let i = n - 1; i >= 0; i--) this.#swSlot(ci, order[i], clean, invalidate);
    }
    return { cleaned: this.#swCleaned, invalidated: this.#swInvalidated, slots };
  }

  /**
   * The resident slots of `cache` from slot `from` down, in increasing
   * order (a walk takes them from the last), in the scratch `#walkOrder`:
   * valid until the next call.
   */
  #residentUpTo(cache: Cache, from: number): Int32Array {
    const n = cache.residentCount;
    if (this.#walkOrder.length < n) this.#walkOrder = new Int32Array(n);
    let held = 0;
    for (let i = 0; i < n; i++) {
      const slot = cache.residentSlot(i);
      if (slot <= from) this.#walkOrder[held++] = slot;
    }
    const order = this.#walkOrder.subarray(0, held);
    order.sort();
    return order;
  }

  /** {@linkcode Hardware.walkSlotsVisited}. */
  get walkSlotsVisited(): number {
    return this.#walkSlotsVisited;
  }
}
