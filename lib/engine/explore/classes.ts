/**
 * Guest classes: predicates over programs, written as monitors so that an
 * exhaustive exploration can check them step by step.
 *
 * A question reads "for every guest in class C up to N operations, policy P
 * has no violation blamed on the hypervisor". A class is a small automaton:
 * `start()` gives its state for the empty program, `next(state, step)` the
 * state after one more step, or `null` when the program leaves the class
 * (and every longer program with that prefix too), and `accepts(state)`
 * says whether a program that has reached `state` belongs to the class. A
 * violation counts when the program up to the failing read is in the class.
 *
 * Monitor states are plain data (numbers, booleans, strings, arrays, plain
 * objects): exploration hashes them with the machine's state, so two
 * programs that reach the same machine state in the same monitor state are
 * explored once. A class must not mutate the state it is given.
 *
 * Built in ({@linkcode GUEST_CLASSES}):
 *
 * - `any`: every program;
 * - `no-sw`: never issues a set/way operation;
 * - `uses-sw`: has issued a set/way operation before the failing read;
 * - `never-cleans`: no cache maintenance at all (no DC by VA, no set/way);
 * - `cleans-by-va`: cleans by VA to the PoC (DC CVAC or DC CIVAC) every line
 *   it wrote with its caches on before any vCPU turns its caches off, and
 *   never uses set/way: the guest of the thread's answer ("if the guest
 *   flushes by VA, then we're safe");
 * - `maintains-by-va`: `cleans-by-va`, and also invalidates by VA (DC IVAC
 *   or DC CIVAC) every line it wrote with its caches off, after that write
 *   and before any vCPU turns its caches on (lines the hardware filled while
 *   its caches were off may be stale).
 *
 * The two by-VA classes count in cache lines, and a DC by VA acts on the
 * whole line holding its address, so the line size decides whether a write
 * was covered: with 64-byte lines a clean of 0x40000000 covers a write to
 * 0x40000020, with 16-byte lines it does not. {@linkcode GUEST_CLASSES}
 * holds them for 64-byte lines (every built-in machine's);
 * {@linkcode guestClassFor} gives them for another line size, and an
 * exploration takes its machine's.
 *
 * @example Usage
 * ```ts
 * import { GUEST_CLASSES, matchesClass } from "@setway/setway/explore";
 * const steps = [
 *   { kind: "sctlr", vcpu: 0, bits: { m: true, c: true } },
 *   { kind: "write", vcpu: 0, addr: 0x40000000, value: 1 },
 *   { kind: "sctlr", vcpu: 0, bits: { m: false, c: false } },
 * ] as const;
 * console.log(matchesClass(GUEST_CLASSES["cleans-by-va"], steps)); // false: the line was not cleaned
 * console.log(matchesClass(GUEST_CLASSES["no-sw"], steps)); // true
 * ```
 *
 * @module
 */

import { ScenarioError, showValue } from "../../errors.ts";
import { didYouMean } from "../../options.ts";
import type { SctlrBits, Step } from "../../guest/ops.ts";

/**
 * A class of guest programs, as a monitor (see the module doc).
 *
 * @example Usage
 * ```ts
 * import type { GuestClass } from "@setway/setway/explore";
 * const readsOnce: GuestClass<number> = {
 *   name: "reads-once",
 *   description: "reads at most once",
 *   start: () => 0,
 *   next: (n, step) => step.kind !== "read" ? n : n === 0 ? 1 : null,
 * };
 * ```
 */
export interface GuestClass<S = unknown> {
  /** Short name for reports, e.g. `"cleans-by-va"`. */
  readonly name: string;
  /** One sentence for reports. */
  readonly description: string;
  /** The monitor state of the empty program. */
  start(): S;
  /**
   * The state after one more step, or null when the program leaves the class.
   * @param state the state before the step (not to be mutated)
   * @param step the step
   */
  next(state: S, step: Step): S | null;
  /**
   * Whether a program in `state` belongs to the class. Default: always.
   * @param state the monitor state
   */
  accepts?(state: S): boolean;
}

const SET_WAY_KINDS = new Set(["sw", "sw_walk"]);

/** Every program. */
const anyGuest: GuestClass<0> = Object.freeze({
  name: "any",
  description: "every program",
  start: () => 0 as const,
  next: () => 0 as const,
});

