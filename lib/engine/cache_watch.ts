/**
 * Records, during a run, where the newest value of each watched word lives
 * and how many dirty lines each cache level holds: the data of the HTML
 * timeline's cache lanes (lib/report/cache_track.ts).
 *
 * The newest value of a word is the program's last write to it in scenario
 * order (a guest or host write), as the oracle reads it (oracle.ts). After
 * each step, for each watched word, every cache is looked up: a dirty copy
 * holding that value is where the newest value lives (the level nearest the
 * CPU first), else DRAM when it holds it, else a clean copy, else nowhere.
 * Only changes are kept.
 *
 * It reads the hardware through its public queries (`caches`, `memory`,
 * `cacheIndexOf`) and costs nothing when no word is watched: the run then
 * makes no recorder at all.
 *
 * Simplified: the dirty counts are sampled after each step that is not a
 * plain read or write, and after every `stride`-th plain access when a
 * program has more than {@linkcode DIRTY_SAMPLES} steps, so a long run of
 * accesses draws as a few steps of the chart, not one per access.
 *
 * @example Usage
 * ```ts
 * import { run } from "./run.ts";
 * const result = run({
 *   version: 1, machine: "generic", cpus: 1, systemCache: "machine", policy: "kvm-4.0",
 *   ram: 1 << 20, ramBase: 0x40000000, prefault: false, seed: 1, speculation: "quiet",
 *   steps: [
 *     { kind: "sctlr", vcpu: 0, bits: { m: true, c: true, i: true } },
 *     { kind: "write", vcpu: 0, addr: 0x40001000, value: 42 },
 *   ],
 * }, { watch: [0x40001000] });
 * console.log(result.caches?.addresses[0].changes.at(-1)?.label);
 * // "dirty in cpu0.L1 · older copy in cluster0.L2": the fill for the write left the old line in L2
 * ```
 *
 * @module
 */

import { DIRTY } from "../hw/cache.ts";
import type { Hardware } from "../hw/hardware.ts";
import type { Step } from "../guest/ops.ts";
import { ScenarioError, showValue } from "../errors.ts";
import { MAX_WATCHED_ADDRESSES } from "../limits.ts";
import type {
  CacheTrack,
  DirtyLevel,
  WatchedWord,
  WhereChange,
  WhereNewest,
} from "../report/cache_track.ts";

/**
 * Above this many steps, plain reads and writes are sampled for the dirty
 * counts one in `ceil(steps / DIRTY_SAMPLES)`.
 *
 * @example Usage
 * ```ts
 * import { DIRTY_SAMPLES } from "./cache_watch.ts";
 * console.log(DIRTY_SAMPLES); // 4096
 * ```
 */
export const DIRTY_SAMPLES = 4096;

/**
 * Checks `RunOptions.watch`: at most {@linkcode MAX_WATCHED_ADDRESSES}
 * 4-byte aligned addresses; returns them without repeats, in the order given.
 *
 * @example Usage
 * ```ts
 * import { checkWatch } from "./cache_watch.ts";
 * console.log(checkWatch([0x1000, 0x1000, 0x2000])); // [4096, 8192]
 * ```
 * @param watch the option's value
 * @returns the addresses
 * @throws {ScenarioError} `invalid_value` naming `run.options.watch`
 */
export function checkWatch(watch: unknown): number[] {
  const bad = (why: string): never => {
    throw new ScenarioError(
      "invalid_value",
      "run.options.watch",
      watch,
      `run(..., { watch: ${showValue(watch)} }): ${why}`,
    );
  };
  if (!Array.isArray(watch)) return bad("expected an array of word addresses");
  const out: number[] = [];
  for (const a of watch) {
    if (typeof a !== "number" || !Number.isSafeInteger(a) || a < 0 || a % 4 !== 0) {
      return bad(`${showValue(a)} is not a 4-byte aligned address`);
    }
    if (!out.includes(a)) out.push(a);
  }
  if (out.length > MAX_WATCHED_ADDRESSES) {
    return bad(`${out.length} addresses; at most ${MAX_WATCHED_ADDRESSES} (lib/limits.ts)`);
  }
  return out;
}

/** One level's caches, by index in `Hardware.caches`. */
interface Level {
  readonly name: string;
  readonly where: WhereNewest;
  readonly caches: readonly number[];
}

function levelsOf(hardware: Hardware): Level[] {
  const byLevel = new Map<number, number[]>();
  // The architected levels of a CPU are its L1 and its cluster's L2, never the system cache.
  for (let cpu = 0; cpu < hardware.cpuCount; cpu++) {
    for (let level = 1; level <= hardware.levels(cpu); level++) {
      const ci = hardware.cacheIndexOf(cpu, level);
      const list = byLevel.get(level) ?? [];
      if (!list.includes(ci)) list.push(ci);
      byLevel.set(level, list);
    }
  }
  const out: Level[] = [...byLevel].sort((a, b) => a[0] - b[0]).map(([level, caches]) => ({
    name: `L${level}`,
    where: level === 1 ? "l1" : "l2",
    caches,
  }));
  if (hardware.systemCacheIndex >= 0) {
    out.push({ name: "system cache", where: "sys", caches: [hardware.systemCacheIndex] });
  }
  return out;
}

/**
 * The recorder of one watched execution: call {@linkcode CacheWatch.afterStep}
 * after each step, then {@linkcode CacheWatch.track}.
 *
 * @example Usage
 * ```ts
 * import { CacheWatch } from "./cache_watch.ts";
 * import { Hardware } from "../hw/hardware.ts";
 * import { generic } from "../machines/generic.ts";
 * const steps = [{ kind: "write", vcpu: 0, addr: 0x40001000, value: 1 }] as const;
 * const watch = new CacheWatch([0x40001000], steps);
 * const hw = new Hardware(generic);
 * hw.write(0, 0x40001000, 1, false);
 * watch.afterStep(0, hw, 1);
 * console.log(watch.track().addresses[0].changes.at(-1)?.where); // "dram"
 * ```
 */
