/**
 * Coherence: how cacheable reads and writes move lines through the
 * hierarchy of topology.ts so that every CPU sees the newest copy, and how
 * non-cacheable accesses deliberately do not.
 *
 * It models the Arm ARM's rule for Normal memory that is Inner and Outer
 * Shareable and Write-Back cacheable: all observers see one coherent copy
 * of each location, the hardware keeping the caches coherent, while a
 * Non-cacheable access goes to memory (the Point of Coherency) and ignores
 * whatever dirty data a cache holds. The protocol is simplified:
 *
 * - a read that misses its own L1 takes the newest copy: a dirty copy in a
 *   sibling L1 (pushed into the cluster's L2), else the cluster's L2, else
 *   another cluster's dirty copy (that cluster is snooped: its newest data
 *   goes to the common level below, the system cache or DRAM, and its copies
 *   become clean), else the system cache, else DRAM; it fills every level on
 *   the way;
 * - a write reads for ownership, then drops every copy in other L1s and other
 *   clusters and dirties its own L1; an older copy may stay in its own
 *   cluster's L2 (the hierarchy is not inclusive);
 * - dirty victims are cast out to the next level, allocating there; clean
 *   victims are dropped;
 * - a non-cacheable access goes to DRAM, or to the system cache's copy when
 *   the system cache snoops non-cacheable traffic (a memory-side cache).
 *
 * Simplified: a snoop returns only dirty data (a clean copy outside the
 * requester's own path never supplies data); there is no MESI state, no
 * exclusive monitor and no timing. It trusts its arguments: the facade
 * (hardware.ts) checks them.
 *
 * @example Usage
 * ```ts
 * import { Coherence } from "./coherence.ts";
 * import { Topology } from "./topology.ts";
 * import { newCaches } from "./cache_pool.ts";
 * import { Memory } from "./memory.ts";
 * const t = new Topology({ name: "m", description: "",
 *   clusters: [{ cpus: 2, l1d: { size: 4096, ways: 2 } }] }, 64, newCaches, "lru", 1);
 * const c = new Coherence(t, new Memory());
 * c.write(0, 0x1000, 7, true);
 * console.log(c.read(1, 0x1000, true), c.read(1, 0x1000, false).toString(16)); // 7 "deadbeef"
 * ```
 *
 * @module
 */

import { type Cache, CLEAN, DIRTY, INVALID } from "./cache.ts";
import type { HierarchyCore } from "./hierarchy_core.ts";
import type { Memory } from "./memory.ts";
import type { Topology } from "./topology.ts";
import { copyWords } from "./words.ts";

/**
 * The coherent data movement of one machine (see the module doc).
 *
 * @example Usage
 * ```ts
 * import { Coherence } from "./coherence.ts";
 * import { Topology } from "./topology.ts";
 * import { newCaches } from "./cache_pool.ts";
 * import { Memory } from "./memory.ts";
 * const t = new Topology({ name: "m", description: "",
 *   clusters: [{ cpus: 1, l1d: { size: 4096, ways: 2 } }] }, 64, newCaches, "lru", 1);
 * const c = new Coherence(t, new Memory({ zeroFill: true }));
 * c.speculativeFill(0, 0x2000);
 * console.log(t.residentLines(), c.holds(0x2000, 0)); // 1 true
 * ```
 */
export class Coherence {
  // The topology's arrays, held here too: these are read on every access.
  readonly #caches: readonly Cache[];
  readonly #l1: readonly Cache[];
  readonly #l2: readonly (Cache | null)[];
  readonly #l2Index: Int32Array;
  readonly #sys: Cache | null;
  readonly #sysIndex: number;
  readonly #snoopsNc: boolean;
  readonly #cpuCluster: Int32Array;
  readonly #clusterFirstCpu: Int32Array;
  readonly #clusterCpuCount: Int32Array;
  readonly #next: Int32Array;
  readonly #cpuCount: number;
  readonly #lineSize: number;
  readonly #wpl: number;
  readonly #memory: Memory;
  /** One line of data on its way between levels. */
  readonly #buf: Int32Array;
  /** Whether lines move through buffers, as before the direct copies (see the constructor). */
  readonly #staged: boolean;
  /** Staged only: one line per cache, a dirty victim's data while it is cast out. */
  readonly #victimBufs: Int32Array;
  /** The WebAssembly core that takes the model's accesses, or null (hierarchy_core.ts). */
  readonly #core: HierarchyCore | null;

