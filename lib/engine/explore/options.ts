/**
 * The options of `explore()`, their defaults, and their resolution into the
 * plain, serializable configuration every worker rebuilds its exploration
 * from.
 *
 * @module
 */

import { PAGE_SIZE as PAGE } from "../../hw/memory.ts";
import { ScenarioError, type ScenarioErrorCode, showValue } from "../../errors.ts";
import { issueMessage } from "../rules/issues.ts";
import {
  addressProblem,
  integerProblem,
  type Problem,
  ramBaseProblem,
  ramEndProblem,
  ramProblem,
  ramSizeProblem,
} from "../rules/values.ts";
import { checkOptionKeys, didYouMean } from "../../options.ts";
import type { Machine, SystemCacheSpec } from "../../hw/machine.ts";
import type { Policy } from "../../hyp/policy.ts";
import { policies } from "../../hyp/policies/mod.ts";
import { resolveMachine } from "../../machines/mod.ts";
import { DEFAULT_RAM_BASE } from "../scenario.ts";
import { EXPLORE_OPS, type ExploreOpName } from "./alphabet.ts";
import { GUEST_CLASSES, type GuestClass } from "./classes.ts";
import type { ShardExchange } from "./exchange.ts";

/**
 * A policy or guest class defined in a module, for workers: they cannot be
 * sent a function, so they import it (`module` is a URL or an absolute path;
 * `export` defaults to `"default"`).
 *
 * @example Usage
 * ```ts
 * import type { ModuleRef } from "@setway/setway/explore";
 * const ref: ModuleRef = { module: "file:///home/me/policies.ts", export: "noCachesOffFlush" };
 * ```
 */
export interface ModuleRef {
  /** The module's URL (or an absolute file path). */
  readonly module: string;
  /** The export's name. Default `"default"`. */
  readonly export?: string;
}

/**
 * Options of `explore()`. Every field is optional.
 *
 * @example Usage
 * ```ts
 * import type { ExploreOptions } from "@setway/setway";
 * const options: ExploreOptions = {
 *   machine: "xgene1", policy: "kvm-3.18", maxOps: 4, guestClass: "no-sw",
 *   ops: ["write", "read", "dc_civac", "mmuOn", "mmuOff"],
 * };
 * ```
 */
