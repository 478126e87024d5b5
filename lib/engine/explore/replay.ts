/**
 * Replays a counterexample found by exploration as an ordinary run, with
 * its events, verdict and cost: the scenario, plus the perturbations the
 * hardware made, by meaning.
 *
 * The perturbations drive both adversarial executions of the run (under
 * the policy, and natively on the same machine); the ideal machine the
 * oracle compares against makes their counterparts, as in every run
 * (ideal_choices.ts). A `preempt` moves the step's vCPU between its
 * trapped set/way instruction's exit and the handler (there is no exit
 * natively, so it only applies under the policy, and the ideal machine has
 * no counterpart).
 *
 * @example Usage
 * ```ts
 * import { replay } from "@setway/setway/explore";
 * const result = replay({
 *   version: 1, machine: "generic", cpus: 1, systemCache: "machine", policy: "kvm-4.0",
 *   ram: 1 << 20, ramBase: 0x40000000, prefault: true, seed: 1, speculation: "adversarial",
 *   steps: [
 *     { kind: "sctlr", vcpu: 0, bits: { m: true, c: true, i: true } },
 *     { kind: "sctlr", vcpu: 0, bits: { m: false, c: false } },
 *     { kind: "write", vcpu: 0, addr: 0x40000000, value: 1 },
 *     { kind: "sctlr", vcpu: 0, bits: { m: true, c: true, i: true } },
 *     { kind: "read", vcpu: 0, addr: 0x40000000 },
 *   ],
 * }, [{ before: 2, kind: "speculative_fill", cpu: 1, addr: 0x40000000 }]);
 * console.log(result.verdict.violations[0]?.blame); // "hypervisor"
 * ```
 *
 * @module
 */

import { ScenarioError, showValue } from "../../errors.ts";
import type { RunOptions } from "../options.ts";
import type { RunResult } from "../result.ts";
import { run } from "../run.ts";
import type { Scenario } from "../scenario.ts";
import { PlanChooser, type PlannedPerturbation } from "../choosers.ts";

/**
 * Runs a scenario with the hardware making exactly the given perturbations
 * (a perturbation that cannot happen when its turn comes is skipped).
 *
 * @example Usage
 * ```ts
 * import { replay } from "@setway/setway/explore";
 * const r = replay({
 *   version: 1, machine: "generic", cpus: 1, systemCache: "machine", policy: "kvm-4.0",
 *   ram: 1 << 20, ramBase: 0x40000000, prefault: true, seed: 1, speculation: "quiet",
 *   steps: [{ kind: "read", vcpu: 0, addr: 0x40000000 }],
 * }, []);
 * console.log(r.verdict.ok); // true
 * ```
 * @param scenario the scenario (its `speculation` must be `"adversarial"` for perturbations to apply)
 * @param perturbations the perturbations, at most one at each choice point (`before`, see
 *   {@linkcode PlannedPerturbation})
 * @param options run options (a policy object, budgets)
 * @returns the run's result
 * @throws {ScenarioError} for an invalid scenario, or `invalid_value` for a bad perturbation
 */
export function replay(
  scenario: Scenario,
  perturbations: readonly PlannedPerturbation[],
  options: RunOptions = {},
): RunResult {
  if (!Array.isArray(perturbations)) {
    throw new ScenarioError(
      "invalid_value",
      "replay.perturbations",
      perturbations,
      `replay(scenario, ${showValue(perturbations)}): expected a list of perturbations`,
    );
  }
  // A CPU number is checked here, not left to the run: a fill on CPU -1 would otherwise be
  // counted into the index of another CPU's fill and replay a perturbation nobody asked for.
  const isCpu = (cpu: unknown) => Number.isInteger(cpu) && (cpu as number) >= 0;
  perturbations.forEach((p, i) => {
    const ok = typeof p === "object" && p !== null && Number.isInteger(p.before) && p.before >= 0 &&
      (p.kind === "preempt" ? isCpu(p.cpu) : Number.isInteger(p.addr) &&
        (p.kind === "speculative_fill" ? isCpu(p.cpu) : p.kind === "castout" &&
          typeof p.cache === "string"));
    if (!ok) {
      throw new ScenarioError(
        "invalid_value",
        `replay.perturbations[${i}]`,
        p,
        `replay: perturbations[${i}] = ${
          showValue(p)
        } is not { before, kind: "speculative_fill", cpu, addr }, { before, kind: "castout", cache, addr } ` +
          `or { before, kind: "preempt", cpu }`,
      );
    }
  });
  const preemptTo = [
    ...new Set(perturbations.flatMap((p) => p.kind === "preempt" ? [p.cpu] : [])),
  ];
  return run(scenario, options, {
    chooser(_execution, hardware, candidates) {
      const c = new PlanChooser(hardware, candidates);
      c.load(perturbations);
      return c;
    },
    preemptTo,
    // A counterexample's fill may be of a line of the exploration's alphabet
    // that its own program never reads or writes.
    lines: perturbations.flatMap((p) => p.kind === "preempt" ? [] : [p.addr]),
  });
}
