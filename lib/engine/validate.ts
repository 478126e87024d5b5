/**
 * Checks a scenario against its machine before a run, collecting every
 * problem: addresses 4-byte aligned and inside RAM, vCPU indices below
 * `cpus`, `cpus` within the machine, physical CPUs that exist, set/way
 * operands within the geometry of the CPU that will run them, known policy
 * and machine names.
 *
 * {@linkcode validateScenario} returns the issues as data;
 * {@linkcode assertScenario} throws them as one {@linkcode ScenarioError}
 * carrying the first issue's code, path and value, and listing the others
 * in its message.
 *
 * @module
 */

import { ScenarioError, type ScenarioErrorCode, showValue } from "../errors.ts";
import type { Machine } from "../hw/machine.ts";
import { VM_REG_NAMES } from "../guest/ops.ts";
import type { Policy } from "../hyp/policy.ts";
import { resolvePolicy } from "../hyp/policies/mod.ts";
import { clusterOf, cpuCount, machineIssues, systemCacheIssues } from "../machines/mod.ts";
import type { RunOptions } from "./options.ts";
import { type Scenario, SCENARIO_VERSION } from "./scenario.ts";
import { scenarioMachine } from "./resolve.ts";

/**
 * The largest guest RAM a scenario may have: 1 TiB.
 *
 * @example Usage
 * ```ts
 * import { MAX_RAM } from "./validate.ts";
 * console.log(MAX_RAM / 2 ** 30); // 1024
 * ```
 */
export const MAX_RAM = 2 ** 40;

/**
 * One problem in a scenario.
 *
 * @example Usage
 * ```ts
 * import type { ScenarioIssue } from "./validate.ts";
 * const issue: ScenarioIssue = {
 *   code: "bad_address", path: "steps[3].addr", value: 0x40000002,
 *   message: "steps[3].addr = 0x40000002: expected a 4-byte aligned address in RAM",
 * };
 * ```
 */
export interface ScenarioIssue {
  /** What kind of mistake this is. */
  readonly code: ScenarioErrorCode;
  /** The field at fault, e.g. `"steps[3].addr"`. */
  readonly path: string;
  /** The refused value. */
  readonly value: unknown;
  /** One sentence naming the field and the value, and what would be accepted. */
  readonly message: string;
}

/**
 * What {@linkcode validateScenario} found.
 *
 * @example Usage
 * ```ts
 * import type { ScenarioValidation } from "./validate.ts";
 * function report(v: ScenarioValidation): string {
 *   return v.ok ? `runs on ${v.machine.name}` : v.issues.map((i) => i.message).join("\n");
 * }
 * ```
 */
export type ScenarioValidation =
  | { readonly ok: true; readonly machine: Machine; readonly policy: Policy }
  | { readonly ok: false; readonly issues: readonly ScenarioIssue[] };

const DC_VA_OPS = ["cvac", "civac", "ivac", "cvau"];
const DC_SW_OPS = ["csw", "cisw", "isw"];
const STEP_KINDS = [
  "write",
  "read",
  "dc_va",
  "sw_walk",
  "sw",
  "sctlr",
  "vm_reg",
  "pc",
  "migrate",
  "host_write",
  "host_unmap",
];

function hex(n: number): string {
  return "0x" + n.toString(16);
}

function isInt(v: unknown): v is number {
  return typeof v === "number" && Number.isSafeInteger(v);
}

class Issues {
  readonly list: ScenarioIssue[] = [];

  add(code: ScenarioErrorCode, path: string, value: unknown, expected: string): void {
    this.list.push({ code, path, value, message: `${path} = ${showValue(value)}: ${expected}` });
  }

  fromError(e: unknown, path: string): void {
    if (!(e instanceof ScenarioError)) throw e;
    this.list.push({ code: e.code, path: e.call || path, value: e.value, message: e.message });
  }
}

function levelGeometry(machine: Machine, cpu: number, level: number) {
  const { cluster } = clusterOf(machine, cpu);
  const g = level === 1 ? cluster.l1d : level === 2 ? cluster.l2 : undefined;
  if (g === undefined) return undefined;
  const lineSize = g.lineSize ?? 64;
  return { sets: g.size / (g.ways * lineSize), ways: g.ways };
}