export interface ExploreOptions {
  /** A machine preset name or description. Default `"generic"`. */
  readonly machine?: string | Machine;
  /** `"machine"`: as the machine has it; `false`: none; a spec: this one. Default `"machine"`. */
  readonly systemCache?: "machine" | false | SystemCacheSpec;
  /**
   * The policy: a built-in name, a policy object (single-threaded only), or
   * a {@linkcode ModuleRef} (any number of workers). Default `"kvm-4.0"`.
   */
  readonly policy?: string | Policy | ModuleRef;
  /** Number of vCPUs; a program may use any of them. Default 1. */
  readonly cpus?: number;
  /** The longest program explored, in operations. Default 4. */
  readonly maxOps?: number;
  /**
   * The operations programs are made of. Default
   * `["write", "read", "dc_civac", "sw_clean_invalidate", "mmuOn", "mmuOff"]`,
   * plus `"migrate"` with more than one vCPU.
   */
  readonly ops?: readonly ExploreOpName[];
  /**
   * The word addresses address operations take: a list, or a count `n` for
   * `n` addresses in distinct pages from the RAM base
   * (`ramBase + i * (4096 + 64)`). Default 1.
   */
  readonly addresses?: number | readonly number[];
  /**
   * Physical CPUs `migrate` may move a vCPU to (and a preemption between
   * exit and handler). Default: the vCPUs' own CPUs and one more (0 to
   * `cpus`), within the machine.
   */
  readonly migrateTo?: readonly number[];
  /**
   * The physical CPU host operations run on. Default: the first CPU that
   * is neither a vCPU's nor a migration target.
   */
  readonly hostCpu?: number;
  /**
   * The class of guests the question is about: a built-in name (see
   * `GUEST_CLASSES`), a class object (single-threaded only), a
   * {@linkcode ModuleRef}, or a list of those (the intersection). Default `"any"`.
   */
  readonly guestClass?: ClassSpec | readonly ClassSpec[];
  /**
   * Whether the hardware may perturb the caches before each step; when it
   * may, every speculative fill and castout it can make is explored, and,
   * when `ops` has `migrate`, every preemption of a vCPU between a trapped
   * set/way instruction's exit and its handler, to a CPU of `migrateTo`.
   * Default true.
   */
  readonly speculation?: boolean;
  /**
   * Map and populate all RAM before the guest starts (a VMM whose memory
   * was allocated and cleaned long ago). With false, every first touch of a
   * page takes KVM's stage-2 fault path (the host zeroes the page through
   * its cacheable mapping): explored too, but far slower. Default true.
   */
  readonly prefault?: boolean;
  /** Guest RAM in bytes, a multiple of 4 KiB. Default 1 MiB. */
  readonly ram?: number;
  /** Guest RAM base address. Default 0x4000_0000. */
  readonly ramBase?: number;
  /**
   * `"exhaustive"` (default): every program up to `maxOps`; `"random"`:
   * seeded random programs; `"prove"`: every program of any length, by a
   * search over abstract states to a fixpoint (prove.ts; `maxOps` caps the
   * depth, default 64).
   */
  readonly mode?: "exhaustive" | "random" | "prove";
  /**
   * Prove mode's abstraction (prove.ts). `"kinds"` (default): abstract
   * states keep everything that decides each violation's kind
   * (`stale_read` or `lost_write`) as well as whether it happens and whom
   * it blames. `"verdicts"`: idle CPUs' caches are encoded by which lines
   * they hold, not by whether each copy is the newest value, which keeps
   * whether a violation happens, whom it blames and its shortest length,
   * but not its kind. Far fewer states: what makes X-Gene 1's questions
   * reach a fixpoint.
   */
  readonly abstraction?: "kinds" | "verdicts";
  /** The seed of random mode. Default 1. */
  readonly seed?: number;
  /**
   * The most executions: random mode stops there (default 10 000 when no
   * `seconds` is given); exhaustive mode stops there and reports itself
   * incomplete. Default: no limit in exhaustive mode.
   */
  readonly executions?: number;
  /**
   * The most wall-clock seconds of the whole call, shrinking included: the
   * search stops after three quarters of it when `shrink` is on, and
   * shrinking stops at the end with the shortest counterexample found so
   * far. The report then depends on the machine's speed (an `executions`
   * budget does not). Default none.
   */
  readonly seconds?: number;
  /**
   * In random mode, the probability that the hardware perturbs the caches
   * at a choice point. Default 0.25.
   */
  readonly perturbRate?: number;
  /**
   * Threads to run on: this thread and `workers − 1` worker threads, which
   * share the units of work; 0 or 1: this thread alone. The report is the
   * same for any number. Default: one per core
   * (`navigator.hardwareConcurrency`), the workers started only once the
   * search has run for a moment on this thread (a small exploration pays
   * no start-up), or at once when an earlier exploration left as many
   * workers idle and warm, and only where they can start:
   * with read permission on the library's files (Deno checks it to load a
   * worker's module), and a policy and guest classes given by name or
   * module; otherwise the default is this thread. An explicit number is
   * kept, and workers that cannot start are then an error. What a worker
   * runs needs no permission (beyond importing a policy or class given as
   * `{ module }`). The workers outlive the exploration, idle (they do not
   * keep the process alive), for the next one to reuse warm.
   */
  readonly workers?: number;
  /**
   * `"i/n"`: explore only the i-th of n parts (0-based), to split a run
   * across machines; `mergeReports` merges the parts' reports. Default: all.
   * Without `exchange`, each part of an exhaustive search runs every
   * shorter program itself and only its share of the last length (the
   * parts need not run at once, but repeat the shorter programs).
   */
  readonly shard?: string;
  /**
   * With `shard`, in exhaustive and prove mode: how the parts, running at
   * the same time, exchange each length's results, so that they split
   * every length and no execution runs twice. A directory every part can
   * read and write (a shared volume; see `directoryExchange`, which needs
   * `--allow-read` and `--allow-write` on it), or any `ShardExchange`.
   * Default none.
   */
  readonly exchange?: string | ShardExchange;
  /**
   * Symmetry reduction: vCPUs on interchangeable physical CPUs and the
   * alphabet's addresses are introduced in order, and idle CPUs are
   * interchangeable. Default true.
   */
  readonly symmetry?: boolean;
  /** State hashing: explore each distinct state once. Default true. */
  readonly stateHashing?: boolean;
  /** Shrink each failure group's counterexample. Default true. */
  readonly shrink?: boolean;
  /** A progress line on stderr: `"auto"` (default) when stderr is a terminal. */
  readonly progress?: boolean | "auto";
}