/** Never issues a set/way operation. */
const noSw: GuestClass<0> = Object.freeze({
  name: "no-sw",
  description: "never issues a set/way operation",
  start: () => 0 as const,
  next: (_s: 0, step: Step) => SET_WAY_KINDS.has(step.kind) ? null : 0 as const,
});

/** Issues a set/way operation before the failing read. */
const usesSw: GuestClass<boolean> = Object.freeze({
  name: "uses-sw",
  description: "issues a set/way operation before the failing read",
  start: () => false,
  next: (s: boolean, step: Step) => s || SET_WAY_KINDS.has(step.kind),
  accepts: (s: boolean) => s,
});

/** No cache maintenance at all. */
const neverCleans: GuestClass<0> = Object.freeze({
  name: "never-cleans",
  description: "issues no cache maintenance at all (no DC by VA, no set/way)",
  start: () => 0 as const,
  next: (_s: 0, step: Step) =>
    SET_WAY_KINDS.has(step.kind) || step.kind === "dc_va" ? null : 0 as const,
});

/** The state of `cleans-by-va`: each vCPU's SCTLR.M and .C, and the lines written but not cleaned. */
interface CleansByVaState {
  /** SCTLR of each vCPU that has written it: bit 0 is M, bit 1 is C. */
  readonly sctlr: readonly number[];
  /** Line numbers written with caches on and not cleaned to PoC since, ascending. */
  readonly dirty: readonly number[];
}

/** The line size of the by-VA classes in {@linkcode GUEST_CLASSES}: every built-in machine's. */
const DEFAULT_LINE = 64;

function cachesOn(sctlr: readonly number[], vcpu: number): boolean {
  return (sctlr[vcpu] ?? 0) === 3;
}

/** `sctlr` with `vcpu`'s bits written (`sctlr` itself when they do not change it). */
function applySctlr(sctlr: readonly number[], vcpu: number, bits: SctlrBits): readonly number[] {
  let v = vcpu < sctlr.length ? sctlr[vcpu] : 0;
  if (bits.m !== undefined) v = bits.m ? v | 1 : v & ~1;
  if (bits.c !== undefined) v = bits.c ? v | 2 : v & ~2;
  if (vcpu < sctlr.length && v === sctlr[vcpu]) return sctlr;
  const out = sctlr.slice();
  while (out.length <= vcpu) out.push(0);
  out[vcpu] = v;
  return out;
}

/** `lines` (ascending) with `line` added, or `lines` itself when it holds it. */
function withLine(lines: readonly number[], line: number): readonly number[] {
  return lines.includes(line) ? lines : [...lines, line].sort((a, b) => a - b);
}

/**
 * `lines` without those a DC by VA over `[addr, addr + len)` acts on: every
 * line of `lineSize` bytes holding one of its bytes.
 */
function outsideRange(
  lines: readonly number[],
  addr: number,
  len: number,
  lineSize: number,
): readonly number[] {
  const first = Math.floor(addr / lineSize);
  const last = Math.floor((addr + len - 1) / lineSize);
  return lines.filter((l) => l < first || l > last);
}

/**
 * Cleans by VA to PoC every line (of `lineSize` bytes) it wrote with caches on
 * before caches go off; never uses S/W.
 */
function cleansByVaOf(lineSize: number): GuestClass<CleansByVaState> {
  return Object.freeze({
    name: "cleans-by-va",
    description: "cleans by VA to PoC (DC CVAC/CIVAC) every line it wrote with caches on " +
      "before any vCPU turns its caches off, and never uses set/way",
    start: (): CleansByVaState => ({ sctlr: [], dirty: [] }),
    next(s: CleansByVaState, step: Step): CleansByVaState | null {
      switch (step.kind) {
        case "sw":
        case "sw_walk":
          return null;
        case "write": {
          if (!cachesOn(s.sctlr, step.vcpu)) return s;
          const dirty = withLine(s.dirty, Math.floor(step.addr / lineSize));
          return dirty === s.dirty ? s : { sctlr: s.sctlr, dirty };
        }
        case "dc_va": {
          if (step.op !== "cvac" && step.op !== "civac") return s;
          const dirty = outsideRange(s.dirty, step.addr, step.len, lineSize);
          return dirty.length === s.dirty.length ? s : { sctlr: s.sctlr, dirty };
        }
        case "sctlr": {
          const sctlr = applySctlr(s.sctlr, step.vcpu, step.bits);
          const turnsOff = cachesOn(s.sctlr, step.vcpu) && !cachesOn(sctlr, step.vcpu);
          if (turnsOff && s.dirty.length > 0) return null;
          return sctlr === s.sctlr ? s : { sctlr, dirty: s.dirty };
        }
        default:
          return s;
      }
    },
  });
}

