/**
 * Checks a scenario before a run, collecting every problem: the scenario's
 * schema and meaning through the shared {@linkcode scenarioIssues} (the
 * same checks `validate()` and `scenarioFrom()` make), the policy name
 * against the built-in policies (or the policy given in the options), and
 * the run options' budget limits.
 *
 * {@linkcode validateScenario} returns the issues as data;
 * {@linkcode assertScenario} throws them as one {@linkcode ScenarioError}
 * carrying the first issue's code, path and value, and listing the others
 * in its message.
 *
 * @module
 */

import { ScenarioError } from "../../errors.ts";
import type { Machine } from "../../hw/machine.ts";
import type { Policy } from "../../hyp/policy.ts";
import { resolvePolicy } from "../../hyp/policies/mod.ts";
import { budgetIssues } from "../budget.ts";
import type { ScenarioIssue } from "./issues.ts";
import type { RunOptions } from "../options.ts";
import type { Scenario } from "../scenario.ts";
import { scenarioIssues } from "./scenario.ts";

export { MAX_RAM } from "./values.ts";
export type { ScenarioIssue };

/**
 * What {@linkcode validateScenario} found.
 *
 * @example Usage
 * ```ts
 * import type { ScenarioValidation } from "./entry.ts";
 * function report(v: ScenarioValidation): string {
 *   return v.ok ? `runs on ${v.machine.name}` : v.issues.map((i) => i.message).join("\n");
 * }
 * ```
 */
export type ScenarioValidation =
  | { readonly ok: true; readonly machine: Machine; readonly policy: Policy }
  | { readonly ok: false; readonly issues: readonly ScenarioIssue[] };

function issueFrom(e: unknown, path: string): ScenarioIssue {
  if (!(e instanceof ScenarioError)) throw e;
  return { code: e.code, path: e.call || path, value: e.value, message: e.message };
}

/**
 * Checks a scenario and resolves its machine and policy.
 *
 * @example Usage
 * ```ts
 * import { validateScenario } from "./entry.ts";
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
  const issues = budgetIssues(options);
  const given = typeof options === "object" && options !== null ? options.policy : undefined;
  let policy: Policy | undefined;
  const resolve = (name: string | Policy): ScenarioIssue | null => {
    try {
      policy = resolvePolicy(name);
      return null;
    } catch (e) {
      return issueFrom(e, "policy");
    }
  };
  if (given !== undefined) {
    const issue = resolve(given);
    if (issue) issues.push(issue);
  }
  const check = scenarioIssues(scenario, given === undefined ? { policy: resolve } : {});
  for (const issue of check.issues) issues.push(issue);
  if (issues.length > 0 || !check.machine || !policy) return { ok: false, issues };
  return { ok: true, machine: check.machine, policy };
}

/**
 * Checks a scenario and throws every problem as one error.
 *
 * @example Usage
 * ```ts
 * import { assertScenario } from "./entry.ts";
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