/**
 * Checks a scenario and resolves its machine and policy.
 *
 * @example Usage
 * ```ts
 * import { validateScenario } from "./validate.ts";
 * const result = validateScenario({
 *   version: 1, machine: "generic", cpus: 1, systemCache: "machine", policy: "kvm-4.0",
 *   ram: 1 << 20, ramBase: 0x40000000, prefault: false, seed: 1, speculation: "quiet",
 *   steps: [{ kind: "read", vcpu: 1, addr: 0x40000002 }],
 * });
 * if (!result.ok) console.log(result.issues.map((i) => i.path)); // ["steps[0].vcpu", "steps[0].addr"]
 * ```
 * @param scenario the scenario to check
 * @param options the run options (a policy there replaces the scenario's)
 * @returns the machine and policy, or every issue found
 */
export function validateScenario(scenario: Scenario, options: RunOptions = {}): ScenarioValidation {
  const issues = new Issues();
  const s = scenario as unknown as Record<string, unknown>;
  if (s === null || typeof s !== "object") {
    issues.add("bad_schema", "scenario", scenario, "expected a scenario object");
    return { ok: false, issues: issues.list };
  }
  if (s.version !== SCENARIO_VERSION) {
    issues.add("bad_schema", "version", s.version, `expected ${SCENARIO_VERSION}`);
  }

  let policy: Policy | undefined;
  try {
    policy = resolvePolicy(options.policy ?? scenario.policy);
  } catch (e) {
    issues.fromError(e, "policy");
  }

  let machine: Machine | undefined;
  const sc = s.systemCache;
  const scOk = sc === "machine" || sc === false ||
    (sc !== null && typeof sc === "object" && systemCacheIssues(sc, "systemCache").length === 0);
  if (!scOk) {
    if (sc !== null && typeof sc === "object") {
      for (const i of systemCacheIssues(sc, "systemCache")) issues.list.push(i);
    } else {
      issues.add(
        "invalid_value",
        "systemCache",
        sc,
        'expected "machine", false, or a system cache { size, ways, lineSize?, snoopsNonCacheable? }',
      );
    }
  }
  const machineProblems = typeof s.machine === "string" ? [] : machineIssues(s.machine, "machine");
  for (const i of machineProblems) issues.list.push(i);
  if (machineProblems.length === 0) {
    try {
      machine = scenarioMachine({
        machine: scenario.machine,
        systemCache: scOk ? scenario.systemCache : "machine",
      });
    } catch (e) {
      issues.fromError(e, "machine");
    }
  }
  const machineCpus = machine ? cpuCount(machine) : Infinity;

  const cpus = s.cpus;
  const cpusOk = isInt(cpus) && cpus >= 1 && cpus <= machineCpus;
  if (!cpusOk) {
    issues.add(
      "out_of_range",
      "cpus",
      cpus,
      `expected an integer from 1 to ${
        machine
          ? `${machineCpus} (the CPUs of machine ${showValue(machine.name)})`
          : "the CPUs of the machine"
      }`,
    );
  }
  const ram = s.ram, ramBase = s.ramBase;
  const ramOk = isInt(ram) && ram > 0 && ram % 4096 === 0 && ram <= MAX_RAM;
  if (!ramOk) {
    issues.add("out_of_range", "ram", ram, "expected a positive multiple of 4 KiB, at most 1 TiB");
  }
  const baseOk = isInt(ramBase) && ramBase >= 0 && ramBase % 4096 === 0 &&
    (!ramOk || (ramBase as number) + (ram as number) <= 2 ** 52);
  if (!baseOk) {
    issues.add(
      "bad_address",
      "ramBase",
      ramBase,
      "expected a 4 KiB aligned address with RAM ending below 2^52",
    );
  }
  if (typeof s.prefault !== "boolean") {
    issues.add("invalid_value", "prefault", s.prefault, "expected a boolean");
  }
  if (!isInt(s.seed)) issues.add("invalid_value", "seed", s.seed, "expected an integer");
  if (s.speculation !== "quiet" && s.speculation !== "adversarial") {
    issues.add("invalid_value", "speculation", s.speculation, 'expected "quiet" or "adversarial"');
  }
  if (options.maxSteps !== undefined && !(isInt(options.maxSteps) && options.maxSteps > 0)) {
    issues.add("invalid_value", "maxSteps", options.maxSteps, "expected a positive integer");
  }

  if (!Array.isArray(s.steps)) {
    issues.add("bad_schema", "steps", s.steps, "expected an array of steps");
  } else if (machine && cpusOk && ramOk && baseOk) {
    checkSteps(s.steps, machine, cpus, ramBase as number, ram as number, issues);
  }

  if (issues.list.length > 0 || !machine || !policy) return { ok: false, issues: issues.list };
  return { ok: true, machine, policy };
}

