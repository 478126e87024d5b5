/**
 * The ideal machine's hardware choices: what each speculative fill and
 * castout of a run under a policy becomes on the oracle's ideal machine.
 *
 * Blame asks who could have prevented a failure. The architecture lets the
 * hardware of any machine allocate a line whenever a CPU has it mapped
 * cacheable, and evict (write back) any line at any time; a guest that
 * relies on neither is buggy on bare metal too. What only a hypervisor
 * brings is removed from the ideal machine: the system cache deaf to set/way
 * (no system cache there), migrations (each vCPU stays on its first CPU),
 * and the host's cacheable alias of guest RAM (the linear map through which
 * the CPU a vCPU left, an idle CPU, or a CPU whose guest has its caches off
 * can still fill the guest's lines: KVM itself cleans a page through it for
 * a guest with its caches off, Linux 4.0 arch/arm64/include/asm/kvm_mmu.h
 * `__coherent_cache_guest_page`, which takes the page's `page_address()`).
 * So each choice of the policy's run is made again on the ideal machine,
 * before the same step, as far as the architecture allows it there:
 *
 * - a speculative fill of a line the L1 already held changed nothing: none;
 * - a **speculative fill** of line A into CPU c's L1, while a vCPU that has
 *   its caches on (SCTLR.M and C) runs on c: the same fill into that vCPU's
 *   own CPU on the ideal machine (where it never moved);
 * - any other speculative fill (no vCPU on c, or its caches off) could only
 *   come through the host's alias: the ideal machine makes only what any
 *   coherent read of A by c does to the other caches, which the hardware may
 *   do at any time anyway: the dirty copies of A in the other L1s are written
 *   back one level, and those of other clusters' L2s below them;
 * - a **castout** of a clean line A from an L1 or L2 moved no data: the same
 *   cache drops A when it holds it clean;
 * - a castout of a dirty line A (data moved down): the same cache casts it
 *   out when it holds A dirty, else the cache at the same level that holds
 *   A dirty, since that copy holds the data the castout moved; when none
 *   does, the same cache drops its clean copy;
 * - a castout from the system cache: none. The ideal machine has no system
 *   cache, and what the policy's machine does there is what a hypervisor
 *   can hide (KVM 4.0's clean by VA reaches it), or, under a native policy,
 *   the machine's own doing.
 *
 * A read that fails on the ideal machine under these choices is the guest's
 * fault; one that fails only under the policy is the hypervisor's (or, under
 * a native policy, the machine's). `run()`, `check()` and `explore()` all
 * record the choices with {@linkcode IdealChoices} and replay them with
 * {@linkcode IdealChoices.apply}.
 *
 * @module
 */

import { DIRTY } from "../hw/cache.ts";
import type { Hardware, Perturbation } from "../hw/hardware.ts";
import type { Vcpu } from "../hyp/vcpu.ts";
import { vcpuHasCacheEnabled } from "../hyp/vcpu.ts";

/**
 * One choice the ideal machine makes before a step (see the module doc).
 *
 * @example Usage
 * ```ts
 * import type { IdealChoice } from "./ideal_choices.ts";
 * const c: IdealChoice = { step: 3, kind: "fill", cpu: 0, addr: 0x40000000 };
 * ```
 */
export type IdealChoice =
  | {
    /** The index of the step it comes before. */
    readonly step: number;
    /** A speculative fill into `cpu`'s L1. */
    readonly kind: "fill";
    /** The ideal machine's CPU. */
    readonly cpu: number;
    /** The line's first byte address. */
    readonly addr: number;
  }
  | {
    /** The index of the step it comes before. */
    readonly step: number;
    /** What a coherent read of the line by `cpu` does to the other caches. */
    readonly kind: "writeback";
    /** The reading CPU. */
    readonly cpu: number;
    /** The line's first byte address. */
    readonly addr: number;
  }
  | {
    /** The index of the step it comes before. */
    readonly step: number;
    /** A castout. */
    readonly kind: "castout";
    /** The cache's name under the policy, e.g. `"cluster0.L2"`. */
    readonly cache: string;
    /** The line's first byte address. */
    readonly addr: number;
    /** Whether the line cast out under the policy was dirty. */
    readonly dirty: boolean;
  };