  /**
   * Coherence over a topology's caches and DRAM.
   *
   * @param topology the CPUs and caches
   * @param memory DRAM, below the last cache
   * @param staged move every line through a buffer (a fill's data, a dirty
   *   victim's words) and look each cache up before filling it, as before
   *   the direct copies: the slow path they are tested against
   *   (tests/hw/direct_fill_test.ts). Default false.
   * @param core the WebAssembly core over the same caches and DRAM that
   *   takes {@linkcode Coherence.read}, {@linkcode Coherence.write},
   *   {@linkcode Coherence.writeLine} and {@linkcode Coherence.speculativeFill},
   *   or null (the default) for the JavaScript paths below
   */
  constructor(
    topology: Topology,
    memory: Memory,
    staged = false,
    core: HierarchyCore | null = null,
  ) {
    this.#caches = topology.caches;
    this.#l1 = topology.l1;
    this.#l2 = topology.l2;
    this.#l2Index = topology.l2Index;
    this.#sys = topology.sys;
    this.#sysIndex = topology.systemCacheIndex;
    this.#snoopsNc = topology.snoopsNonCacheable;
    this.#cpuCluster = topology.cpuCluster;
    this.#clusterFirstCpu = topology.clusterFirstCpu;
    this.#clusterCpuCount = topology.clusterCpuCount;
    this.#next = topology.next;
    this.#cpuCount = topology.cpuCount;
    this.#lineSize = topology.lineSize;
    this.#wpl = topology.wordsPerLine;
    this.#memory = memory;
    this.#buf = new Int32Array(this.#wpl);
    this.#staged = staged;
    this.#victimBufs = new Int32Array(staged ? topology.caches.length * this.#wpl : 0);
    this.#core = core;
  }

  /** Writes a line into the level below cache `ci`, allocating there dirty (or DRAM). */
  writeBelow(ci: number, line: number, src: Int32Array, off: number): void {
    const n = this.#next[ci];
    if (n < 0) this.#memory.writeBlock(line * this.#lineSize, src, off, this.#wpl);
    else this.#allocate(n, line, src, off, DIRTY);
  }