function checkSteps(
  steps: readonly unknown[],
  machine: Machine,
  cpus: number,
  ramBase: number,
  ram: number,
  issues: Issues,
): void {
  const machineCpus = cpuCount(machine);
  const ramEnd = ramBase + ram;
  const ramText = `[${hex(ramBase)}, ${hex(ramEnd)})`;
  const placement: number[] = [];
  for (let i = 0; i < cpus; i++) placement.push(i);

  steps.forEach((raw, i) => {
    const at = `steps[${i}]`;
    if (raw === null || typeof raw !== "object") {
      issues.add("bad_schema", at, raw, "expected a step object with a kind");
      return;
    }
    const step = raw as Record<string, unknown>;
    const kind = step.kind;
    if (typeof kind !== "string" || !STEP_KINDS.includes(kind)) {
      issues.add("bad_schema", `${at}.kind`, kind, `expected one of ${STEP_KINDS.join(", ")}`);
      return;
    }
    const onVcpu = kind !== "host_write" && kind !== "host_unmap";
    let vcpuOk = true;
    if (onVcpu && !(isInt(step.vcpu) && step.vcpu >= 0 && step.vcpu < cpus)) {
      vcpuOk = false;
      issues.add(
        "out_of_range",
        `${at}.vcpu`,
        step.vcpu,
        `expected a vCPU index from 0 to ${cpus - 1}`,
      );
    }
    const addrInRam = (key: string, len = 4) => {
      const a = step[key];
      if (!(isInt(a) && a % 4 === 0 && a >= ramBase && a + len <= ramEnd)) {
        issues.add(
          "bad_address",
          `${at}.${key}`,
          a,
          `expected a 4-byte aligned address in RAM ${ramText}`,
        );
        return false;
      }
      return true;
    };
    const value32 = (key: string) => {
      const v = step[key];
      if (!(isInt(v) && v >= -0x8000_0000 && v <= 0xffff_ffff)) {
        issues.add("invalid_value", `${at}.${key}`, v, "expected a 32-bit integer");
      }
    };
    const pcpuOk = (key: string, optional: boolean) => {
      const c = step[key];
      if (optional && c === undefined) return;
      if (!(isInt(c) && c >= 0 && c < machineCpus)) {
        issues.add(
          "out_of_range",
          `${at}.${key}`,
          c,
          `expected a physical CPU from 0 to ${machineCpus - 1} (machine ${
            showValue(machine.name)
          })`,
        );
        return;
      }
      return c;
    };
    switch (kind) {
      case "read":
        addrInRam("addr");
        break;
      case "write":
      case "host_write":
        addrInRam("addr");
        value32("value");
        if (kind === "host_write") pcpuOk("cpu", true);
        break;
      case "host_unmap":
        addrInRam("addr");
        pcpuOk("cpu", true);
        break;
      case "dc_va": {
        if (!DC_VA_OPS.includes(step.op as string)) {
          issues.add(
            "invalid_value",
            `${at}.op`,
            step.op,
            `expected one of ${DC_VA_OPS.join(", ")}`,
          );
        }
        const len = step.len;
        if (!(isInt(len) && len > 0)) {
          issues.add("invalid_value", `${at}.len`, len, "expected a positive length in bytes");
          addrInRam("addr");
        } else if (addrInRam("addr", 0) && (step.addr as number) + len > ramEnd) {
          issues.add(
            "bad_address",
            `${at}.len`,
            len,
            `the range from ${hex(step.addr as number)} ends past RAM ${ramText}`,
          );
        }
        break;
      }
      case "sw_walk":
        if (!DC_SW_OPS.includes(step.op as string)) {
          issues.add(
            "invalid_value",
            `${at}.op`,
            step.op,
            `expected one of ${DC_SW_OPS.join(", ")}`,
          );
        }
        break;
      case "sw": {
        if (!DC_SW_OPS.includes(step.op as string)) {
          issues.add(
            "invalid_value",
            `${at}.op`,
            step.op,
            `expected one of ${DC_SW_OPS.join(", ")}`,
          );
        }
        if (!vcpuOk) break;
        const cpu = placement[step.vcpu as number];
        const levels = clusterOf(machine, cpu).cluster.l2 ? 2 : 1;
        const level = step.level;
        if (!(isInt(level) && level >= 1 && level <= levels)) {
          issues.add(
            "out_of_range",
            `${at}.level`,
            level,
            `expected a cache level from 1 to ${levels} (CPU ${cpu})`,
          );
          break;
        }
        const g = levelGeometry(machine, cpu, level)!;
        if (!(isInt(step.set) && step.set >= 0 && step.set < g.sets)) {
          issues.add(
            "out_of_range",
            `${at}.set`,
            step.set,
            `expected a set from 0 to ${g.sets - 1} (CPU ${cpu}, L${level})`,
          );
        }
        if (!(isInt(step.way) && step.way >= 0 && step.way < g.ways)) {
          issues.add(
            "out_of_range",
            `${at}.way`,
            step.way,
            `expected a way from 0 to ${g.ways - 1} (CPU ${cpu}, L${level})`,
          );
        }
        break;
      }
      case "sctlr": {
        const bits = step.bits as Record<string, unknown> | null;
        if (bits === null || typeof bits !== "object") {
          issues.add(
            "invalid_value",
            `${at}.bits`,
            bits,
            "expected an object { m?, c?, i? } of booleans",
          );
          break;
        }
        for (const key of Object.keys(bits)) {
          if (
            !["m", "c", "i"].includes(key) ||
            (bits[key] !== undefined && typeof bits[key] !== "boolean")
          ) {
            issues.add(
              "invalid_value",
              `${at}.bits.${key}`,
              bits[key],
              "expected m, c or i with a boolean",
            );
          }
        }
        break;
      }
      case "vm_reg":
        if (!(VM_REG_NAMES as readonly unknown[]).includes(step.reg)) {
          issues.add(
            "unknown_name",
            `${at}.reg`,
            step.reg,
            `expected one of ${VM_REG_NAMES.join(", ")}`,
          );
        }
        value32("value");
        break;
      case "pc":
        if (!(isInt(step.addr) && step.addr >= 0 && step.addr % 4 === 0 && step.addr < 2 ** 52)) {
          issues.add("bad_address", `${at}.addr`, step.addr, "expected a 4-byte aligned PC");
        }
        break;
      case "migrate": {
        const to = pcpuOk("pcpu", false);
        if (to !== undefined && vcpuOk) placement[step.vcpu as number] = to;
        break;
      }
    }
  });
}

