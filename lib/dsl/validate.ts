/**
 * Whole-scenario validation, zod style: every issue of a scenario is
 * collected, then either returned ({@linkcode validate}) or thrown as one
 * {@linkcode InvalidScenarioError} ({@linkcode validOrThrow}).
 *
 * It checks the schema (every field present, of the right type, no unknown
 * field) and the meaning: the machine exists or is buildable, `cpus` fits
 * the machine, RAM is whole pages, every step's vCPU, physical CPU and
 * address is in range. Policy names are not checked here: a scenario may
 * name a policy object supplied to `run()`.
 *
 * @example Usage
 * ```ts
 * import { validate } from "./validate.ts";
 * const result = validate({ version: 1, machine: "generic", cpus: 9 });
 * if (!result.ok) console.log(result.issues.map((i) => i.path));
 * ```
 *
 * @module
 */

import { type Scenario, SCENARIO_VERSION } from "../engine/scenario.ts";
import type { Machine } from "../hw/machine.ts";
import {
  cpuCount,
  machineIssues,
  machineNames,
  machines,
  systemCacheIssues,
} from "../machines/mod.ts";
import { MAX_RAM } from "../engine/validate.ts";
import { integerProblem, MAX_PHYS, nameProblem, PAGE_SIZE } from "./checks.ts";
import { InvalidScenarioError, makeIssue, type ScenarioIssue } from "./issues.ts";
import { type StepContext, stepsIssues } from "./steps.ts";

/** The result of {@linkcode validate}. */
export type ValidationResult =
  | { readonly ok: true; readonly scenario: Scenario }
  | { readonly ok: false; readonly issues: readonly ScenarioIssue[] };

/** The speculation modes a scenario may name. */
export const SPECULATION_MODES: readonly ("quiet" | "adversarial")[] = Object.freeze([
  "quiet",
  "adversarial",
]);

const SCENARIO_FIELDS = [
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
];

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function freezeDeep<T>(value: T): T {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    for (const key of Object.keys(value)) freezeDeep((value as Record<string, unknown>)[key]);
    Object.freeze(value);
  }
  return value;
}

/**
 * Checks a scenario and collects every issue.
 *
 * @example Usage
 * ```ts
 * import { validate } from "./validate.ts";
 * import { vm } from "./vm.ts";
 * const result = validate(vm().toJSON());
 * console.log(result.ok); // true
 * ```
 * @param input a scenario, as untrusted data (e.g. parsed JSON)
 * @returns `{ ok: true, scenario }` (a frozen copy) or `{ ok: false, issues }`
 */
export function validate(input: unknown): ValidationResult {
  const issues: ScenarioIssue[] = [];
  const schema = (path: string, value: unknown, expected: string) =>
    issues.push(makeIssue("bad_schema", path, value, expected));
  if (!isRecord(input)) {
    schema("scenario", input, "a scenario object");
    return { ok: false, issues };
  }
  for (const key of Object.keys(input)) {
    if (!SCENARIO_FIELDS.includes(key)) schema(key, input[key], "no such scenario field");
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
  if (sc !== undefined && sc !== "machine" && sc !== false) {
    if (isRecord(sc)) issues.push(...systemCacheIssues(sc, "systemCache"));
    else {schema(
        "systemCache",
        sc,
        '"machine", false, or { size, ways, lineSize?, snoopsNonCacheable? }',
      );}
  }

  if (typed("policy", "string") && (input.policy as string).length === 0) {
    issues.push(makeIssue("invalid_value", "policy", input.policy, "a policy name"));
  }

  let ram = NaN;
  if (typed("ram", "number")) {
    const v = input.ram as number;
    const p = integerProblem(v, PAGE_SIZE, MAX_RAM);
    if (p) issues.push(makeIssue(p.code, "ram", v, "from 4 KiB to 1 TiB, in bytes"));
    else if (v % PAGE_SIZE !== 0) {
      issues.push(makeIssue("invalid_value", "ram", v, "a whole number of 4 KiB pages"));
    } else ram = v;
  }
  let ramBase = NaN;
  if (typed("ramBase", "number")) {
    const v = input.ramBase as number;
    const p = integerProblem(v, 0, MAX_PHYS - PAGE_SIZE);
    if (p || v % PAGE_SIZE !== 0) {
      issues.push(makeIssue("bad_address", "ramBase", v, "a 4 KiB-aligned address below 2^48"));
    } else ramBase = v;
  }
  if (!Number.isNaN(ram) && !Number.isNaN(ramBase) && ramBase + ram > MAX_PHYS) {
    issues.push(
      makeIssue("out_of_range", "ram", ram, `RAM ending below 2^48 (ramBase is ${ramBase})`),
    );
    ram = NaN;
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
    const ctx: StepContext = { cpus, pcpus, ram, ramBase };
    issues.push(...stepsIssues(input.steps, ctx));
  }

  if (issues.length > 0) return { ok: false, issues };
  return { ok: true, scenario: freezeDeep(structuredClone(input)) as unknown as Scenario };
}

/**
 * Checks a scenario and throws every issue at once.
 *
 * @example Usage
 * ```ts
 * import { validOrThrow } from "./validate.ts";
 * try {
 *   validOrThrow({ version: 1 });
 * } catch (e) {
 *   console.log((e as Error).message.startsWith("invalid scenario")); // true
 * }
 * ```
 * @param input a scenario, as untrusted data
 * @param code the thrown error's code; default: the first issue's code
 * @returns the scenario (a frozen copy)
 * @throws {InvalidScenarioError} listing every issue
 */
export function validOrThrow(input: unknown, code?: "bad_schema"): Scenario {
  const result = validate(input);
  if (!result.ok) throw new InvalidScenarioError(result.issues, code);
  return result.scenario;
}