/**
 * The keys of {@linkcode ExploreOptions}: what `explore()` accepts (an unknown
 * key is refused, with a suggestion for a near miss).
 *
 * @example Usage
 * ```ts
 * import { EXPLORE_OPTION_KEYS } from "./options.ts";
 * console.log(EXPLORE_OPTION_KEYS.includes("maxOps")); // true
 * ```
 */
export const EXPLORE_OPTION_KEYS: readonly string[] = Object.freeze([
  "machine",
  "systemCache",
  "policy",
  "cpus",
  "maxOps",
  "ops",
  "addresses",
  "migrateTo",
  "hostCpu",
  "guestClass",
  "speculation",
  "prefault",
  "ram",
  "ramBase",
  "mode",
  "abstraction",
  "seed",
  "executions",
  "seconds",
  "perturbRate",
  "workers",
  "shard",
  "exchange",
  "symmetry",
  "stateHashing",
  "shrink",
  "progress",
]);

/** Whether `x` can be `ExploreOptions.exchange`: a directory path or a ShardExchange. */
function isExchange(x: unknown): boolean {
  if (typeof x === "string") return x !== "";
  return typeof x === "object" && x !== null &&
    typeof (x as { exchange?: unknown }).exchange === "function";
}

/** One guest class as {@linkcode ExploreOptions.guestClass} takes it. */
export type ClassSpec = string | GuestClass | ModuleRef;

/**
 * The resolved configuration: plain data that a worker can be sent.
 *
 * @example Usage
 * ```ts
 * import { resolveExploreOptions } from "./options.ts";
 * const c = resolveExploreOptions({ cpus: 2 });
 * console.log(c.ops.includes("migrate"), c.migrateTo); // true [0, 1, 2]
 * ```
 */
export interface ExploreConfig {
  /** The machine, resolved, with the system cache as asked. */
  readonly machine: Machine;
  /** How the system cache was asked for (for the snippet). */
  readonly systemCache: "machine" | false | SystemCacheSpec;
  /** The machine as the user named it (a preset name, or the description). */
  readonly machineName: string | Machine;
  /** The policy: a name or a module reference (an object policy stays in {@linkcode ExploreConfig.policyObject}). */
  readonly policy: string | ModuleRef;
  /** The policy's name, for reports. */
  readonly policyName: string;
  /** A policy object given directly, or null. Not sent to workers. */
  readonly policyObject: Policy | null;
  /** Guest classes: names or module references, plus class objects given directly. */
  readonly classes: readonly (string | ModuleRef)[];
  /** Class objects given directly. Not sent to workers. */
  readonly classObjects: readonly GuestClass[];
  /** Number of vCPUs. */
  readonly cpus: number;
  /** The longest program. */
  readonly maxOps: number;
  /** The operations. */
  readonly ops: readonly ExploreOpName[];
  /** The addresses. */
  readonly addresses: readonly number[];
  /** Migration targets. */
  readonly migrateTo: readonly number[];
  /** The host CPU. */
  readonly hostCpu: number;
  /** Hardware choices on or off. */
  readonly speculation: boolean;
  /** Prefaulted RAM. */
  readonly prefault: boolean;
  /** RAM size. */
  readonly ram: number;
  /** RAM base. */
  readonly ramBase: number;
  /** Exhaustive or random. */
  readonly mode: "exhaustive" | "random" | "prove";
  /** Prove mode's abstraction (`"kinds"` in the other modes). */
  readonly abstraction: "kinds" | "verdicts";
  /** Random mode's seed. */
  readonly seed: number;
  /** Execution budget (Infinity for none). */
  readonly executions: number;
  /** Time budget in seconds (Infinity for none). */
  readonly seconds: number;
  /** Random mode's perturbation probability. */
  readonly perturbRate: number;
  /** Workers. */
  readonly workers: number;
  /** Whether `workers` was given (false: the default, which falls back to this thread). */
  readonly workersGiven: boolean;
  /** This part and the number of parts. */
  readonly shard: { readonly index: number; readonly count: number };
  /** Whether the parts exchange each level's results (`exchange` was given). */
  readonly shardExchanged: boolean;
  /** Symmetry reduction. */
  readonly symmetry: boolean;
  /** State hashing. */
  readonly stateHashing: boolean;
  /** Shrinking. */
  readonly shrink: boolean;
  /** Progress line. */
  readonly progress: boolean | "auto";
}

