/**
 * The entry point of the DSL: `vm()` returns an immutable {@linkcode VmBuilder}
 * whose chain ends in `toJSON()` (the plain, JSON-serializable
 * {@linkcode Scenario}) or `run()` (the events and verdict).
 *
 * ```ts
 * import { vm } from "@setway/setway";
 * const result = await vm()
 *   .machine("xgene1").cpus(4).systemCache().policy("kvm-4.0")
 *   .guest((g) => g.zImage32())
 *   .run();
 * console.log(result.verdict.ok);
 * ```
 *
 * Defaults: machine `"generic"`, 1 vCPU, the machine's system cache,
 * policy `"kvm-4.0"`, 1 GiB of RAM at 0x4000_0000, no prefault, seed 1,
 * quiet hardware, no steps. Each call checks its argument at once and
 * throws a {@linkcode ScenarioError} naming the call and the value; what
 * depends on later calls (an address against `.ram()`, `cpus` against
 * `.machine()`) is checked again, all issues together, by `toJSON()` and
 * `run()`.
 *
 * @module
 */

import { ScenarioError, showValue } from "../errors.ts";
import { DEFAULT_RAM_BASE, type Scenario, type Speculation } from "../engine/scenario.ts";
import { run as runScenario } from "../engine/run.ts";
import {
  type Budget,
  BUDGET_FIELDS,
  budgetOptions,
  checkStepCount,
  isBudgetLimit,
  runBudget,
} from "../engine/budget.ts";
import { RUN_OPTION_KEYS, type RunOptions } from "../engine/options.ts";
import type { RunResult } from "../engine/result.ts";
import type { CheckOptions, CheckResult } from "../engine/expect/check.ts";
import type { Expectation } from "../engine/expect/expectation.ts";
import { assertExpectation } from "../engine/rules/expectations.ts";
import type { Machine, SystemCacheSpec } from "../hw/machine.ts";
import { resolvePolicy } from "../hyp/policies/mod.ts";
import type { Policy } from "../hyp/policy.ts";
import { checkCosts, type CostOverrides } from "../hyp/costs.ts";
import { cpuCount, resolveMachine, systemCacheIssues } from "../machines/mod.ts";
import {
  integerProblem,
  nameProblem,
  ramBaseProblem,
  ramEndProblem,
} from "../engine/rules/values.ts";
import { throwIf } from "./context.ts";
import { GuestBuilder } from "./guest.ts";
import { callError } from "./issues.ts";
import { checkOptionKeys, didYouMean } from "../options.ts";
import { parseRam, type RamSize } from "./ram.ts";
import { appendSteps, concatSteps, type StepList, stepsOf } from "./step_list.ts";
import type { StepContext } from "../engine/rules/steps.ts";
import { scenarioFrom } from "./scenario_from.ts";
import { SPECULATION_MODES, validOrThrow } from "./validate.ts";

/** The system cache `systemCache()` adds to a machine that has none: 8 MiB, 16-way. */
export const DEFAULT_SYSTEM_CACHE: SystemCacheSpec = Object.freeze({
  size: 8 * 1024 * 1024,
  ways: 16,
});

/**
 * What `systemCache()` asked for: as the machine has it, none, a given
 * cache, or `"default"` (the machine's, or {@linkcode DEFAULT_SYSTEM_CACHE}
 * when it has none; decided at `toJSON()` against the final machine).
 */
export type SystemCacheChoice = "machine" | "default" | false | SystemCacheSpec;

