/**
 * Which hardware choices a check runs, out of all that `Hardware.perturb`
 * offers at a choice point: every one, except those that lead to an
 * execution no predicate can tell from one the check runs anyway. The
 * scheduler's options offered at the same point (preemptions, to CPUs the
 * program keeps busy) are all run.
 *
 * - Idle CPUs are interchangeable. A CPU is busy when a vCPU starts on it
 *   (vCPU i on CPU i), a migration targets it, a host step names it, or it
 *   may be the host's default CPU (the first CPU no vCPU runs on, one of
 *   CPUs 0..cpus); every other CPU is idle, and no step ever names it. A
 *   speculative fill into an idle CPU whose L1 is empty gives the same
 *   execution, up to renaming CPUs, as a fill into an earlier idle CPU of
 *   the same cluster with an empty L1, or into the first CPU of an earlier
 *   cluster of the same shape when both clusters are idle and empty: only
 *   the earliest is run.
 * - When no set of any cache can ever fill up (every line that can become
 *   resident is a line of a page the program touches, and no set can hold
 *   as many of them as it has ways), replacement ages never decide
 *   anything, so a fill of a line already in that L1 changes nothing, and a
 *   castout of a line the program never reads or writes (the rest of a page
 *   the host zeroed) moves data no read ever sees: both are skipped.
 *
 * The result of a check is the same with or without these (the tests run
 * both); counts of executions are those of the executions run.
 *
 * Simplified: interchangeability is decided only for CPUs whose caches are
 * empty, which is always the case of idle CPUs before the first
 * perturbation; after one, some twins are run that a finer test would merge.
 *
 * @example Usage
 * ```ts
 * import { ChoiceFilter } from "./reduce.ts";
 * import { Hardware } from "@setway/setway/hw";
 * import { xgene1 } from "../../machines/mod.ts";
 * const hw = new Hardware(xgene1);
 * const steps = [{ kind: "write", vcpu: 0, addr: 0x4000_0000, value: 1 }] as const;
 * const f = new ChoiceFilter(hw, Float64Array.of(0x4000_0000), { cpus: 1, steps });
 * const options: number[] = [];
 * f.options((o) => options.push(o));
 * console.log(options); // [0, 1, 2]: fills into cpu0, cpu1 (busy) and cpu2 (the idle clusters' first CPU)
 * ```
 *
 * @module
 */

import { PAGE_SIZE as PAGE } from "../../hw/memory.ts";
import type { Hardware } from "../../hw/hardware.ts";
import type { Cache } from "../../hw/cache.ts";
import type { Step } from "../../guest/ops.ts";

/**
 * What the filter needs to know of the program.
 *
 * @example Usage
 * ```ts
 * import type { ProgramShape } from "./reduce.ts";
 * const shape: ProgramShape = { cpus: 2, steps: [] };
 * ```
 */
export interface ProgramShape {
  /** Number of vCPUs. */
  readonly cpus: number;
  /** The program (with any inserted migrations). */
  readonly steps: readonly Step[];
}

/**
 * The busy CPUs of a program (see the module doc).
 *
 * @example Usage
 * ```ts
 * import { busyCpus } from "./reduce.ts";
 * console.log(Array.from(busyCpus({ cpus: 1, steps: [{ kind: "migrate", vcpu: 0, pcpu: 5 }] }, 8)));
 * // [1, 1, 0, 0, 0, 1, 0, 0]
 * ```
 * @param shape the program
 * @param cpuCount the machine's CPU count
 * @returns one flag per physical CPU
 */
export function busyCpus(shape: ProgramShape, cpuCount: number): Uint8Array {
  const busy = new Uint8Array(cpuCount);
  for (let c = 0; c <= shape.cpus && c < cpuCount; c++) busy[c] = 1;
  for (const s of shape.steps) {
    if (s.kind === "migrate" && s.pcpu < cpuCount) busy[s.pcpu] = 1;
    if ((s.kind === "host_write" || s.kind === "host_unmap") && s.cpu !== undefined) {
      if (s.cpu < cpuCount) busy[s.cpu] = 1;
    }
  }
  return busy;
}

/**
 * Whether no set of any cache can ever fill up: every line that can become
 * resident lies in a page of a data access or of a DC-by-VA range.
 *
 * @example Usage
 * ```ts
 * import { noSetCanFill } from "./reduce.ts";
 * import { Hardware } from "@setway/setway/hw";
 * import { generic } from "../../machines/mod.ts";
 * const hw = new Hardware(generic);
 * console.log(noSetCanFill(hw, [{ kind: "read", vcpu: 0, addr: 0x4000_0000 }])); // true
 * ```
 * @param hw the hardware
 * @param steps the program
 * @returns true when replacement can never choose a victim
 */
export function noSetCanFill(hw: Hardware, steps: readonly Step[]): boolean {
  const pages = new Set<number>();
  for (const s of steps) {
    if (s.kind === "read" || s.kind === "write" || s.kind === "host_write") {
      pages.add(Math.floor(s.addr / PAGE));
    } else if (s.kind === "dc_va") {
      for (let p = Math.floor(s.addr / PAGE); p * PAGE < s.addr + s.len; p++) pages.add(p);
    }
  }
  const lineSize = hw.lineSize;
  for (const cache of hw.caches) {
    const perSet = new Map<number, number>();
    for (const page of pages) {
      for (let a = page * PAGE; a < (page + 1) * PAGE; a += lineSize) {
        const set = cache.setOf(Math.floor(a / lineSize));
        const n = (perSet.get(set) ?? 0) + 1;
        if (n >= cache.ways) return false;
        perSet.set(set, n);
      }
    }
  }
  return true;
}

