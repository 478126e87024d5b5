/**
 * What the exported bare-metal test does with each step of a scenario,
 * decided once as data before any file is written.
 *
 * | step          | on the hardware                                                        |
 * | ------------- | ---------------------------------------------------------------------- |
 * | `write`       | one 32-bit `STR` by the step's CPU                                      |
 * | `read`        | one 32-bit `LDR`, checked against the oracle's expected value          |
 * | `dc_va`       | `DC CVAC/CIVAC/IVAC/CVAU` on every line of the range (CTR_EL0 line size) |
 * | `sw_walk`     | `DC CSW/CISW/ISW` on every set and way up to LoC (CLIDR/CCSIDR)         |
 * | `sw`          | one `DC CSW/CISW/ISW`, the slot taken modulo the CPU's real geometry   |
 * | `sctlr`       | read-modify-write of SCTLR_EL1 M, C, I                                 |
 * | `vm_reg`      | a write of the AArch64 EL1 register that HCR_EL2.TVM traps likewise    |
 * | `host_write`  | preloaded: written by the test before the guest program starts         |
 * | `pc`          | nothing (a label of the model's trace)                                 |
 * | `migrate`     | nothing: the host's scheduler decides where a vCPU runs                |
 * | `host_unmap`  | nothing: only the host can unmap a page                                |
 * | `exec_state`  | nothing: recorded as a comment (the test runs in AArch64, see below)   |
 *
 * vCPU `n` is CPU `n` of the test, started with PSCI CPU_ON; CPUs take
 * turns, so the steps run one at a time in the scenario's order. The
 * expected value of each read follows the oracle: the last write to that
 * address in scenario order, 0 for a word never written.
 *
 * The test is AArch64 code at EL1 on every CPU: an `exec_state` step that
 * asks for AArch32 (the zImage's) cannot be reproduced, since EL1 cannot
 * switch its own execution state. It is not refused: the step is recorded
 * as a comment in `scenario.c` and the program runs in AArch64, which
 * changes only the exception class a hypervisor would see for its traps,
 * not what the cache maintenance does.
 *
 * Refused, each with a {@linkcode ScenarioError} naming the step: RAM not at
 * QEMU `virt`'s 0x4000_0000, a guest step of vCPU 8 or above (the test
 * derives a CPU's MPIDR from its index, which holds for the first 8 on QEMU
 * and KVM), and a host write that comes after a guest access to the same
 * word (preloading it would change what that access sees).
 *
 * @example Usage
 * ```ts
 * import { planBaremetal } from "@setway/setway/export";
 * import { vaCorrect } from "@setway/setway/guest";
 * const plan = planBaremetal({
 *   version: 1, machine: "generic", cpus: 1, systemCache: "machine", policy: "kvm-4.0",
 *   ram: 2 ** 30, ramBase: 0x4000_0000, prefault: false, seed: 1, speculation: "quiet",
 *   steps: vaCorrect({ words: 4 }),
 * });
 * console.log(plan.cpus, plan.reads); // 1 4
 * ```
 *
 * @module
 */

import { assertScenario } from "../engine/rules/entry.ts";
import { expectedReads } from "../engine/oracle.ts";
import type { Scenario } from "../engine/scenario.ts";
import { ScenarioError, type ScenarioErrorCode, showValue } from "../errors.ts";
import type { Step } from "../guest/ops.ts";
import { placeProgram, type ProgramLayout, VIRT_RAM_BASE } from "./layout.ts";

/** The most CPUs the test starts: vCPUs 0 to 7. */
export const MAX_TEST_CPUS = 8;

/** The largest data cache line CTR_EL0 can describe: DC by VA may reach this far around a range. */
const MAX_LINE = 2048;

/**
 * One step of the scenario and what the test makes of it.
 *
 * @example Usage
 * ```ts
 * import type { PlannedStep } from "@setway/setway/export";
 * const s: PlannedStep = {
 *   index: 3, step: { kind: "read", vcpu: 0, addr: 0x4000_8000 }, expected: 7,
 * };
 * ```
 */