/** The state of `maintains-by-va`: `cleans-by-va`'s, plus lines written with caches off and not invalidated since. */
interface MaintainsByVaState extends CleansByVaState {
  /** Line numbers written with caches off and not invalidated by VA since, ascending. */
  readonly stale: readonly number[];
}

/**
 * `cleans-by-va`, and invalidates by VA (DC IVAC or DC CIVAC) every line
 * (of `lineSize` bytes) it wrote with its caches off, after that write and
 * before any vCPU turns its caches on.
 */
function maintainsByVaOf(lineSize: number): GuestClass<MaintainsByVaState> {
  const cleansByVa = cleansByVaOf(lineSize);
  return Object.freeze({
    name: "maintains-by-va",
    description: "cleans-by-va, and invalidates by VA (DC IVAC/CIVAC) every line it wrote with " +
      "caches off, after writing it and before any vCPU turns its caches on",
    start: (): MaintainsByVaState => ({ sctlr: [], dirty: [], stale: [] }),
    next(s: MaintainsByVaState, step: Step): MaintainsByVaState | null {
      const base = cleansByVa.next(s, step);
      if (base === null) return null;
      let stale = s.stale;
      if (step.kind === "write" && !cachesOn(s.sctlr, step.vcpu)) {
        stale = withLine(stale, Math.floor(step.addr / lineSize));
      } else if (step.kind === "dc_va" && (step.op === "ivac" || step.op === "civac")) {
        const kept = outsideRange(stale, step.addr, step.len, lineSize);
        if (kept.length !== stale.length) stale = kept;
      } else if (step.kind === "sctlr") {
        const turnsOn = !cachesOn(s.sctlr, step.vcpu) && cachesOn(base.sctlr, step.vcpu);
        if (turnsOn && stale.length > 0) return null;
      }
      // Unchanged, the same state: the search asks this of every operation of every parent.
      if (base === s && stale === s.stale) return s;
      return { sctlr: base.sctlr, dirty: base.dirty, stale };
    },
  });
}

/** The state of `cleans-by-sw`: each vCPU's SCTLR bits, and the vCPUs that wrote with caches on since their last set/way clean walk. */
interface CleansBySwState {
  /** SCTLR of each vCPU that has written it: bit 0 is M, bit 1 is C. */
  readonly sctlr: readonly number[];
  /** vCPUs that wrote with caches on and have not cleaned by a whole set/way walk since, ascending. */
  readonly dirty: readonly number[];
}

/**
 * Cleans by set/way, then turns its caches off: the 32-bit ARM boot path
 * (`v7_flush_dcache_all` before the MMU goes off) the 2015 thread was about.
 * Before a vCPU turns its caches off, it has run a whole set/way clean (or
 * clean and invalidate) walk after its last write with caches on; it never
 * maintains by VA. A walk is per vCPU: architecturally it cleans only the
 * caches of the CPU it runs on, so another vCPU's walk does not count.
 */