export class CacheWatch {
  readonly #addrs: readonly number[];
  readonly #steps: readonly Step[];
  readonly #newest: (number | undefined)[];
  readonly #changes: WhereChange[][];
  readonly #stride: number;
  #levels: Level[] | null = null;
  #dirtyAt: number[][] = [];
  #dirty: number[][] = [];
  #slots: number[] = [];

  /**
   * A recorder for `addrs` (checked with {@linkcode checkWatch}) over `steps`.
   * @param addrs the watched word addresses
   * @param steps the scenario's steps, to follow its writes
   */
  constructor(addrs: readonly number[], steps: readonly Step[]) {
    this.#addrs = addrs;
    this.#steps = steps;
    this.#newest = addrs.map(() => undefined);
    this.#changes = addrs.map(() => [{ at: 0, where: "unwritten", label: "not written yet" }]);
    this.#stride = Math.max(1, Math.ceil(steps.length / DIRTY_SAMPLES));
  }

  /**
   * Looks at the hardware after step `i`.
   * @param i the step's index
   * @param hardware the hardware, in its state after the step
   * @param at the place of the next event (events recorded so far)
   */
  afterStep(i: number, hardware: Hardware, at: number): void {
    const step = this.#steps[i];
    if (step.kind === "write" || step.kind === "host_write") {
      const k = this.#addrs.indexOf(step.addr);
      if (k >= 0) this.#newest[k] = step.value >>> 0;
    }
    const levels = this.#levels ??= this.#start(hardware);
    for (let k = 0; k < this.#addrs.length; k++) this.#locate(k, hardware, levels, at);
    const plain = step.kind === "read" || step.kind === "write";
    if (!plain || i % this.#stride === 0 || i === this.#steps.length - 1) {
      this.#sampleDirty(hardware, levels, at);
    }
  }

  /**
   * What was recorded.
   * @returns the track, plain data
   */
  track(): CacheTrack {
    const levels: DirtyLevel[] = (this.#levels ?? []).map((l, j) => ({
      name: l.name,
      slots: this.#slots[j],
      at: this.#dirtyAt[j],
      dirty: this.#dirty[j],
    }));
    const addresses: WatchedWord[] = this.#addrs.map((addr, k) => ({
      addr,
      changes: this.#changes[k],
    }));
    return { levels, addresses };
  }

  #start(hardware: Hardware): Level[] {
    const levels = levelsOf(hardware);
    const caches = hardware.caches;
    this.#slots = levels.map((l) => l.caches.reduce((n, ci) => n + caches[ci].slots, 0));
    this.#dirtyAt = levels.map(() => [0]);
    this.#dirty = levels.map(() => [0]);
    return levels;
  }

  #sampleDirty(hardware: Hardware, levels: readonly Level[], at: number): void {
    const caches = hardware.caches;
    for (let j = 0; j < levels.length; j++) {
      let n = 0;
      for (const ci of levels[j].caches) {
        const cache = caches[ci];
        const states = cache.states;
        for (let r = 0; r < cache.residentCount; r++) {
          if (states[cache.residentSlot(r)] === DIRTY) n++;
        }
      }
      const ats = this.#dirtyAt[j], dirty = this.#dirty[j];
      if (dirty[dirty.length - 1] === n) continue;
      if (ats[ats.length - 1] === at) dirty[dirty.length - 1] = n;
      else {
        ats.push(at);
        dirty.push(n);
      }
    }
  }

  #locate(k: number, hardware: Hardware, levels: readonly Level[], at: number): void {
    const want = this.#newest[k];
    if (want === undefined) return;
    const addr = this.#addrs[k];
    const caches = hardware.caches;
    const dirty: string[] = [], clean: string[] = [], stale: string[] = [];
    let where: WhereNewest | null = null, cleanWhere: WhereNewest | null = null;
    for (const level of levels) {
      for (const ci of level.caches) {
        const cache = caches[ci];
        const slot = cache.lookup(cache.lineOf(addr));
        if (slot < 0) continue;
        const word = (addr % cache.lineSize) >>> 2;
        const name = ci === hardware.systemCacheIndex ? "the system cache" : cache.name;
        if (cache.readWord(slot, word) !== want) stale.push(name);
        else if (cache.states[slot] === DIRTY) {
          dirty.push(name);
          where ??= level.where;
        } else {
          clean.push(name);
          cleanWhere ??= level.where;
        }
      }
    }
    const inDram = hardware.memory.read(addr) === want;
    const parts: string[] = [];
    if (where !== null) {
      parts.push(`dirty in ${dirty.join(", ")}`);
      if (clean.length > 0) parts.push(`clean in ${clean.join(", ")}`);
      if (inDram) parts.push("DRAM too");
    } else if (inDram) {
      where = "dram";
      parts.push("DRAM");
      if (clean.length > 0) parts.push(`clean in ${clean.join(", ")}`);
    } else if (cleanWhere !== null) {
      where = cleanWhere;
      parts.push(`clean in ${clean.join(", ")}, DRAM older`);
    } else {
      where = "lost";
      parts.push("nowhere: no copy holds it");
    }
    if (stale.length > 0) parts.push(`older copy in ${stale.join(", ")}`);
    const label = parts.join(" · ");
    const list = this.#changes[k];
    const last = list[list.length - 1];
    if (last.label === label) return;
    if (last.at === at) list.pop();
    const before = list[list.length - 1];
    if (before !== undefined && before.label === label) return;
    list.push({ at, where, label });
  }
}
