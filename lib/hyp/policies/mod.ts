/**
 * The built-in cache-maintenance policies, by name.
 *
 * @module
 */

import { ScenarioError, showValue } from "../../errors.ts";
import { didYouMean } from "../../options.ts";
import { type Policy, POLICY_HOOKS } from "../policy.ts";
import { checkCosts } from "../costs.ts";
import { checkFaultClean } from "./define.ts";
import { refuseShortcutKeys } from "../set_way_shortcuts.ts";
import { kvm40 } from "./kvm_4_0.ts";
import { kvm318 } from "./kvm_3_18.ts";
import { native } from "./native.ts";
import { kvmModern } from "./kvm_modern.ts";
import { xen, xenIommu } from "./xen.ts";
import { trapNothing } from "./trap_nothing.ts";
import { kvm40SwOnly } from "./kvm_switches.ts";

export { kvm40 } from "./kvm_4_0.ts";
export { kvm318, type Kvm318State } from "./kvm_3_18.ts";
export { native } from "./native.ts";
export { KVM_VHE_COSTS, kvmModern, type KvmModernOptions, kvmModernWith } from "./kvm_modern.ts";
export { xen, xenIommu, type XenOptions, type XenState, xenWith } from "./xen.ts";
export { trapNothing } from "./trap_nothing.ts";
export { type Kvm2015Switches, kvm318With, kvm40SwOnly, kvm40With } from "./kvm_switches.ts";
export { definePolicy, type PolicyDefinition } from "./define.ts";

/**
 * Every built-in policy, by name.
 *
 * @example Usage
 * ```ts
 * import { policies } from "@setway/setway";
 * console.log(Object.keys(policies));
 * // ["kvm-4.0", "kvm-3.18", "native", "kvm-modern", "xen", "xen-iommu", "trap-nothing",
 * //  "kvm-4.0-sw-only"]
 * ```
 */
export const policies: Readonly<Record<string, Policy>> = Object.freeze({
  [kvm40.name]: kvm40 as Policy,
  [kvm318.name]: kvm318 as Policy,
  [native.name]: native as Policy,
  [kvmModern.name]: kvmModern as Policy,
  [xen.name]: xen as Policy,
  [xenIommu.name]: xenIommu as Policy,
  [trapNothing.name]: trapNothing as Policy,
  [kvm40SwOnly.name]: kvm40SwOnly as Policy,
});

/**
 * A policy by name, or a user-defined policy object checked for shape.
 *
 * @example Usage
 * ```ts
 * import { resolvePolicy } from "@setway/setway/policies";
 * console.log(resolvePolicy("kvm-4.0").source);
 * ```
 * @param policy a built-in policy name or a policy object
 * @returns the policy
 * @throws {ScenarioError} `unknown_name` for a name that is not built in,
 *   `invalid_value` for an object that is not a policy or that declares a set/way
 *   shortcut (`setWayIdle`, `setWayLocal`: internal to the built-in policies)
 */
export function resolvePolicy(policy: string | Policy): Policy {
  if (typeof policy === "string") {
    if (Object.hasOwn(policies, policy)) return policies[policy];
    throw new ScenarioError(
      "unknown_name",
      "policy",
      policy,
      `policy(${showValue(policy)}): unknown policy${
        didYouMean(policy, Object.keys(policies))
      }; valid: ${Object.keys(policies).join(", ")}`,
    );
  }
  const p = policy as unknown as Record<string, unknown> | null;
  const bad = p === null || typeof p !== "object" || typeof p.name !== "string" ||
    p.name === "" || typeof p.state !== "function" ||
    POLICY_HOOKS.some((h) => p[h] !== undefined && typeof p[h] !== "function");
  if (bad) {
    throw new ScenarioError(
      "invalid_value",
      "policy",
      policy,
      `policy(${
        showValue(policy)
      }): expected a built-in policy name or an object with a name, a state() function ` +
        "and optional hook functions",
    );
  }
  refuseShortcutKeys(policy, "policy");
  checkDeclarations(policy);
  return policy;
}

/** A policy object's declarations, checked as `definePolicy` checks them. */
function checkDeclarations(policy: Policy): void {
  for (const key of ["native", "usesFwb"] as const) {
    const v = policy[key];
    if (v !== undefined && typeof v !== "boolean") {
      throw new ScenarioError(
        "invalid_value",
        `policy.${key}`,
        v,
        `policy ${showValue(policy.name)}: ${key} = ${showValue(v)}; expected a boolean`,
      );
    }
  }
  if (policy.faultClean !== undefined) checkFaultClean(policy.faultClean);
  if (policy.costs !== undefined) checkCosts(policy.costs, "policy.costs");
}