const cleansBySw: GuestClass<CleansBySwState> = Object.freeze({
  name: "cleans-by-sw",
  description: "cleans by a whole set/way walk (clean or clean+invalidate) on each vCPU that " +
    "wrote with caches on, before that vCPU turns its caches off; no maintenance by VA",
  start: (): CleansBySwState => ({ sctlr: [], dirty: [] }),
  next(s: CleansBySwState, step: Step): CleansBySwState | null {
    switch (step.kind) {
      case "dc_va":
      case "sw":
        return null;
      case "write": {
        if (!cachesOn(s.sctlr, step.vcpu) || s.dirty.includes(step.vcpu)) return s;
        return { sctlr: s.sctlr, dirty: [...s.dirty, step.vcpu].sort((a, b) => a - b) };
      }
      case "sw_walk": {
        if (step.op === "isw" || !s.dirty.includes(step.vcpu)) return s;
        return { sctlr: s.sctlr, dirty: s.dirty.filter((v) => v !== step.vcpu) };
      }
      case "sctlr": {
        const sctlr = applySctlr(s.sctlr, step.vcpu, step.bits);
        const turnsOff = cachesOn(s.sctlr, step.vcpu) && !cachesOn(sctlr, step.vcpu);
        if (turnsOff && s.dirty.includes(step.vcpu)) return null;
        return sctlr === s.sctlr ? s : { sctlr, dirty: s.dirty };
      }
      default:
        return s;
    }
  },
});

/** The built-in classes that count cache lines, by name: each for a line size. */
const BY_VA: Readonly<Record<string, (lineSize: number) => GuestClass>> = {
  "cleans-by-va": (lineSize) => cleansByVaOf(lineSize) as GuestClass,
  "maintains-by-va": (lineSize) => maintainsByVaOf(lineSize) as GuestClass,
};

/**
 * The built-in guest classes, by name.
 *
 * @example Usage
 * ```ts
 * import { GUEST_CLASSES } from "@setway/setway/explore";
 * console.log(Object.keys(GUEST_CLASSES).length); // 7
 * ```
 */
export const GUEST_CLASSES: Readonly<Record<string, GuestClass>> = Object.freeze({
  "any": anyGuest as GuestClass,
  "no-sw": noSw as GuestClass,
  "uses-sw": usesSw as GuestClass,
  "never-cleans": neverCleans as GuestClass,
  "cleans-by-va": BY_VA["cleans-by-va"](DEFAULT_LINE),
  "maintains-by-va": BY_VA["maintains-by-va"](DEFAULT_LINE),
  "cleans-by-sw": cleansBySw as GuestClass,
});

/** The by-VA classes of other line sizes than 64 once built, keyed `name@lineSize`. */
const BY_VA_BUILT = new Map<string, GuestClass>();

/**
 * A built-in class for a machine whose cache lines are `lineSize` bytes:
 * the by-VA classes count that machine's lines (see the module doc), the
 * others are {@linkcode GUEST_CLASSES}'.
 *
 * @example Usage
 * ```ts
 * import { guestClassFor, matchesClass } from "@setway/setway/explore";
 * const steps = [
 *   { kind: "sctlr", vcpu: 0, bits: { m: true, c: true } },
 *   { kind: "write", vcpu: 0, addr: 0x40000020, value: 1 },
 *   { kind: "dc_va", vcpu: 0, op: "cvac", addr: 0x40000000, len: 4 },
 *   { kind: "sctlr", vcpu: 0, bits: { m: false, c: false } },
 * ] as const;
 * console.log(matchesClass(guestClassFor("cleans-by-va", 64), steps)); // true: one line
 * console.log(matchesClass(guestClassFor("cleans-by-va", 16), steps)); // false: another line
 * ```
 * @param name a name of {@linkcode GUEST_CLASSES}
 * @param lineSize the machine's cache line size in bytes
 * @returns the class
 * @throws {ScenarioError} `unknown_name` for a name that is not built in
 */
export function guestClassFor(name: string, lineSize: number): GuestClass {
  const builtIn = resolveGuestClass(name);
  if (lineSize === DEFAULT_LINE || !Object.hasOwn(BY_VA, name)) return builtIn;
  const key = `${name}@${lineSize}`;
  let built = BY_VA_BUILT.get(key);
  if (built === undefined) BY_VA_BUILT.set(key, built = BY_VA[name](lineSize));
  return built;
}

/**
 * A class by name, or a class object checked for shape.
 *
 * @example Usage
 * ```ts
 * import { resolveGuestClass } from "./classes.ts";
 * console.log(resolveGuestClass("no-sw").description); // "never issues a set/way operation"
 * ```
 * @param spec a built-in name or a {@linkcode GuestClass}
 * @returns the class
 * @throws {ScenarioError} `unknown_name` for a name that is not built in, `invalid_value` for a bad object
 */