/** The state of a {@linkcode VmBuilder}: plain data, plus an optional policy object. */
export interface VmProps {
  /** The preset name or machine description `toJSON()` records. */
  readonly machine: string | Machine;
  /** The machine it names, resolved. */
  readonly resolved: Machine;
  /** Number of vCPUs. */
  readonly cpus: number;
  /** The system cache asked for. */
  readonly systemCache: SystemCacheChoice;
  /** The policy name `toJSON()` records. */
  readonly policy: string;
  /** A policy object given to `policy()`, passed to the engine by `run()`. */
  readonly policyObject: Policy | null;
  /** RAM size in bytes. */
  readonly ram: number;
  /** RAM base address. */
  readonly ramBase: number;
  /** Map all RAM at stage 2 before the guest starts. */
  readonly prefault: boolean;
  /** The seed of every random choice. */
  readonly seed: number;
  /** Hardware nondeterminism. */
  readonly speculation: Speculation;
  /** The guest program. */
  readonly steps: StepList | null;
  /** The budget `run()` uses unless its options say otherwise. Default: the engine's defaults. */
  readonly budget?: Budget;
  /** Cost overrides `run()` uses unless its options give `costs`. Default none. */
  readonly costs?: CostOverrides;
  /** What must hold over every execution the hardware may choose; `toJSON()` records it. Default none. */
  readonly expect?: readonly Expectation[];
}

/** Options of `ram()`. */
export interface RamOptions {
  /** Where RAM starts: a 4 KiB-aligned address. Default 0x4000_0000. */
  readonly base?: number;
}

/** The keys of {@linkcode VmRunOptions}. */
const RUN_KEYS = RUN_OPTION_KEYS.filter((k) => k !== "policy");

/** Options of `run()`: everything of the engine's except the policy, which `policy()` sets. */
export type VmRunOptions = Omit<RunOptions, "policy">;

/**
 * Builds a scenario. Immutable: every method returns a new builder, so a
 * builder can be shared and extended in several directions.
 *
 * @example Usage
 * ```ts
 * import { vm } from "@setway/setway";
 * const base = vm().cpus(2);
 * const a = base.seed(1).toJSON();
 * const b = base.seed(2).toJSON();
 * console.log(a.seed, b.seed, base.toJSON().seed); // 1 2 1
 * ```
 */
export class VmBuilder {
  readonly #props: VmProps;

  /**
   * A builder holding `props`; use {@linkcode vm} to start one.
   *
   * @param props the builder's state (frozen)
   */
  constructor(props: VmProps) {
    this.#props = Object.freeze({ ...props });
  }

  #with(change: Partial<VmProps>): VmBuilder {
    return new VmBuilder({ ...this.#props, ...change });
  }

  #context(): StepContext {
    const p = this.#props;
    const aarch32Only = p.resolved.features?.aarch64 === false ? p.resolved.name : null;
    return {
      cpus: p.cpus,
      pcpus: cpuCount(p.resolved),
      ram: p.ram,
      ramBase: p.ramBase,
      aarch32Only,
    };
  }

  /**
   * The machine: a preset name (`"generic"`, `"xgene1"`, `"juno-r0"`, `"tc2"`,
   * `"neoverse-n1"`, `"neoverse-v1"`, `"armada-8040"`) or a machine description.
   *
   * @param machine a preset name or a {@linkcode Machine}
   * @returns a new builder
   * @throws {ScenarioError} `unknown_name` listing the presets, or a geometry error
   */
  machine(machine: string | Machine): VmBuilder {
    const resolved = resolveMachine(machine, "machine");
    return this.#with({ machine: typeof machine === "string" ? machine : resolved, resolved });
  }