export interface PlannedStep {
  /** Its index in the scenario's steps. */
  readonly index: number;
  /** The step. */
  readonly step: Step;
  /** For a read: the value the oracle expects. */
  readonly expected?: number;
  /** Why the test does not perform it, when it does not. */
  readonly skipped?: string;
}

/**
 * A word of memory as the test program starts.
 *
 * @example Usage
 * ```ts
 * import type { Preload } from "@setway/setway/export";
 * const p: Preload = { addr: 0x4000_8000, value: 0 };
 * ```
 */
export interface Preload {
  /** Its address. */
  readonly addr: number;
  /** 0, or the last host write's value. */
  readonly value: number;
}

/**
 * Everything the generated files need.
 *
 * @example Usage
 * ```ts
 * import type { BaremetalPlan } from "@setway/setway/export";
 * const describe = (p: BaremetalPlan) => `${p.name}: ${p.reads} reads on ${p.cpus} CPUs`;
 * ```
 */
export interface BaremetalPlan {
  /** The test's title, printed first on the UART. */
  readonly name: string;
  /** The scenario exported. */
  readonly scenario: Scenario;
  /** CPUs the test starts: one more than the highest vCPU with a guest step. */
  readonly cpus: number;
  /** Where the program lives and what it maps. */
  readonly layout: ProgramLayout;
  /** Every step of the scenario, in order. */
  readonly steps: readonly PlannedStep[];
  /** The initial memory image, by address. */
  readonly preloads: readonly Preload[];
  /** Steps the test performs. */
  readonly performed: number;
  /** Reads the test checks. */
  readonly reads: number;
}

interface Issue {
  readonly code: ScenarioErrorCode;
  readonly call: string;
  readonly value: unknown;
  readonly message: string;
}

function skipReason(step: Step): string | undefined {
  switch (step.kind) {
    case "pc":
      return "a label of the model's trace, no instruction";
    case "migrate":
      return "the host's scheduler decides where a vCPU runs: not performed";
    case "host_unmap":
      return "only the host can unmap a page: not performed";
    case "host_write":
      return "preloaded before the guest program starts";
    case "exec_state":
      return step.aarch32
        ? "the test runs in AArch64: not reproduced"
        : "the test runs in AArch64 already";
    default:
      return undefined;
  }
}

function isGuestStep(step: Step): step is Extract<Step, { vcpu: number }> {
  return skipReason(step) === undefined;
}

function throwIssues(issues: readonly Issue[]): void {
  if (issues.length === 0) return;
  const [first, ...rest] = issues;
  let message = first.message;
  if (rest.length > 0) {
    const shown = rest.slice(0, 4).map((i) => i.message);
    if (rest.length > 4) shown.push(`and ${rest.length - 4} more`);
    message += ` (${rest.length} more: ${shown.join("; ")})`;
  }
  throw new ScenarioError(first.code, first.call, first.value, message);
}

/** Checks what the export cannot express, collecting every problem. */
function exportIssues(scenario: Scenario): Issue[] {
  const issues: Issue[] = [];
  if (scenario.ramBase !== VIRT_RAM_BASE) {
    issues.push({
      code: "bad_address",
      call: "exportBaremetal(ramBase)",
      value: scenario.ramBase,
      message: `exportBaremetal(ramBase = ${
        showValue(scenario.ramBase)
      }): QEMU virt's RAM starts at 0x40000000; export a scenario whose RAM starts there`,
    });
  }
  const guestFirst = new Map<number, number>();
  scenario.steps.forEach((step, i) => {
    const call = `exportBaremetal(steps[${i}])`;
    if (isGuestStep(step) && step.vcpu >= MAX_TEST_CPUS) {
      issues.push({
        code: "out_of_range",
        call,
        value: step.vcpu,
        message: `${call}: vCPU ${step.vcpu}: the exported test runs vCPUs 0 to ${
          MAX_TEST_CPUS - 1
        } only`,
      });
    }
    if (step.kind === "read" || step.kind === "write") {
      if (!guestFirst.has(step.addr)) guestFirst.set(step.addr, i);
    } else if (step.kind === "host_write" && guestFirst.has(step.addr)) {
      issues.push({
        code: "invalid_value",
        call,
        value: step.addr,
        message: `${call}: host_write to ${
          showValue(step.addr)
        } comes after a guest access to that word (steps[${
          guestFirst.get(step.addr)
        }]); the export performs host writes before the guest program starts`,
      });
    }
  });
  return issues;
}