/**
 * The ideal machine's counterpart of one perturbation of a policy's run
 * (the rule of the module doc).
 *
 * @example Usage
 * ```ts
 * import { idealCounterpart } from "./ideal_choices.ts";
 * import { Vcpu } from "../hyp/vcpu.ts";
 * const v = new Vcpu(0, 0x40000000);
 * Object.assign(v.sctlr, { m: true, c: true });
 * const fill = { kind: "speculative_fill", cpu: 0, addr: 0x40000000, cache: "cpu0.L1", present: false } as const;
 * console.log(idealCounterpart(fill, 2, [v])?.kind); // "fill"
 * Object.assign(v.sctlr, { m: false, c: false });
 * console.log(idealCounterpart(fill, 2, [v])?.kind); // "writeback": only the host's alias fills it
 * ```
 * @param p what the hardware did under the policy
 * @param step the index of the step it came before
 * @param vcpus the vCPUs under the policy, as they are at that choice point
 * @returns the ideal machine's choice, or null when there is none
 */
export function idealCounterpart(
  p: Perturbation,
  step: number,
  vcpus: readonly Vcpu[],
): IdealChoice | null {
  // The rule as IdealChoices.record applies it; no hot path asks for the object.
  const one = new IdealChoices();
  one.record(p, step, vcpus);
  return one.list[0] ?? null;
}

/** The kinds of a counterpart, as {@linkcode counterpartRule} and the columns of {@linkcode IdealChoices} code them. */
const NONE = 0, FILL = 1, WRITEBACK = 2, CASTOUT = 3;
const KIND_NAMES = [null, "fill", "writeback", "castout"] as const;

/**
 * The rule of the module doc, without building the choice: the
 * counterpart's kind in the low two bits ({@linkcode NONE} when there is
 * none) and, for a fill or a write-back, its CPU above them. Its address,
 * and a castout's cache and dirtiness, are the perturbation's.
 */
function counterpartRule(p: Perturbation, vcpus: readonly Vcpu[]): number {
  // A preemption between exit and handler is the hypervisor's: bare metal has no exit.
  if (p.kind === "extra") return NONE;
  if (p.kind === "castout") {
    // The system cache is named "system" (hardware.ts); the ideal machine has none.
    return p.cache === "system" ? NONE : CASTOUT;
  }
  if (p.present) return NONE;
  let on: Vcpu | null = null;
  for (const v of vcpus) {
    if (v.pcpu !== p.cpu || v.crashed !== null) continue;
    on ??= v;
    // The vCPU's own CPU on the ideal machine is the one it started on: its index.
    if (vcpuHasCacheEnabled(v.sctlr)) return (v.index << 2) | FILL;
  }
  return ((on?.index ?? p.cpu) << 2) | WRITEBACK;
}

const NO_INTS = new Int32Array(0), NO_BYTES = new Uint8Array(0), NO_ADDRS = new Float64Array(0);

/**
 * The ideal machine's choices of one run: recorded while the policy's run
 * goes, replayed on the ideal machine. Kept in columns (step, kind, CPU,
 * address, cache, dirtiness), not as objects: a run records one at most
 * choice points, and an exploration makes millions of runs.
 *
 * @example Usage
 * ```ts
 * import { IdealChoices } from "./ideal_choices.ts";
 * import { Hardware } from "@setway/setway/hw";
 * import { generic } from "../machines/mod.ts";
 * import { Vcpu } from "../hyp/vcpu.ts";
 * const v = new Vcpu(0, 0x40000000);
 * Object.assign(v.sctlr, { m: true, c: true });
 * const choices = new IdealChoices();
 * const fill = { kind: "speculative_fill", cpu: 0, addr: 0x40000000, cache: "cpu0.L1", present: false } as const;
 * choices.record(fill, 0, [v]);
 * const ideal = new Hardware(generic);
 * choices.apply(0, ideal);
 * console.log(ideal.caches[0].residentCount); // 1
 * ```
 */