/**
 * Checks a scenario and throws every problem as one error.
 *
 * @example Usage
 * ```ts
 * import { assertScenario } from "./validate.ts";
 * const { machine, policy } = assertScenario({
 *   version: 1, machine: "generic", cpus: 1, systemCache: "machine", policy: "kvm-4.0",
 *   ram: 1 << 20, ramBase: 0x40000000, prefault: false, seed: 1, speculation: "quiet", steps: [],
 * });
 * console.log(machine.name, policy.name); // generic kvm-4.0
 * ```
 * @param scenario the scenario to check
 * @param options the run options
 * @returns the resolved machine and policy
 * @throws {ScenarioError} with the first issue's code, path and value; the
 *   message lists every issue
 */
export function assertScenario(
  scenario: Scenario,
  options: RunOptions = {},
): { machine: Machine; policy: Policy } {
  const result = validateScenario(scenario, options);
  if (result.ok) return { machine: result.machine, policy: result.policy };
  const [first, ...rest] = result.issues;
  let message = first.message;
  if (rest.length > 0) {
    const shown = rest.slice(0, 9).map((i) => i.message);
    if (rest.length > 9) shown.push(`and ${rest.length - 9} more`);
    message += ` (${rest.length} more: ${shown.join("; ")})`;
  }
  throw new ScenarioError(first.code, first.path, first.value, message);
}
