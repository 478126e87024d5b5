/**
 * The one scenario checker, zod style: every issue of a scenario is
 * collected, in field order, then the steps in step order.
 *
 * It checks the schema (every field present, of the right type, no unknown
 * field) and the meaning: the machine exists or is buildable, the system
 * cache is a valid geometry with the machine's line size, `cpus` fits the
 * machine, RAM is whole pages ending below 2^48, every step's vCPU, physical
 * CPU, address and set/way operand is in range (a set/way slot the caches
 * do not have is valid data: the run flags it `archInvalid`), and the optional `expect`
 * list holds well-formed expectations (rules/expectations.ts).
 *
 * `validate()` and `scenarioFrom()` (lib/dsl) and `run()` all call
 * {@linkcode scenarioIssues}, so the same rule gives the same code, path and
 * value wherever a scenario is checked. Policy names are checked only when
 * the caller asks (`run()` does; a JSON scenario may name a policy object
 * that will be supplied to `run()`).
 *
 * A scenario that passed, as the deep-frozen copy {@linkcode checkedScenario}
 * returns (`toJSON()`, `validate()` and `scenarioFrom()` give that copy),
 * is not walked again: {@linkcode scenarioIssues} then only resolves its
 * machine and checks its policy name. Being frozen, it cannot have changed
 * since it was checked.
 *
 * @example Usage
 * ```ts
 * import { scenarioIssues } from "./scenario.ts";
 * const { issues } = scenarioIssues({ version: 1, machine: "generic", cpus: 9 });
 * console.log(issues.map((i) => i.path).includes("cpus")); // true
 * ```
 *
 * @module
 */

import type { Machine, SystemCacheSpec } from "../../hw/machine.ts";
import {
  cpuCount,
  machineIssues,
  machineNames,
  machines,
  systemCacheFitIssues,
  systemCacheIssues,
} from "../../machines/mod.ts";
import {
  integerProblem,
  nameProblem,
  ramBaseProblem,
  ramEndProblem,
  ramSizeProblem,
} from "./values.ts";
import { makeIssue, type ScenarioIssue } from "./issues.ts";
import { withSystemCache } from "../resolve.ts";
import { type Scenario, SCENARIO_VERSION } from "../scenario.ts";
import { type StepContext, stepsIssues } from "./steps.ts";
import { expectationsIssues } from "./expectations.ts";
import { didYouMean } from "../../options.ts";

/**
 * The speculation modes a scenario may name.
 *
 * @example Usage
 * ```ts
 * import { SPECULATION_MODES } from "./scenario.ts";
 * console.log(SPECULATION_MODES.join(", ")); // "quiet, adversarial"
 * ```
 */
export const SPECULATION_MODES: readonly ("quiet" | "adversarial")[] = Object.freeze([
  "quiet",
  "adversarial",
]);

/**
 * The fields of a scenario, in the order they are checked.
 *
 * @example Usage
 * ```ts
 * import { SCENARIO_FIELDS } from "./scenario.ts";
 * console.log(SCENARIO_FIELDS.at(-1)); // "steps"
 * ```
 */
export const SCENARIO_FIELDS: readonly string[] = Object.freeze([
  "version",
  "machine",
  "cpus",
  "systemCache",
  "policy",
  "ram",
  "ramBase",
  "prefault",
  "seed",
  "speculation",
  "steps",
]);

/**
 * The optional fields of a scenario, checked after the required ones.
 *
 * @example Usage
 * ```ts
 * import { OPTIONAL_SCENARIO_FIELDS } from "./scenario.ts";
 * console.log(OPTIONAL_SCENARIO_FIELDS); // ["expect"]
 * ```
 */
export const OPTIONAL_SCENARIO_FIELDS: readonly string[] = Object.freeze(["expect"]);

/**
 * Options of {@linkcode scenarioIssues}.
 *
 * @example Usage
 * ```ts
 * import type { ScenarioCheckOptions } from "./scenario.ts";
 * const options: ScenarioCheckOptions = {
 *   policy: (name) => name === "kvm-4.0" ? null : {
 *     code: "unknown_name", path: "policy", value: name, message: `unknown policy ${name}`,
 *   },
 * };
 * ```
 */
export interface ScenarioCheckOptions {
  /**
   * Checks a non-empty policy name; its issue is listed where the `policy`
   * field is. Default: any non-empty name is accepted.
   */
  readonly policy?: (name: string) => ScenarioIssue | null;
}

/**
 * What {@linkcode scenarioIssues} found.
 *
 * @example Usage
 * ```ts
 * import type { ScenarioCheck } from "./scenario.ts";
 * const check: ScenarioCheck = { issues: [], machine: null };
 * ```
 */