export function resolveGuestClass(spec: string | GuestClass): GuestClass {
  if (typeof spec === "string") {
    if (Object.hasOwn(GUEST_CLASSES, spec)) return GUEST_CLASSES[spec];
    throw new ScenarioError(
      "unknown_name",
      "explore.guestClass",
      spec,
      `explore.guestClass(${showValue(spec)}): unknown class${
        didYouMean(spec, Object.keys(GUEST_CLASSES))
      }; built in: ${Object.keys(GUEST_CLASSES).join(", ")}`,
    );
  }
  const c = spec as unknown as Record<string, unknown> | null;
  if (
    c === null || typeof c !== "object" || typeof c.name !== "string" ||
    typeof c.start !== "function" || typeof c.next !== "function" ||
    (c.accepts !== undefined && typeof c.accepts !== "function")
  ) {
    throw new ScenarioError(
      "invalid_value",
      "explore.guestClass",
      spec,
      `explore.guestClass(${
        showValue(spec)
      }): expected a class name or an object with name, start(), next() and optional accepts()`,
    );
  }
  return spec;
}

/**
 * The intersection of classes: a program is in it when it is in every one.
 * Its state is the list of the parts' states.
 *
 * @example Usage
 * ```ts
 * import { GUEST_CLASSES, intersectClasses } from "@setway/setway/explore";
 * const c = intersectClasses([GUEST_CLASSES["no-sw"], GUEST_CLASSES["never-cleans"]]);
 * console.log(c.name); // "no-sw+never-cleans"
 * ```
 * @param parts the classes
 * @returns one class
 */
export function intersectClasses(parts: readonly GuestClass[]): GuestClass<unknown[]> {
  if (parts.length === 1) {
    const only = parts[0];
    return {
      name: only.name,
      description: only.description,
      start: () => [only.start()],
      next: (s, step) => {
        const n = only.next(s[0], step);
        return n === null ? null : n === s[0] ? s : [n];
      },
      accepts: (s) => only.accepts?.(s[0]) ?? true,
    };
  }
  return {
    name: parts.map((p) => p.name).join("+"),
    description: parts.map((p) => p.description).join("; and "),
    start: () => parts.map((p) => p.start()),
    next(s, step) {
      const out: unknown[] = [];
      let same = true;
      for (let i = 0; i < parts.length; i++) {
        const n = parts[i].next(s[i], step);
        if (n === null) return null;
        out.push(n);
        same &&= n === s[i];
      }
      return same ? s : out;
    },
    accepts: (s) => parts.every((p, i) => p.accepts?.(s[i]) ?? true),
  };
}

/**
 * Whether a whole program belongs to a class.
 *
 * @example Usage
 * ```ts
 * import { GUEST_CLASSES, matchesClass } from "@setway/setway/explore";
 * console.log(matchesClass(GUEST_CLASSES["uses-sw"], [{ kind: "sw_walk", vcpu: 0, op: "csw" }])); // true
 * ```
 * @param guestClass the class
 * @param steps the program
 * @returns true when every prefix stays in the class and the whole program is accepted
 */
export function matchesClass<S>(guestClass: GuestClass<S>, steps: readonly Step[]): boolean {
  let s: S | null = guestClass.start();
  for (const step of steps) {
    s = guestClass.next(s, step);
    if (s === null) return false;
  }
  return guestClass.accepts?.(s) ?? true;
}

/**
 * A class from a predicate over whole programs. Its monitor state is the
 * program so far, so exploration merges two programs only when they are
 * equal: correct for any predicate, but slower than a real monitor.
 *
 * @example Usage
 * ```ts
 * import { classFromPredicate } from "@setway/setway/explore";
 * const short = classFromPredicate("short", "at most three steps", (steps) => steps.length <= 3);
 * console.log(short.accepts?.(short.start())); // true
 * ```
 * @param name the class name
 * @param description one sentence
 * @param predicate whether a program (up to and including a failing read) is in the class
 * @returns the class
 */
export function classFromPredicate(
  name: string,
  description: string,
  predicate: (steps: readonly Step[]) => boolean,
): GuestClass<readonly Step[]> {
  return {
    name,
    description,
    start: () => [],
    next: (s, step) => [...s, step],
    accepts: (s) => predicate(s),
  };
}