const DEFAULT_OPS: readonly ExploreOpName[] = [
  "write",
  "read",
  "dc_civac",
  "sw_clean_invalidate",
  "mmuOn",
  "mmuOff",
];

/** Throws a bad option as a builder call's error: `explore.<option>(value): <kind>: expected ...`. */
function bad(
  code: ScenarioErrorCode,
  call: string,
  value: unknown,
  expected: string,
): never {
  const path = `explore.${call}`;
  throw new ScenarioError(code, path, value, issueMessage(code, path, value, expected, "call"));
}

/** Throws a rulebook problem, if any, naming the option. */
function refuse(call: string, value: unknown, problem: Problem | null): void {
  if (problem) bad(problem.code, call, value, problem.expected);
}

function integer(call: string, value: unknown, min: number, max: number, fallback: number): number {
  if (value === undefined) return fallback;
  refuse(call, value, integerProblem(value, min, max));
  return value as number;
}

function isModuleRef(v: unknown): v is ModuleRef {
  return typeof v === "object" && v !== null && typeof (v as ModuleRef).module === "string" &&
    typeof (v as { start?: unknown }).start !== "function" &&
    typeof (v as { state?: unknown }).state !== "function";
}

/**
 * The default number of workers: one per core, as the runtime reports it
 * (`navigator.hardwareConcurrency`; 1 where it says nothing), at most 256.
 *
 * @example Usage
 * ```ts
 * import { defaultWorkers } from "./options.ts";
 * console.log(defaultWorkers() >= 1); // true
 * ```
 * @returns the number of workers an exploration uses when `workers` is not given
 */
export function defaultWorkers(): number {
  const cores = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator
    ?.hardwareConcurrency;
  return typeof cores === "number" && cores >= 1 ? Math.min(256, Math.floor(cores)) : 1;
}

/**
 * Parses `"i/n"`.
 *
 * @example Usage
 * ```ts
 * import { parseShard } from "./options.ts";
 * console.log(parseShard("1/4")); // { index: 1, count: 4 }
 * ```
 * @param shard the text
 * @returns the part's index and the number of parts
 * @throws {ScenarioError} `invalid_value` unless it is `"i/n"` with `0 <= i < n`
 */
export function parseShard(shard: string | undefined): { index: number; count: number } {
  if (shard === undefined) return { index: 0, count: 1 };
  const m = typeof shard === "string" ? /^(\d+)\/(\d+)$/.exec(shard) : null;
  const index = m ? Number(m[1]) : NaN;
  const count = m ? Number(m[2]) : NaN;
  if (!m || !(count >= 1 && index < count)) {
    bad("invalid_value", "shard", shard, `"i/n" with 0 <= i < n, e.g. "0/4"`);
  }
  return { index, count };
}

/**
 * Checks the options and fills in the defaults.
 *
 * @example Usage
 * ```ts
 * import { resolveExploreOptions } from "./options.ts";
 * const c = resolveExploreOptions({ machine: "xgene1", addresses: 2 });
 * console.log(c.addresses.map((a) => a.toString(16))); // ["40000000", "40001040"]
 * ```
 * @param options the options
 * @returns the configuration
 * @throws {ScenarioError} naming the option and the value, for any bad option
 */