/**
 * Lists the choices worth running at the current choice point (see the
 * module doc).
 *
 * @example Usage
 * ```ts
 * import { ChoiceFilter } from "./reduce.ts";
 * import { Hardware } from "@setway/setway/hw";
 * import { generic } from "../../machines/mod.ts";
 * const hw = new Hardware(generic);
 * const f = new ChoiceFilter(hw, Float64Array.of(0x4000_0000), { cpus: 4, steps: [] }, false);
 * let n = 0;
 * f.options(() => n++);
 * console.log(n); // 4: a fill into each CPU, nothing to cast out yet
 * ```
 */
export class ChoiceFilter {
  readonly #hw: Hardware;
  readonly #candidates: Float64Array;
  readonly #candidateLines: Set<number>;
  readonly #reduce: boolean;
  readonly #noFullSet: boolean;
  readonly #busy: Uint8Array;
  /** Each CPU's cluster. */
  readonly #clusterOf: Int32Array;
  /** Each cluster's CPUs. */
  readonly #clusterCpus: number[][];
  /** Each cluster's caches (L1s, then its L2 if any). */
  readonly #clusterCaches: Cache[][];
  /** Each cluster's shape key (CPU count and geometries). */
  readonly #shape: string[];
  readonly #allowed: Uint8Array;

  /**
   * A filter for one program on one hardware model.
   *
   * @param hw the hardware the program runs on
   * @param candidates the candidate lines `perturb` is given, ascending
   * @param shape the program
   * @param reduce whether to skip anything at all; default true
   */
  constructor(hw: Hardware, candidates: Float64Array, shape: ProgramShape, reduce = true) {
    this.#hw = hw;
    this.#candidates = candidates;
    this.#candidateLines = new Set(Array.from(candidates, (a) => Math.floor(a / hw.lineSize)));
    this.#reduce = reduce;
    this.#noFullSet = reduce && noSetCanFill(hw, shape.steps);
    this.#busy = busyCpus(shape, hw.cpuCount);
    const clusters = hw.machine.clusters;
    this.#clusterOf = new Int32Array(hw.cpuCount);
    this.#clusterCpus = [];
    this.#clusterCaches = [];
    this.#shape = [];
    let cpu = 0;
    clusters.forEach((c, k) => {
      const cpus: number[] = [];
      for (let i = 0; i < c.cpus; i++, cpu++) {
        this.#clusterOf[cpu] = k;
        cpus.push(cpu);
      }
      this.#clusterCpus.push(cpus);
      const caches = cpus.map((i) => hw.caches[i]);
      const l2 = hw.caches.find((x) => x.name === `cluster${k}.L2`);
      if (l2 !== undefined) caches.push(l2);
      this.#clusterCaches.push(caches);
      this.#shape.push(JSON.stringify([c.cpus, c.l1d, c.l2 ?? null]));
    });
    this.#allowed = new Uint8Array(hw.cpuCount);
  }

  /** Whether replacement can never matter for this program (see {@linkcode noSetCanFill}). */
  get noFullSet(): boolean {
    return this.#noFullSet;
  }

  #idleCluster(k: number): boolean {
    return this.#clusterCpus[k].every((c) => this.#busy[c] === 0);
  }

  #emptyCluster(k: number): boolean {
    return this.#clusterCaches[k].every((c) => c.residentCount === 0);
  }

  /** Whether a fill into `cpu` is not the twin of a fill into an earlier CPU. */
  #fillAllowed(cpu: number): boolean {
    if (this.#busy[cpu] !== 0) return true;
    const caches = this.#hw.caches;
    if (caches[cpu].residentCount !== 0) return true;
    const k = this.#clusterOf[cpu];
    for (const other of this.#clusterCpus[k]) {
      if (other >= cpu) break;
      if (this.#busy[other] === 0 && caches[other].residentCount === 0) return false;
    }
    if (!this.#idleCluster(k) || !this.#emptyCluster(k)) return true;
    for (let j = 0; j < k; j++) {
      if (this.#shape[j] === this.#shape[k] && this.#idleCluster(j) && this.#emptyCluster(j)) {
        return false;
      }
    }
    return true;
  }

  /**
   * Calls `push` with every option index worth running at this choice
   * point, in the order `Hardware.perturb` enumerates them.
   *
   * @param push receives each option index
   */
  options(push: (option: number) => void): void {
    const hw = this.#hw;
    const cpus = hw.cpuCount;
    const candidates = this.#candidates;
    const allowed = this.#allowed;
    for (let cpu = 0; cpu < cpus; cpu++) {
      allowed[cpu] = !this.#reduce || this.#fillAllowed(cpu) ? 1 : 0;
    }
    const lineSize = hw.lineSize;
    const caches = hw.caches;
    const noFullSet = this.#noFullSet;
    for (let c = 0; c < candidates.length; c++) {
      const line = Math.floor(candidates[c] / lineSize);
      for (let cpu = 0; cpu < cpus; cpu++) {
        if (allowed[cpu] === 0) continue;
        if (noFullSet && caches[cpu].lookup(line) >= 0) continue;
        push(c * cpus + cpu);
      }
    }
    let base = candidates.length * cpus;
    const lines = this.#candidateLines;
    for (const cache of caches) {
      const n = cache.residentCount;
      for (let i = 0; i < n; i++) {
        if (noFullSet && !lines.has(cache.tags[cache.residentSlot(i)])) continue;
        push(base + i);
      }
      base += n;
    }
    // The scheduler's options (preemptions) come after the hardware's, every one run.
    for (let k = 0; k < hw.extraOptions.length; k++) push(base + k);
  }
}