export class IdealChoices {
  // Empty until the first choice: most lists of an exploration's runs stay empty.
  #step = NO_INTS;
  #kind = NO_BYTES;
  #cpu = NO_INTS;
  #addr = NO_ADDRS;
  #dirty = NO_BYTES;
  #cache: string[] = [];
  #length = 0;
  #next = 0;

  /** How many choices there are. */
  get length(): number {
    return this.#length;
  }

  /**
   * The choices, in step order, as objects (a new array each time).
   *
   * @example Usage
   * ```ts
   * import { IdealChoices } from "./ideal_choices.ts";
   * const c = new IdealChoices();
   * c.push({ step: 0, kind: "writeback", cpu: 0, addr: 64 });
   * console.log(c.list); // [{ step: 0, kind: "writeback", cpu: 0, addr: 64 }]
   * ```
   */
  get list(): IdealChoice[] {
    const out: IdealChoice[] = [];
    for (let i = 0; i < this.#length; i++) {
      const step = this.#step[i], addr = this.#addr[i];
      const kind = KIND_NAMES[this.#kind[i]]!;
      out.push(
        kind === "castout"
          ? { step, kind, cache: this.#cache[i], addr, dirty: this.#dirty[i] === 1 }
          : { step, kind, cpu: this.#cpu[i], addr },
      );
    }
    return out;
  }

  /**
   * Appends a choice (choices come in step order).
   *
   * @example Usage
   * ```ts
   * import { IdealChoices } from "./ideal_choices.ts";
   * const c = new IdealChoices();
   * c.push({ step: 2, kind: "castout", cache: "cpu0.L1", addr: 64, dirty: true });
   * console.log(c.length); // 1
   * ```
   * @param c the choice
   */
  push(c: IdealChoice): void {
    if (c.kind === "castout") this.#append(c.step, CASTOUT, 0, c.addr, c.cache, c.dirty);
    else this.#append(c.step, c.kind === "fill" ? FILL : WRITEBACK, c.cpu, c.addr, "", false);
  }

  /**
   * Records the counterpart of a perturbation of the policy's run.
   *
   * @param p what the hardware did
   * @param step the index of the step it came before
   * @param vcpus the vCPUs at that moment
   */
  record(p: Perturbation, step: number, vcpus: readonly Vcpu[]): void {
    const rule = counterpartRule(p, vcpus);
    const kind = rule & 3;
    // (A preemption, "extra", has none: the test narrows the type.)
    if (kind === NONE || p.kind === "extra") return;
    if (p.kind === "castout") this.#append(step, CASTOUT, 0, p.addr, p.cache, p.dirty);
    else this.#append(step, kind, rule >> 2, p.addr, "", false);
  }

  #append(
    step: number,
    kind: number,
    cpu: number,
    addr: number,
    cache: string,
    dirty: boolean,
  ): void {
    const i = this.#length;
    if (i === this.#step.length) this.#grow(Math.max(8, 2 * i));
    this.#step[i] = step;
    this.#kind[i] = kind;
    this.#cpu[i] = cpu;
    this.#addr[i] = addr;
    this.#cache[i] = cache;
    this.#dirty[i] = dirty ? 1 : 0;
    this.#length = i + 1;
  }

  #grow(n: number): void {
    const grown = <T extends Int32Array | Uint8Array | Float64Array>(a: T, b: T): T => {
      b.set(a);
      return b;
    };
    this.#step = grown(this.#step, new Int32Array(n));
    this.#kind = grown(this.#kind, new Uint8Array(n));
    this.#cpu = grown(this.#cpu, new Int32Array(n));
    this.#addr = grown(this.#addr, new Float64Array(n));
    this.#dirty = grown(this.#dirty, new Uint8Array(n));
  }

  /** Forgets the choices and rewinds. */
  clear(): void {
    this.keep(0);
  }

  /** Rewinds the replay to the first choice. */
  rewind(): void {
    this.#next = 0;
  }

  /**
   * Rewinds the replay to the first choice made before step `step` or a
   * later one: a run resumed at `step` (execute.ts `from`) makes only those.
   *
   * @example Usage
   * ```ts
   * import { IdealChoices } from "./ideal_choices.ts";
   * const c = new IdealChoices();
   * c.push({ step: 0, kind: "writeback", cpu: 0, addr: 64 });
   * c.rewindTo(1);
   * console.log(c.length); // 1
   * ```
   * @param step the first step to run
   */
  rewindTo(step: number): void {
    // From the end: a resumed run's step comes after most choices (they are in step order).
    let i = this.#length;
    while (i > 0 && this.#step[i - 1] >= step) i--;
    this.#next = i;
  }

  /**
   * Keeps the first `length` choices, rewound: a resumed run's list is its
   * parent's choices, and the run appends its own.
   *
   * @example Usage
   * ```ts
   * import { IdealChoices } from "./ideal_choices.ts";
   * const c = new IdealChoices();
   * c.push({ step: 0, kind: "writeback", cpu: 0, addr: 64 });
   * c.keep(0);
   * console.log(c.length); // 0
   * ```
   * @param length how many choices to keep
   */
  keep(length: number): void {
    if (length < this.#length) this.#length = length;
    this.#next = 0;
  }

  /**
   * Makes this list a copy of the first `length` choices of another's, rewound
   * (exploration reuses one list per run instead of building one).
   *
   * @example Usage
   * ```ts
   * import { IdealChoices } from "./ideal_choices.ts";
   * const a = new IdealChoices(), b = new IdealChoices();
   * a.push({ step: 0, kind: "writeback", cpu: 0, addr: 64 });
   * b.copyFrom(a);
   * console.log(b.sameAs(a)); // true
   * ```
   * @param other the choices to copy
   * @param length how many of them (default all)
   */
  copyFrom(other: IdealChoices, length: number = other.#length): void {
    if (length > this.#step.length) this.#grow(Math.max(length, 2 * this.#step.length));
    for (let i = 0; i < length; i++) {
      this.#step[i] = other.#step[i];
      this.#kind[i] = other.#kind[i];
      this.#cpu[i] = other.#cpu[i];
      this.#addr[i] = other.#addr[i];
      this.#cache[i] = other.#cache[i];
      this.#dirty[i] = other.#dirty[i];
    }
    this.#length = length;
    this.#next = 0;
  }

  /**
   * A key equal for equal lists of choices.
   *
   * @returns the key
   */
  key(): string {
    return JSON.stringify(this.list);
  }

  /**
   * Whether another run recorded the same choices: what {@linkcode IdealChoices.key}
   * compares, without building the keys (exploration asks this after every run).
   *
   * @example Usage
   * ```ts
   * import { IdealChoices } from "./ideal_choices.ts";
   * const a = new IdealChoices(), b = new IdealChoices();
   * a.push({ step: 0, kind: "writeback", cpu: 0, addr: 64 });
   * console.log(a.sameAs(b), a.sameAs(a)); // false true
   * ```
   * @param other the other run's choices
   * @returns true when the two lists are equal choice by choice
   */
  sameAs(other: IdealChoices): boolean {
    const n = this.#length;
    if (n !== other.#length) return false;
    for (let i = 0; i < n; i++) {
      const kind = this.#kind[i];
      if (
        kind !== other.#kind[i] || this.#step[i] !== other.#step[i] ||
        this.#addr[i] !== other.#addr[i]
      ) {
        return false;
      }
      if (kind === CASTOUT) {
        if (this.#cache[i] !== other.#cache[i] || this.#dirty[i] !== other.#dirty[i]) return false;
      } else if (this.#cpu[i] !== other.#cpu[i]) return false;
    }
    return true;
  }

  /**
   * Makes, on the ideal machine, the choices recorded before step `step`
   * (steps must come in order; {@linkcode IdealChoices.rewind} first).
   *
   * @param step the step about to run
   * @param hardware the ideal machine
   */
  apply(step: number, hardware: Hardware): void {
    while (this.#next < this.#length && this.#step[this.#next] <= step) {
      const i = this.#next++;
      const kind = this.#kind[i], addr = this.#addr[i];
      if (kind === FILL) fillOn(hardware, this.#cpu[i], addr);
      else if (kind === WRITEBACK) writeBackFor(hardware, this.#cpu[i], addr);
      else castoutOn(hardware, this.#cache[i], addr, this.#dirty[i] === 1);
    }
  }
}

// The choices on the ideal machine; a choice it cannot make there is skipped.

/** A fill of `addr`'s line into `cpu`'s L1. */
function fillOn(hw: Hardware, cpu: number, addr: number): void {
  if (cpu < hw.cpuCount) hw.speculativeFill(cpu, addr);
}

/** What a coherent read of `addr`'s line by `cpu` does to the other caches. */
function writeBackFor(hw: Hardware, cpu: number, addr: number): void {
  if (cpu < hw.cpuCount) writeBackOthers(hw, cpu, Math.floor(addr / hw.lineSize));
}

/** A castout of `addr`'s line from the cache named `cache` under the policy (the module doc). */
function castoutOn(hw: Hardware, cache: string, addr: number, dirty: boolean): void {
  const line = Math.floor(addr / hw.lineSize);
  let named = -1;
  for (let ci = 0; ci < hw.caches.length && named < 0; ci++) {
    if (hw.caches[ci].name === cache) named = ci;
  }
  const held = named >= 0 && hw.caches[named].lookup(line) >= 0;
  const heldDirty = held && holdsDirty(hw, named, line);
  if (!dirty) {
    // A clean castout moved no data: it only drops a clean copy.
    if (held && !heldDirty) hw.castout(named, addr);
    return;
  }
  if (heldDirty) {
    hw.castout(named, addr);
    return;
  }
  // The cache that holds the data the castout moved: the one at the same level holding it dirty.
  const l1 = cache.endsWith(".L1");
  for (let ci = 0; ci < hw.caches.length; ci++) {
    if (ci === hw.systemCacheIndex || (ci < hw.cpuCount) !== l1) continue;
    if (holdsDirty(hw, ci, line)) {
      hw.castout(ci, addr);
      return;
    }
  }
  if (held) hw.castout(named, addr); // no dirty copy at that level: the data is below already
}

/**
 * What a coherent read of `line` by `cpu` does to the other caches: a
 * dirty copy in another L1 goes to its cluster's level below; another
 * cluster's dirty L2 copy goes below that cluster.
 */
function writeBackOthers(hw: Hardware, cpu: number, line: number): void {
  const addr = line * hw.lineSize;
  const cluster = hw.clusterOf(cpu);
  for (let c = 0; c < hw.cpuCount; c++) {
    if (c !== cpu && holdsDirty(hw, c, line)) hw.castout(c, addr);
  }
  for (let c = 0; c < hw.cpuCount; c++) {
    if (hw.clusterOf(c) === cluster || hw.levels(c) < 2) continue;
    const l2 = hw.cacheIndexOf(c, 2);
    if (holdsDirty(hw, l2, line)) hw.castout(l2, addr);
  }
}

function holdsDirty(hw: Hardware, ci: number, line: number): boolean {
  const cache = hw.caches[ci];
  const s = cache.lookup(line);
  return s >= 0 && cache.states[s] === DIRTY;
}
