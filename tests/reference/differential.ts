/**
 * The differential check: one program, run by the model (through the public
 * DSL and `run()`) and by the reference (tests/reference/vm.ts), decision
 * streams compared.
 *
 * The reference is the kernel's and Xen's logic only: any disagreement is
 * a finding, reported with the first differing decision and the program as
 * a DSL snippet.
 *
 * @example Usage
 * ```ts
 * import { compareProgram } from "./differential.ts";
 * const c = compareProgram({ machine: "tiny", vcpus: 1, aarch32: [false], ops: [] }, "kvm-4.0");
 * console.log(c.kind); // agree
 * ```
 *
 * @module
 */

import { run, type Scenario } from "../../mod.ts";
import { firstDifference, modelDecisions } from "./decisions.ts";
import { REFERENCE_POLICIES } from "./policies.ts";
import { type MachineKind, type Program, programScenario, programSnippet } from "./program.ts";
import { referenceRun } from "./vm.ts";

/**
 * A policy and a machine to run programs on: every built-in policy,
 * kvm-modern on machines with and without stage-2 FWB, and the two KVM
 * versions that ran on 32-bit arch/arm hosts (3.18, 4.0) on an ARMv7
 * machine, whose guests are AArch32 and whose exits print `HVC`.
 *
 * @example Usage
 * ```ts
 * import { CONFIGS } from "./differential.ts";
 * console.log(CONFIGS.length); // 11
 * ```
 */
export const CONFIGS: readonly { readonly policy: string; readonly machine: MachineKind }[] = Object
  .freeze([
    { policy: "kvm-4.0", machine: "tiny" },
    { policy: "kvm-3.18", machine: "tiny" },
    { policy: "kvm-modern", machine: "tiny" },
    { policy: "kvm-modern", machine: "tiny-fwb" },
    { policy: "xen", machine: "tiny" },
    { policy: "xen-iommu", machine: "tiny" },
    { policy: "trap-nothing", machine: "tiny" },
    { policy: "native", machine: "tiny" },
    { policy: "kvm-4.0-sw-only", machine: "tiny" },
    { policy: "kvm-4.0", machine: "tiny-v7" },
    { policy: "kvm-3.18", machine: "tiny-v7" },
  ]);

/** The outcome of one comparison. */
export type Comparison =
  | { readonly kind: "agree" }
  | { readonly kind: "finding"; readonly report: string };

/**
 * Runs `program` under `policy` on the model and on the reference and
 * compares their decisions.
 *
 * @example Usage
 * ```ts
 * import { compareProgram } from "./differential.ts";
 * const p = { machine: "tiny" as const, vcpus: 1, aarch32: [false], ops: [{ k: "write" as const, v: 0, addr: 0x40000000, value: 1 }] };
 * console.log(compareProgram(p, "kvm-4.0").kind); // agree
 * ```
 * @param program the program
 * @param policy a built-in policy name
 * @param from the scenario the program was taken from (programs of the DSL's
 *   presets), run under `policy`; default: the program built with the DSL
 * @returns agreement, or a finding with its report
 */
export function compareProgram(program: Program, policy: string, from?: Scenario): Comparison {
  const snippet = from === undefined
    ? programSnippet(program, policy)
    : `the scenario ${JSON.stringify({ ...from, steps: from.steps.length })} under ${policy}`;
  let scenario;
  try {
    scenario = from === undefined ? programScenario(program, policy) : { ...from, policy };
  } catch (e) {
    return { kind: "finding", report: `${policy}: the DSL refused the program: ${e}\n${snippet}` };
  }
  const model = modelDecisions(run(scenario));
  const diff = firstDifference(referenceRun(REFERENCE_POLICIES[policy], program), model);
  if (diff === null) return { kind: "agree" };
  return {
    kind: "finding",
    report: `${policy} on ${program.machine}: decision ${diff.index} differs\n` +
      `  kernel/Xen: ${diff.expected}\n  model:      ${diff.actual}\n  program:    ${snippet}`,
  };
}