  /**
   * Puts a line into cache `ci` with data: overwrites a present copy (made
   * dirty when `state` is dirty), else evicts the victim (casting it out if
   * dirty) and installs.
   */
  #allocate(ci: number, line: number, src: Int32Array, off: number, state: number): number {
    const cache = this.#caches[ci];
    const slot = cache.lookup(line);
    if (slot >= 0) {
      cache.copyIn(slot, src, off);
      if (state === DIRTY) cache.setState(slot, DIRTY);
      cache.touch(slot);
      return slot;
    }
    return this.#install(ci, line, src, off, state);
  }

  /**
   * {@linkcode Coherence.#allocate} of a line cache `ci` does not hold:
   * evicts the victim (casting it out if dirty) and installs. The castout
   * must not be able to change `src`: it only writes the levels below `ci`
   * and DRAM.
   */
  #install(ci: number, line: number, src: Int32Array, off: number, state: number): number {
    const cache = this.#caches[ci];
    const slot = cache.victim(line);
    if (cache.states[slot] !== INVALID) this.castoutSlot(ci, slot);
    cache.install(slot, line, state, src, off);
    return slot;
  }

  /** Evicts a valid slot; a dirty line goes to the next level, a clean one is dropped. */
  castoutSlot(ci: number, slot: number): boolean {
    if (this.#core !== null) return this.#core.castout(ci, slot) !== 0;
    if (this.#staged) return this.#castoutStaged(ci, slot);
    const cache = this.#caches[ci];
    const line = cache.tags[slot];
    const dirty = cache.states[slot] === DIRTY;
    cache.evict(slot);
    // The words stay in the evicted slot until it is filled again, and the
    // write below changes only the levels below this cache and DRAM: they
    // are written from where they are, without a copy.
    if (dirty) this.writeBelow(ci, line, cache.data, cache.dataOffset(slot));
    return dirty;
  }

  /** {@linkcode Coherence.castoutSlot} through the cache's victim buffer: the staged slow path. */
  #castoutStaged(ci: number, slot: number): boolean {
    const cache = this.#caches[ci];
    const line = cache.tags[slot];
    const wpl = this.#wpl;
    const vb = this.#victimBufs;
    const dirty = cache.states[slot] === DIRTY;
    if (dirty) {
      const o = cache.dataOffset(slot);
      copyWords(cache.data, o, vb, ci * wpl, wpl);
    }
    cache.evict(slot);
    if (dirty) this.writeBelow(ci, line, vb, ci * wpl);
    return dirty;
  }

  /**
   * Makes CPU `cpu`'s L1 hold the newest copy of `line` reachable by a
   * coherent read; returns its slot.
   */
  fillL1(cpu: number, line: number): number {
    const l1 = this.#l1[cpu];
    const hit = l1.lookup(line);
    if (hit >= 0) {
      l1.touch(hit);
      return hit;
    }
    if (this.#staged) return this.#fillL1Staged(cpu, line);
    const wpl = this.#wpl;
    const buf = this.#buf;
    const k = this.#cpuCluster[cpu];
    const first = this.#clusterFirstCpu[k];
    const end = first + this.#clusterCpuCount[k];
    // Nothing below puts `line` into this L1 before its own fill, nor into
    // this cluster's L2 once that has missed, nor into a system cache that
    // has missed: those fills skip the lookup (#install).
    // (a) a dirty copy in a sibling L1: it moves to the cluster's level
    // below, and into this L1, from the sibling's words (a castout into a
    // lower level cannot change them).
    for (let c = first; c < end; c++) {
      if (c === cpu) continue;
      const sib = this.#l1[c];
      if (sib.residentCount === 0) continue;
      const s = sib.lookup(line);
      if (s >= 0 && sib.states[s] === DIRTY) {
        const o = sib.dataOffset(s);
        sib.setState(s, CLEAN);
        this.writeBelow(c, line, sib.data, o);
        return this.#install(cpu, line, sib.data, o, CLEAN);
      }
    }
    // (b) the cluster's L2, copied straight into the L1's victim slot unless
    // that victim is dirty: its castout goes into this L2 and may take the
    // slot the data is in, so the data waits in the buffer.
    const l2 = this.#l2[k];
    if (l2 !== null) {
      const s = l2.lookup(line);
      if (s >= 0) {
        l2.touch(s);
        const slot = l1.victim(line);
        const state = l1.states[slot];
        let src = l2.data, off = l2.dataOffset(s);
        if (state === DIRTY) {
          copyWords(src, off, buf, 0, wpl);
          src = buf;
          off = 0;
          this.castoutSlot(cpu, slot);
        } else if (state !== INVALID) {
          l1.evict(slot);
        }
        l1.install(slot, line, CLEAN, src, off);
        return slot;
      }
    }
    // (c) another cluster holding it dirty is snooped; (d) system cache; (e)
    // DRAM. No castout below touches `buf`.
    const sys = this.#sys;
    if (!this.#snoopOtherClusters(k, line, buf)) {
      const s = sys === null ? -1 : sys.lookup(line);
      if (s >= 0) {
        const o = sys!.dataOffset(s);
        copyWords(sys!.data, o, buf, 0, wpl);
        sys!.touch(s);
      } else {
        this.#memory.readBlock(line * this.#lineSize, buf, 0, wpl);
        if (sys !== null) this.#install(this.#sysIndex, line, buf, 0, CLEAN);
      }
    }
    if (l2 !== null) this.#install(this.#l2Index[k], line, buf, 0, CLEAN);
    return this.#install(cpu, line, buf, 0, CLEAN);
  }

  /**
   * {@linkcode Coherence.fillL1} after its L1 missed, every line through
   * `buf` and every fill looking its cache up first: the staged slow path.
   */
  #fillL1Staged(cpu: number, line: number): number {
    const wpl = this.#wpl;
    const buf = this.#buf;
    const k = this.#cpuCluster[cpu];
    const first = this.#clusterFirstCpu[k];
    const end = first + this.#clusterCpuCount[k];
    // (a) a dirty copy in a sibling L1: it moves to the cluster's level below.
    for (let c = first; c < end; c++) {
      if (c === cpu) continue;
      const sib = this.#l1[c];
      if (sib.residentCount === 0) continue;
      const s = sib.lookup(line);
      if (s >= 0 && sib.states[s] === DIRTY) {
        const o = sib.dataOffset(s);
        copyWords(sib.data, o, buf, 0, wpl);
        sib.setState(s, CLEAN);
        this.writeBelow(c, line, buf, 0);
        return this.#allocate(cpu, line, buf, 0, CLEAN);
      }
    }
    // (b) the cluster's L2.
    const l2 = this.#l2[k];
    if (l2 !== null) {
      const s = l2.lookup(line);
      if (s >= 0) {
        const o = l2.dataOffset(s);
        copyWords(l2.data, o, buf, 0, wpl);
        l2.touch(s);
        return this.#allocate(cpu, line, buf, 0, CLEAN);
      }
    }
    // (c) another cluster holding it dirty is snooped; (d) system cache; (e) DRAM.
    const sys = this.#sys;
    if (!this.#snoopOtherClusters(k, line, buf)) {
      const s = sys === null ? -1 : sys.lookup(line);
      if (s >= 0) {
        const o = sys!.dataOffset(s);
        copyWords(sys!.data, o, buf, 0, wpl);
        sys!.touch(s);
      } else {
        this.#memory.readBlock(line * this.#lineSize, buf, 0, wpl);
        if (sys !== null) this.#allocate(this.#sysIndex, line, buf, 0, CLEAN);
      }
    }
    if (l2 !== null) this.#allocate(this.#l2Index[k], line, buf, 0, CLEAN);
    return this.#allocate(cpu, line, buf, 0, CLEAN);
  }

  /**
   * Finds a cluster other than `k` holding `line` dirty; copies its newest
   * data (L1 before L2) into `buf`, makes all its copies clean and equal to
   * it, and writes it to the common level below (allocating dirty in the
   * system cache, or DRAM). Returns whether one was found.
   */
  #snoopOtherClusters(k: number, line: number, buf: Int32Array): boolean {
    const wpl = this.#wpl;
    for (let j = 0; j < this.#l2.length; j++) {
      if (j === k) continue;
      const first = this.#clusterFirstCpu[j];
      const end = first + this.#clusterCpuCount[j];
      let found = false;
      for (let c = first; c < end && !found; c++) {
        const l1 = this.#l1[c];
        if (l1.residentCount === 0) continue;
        const s = l1.lookup(line);
        if (s >= 0 && l1.states[s] === DIRTY) {
          const o = l1.dataOffset(s);
          copyWords(l1.data, o, buf, 0, wpl);
          found = true;
        }
      }
      const l2 = this.#l2[j];
      const s2 = l2 === null || l2.residentCount === 0 ? -1 : l2.lookup(line);
      if (!found && s2 >= 0 && l2!.states[s2] === DIRTY) {
        const o = l2!.dataOffset(s2);
        copyWords(l2!.data, o, buf, 0, wpl);
        found = true;
      }
      if (!found) continue;
      for (let c = first; c < end; c++) {
        const l1 = this.#l1[c];
        const s = l1.lookup(line);
        if (s >= 0) {
          l1.copyIn(s, buf, 0);
          l1.setState(s, CLEAN);
        }
      }
      if (s2 >= 0) {
        l2!.copyIn(s2, buf, 0);
        l2!.setState(s2, CLEAN);
      }
      if (this.#sys !== null) this.#allocate(this.#sysIndex, line, buf, 0, DIRTY);
      else this.#memory.writeBlock(line * this.#lineSize, buf, 0, wpl);
      return true;
    }
    return false;
  }

  /** {@linkcode Hardware.read}: one word, unsigned, through the hierarchy or not. */
  read(cpu: number, addr: number, cacheable: boolean): number {
    if (this.#core !== null) return this.#core.read(cpu, addr, cacheable);
    const lineSize = this.#lineSize;
    const line = Math.floor(addr / lineSize);
    const word = (addr - line * lineSize) >>> 2;
    if (!cacheable) {
      const s = this.#nonCacheableSlot(line);
      return s >= 0 ? this.#sys!.readWord(s, word) : this.#memory.read(addr);
    }
    const slot = this.fillL1(cpu, line);
    return this.#l1[cpu].readWord(slot, word);
  }

  /**
   * Where a non-cacheable access to `line` is served from the system cache:
   * its slot when the system cache snoops non-cacheable traffic and holds
   * the line, else -1 (DRAM).
   */
  #nonCacheableSlot(line: number): number {
    const sys = this.#sys;
    return sys !== null && this.#snoopsNc ? sys.lookup(line) : -1;
  }

  /** {@linkcode Hardware.write}: read for ownership, drop the other copies, dirty the own L1. */
  write(cpu: number, addr: number, value: number, cacheable: boolean): void {
    if (this.#core !== null) {
      this.#core.write(cpu, addr, value, cacheable);
      return;
    }
    // The common case, small enough to inline into Hardware.write: a dirty
    // L1 line is the only copy outside its own path, no snoop needed.
    const lineSize = this.#lineSize;
    const line = Math.floor(addr / lineSize);
    const word = (addr - line * lineSize) >>> 2;
    if (cacheable) {
      const l1 = this.#l1[cpu];
      const slot = l1.lookup(line);
      if (slot >= 0 && l1.states[slot] === DIRTY) {
        l1.touch(slot);
        l1.writeWord(slot, word, value);
        return;
      }
    }
    this.#writeOther(cpu, addr, line, word, value, cacheable);
  }

  /** {@linkcode Coherence.write} but for a cacheable write hitting a dirty L1 line. */
  #writeOther(
    cpu: number,
    addr: number,
    line: number,
    word: number,
    value: number,
    cacheable: boolean,
  ): void {
    if (!cacheable) {
      const s = this.#nonCacheableSlot(line);
      if (s < 0) {
        this.#memory.write(addr, value);
      } else {
        this.#sys!.writeWord(s, word, value);
        this.#sys!.setState(s, DIRTY);
      }
      return;
    }
    const l1 = this.#l1[cpu];
    const slot = this.fillL1(cpu, line);
    const k = this.#cpuCluster[cpu];
    // Most other caches of a large machine hold nothing: skip those without a lookup.
    for (let c = 0; c < this.#cpuCount; c++) {
      if (c === cpu) continue;
      const other = this.#l1[c];
      if (other.residentCount === 0) continue;
      const s = other.lookup(line);
      if (s >= 0) other.evict(s);
    }
    for (let j = 0; j < this.#l2.length; j++) {
      const l2 = this.#l2[j];
      if (j === k || l2 === null || l2.residentCount === 0) continue;
      const s = l2.lookup(line);
      if (s >= 0) l2.evict(s);
    }
    l1.writeWord(slot, word, value);
    l1.setState(slot, DIRTY);
  }

  /** {@linkcode Hardware.writeLine}: one write for ownership, then the rest of the line. */
  writeLine(cpu: number, addr: number, value: number): void {
    if (this.#core !== null) {
      this.#core.writeLine(cpu, addr, value);
      return;
    }
    const lineSize = this.#lineSize;
    const line = Math.floor(addr / lineSize);
    // The write tells the L1 it changed (Cache.writeWord): the words below need not.
    this.write(cpu, line * lineSize, value, true);
    const l1 = this.#l1[cpu];
    const slot = l1.lookup(line);
    const data = l1.data;
    const base = l1.dataOffset(slot);
    for (let w = 1; w < this.#wpl; w++) data[base + w] = value;
  }

  /** {@linkcode Hardware.speculativeFill}: a coherent read whose data is discarded. */
  speculativeFill(cpu: number, addr: number): void {
    if (this.#core !== null) {
      this.#core.speculativeFill(cpu, addr);
      return;
    }
    this.fillL1(cpu, Math.floor(addr / this.#lineSize));
  }

  /** {@linkcode Hardware.castout}: false when the line is not in that cache. */
  castout(cacheIndex: number, addr: number): boolean {
    const cache = this.#caches[cacheIndex];
    const slot = cache.lookup(Math.floor(addr / this.#lineSize));
    if (slot < 0) return false;
    this.castoutSlot(cacheIndex, slot);
    return true;
  }

  /** {@linkcode Hardware.holds}: whether any cache copy or DRAM holds `value` at `addr`. */
  holds(addr: number, value: number): boolean {
    const want = value >>> 0;
    const lineSize = this.#lineSize;
    const line = Math.floor(addr / lineSize);
    const word = (addr - line * lineSize) >>> 2;
    for (const cache of this.#caches) {
      const s = cache.lookup(line);
      if (s >= 0 && cache.readWord(s, word) === want) return true;
    }
    return this.#memory.read(addr) === want;
  }
}