export function resolveExploreOptions(given: ExploreOptions = {}): ExploreConfig {
  const options = checkOptionKeys("explore", given, EXPLORE_OPTION_KEYS) as ExploreOptions;
  const machineName = options.machine ?? "generic";
  const base = resolveMachine(machineName, "explore.machine");
  const systemCache = options.systemCache ?? "machine";
  if (systemCache !== "machine" && systemCache !== false && typeof systemCache !== "object") {
    bad("invalid_value", "systemCache", systemCache, `"machine", false or a system cache spec`);
  }
  const machine: Machine = systemCache === "machine"
    ? base
    : Object.freeze({ ...base, systemCache: systemCache === false ? null : systemCache });
  resolveMachine(machine, "explore.systemCache");
  const pcpus = machine.clusters.reduce((n, c) => n + c.cpus, 0);
  const cpus = integer("cpus", options.cpus, 1, pcpus, 1);
  // Prove mode's maxOps only caps the depth of a search that stops at its fixpoint.
  const maxOps = integer("maxOps", options.maxOps, 1, 64, options.mode === "prove" ? 64 : 4);
  const ramBase = options.ramBase ?? DEFAULT_RAM_BASE;
  refuse("ramBase", ramBase, ramBaseProblem(ramBase));
  const ram = options.ram ?? 1 << 20;
  refuse("ram", ram, ramSizeProblem(ram));
  refuse("ram", ram, ramEndProblem({ ram, ramBase }));

  const ops = options.ops ?? (cpus > 1 ? [...DEFAULT_OPS, "migrate"] : DEFAULT_OPS);
  if (!Array.isArray(ops) || ops.length === 0) {
    bad("invalid_value", "ops", ops, `a non-empty list of ${EXPLORE_OPS.join(", ")}`);
  }
  let addresses: number[];
  if (options.addresses === undefined || typeof options.addresses === "number") {
    const n = integer("addresses", options.addresses, 1, 16, 1);
    addresses = Array.from({ length: n }, (_, i) => ramBase + i * (PAGE + 64));
  } else if (Array.isArray(options.addresses) && options.addresses.length > 0) {
    addresses = [...options.addresses];
  } else {
    bad(
      "invalid_value",
      "addresses",
      options.addresses,
      "a count or a non-empty list of addresses",
    );
  }
  addresses.forEach((a, i) => {
    refuse(`addresses[${i}]`, a, addressProblem(a) ?? ramProblem(a, 4, { ram, ramBase }));
  });
  if (new Set(addresses).size !== addresses.length) {
    bad("invalid_value", "addresses", addresses, "distinct addresses");
  }

  const migrateTo = options.migrateTo ?? Array.from(
    { length: Math.min(cpus + 1, pcpus) },
    (_, i) => i,
  );
  if (!Array.isArray(migrateTo)) bad("invalid_value", "migrateTo", migrateTo, "a list of CPUs");
  migrateTo.forEach((p, i) => integer(`migrateTo[${i}]`, p, 0, pcpus - 1, 0));
  let hostDefault = 0;
  while (hostDefault < pcpus - 1 && (hostDefault < cpus || migrateTo.includes(hostDefault))) {
    hostDefault++;
  }
  const hostCpu = integer("hostCpu", options.hostCpu, 0, pcpus - 1, hostDefault);

  let policy: string | ModuleRef;
  let policyName: string;
  let policyObject: Policy | null = null;
  const p = options.policy ?? "kvm-4.0";
  if (typeof p === "string") {
    if (!Object.hasOwn(policies, p)) {
      throw new ScenarioError(
        "unknown_name",
        "explore.policy",
        p,
        `explore.policy(${showValue(p)}): unknown policy${
          didYouMean(p, Object.keys(policies))
        }; valid: ${Object.keys(policies).join(", ")}`,
      );
    }
    policy = p;
    policyName = p;
  } else if (isModuleRef(p)) {
    policy = { module: p.module, export: p.export ?? "default" };
    policyName = `${p.export ?? "default"} from ${p.module}`;
  } else if (typeof p === "object" && p !== null && typeof (p as Policy).state === "function") {
    policyObject = p as Policy;
    policy = (p as Policy).name;
    policyName = (p as Policy).name;
  } else {
    bad("invalid_value", "policy", p, "a policy name, a policy object or { module, export }");
  }

  const specs = options.guestClass === undefined
    ? ["any"]
    : Array.isArray(options.guestClass)
    ? options.guestClass as readonly ClassSpec[]
    : [options.guestClass as ClassSpec];
  const classes: (string | ModuleRef)[] = [];
  const classObjects: GuestClass[] = [];
  for (const c of specs) {
    if (typeof c === "string") {
      if (!Object.hasOwn(GUEST_CLASSES, c)) {
        throw new ScenarioError(
          "unknown_name",
          "explore.guestClass",
          c,
          `explore.guestClass(${showValue(c)}): unknown class${
            didYouMean(c, Object.keys(GUEST_CLASSES))
          }; built in: ${Object.keys(GUEST_CLASSES).join(", ")}`,
        );
      }
      classes.push(c);
    } else if (isModuleRef(c)) {
      classes.push({ module: c.module, export: c.export ?? "default" });
    } else if (
      typeof c === "object" && c !== null && typeof (c as GuestClass).next === "function"
    ) {
      classObjects.push(c as GuestClass);
    } else {
      bad("invalid_value", "guestClass", c, "a class name, a class object or { module, export }");
    }
  }

  const mode = options.mode ?? "exhaustive";
  if (mode !== "exhaustive" && mode !== "random" && mode !== "prove") {
    bad("invalid_value", "mode", mode, `"exhaustive", "random" or "prove"`);
  }
  const abstraction = options.abstraction ?? "kinds";
  if (abstraction !== "kinds" && abstraction !== "verdicts") {
    bad("invalid_value", "abstraction", abstraction, `"kinds" or "verdicts"`);
  }
  if (abstraction === "verdicts" && mode !== "prove") {
    bad("invalid_value", "abstraction", abstraction, `"kinds" outside prove mode`);
  }
  const seed = integer("seed", options.seed, -(2 ** 31), 2 ** 31 - 1, 1);
  const seconds = options.seconds === undefined ? Infinity : options.seconds;
  if (typeof seconds !== "number" || !(seconds > 0)) {
    bad("invalid_value", "seconds", options.seconds, "a positive number of seconds");
  }
  const defaultExecutions = mode === "random" && seconds === Infinity ? 10_000 : Infinity;
  const executions = options.executions === undefined
    ? defaultExecutions
    : integer("executions", options.executions, 1, Number.MAX_SAFE_INTEGER, 0);
  const perturbRate = options.perturbRate ?? 0.25;
  if (typeof perturbRate !== "number" || !(perturbRate >= 0 && perturbRate <= 1)) {
    bad("invalid_value", "perturbRate", perturbRate, "a probability from 0 to 1");
  }
  const workers = integer("workers", options.workers, 0, 256, defaultWorkers());
  const shard = parseShard(options.shard);
  const exchange = options.exchange;
  const shardExchanged = exchange !== undefined;
  if (shardExchanged && !isExchange(exchange)) {
    bad("invalid_value", "exchange", exchange, "a directory path or a ShardExchange");
  }
  if (shardExchanged && mode === "random") {
    bad("invalid_value", "exchange", exchange, "exhaustive or prove mode (random parts need none)");
  }
  if (mode === "prove" && shard.count > 1 && !shardExchanged) {
    bad(
      "invalid_value",
      "shard",
      options.shard,
      "prove mode splits only with an exchange between the parts (exchange, --exchange DIR)",
    );
  }
  const flag = (name: string, v: unknown, fallback: boolean): boolean => {
    if (v === undefined) return fallback;
    if (typeof v !== "boolean") bad("invalid_value", name, v, "a boolean");
    return v as boolean;
  };
  const progress = options.progress ?? "auto";
  if (progress !== "auto" && typeof progress !== "boolean") {
    bad("invalid_value", "progress", progress, `true, false or "auto"`);
  }
  const workersGiven = options.workers !== undefined;
  if (workersGiven && workers > 1 && (policyObject !== null || classObjects.length > 0)) {
    bad(
      "invalid_value",
      "workers",
      workers,
      "0 or 1 with a policy or class given as an object: workers cannot be sent functions; " +
        "give it as { module, export } instead",
    );
  }
  return Object.freeze({
    machine,
    systemCache,
    machineName: typeof machineName === "string" ? machineName : machine,
    policy,
    policyName,
    policyObject,
    classes,
    classObjects,
    cpus,
    maxOps,
    ops: [...ops],
    addresses,
    migrateTo: [...migrateTo],
    hostCpu,
    speculation: flag("speculation", options.speculation, true),
    prefault: flag("prefault", options.prefault, true),
    ram,
    ramBase,
    mode,
    abstraction,
    seed,
    executions,
    seconds,
    perturbRate,
    workers,
    workersGiven,
    shard,
    shardExchanged,
    symmetry: flag("symmetry", options.symmetry, true),
    stateHashing: flag("stateHashing", options.stateHashing, true),
    shrink: flag("shrink", options.shrink, true),
    progress,
  });
}