export interface ScenarioCheck {
  /** Every issue, in field order then step order; empty when the scenario is valid. */
  readonly issues: ScenarioIssue[];
  /**
   * The machine the scenario runs on (its system-cache choice applied), or
   * null when the machine or the system cache is invalid.
   */
  readonly machine: Machine | null;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Checks a scenario, as untrusted data, and collects every issue.
 *
 * @example Usage
 * ```ts
 * import { scenarioIssues } from "./scenario.ts";
 * const check = scenarioIssues({
 *   version: 1, machine: "xgene1", cpus: 4, systemCache: "machine", policy: "kvm-4.0",
 *   ram: 1 << 30, ramBase: 0x4000_0000, prefault: false, seed: 1, speculation: "quiet",
 *   steps: [{ kind: "sw", vcpu: 0, op: "cisw", level: 8, set: 0, way: 0 }],
 * });
 * console.log(check.issues[0].path); // "steps[0].level": CLIDR describes 7 levels
 * ```
 * @param input the scenario
 * @param options how to check the policy name
 * @returns the issues, and the machine when it is valid
 */
export function scenarioIssues(input: unknown, options: ScenarioCheckOptions = {}): ScenarioCheck {
  if (isCheckedScenario(input)) return checkedScenarioCheck(input, options);
  const issues: ScenarioIssue[] = [];
  const schema = (path: string, value: unknown, expected: string) =>
    issues.push(makeIssue("bad_schema", path, value, expected));
  if (!isRecord(input)) {
    schema("scenario", input, "a scenario object");
    return { issues, machine: null };
  }
  for (const key of Object.keys(input)) {
    if (!SCENARIO_FIELDS.includes(key) && !OPTIONAL_SCENARIO_FIELDS.includes(key)) {
      const known = [...SCENARIO_FIELDS, ...OPTIONAL_SCENARIO_FIELDS];
      schema(key, input[key], `one of the scenario's fields${didYouMean(key, known)}`);
    }
  }
  for (const key of SCENARIO_FIELDS) {
    if (input[key] === undefined) schema(key, undefined, "a value (the field is required)");
  }
  const typed = (key: string, type: "number" | "string" | "boolean"): boolean => {
    const v = input[key];
    if (v === undefined) return false;
    const actual = typeof v;
    if (actual !== type) {
      schema(key, v, `a ${type}`);
      return false;
    }
    return true;
  };

  if (input.version !== undefined && input.version !== SCENARIO_VERSION) {
    schema("version", input.version, `${SCENARIO_VERSION}`);
  }

  let machine: Machine | null = null;
  const m = input.machine;
  if (typeof m === "string") {
    const p = nameProblem(m, machineNames());
    if (p) issues.push(makeIssue(p.code, "machine", m, p.expected));
    else machine = machines[m];
  } else if (m !== undefined) {
    const found = machineIssues(m, "machine");
    issues.push(...found);
    if (found.length === 0) machine = m as Machine;
  }
  const pcpus = machine ? cpuCount(machine) : NaN;

  let cpus = NaN;
  if (typed("cpus", "number")) {
    const v = input.cpus as number;
    const p = integerProblem(v, 1, Number.isNaN(pcpus) ? Number.MAX_SAFE_INTEGER : pcpus);
    if (p) {
      const detail = machine
        ? `${p.expected} (machine "${machine.name}" has ${pcpus} CPUs)`
        : p.expected;
      issues.push(makeIssue(p.code, "cpus", v, detail));
    } else {
      cpus = v;
    }
  }

  const sc = input.systemCache;
  let scOk = sc === "machine" || sc === false;
  if (isRecord(sc)) {
    const found = systemCacheIssues(sc, "systemCache");
    issues.push(...found);
    scOk = found.length === 0;
    if (scOk && machine) {
      const misfit = systemCacheFitIssues(machine, sc as unknown as SystemCacheSpec, "systemCache");
      issues.push(...misfit);
      scOk = misfit.length === 0;
    }
  } else if (sc !== undefined && !scOk) {
    schema(
      "systemCache",
      sc,
      '"machine", false, or { size, ways, lineSize?, snoopsNonCacheable? }',
    );
  }

  if (typed("policy", "string")) {
    const name = input.policy as string;
    if (name.length === 0) issues.push(makeIssue("invalid_value", "policy", name, "a policy name"));
    else {
      const issue = options.policy?.(name);
      if (issue) issues.push(issue);
    }
  }

  let ram = NaN;
  if (typed("ram", "number")) {
    const v = input.ram as number;
    const p = ramSizeProblem(v);
    if (p) issues.push(makeIssue(p.code, "ram", v, p.expected));
    else ram = v;
  }
  let ramBase = NaN;
  if (typed("ramBase", "number")) {
    const v = input.ramBase as number;
    const p = ramBaseProblem(v);
    if (p) issues.push(makeIssue(p.code, "ramBase", v, p.expected));
    else ramBase = v;
  }
  if (!Number.isNaN(ram) && !Number.isNaN(ramBase)) {
    const p = ramEndProblem({ ram, ramBase });
    if (p) {
      issues.push(makeIssue(p.code, "ram", ram, p.expected));
      ram = NaN;
    }
  }

  typed("prefault", "boolean");
  if (typed("seed", "number")) {
    const p = integerProblem(input.seed, Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
    if (p) issues.push(makeIssue("invalid_value", "seed", input.seed, "an integer"));
  }
  if (typed("speculation", "string")) {
    const p = nameProblem(input.speculation, SPECULATION_MODES);
    if (p) issues.push(makeIssue(p.code, "speculation", input.speculation, p.expected));
  }

  if (input.steps !== undefined) {
    const ctx: StepContext = { cpus, pcpus, ram, ramBase, machine };
    for (const issue of stepsIssues(input.steps, ctx)) issues.push(issue);
  }
  if (input.expect !== undefined) {
    for (const issue of expectationsIssues(input.expect, "expect", { ram, ramBase })) {
      issues.push(issue);
    }
  }

  const effective = machine && scOk
    ? withSystemCache(machine, sc as "machine" | false | SystemCacheSpec)
    : null;
  return { issues, machine: effective };
}

/** The frozen copies that passed {@linkcode scenarioIssues}. */
const CHECKED: WeakSet<object> = new WeakSet();

function freezeDeep<T>(value: T): T {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    for (const key of Object.keys(value)) freezeDeep((value as Record<string, unknown>)[key]);
    Object.freeze(value);
  }
  return value;
}

/**
 * What {@linkcode checkedScenario} gives: the checked copy, or every issue.
 *
 * @example Usage
 * ```ts
 * import type { CheckedScenario } from "./scenario.ts";
 * const failed: CheckedScenario = { ok: false, issues: [] };
 * ```
 */
export type CheckedScenario =
  | { readonly ok: true; readonly scenario: Scenario }
  | { readonly ok: false; readonly issues: readonly ScenarioIssue[] };

/**
 * Checks a scenario and, when it has no issue, returns a deep-frozen copy
 * that later checks trust (see {@linkcode isCheckedScenario}).
 *
 * @example Usage
 * ```ts
 * import { checkedScenario, isCheckedScenario } from "./scenario.ts";
 * const r = checkedScenario({
 *   version: 1, machine: "generic", cpus: 1, systemCache: "machine", policy: "kvm-4.0",
 *   ram: 1 << 20, ramBase: 0x4000_0000, prefault: false, seed: 1, speculation: "quiet", steps: [],
 * });
 * console.log(r.ok && isCheckedScenario(r.scenario)); // true
 * ```
 * @param input the scenario, as untrusted data
 * @returns `{ ok: true, scenario }` or `{ ok: false, issues }`
 */
export function checkedScenario(input: unknown): CheckedScenario {
  if (isCheckedScenario(input)) return { ok: true, scenario: input };
  const { issues } = scenarioIssues(input);
  if (issues.length > 0) return { ok: false, issues };
  const scenario = freezeDeep(structuredClone(input)) as Scenario;
  CHECKED.add(scenario);
  return { ok: true, scenario };
}

/**
 * Whether a value is a copy {@linkcode checkedScenario} returned, so that
 * its schema, settings, steps and expectations need no second check.
 *
 * @example Usage
 * ```ts
 * import { isCheckedScenario } from "./scenario.ts";
 * console.log(isCheckedScenario({ version: 1 })); // false
 * ```
 * @param value anything
 * @returns true for a checked, frozen scenario
 */
export function isCheckedScenario(value: unknown): value is Scenario {
  return typeof value === "object" && value !== null && CHECKED.has(value);
}

/** A checked scenario's machine, and the one check it has not had: its policy name. */
function checkedScenarioCheck(scenario: Scenario, options: ScenarioCheckOptions): ScenarioCheck {
  const issues: ScenarioIssue[] = [];
  const issue = options.policy?.(scenario.policy);
  if (issue) issues.push(issue);
  const machine = typeof scenario.machine === "string"
    ? machines[scenario.machine]
    : scenario.machine;
  return { issues, machine: withSystemCache(machine, scenario.systemCache) };
}