  /**
   * The number of vCPUs; vCPU i starts on physical CPU i.
   *
   * @param n from 1 to the machine's CPU count
   * @returns a new builder
   * @throws {ScenarioError} `invalid_value` (not an integer) or `out_of_range`
   */
  cpus(n: number): VmBuilder {
    const max = cpuCount(this.#props.resolved);
    const p = integerProblem(n, 1, max);
    if (p) {
      const expected = `${p.expected} (machine "${this.#props.resolved.name}" has ${max} CPUs)`;
      throw callError(p.code, "cpus", n, expected);
    }
    return this.#with({ cpus: n });
  }

  /**
   * The system cache: no argument keeps the machine's (or adds an 8 MiB 16-way
   * one if it has none); a spec replaces it; `false` removes it.
   *
   * @param spec a system cache, `false` for none, or nothing for the default
   * @returns a new builder
   * @throws {ScenarioError} `bad_geometry` for a size, ways or line size that is
   *   not a power of two or does not divide into sets
   */
  systemCache(spec?: SystemCacheSpec | false): VmBuilder {
    if (spec === undefined) return this.#with({ systemCache: "default" });
    if (spec === false) return this.#with({ systemCache: false });
    const issues = systemCacheIssues(spec, "systemCache");
    if (issues.length > 0) {
      const first = issues[0];
      throw new ScenarioError(
        first.code,
        "systemCache",
        first.value,
        `systemCache(${showValue(spec)}): ${first.message}`,
      );
    }
    return this.#with({ systemCache: Object.freeze({ ...spec }) });
  }

  /**
   * The cache-maintenance policy: a built-in name (`"kvm-4.0"`, `"kvm-3.18"`,
   * `"native"`, ...) or a policy object, which `run()` passes to the engine
   * (`toJSON()` records its name).
   *
   * @param policy a name or a {@linkcode Policy}
   * @returns a new builder
   * @throws {ScenarioError} `unknown_name` listing the built-in policies, or
   *   `invalid_value` for an object that is not a policy
   */
  policy(policy: string | Policy): VmBuilder {
    const resolved = resolvePolicy(policy);
    return typeof policy === "string"
      ? this.#with({ policy, policyObject: null })
      : this.#with({ policy: resolved.name, policyObject: resolved });
  }

  /**
   * Guest RAM: bytes or a string such as `"512MiB"`, `"1GiB"`, `"64GiB"`.
   *
   * @param size the size, a whole number of 4 KiB pages
   * @param options where RAM starts
   * @returns a new builder
   * @throws {ScenarioError} `invalid_value` / `out_of_range` for the size (and
   *   `out_of_range` for RAM running past 2^48), `bad_address` for the base
   */
  ram(size: RamSize, options: RamOptions = {}): VmBuilder {
    const ram = parseRam(size, "ram");
    const o = checkOptionKeys("ram", options, ["base"]);
    const base = (o.base ?? this.#props.ramBase) as number;
    throwIf(ramBaseProblem(base), "ram", "base", base);
    throwIf(ramEndProblem({ ram, ramBase: base }), "ram", "size", size);
    return this.#with({ ram, ramBase: base });
  }

  /**
   * Maps all of RAM at stage 2 before the guest starts (no stage-2 faults).
   *
   * @param on whether to prefault; default true
   * @returns a new builder
   * @throws {ScenarioError} `invalid_value` for a non-boolean
   */
  prefault(on = true): VmBuilder {
    if (typeof on !== "boolean") throw callError("invalid_value", "prefault", on, "a boolean");
    return this.#with({ prefault: on });
  }

  /**
   * The seed of every random choice of the run.
   *
   * @param n an integer
   * @returns a new builder
   * @throws {ScenarioError} `invalid_value`
   */
  seed(n: number): VmBuilder {
    const p = integerProblem(n, Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
    if (p) throw callError("invalid_value", "seed", n, "an integer");
    return this.#with({ seed: n });
  }

  /**
   * Hardware nondeterminism: `"quiet"` (none) or `"adversarial"` (seeded
   * speculative fills and castouts).
   *
   * @param mode the mode
   * @returns a new builder
   * @throws {ScenarioError} `unknown_name` listing the modes
   */
  speculation(mode: Speculation): VmBuilder {
    throwIf(nameProblem(mode, SPECULATION_MODES), "speculation", undefined, mode);
    return this.#with({ speculation: mode });
  }

  /**
   * The budget of `run()`: the most expanded instructions (`steps`), event
   * records (`events`), pages of modelled DRAM written (`touchedPages`) and
   * wall-clock milliseconds (`wallMs`). Fields not given keep their value
   * (the engine's defaults at first); `run()`'s options beat them. Not part
   * of the scenario's JSON.
   *
   * @example Usage
   * ```ts
   * import { vm } from "@setway/setway";
   * const tight = vm().budget({ steps: 10_000, events: 500 });
   * ```
   * @param budget limits, each a positive integer or `Infinity` for none
   * @returns a new builder
   * @throws {ScenarioError} `unknown_name` for a field that is not a budget,
   *   `invalid_value` for a limit that is not a positive integer
   */
  budget(budget: Budget): VmBuilder {
    if (typeof budget !== "object" || budget === null || Array.isArray(budget)) {
      throw callError(
        "invalid_value",
        "budget",
        budget,
        `an object { ${BUDGET_FIELDS.map((f) => `${f}?`).join(", ")} }`,
      );
    }
    for (const [key, v] of Object.entries(budget)) {
      if (!(BUDGET_FIELDS as readonly string[]).includes(key)) {
        throw callError(
          "unknown_name",
          "budget",
          key,
          `${BUDGET_FIELDS.join(", ")}${didYouMean(key, BUDGET_FIELDS)}`,
        );
      }
      if (v !== undefined && !isBudgetLimit(v)) {
        throw callError(
          "invalid_value",
          "budget",
          v,
          "a positive integer, or Infinity for no limit",
          key,
        );
      }
    }
    return this.#with({ budget: Object.freeze({ ...this.#props.budget, ...budget }) });
  }

  /**
   * Overrides of the cost table the run charges its events with (see
   * lib/hyp/costs.ts: `trap`, `dcLine`, `swSlot`, ..., and `events` by name).
   * They beat the policy's own profile; calls accumulate (later values win);
   * `run()`'s `costs` option replaces them. Not part of the scenario's JSON.
   *
   * @example Usage
   * ```ts
   * import { vm } from "@setway/setway";
   * const run = await vm().costs({ trap: 1_000 }).guest((g) => g.sw_clean()).run();
   * console.log(run.cost.cyclesByCategory.trap); // 1000 per trapped instruction
   * ```
   * @param overrides cycles per kind of work, each a non-negative number
   * @returns a new builder
   * @throws {ScenarioError} `unknown_name` for a key that is not a cost,
   *   `invalid_value` for a value that is not a non-negative number
   */
  costs(overrides: CostOverrides): VmBuilder {
    const checked = checkCosts(overrides, "costs");
    const prev = this.#props.costs ?? {};
    const events = prev.events === undefined && checked.events === undefined
      ? {}
      : { events: Object.freeze({ ...prev.events, ...checked.events }) };
    return this.#with({ costs: Object.freeze({ ...prev, ...checked, ...events }) });
  }

  /**
   * The policy object given to `policy()`, or null when the policy is a
   * built-in name (the command line runs a scenario module's own policy
   * under `--policy`, `compare` and JSON reruns with it).
   *
   * @example Usage
   * ```ts
   * import { vm } from "@setway/setway";
   * console.log(vm().policy("kvm-4.0").policyObject()); // null
   * ```
   * @returns the policy object, or null
   */
  policyObject(): Policy | null {
    return this.#props.policyObject;
  }

  /**
   * The engine options `run()` passes besides the policy: the budget of
   * `.budget()` and the costs of `.costs()` (for callers that run the
   * scenario themselves, such as `compare()`).
   *
   * @example Usage
   * ```ts
   * import { vm } from "@setway/setway";
   * console.log(vm().costs({ trap: 376 }).runOptions().costs); // { trap: 376 }
   * ```
   * @returns the options, plain data
   */
  runOptions(): VmRunOptions {
    const costs = this.#props.costs;
    return { ...budgetOptions(this.#props.budget ?? {}), ...(costs ? { costs } : {}) };
  }

  /**
   * Appends a guest program: `fn` records steps on the builder it is given
   * (on vCPU 0 unless it uses `on()`) and returns it.
   *
   * @param fn the program
   * @returns a new builder with those steps appended
   * @throws {ScenarioError} from the guest calls, or `invalid_value` when `fn`
   *   does not return a {@linkcode GuestBuilder}
   */
  guest(fn: (g: GuestBuilder) => GuestBuilder): VmBuilder {
    if (typeof fn !== "function") {
      throw callError("invalid_value", "guest", fn, "a function (g) => g....");
    }
    const g = fn(GuestBuilder.create(this.#context(), this.#props.resolved));
    if (!(g instanceof GuestBuilder)) {
      throw callError("invalid_value", "guest", g, "fn to return the GuestBuilder it was given");
    }
    return this.#with({ steps: concatSteps(this.#props.steps, g.stepList()) });
  }

  /**
   * A builder loaded from a JSON scenario (a string or parsed data).
   *
   * @param json the scenario
   * @returns a new builder holding it
   * @throws {InvalidScenarioError} `bad_schema`, listing every issue
   */
  from(json: unknown): VmBuilder {
    const s = scenarioFrom(json, runBudget(this.runOptions()).steps);
    const resolved = resolveMachine(s.machine as string | Machine, "machine");
    return new VmBuilder({
      machine: s.machine,
      resolved,
      cpus: s.cpus,
      systemCache: s.systemCache,
      policy: s.policy,
      policyObject: null,
      ram: s.ram,
      ramBase: s.ramBase,
      prefault: s.prefault,
      seed: s.seed,
      speculation: s.speculation,
      steps: appendSteps(null, s.steps),
      budget: this.#props.budget,
      costs: this.#props.costs,
      ...(s.expect === undefined ? {} : { expect: s.expect }),
    });
  }

  /**
   * States what must hold over every execution the hardware may choose for
   * this scenario, like a litmus test's final condition: `exists(p)`,
   * `never(p)` or `forall(p)` of a predicate about one execution (stale or
   * lost reads, crashes, flush counts; see lib/engine/expect). Calls
   * accumulate; `toJSON()` records them as plain data; `check()` answers
   * them.
   *
   * @example Usage
   * ```ts
   * import { vm } from "@setway/setway";
   * import { never } from "@setway/setway/expect";
   * import { staleAnywhere } from "@setway/setway/expect";
   * const s = vm().guest((g) => g.vaCorrect()).expect(never(staleAnywhere())).toJSON();
   * console.log(s.expect); // [{ kind: "never", what: { kind: "stale" } }]
   * ```
   * @param expectation the expectation
   * @returns a new builder with it appended
   * @throws {ScenarioError} naming `expect` and the first problem of the expectation
   */
  expect(expectation: Expectation): VmBuilder {
    const p = this.#props;
    assertExpectation(expectation, "expect", { ram: p.ram, ramBase: p.ramBase });
    const copy = structuredClone(expectation);
    return this.#with({ expect: Object.freeze([...(p.expect ?? []), copy]) });
  }

  /**
   * Checks the scenario's expectations over every execution the hardware
   * may choose (speculative fills, castouts, and with `migrations: true`
   * vCPU migrations, between instructions or between a trapped set/way
   * instruction's exit and its handler; at most `maxPerturbations` in one
   * execution, within `maxExecutions`): Always, Sometimes or Never for
   * each, with counts and one witness run of each side. The policy object
   * and budget of the builder apply.
   *
   * @example Usage
   * ```ts
   * import { vm } from "@setway/setway";
   * import { never } from "@setway/setway/expect";
   * import { staleAnywhere } from "@setway/setway/expect";
   * const r = await vm().machine("xgene1").policy("kvm-4.0")
   *   .guest((g) => g.zImage32({ words: 4, pages: 1 }))
   *   .expect(never(staleAnywhere())).check();
   * console.log(r.ok, r.expectations[0].answer); // true Never
   * ```
   * @param options bounds and budget of the search (see `CheckOptions`)
   * @returns the answers
   * @throws {ScenarioError} for an invalid scenario or options, or when it states no expectation
   */
  check(given: CheckOptions = {}): Promise<CheckResult> {
    // The checker loads on the first check: a scenario that only runs never pays for it.
    return import("../engine/expect/check.ts").then(({ CHECK_OPTION_KEYS, checkExpectations }) => {
      const options = checkOptionKeys("check", given, CHECK_OPTION_KEYS) as CheckOptions;
      const scenario = this.toJSON();
      const policy = this.#props.policyObject ?? undefined;
      const ownRun = checkOptionKeys("check.runOptions", options.runOptions, RUN_KEYS);
      const runOptions = { ...this.runOptions(), ...ownRun };
      return checkExpectations(scenario, {
        ...options,
        ...(options.policy === undefined && policy ? { policy } : {}),
        runOptions,
      });
    });
  }

  /**
   * The scenario as plain, frozen, JSON-serializable data. Checks every
   * field and step against the final VM and throws all issues at once.
   *
   * @returns the scenario
   * @throws {InvalidScenarioError} with the first issue's code, listing every issue
   */
  toJSON(): Scenario {
    const p = this.#props;
    const systemCache = p.systemCache === "default"
      ? (p.resolved.systemCache ? "machine" : { ...DEFAULT_SYSTEM_CACHE })
      : p.systemCache;
    return validOrThrow({
      version: 1,
      machine: p.machine,
      cpus: p.cpus,
      systemCache,
      policy: p.policy,
      ram: p.ram,
      ramBase: p.ramBase,
      prefault: p.prefault,
      seed: p.seed,
      speculation: p.speculation,
      steps: stepsOf(p.steps),
      ...(p.expect === undefined || p.expect.length === 0 ? {} : { expect: p.expect }),
    });
  }

  /**
   * Runs the scenario: events, the oracle's verdict and the cost. A program
   * with more steps than the step budget is refused before it is checked.
   *
   * @param options the engine's options (e.g. `maxSteps`), beating `.budget()`;
   *   the policy is `policy()`'s
   * @returns the result
   * @throws {ScenarioError} for an invalid scenario (every issue listed) or an
   *   exceeded budget
   */
  run(options: VmRunOptions = {}): Promise<RunResult> {
    try {
      if (options !== null && typeof options === "object" && Object.hasOwn(options, "policy")) {
        const p = (options as { policy?: unknown }).policy;
        throw callError(
          "invalid_value",
          "run",
          p,
          `no policy option: the builder's policy() sets it (vm()...policy(${
            typeof p === "string" ? JSON.stringify(p) : "p"
          }).run())`,
          "policy",
        );
      }
      const given = checkOptionKeys("run", options, RUN_KEYS);
      const merged: Record<string, unknown> = { ...this.runOptions(), ...given };
      checkStepCount(this.#props.steps?.length ?? 0, runBudget(merged as RunOptions).steps);
      const scenario = this.toJSON();
      const policy = this.#props.policyObject ?? scenario.policy;
      return Promise.resolve(runScenario(scenario, { ...merged, policy }));
    } catch (e) {
      return Promise.reject(e);
    }
  }
}

/**
 * A new scenario builder with the defaults: machine `"generic"`, 1 vCPU,
 * the machine's system cache, policy `"kvm-4.0"`, 1 GiB of RAM at
 * 0x4000_0000, no prefault, seed 1, quiet hardware, no steps.
 *
 * @example Usage
 * ```ts
 * import { vm } from "@setway/setway";
 * const s = vm().cpus(4).systemCache().guest((g) => g.sw_clean().mmuOff()).toJSON();
 * console.log(s.steps.length, s.systemCache); // 2 { size: 8388608, ways: 16 }
 * ```
 * @returns the builder
 */
export function vm(): VmBuilder {
  const resolved = resolveMachine("generic");
  return new VmBuilder({
    machine: "generic",
    resolved,
    cpus: 1,
    systemCache: "machine",
    policy: "kvm-4.0",
    policyObject: null,
    ram: 2 ** 30,
    ramBase: DEFAULT_RAM_BASE,
    prefault: false,
    seed: 1,
    speculation: "quiet",
    steps: null,
  });
}