function usedRanges(steps: readonly Step[]): [number, number][] {
  const ranges: [number, number][] = [];
  for (const s of steps) {
    if (s.kind === "read" || s.kind === "write" || s.kind === "host_write") {
      ranges.push([s.addr, s.addr + 4]);
    } else if (s.kind === "dc_va") {
      const start = s.addr - (s.addr % MAX_LINE);
      ranges.push([start, Math.ceil((s.addr + s.len) / MAX_LINE) * MAX_LINE]);
    }
  }
  return ranges;
}

function preloadsOf(steps: readonly Step[]): Preload[] {
  const initial = new Map<number, number>();
  for (const s of steps) {
    if (s.kind === "host_write") initial.set(s.addr, s.value >>> 0);
    else if ((s.kind === "read" || s.kind === "write") && !initial.has(s.addr)) {
      initial.set(s.addr, 0);
    }
  }
  return [...initial.entries()].sort((a, b) => a[0] - b[0]).map(([addr, value]) => ({
    addr,
    value,
  }));
}

/**
 * Decides what the exported test does with a scenario.
 *
 * @example Usage
 * ```ts
 * import { planBaremetal } from "@setway/setway/export";
 * const plan = planBaremetal({
 *   version: 1, machine: "generic", cpus: 2, systemCache: "machine", policy: "kvm-4.0",
 *   ram: 2 ** 30, ramBase: 0x4000_0000, prefault: false, seed: 1, speculation: "quiet",
 *   steps: [
 *     { kind: "host_write", addr: 0x4000_8000, value: 5 },
 *     { kind: "read", vcpu: 1, addr: 0x4000_8000 },
 *   ],
 * }, "host then guest");
 * console.log(plan.cpus, plan.steps[1].expected, plan.preloads[0].value); // 2 5 5
 * ```
 * @param scenario a valid scenario
 * @param name the title the test prints; default `"scenario"`
 * @returns the plan
 * @throws {ScenarioError} for an invalid scenario, or one the export cannot
 *   express (see the module doc); the message lists every problem
 */
export function planBaremetal(scenario: Scenario, name = "scenario"): BaremetalPlan {
  // The test never runs the policy (the host's KVM is the policy): a policy
  // name of the user's own, supplied only to run(), must not refuse the export.
  assertScenario(scenario, { policy: "kvm-4.0" });
  throwIssues(exportIssues(scenario));
  const expected = expectedReads(scenario.steps);
  let reads = 0;
  let performed = 0;
  let cpus = 1;
  const steps = scenario.steps.map((step, index): PlannedStep => {
    const skipped = skipReason(step);
    if (skipped !== undefined) return { index, step, skipped };
    performed++;
    if (isGuestStep(step)) cpus = Math.max(cpus, step.vcpu + 1);
    if (step.kind === "read") return { index, step, expected: expected[reads++] };
    return { index, step };
  });
  const preloads = preloadsOf(scenario.steps);
  const layout = placeProgram(usedRanges(scenario.steps), {
    cpus,
    steps: performed,
    preloads: preloads.length,
  });
  return { name, scenario, cpus, layout, steps, preloads, performed, reads };
}
