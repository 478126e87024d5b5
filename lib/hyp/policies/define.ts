/**
 * User-defined policies: `definePolicy({...})` checks a policy written in a
 * few lines and returns it frozen, ready for `vm().policy(p)`, `run(s, {
 * policy: p })` or `compare(s, [p, "kvm-4.0"])`.
 *
 * A policy is a name and hooks; each hook receives the narrow {@linkcode Hyp}
 * handle (the vCPU's registers, `flushVm()`, `flushAll()`,
 * `executeSetWayLocally()`, `flushPage()`, `p2mFlushVm()`, `injectUndef()`,
 * `emit()`) and the policy's per-VM state:
 *
 * ```ts
 * import { definePolicy } from "@setway/setway";
 * // KVM 4.0's set/way handling, in a few lines.
 * const mine = definePolicy({
 *   name: "my-kvm",
 *   onReset(hyp) {
 *     Object.assign(hyp.vcpu.hcr, { tsw: true, tvm: true, swio: true });
 *   },
 *   onSetWay(hyp) {
 *     if (hyp.vcpu.hcr.tvm) return; // caches off: deferred until they come on
 *     hyp.emit("kvm_set_way_flush", { cache: hyp.cacheEnabled() });
 *     hyp.flushVm();
 *     hyp.vcpu.hcr.tvm = true;
 *   },
 *   onVmRegWrite(hyp, write) {
 *     const now = hyp.cacheEnabled();
 *     if (now !== write.wasEnabled) hyp.flushVm();
 *     if (now) hyp.vcpu.hcr.tvm = false;
 *     hyp.emit("kvm_toggle_cache", { was: write.wasEnabled, now });
 *   },
 * });
 * ```
 *
 * @module
 */

import { ScenarioError, showValue } from "../../errors.ts";
import { didYouMean } from "../../options.ts";
import { checkCosts, type CostOverrides } from "../costs.ts";
import { type FaultClean, type Policy, POLICY_HOOKS, type PolicyHooks } from "../policy.ts";
import { refuseShortcutKeys } from "../set_way_shortcuts.ts";

/**
 * What {@linkcode definePolicy} takes: a name, optional documentation, the
 * per-VM state, optional declarations, and any of the hooks.
 *
 * @example Usage
 * ```ts
 * import type { PolicyDefinition } from "@setway/setway";
 * const def: PolicyDefinition<{ flushes: number }> = {
 *   name: "counting",
 *   state: () => ({ flushes: 0 }),
 *   onSetWay(hyp, _op, state) {
 *     state.flushes++;
 *     hyp.flushVm();
 *   },
 * };
 * ```
 */
export interface PolicyDefinition<S> extends PolicyHooks<S> {
  /** Unique name, lower case: letters, digits, `.`, `_`, `+`, `-`. */
  readonly name: string;
  /** One line for lists and reports. Default `"user-defined policy"`. */
  readonly description?: string;
  /** The real code it models (file and function). Default `"user-defined"`. */
  readonly source?: string;
  /** Creates the per-VM state. Default: no state (`undefined`). */
  readonly state?: () => S;
  /** Turn on stage-2 FWB where the machine has it. Default false. */
  readonly usesFwb?: boolean;
  /** The stage-2 fault path's maintenance. Default KVM 4.0's (see `FaultClean`). */
  readonly faultClean?: FaultClean;
  /** Cost overrides (costs.ts) for runs under this policy. Default none. */
  readonly costs?: CostOverrides;
}

const OTHER_KEYS: readonly string[] = Object.freeze([
  "name",
  "description",
  "source",
  "state",
  "usesFwb",
  "faultClean",
  "costs",
]);

const FAULT_WHEN = ["caches-off", "always", "populate", "never"];
const FAULT_VIA = ["kernel", "hva"];

function refuse(key: string, value: unknown, expected: string): ScenarioError {
  return new ScenarioError(
    "invalid_value",
    `definePolicy.${key}`,
    value,
    `definePolicy({ ${key}: ${showValue(value)} }): expected ${expected}`,
  );
}

/**
 * Checks a policy's `faultClean` declaration.
 *
 * @example Usage
 * ```ts
 * import { checkFaultClean } from "./define.ts";
 * checkFaultClean({ when: "always", via: "kernel" }).when; // "always"
 * ```
 * @param fc the declaration
 * @returns it, frozen
 * @throws {ScenarioError} `invalid_value` naming the field
 */
export function checkFaultClean(fc: unknown): FaultClean {
  if (fc === null || typeof fc !== "object" || Array.isArray(fc)) {
    throw refuse("faultClean", fc, `{ when: ${FAULT_WHEN.join(" | ")}, via: kernel | hva }`);
  }
  const { when, via, event } = fc as Record<string, unknown>;
  if (typeof when !== "string" || !FAULT_WHEN.includes(when)) {
    throw refuse("faultClean.when", when, `one of ${FAULT_WHEN.join(", ")}`);
  }
  if (typeof via !== "string" || !FAULT_VIA.includes(via)) {
    throw refuse("faultClean.via", via, `one of ${FAULT_VIA.join(", ")}`);
  }
  if (event !== undefined && (typeof event !== "string" || !/^[a-z][a-z0-9_]*$/.test(event))) {
    throw refuse("faultClean.event", event, "a lower_snake_case event name");
  }
  return Object.freeze({ ...(fc as FaultClean) });
}

/**
 * Checks a policy definition and returns it as a frozen {@linkcode Policy}.
 * A definition may reuse a built-in name (to compare a re-implementation
 * with the original, byte for byte).
 *
 * @example Usage
 * ```ts
 * import { definePolicy } from "@setway/setway";
 * const noTraps = definePolicy({
 *   name: "no-traps",
 *   description: "TSW and TVM clear",
 *   onReset(hyp) {
 *     hyp.vcpu.hcr.tsw = false;
 *     hyp.vcpu.hcr.tvm = false;
 *   },
 * });
 * console.log(noTraps.source, Object.isFrozen(noTraps)); // user-defined true
 * ```
 * @param definition the name, documentation, state, declarations and hooks
 * @returns the policy, frozen
 * @throws {ScenarioError} `invalid_value` naming the field for a bad name, a hook
 *   that is not a function, a bad declaration; `unknown_name` for a key that is
 *   not part of a policy (a misspelt hook, say)
 */
export function definePolicy<S = undefined>(definition: PolicyDefinition<S>): Policy<S> {
  const d = definition as unknown as Record<string, unknown>;
  if (d === null || typeof d !== "object" || Array.isArray(d)) {
    throw new ScenarioError(
      "invalid_value",
      "definePolicy",
      definition,
      `definePolicy(${showValue(definition)}): expected an object with a name and hooks`,
    );
  }
  refuseShortcutKeys(d, "definePolicy");
  for (const key of Object.keys(d)) {
    if (!POLICY_HOOKS.includes(key) && !OTHER_KEYS.includes(key)) {
      throw new ScenarioError(
        "unknown_name",
        `definePolicy.${key}`,
        key,
        `definePolicy: unknown key ${showValue(key)}${
          didYouMean(key, [...OTHER_KEYS, ...POLICY_HOOKS])
        }; valid: ${[...OTHER_KEYS, ...POLICY_HOOKS].join(", ")}`,
      );
    }
  }
  const name = d.name;
  if (typeof name !== "string" || !/^[a-z0-9][a-z0-9._+-]*$/.test(name)) {
    throw refuse(
      "name",
      name,
      "a non-empty lower-case name of letters, digits, '.', '_', '+' or '-'",
    );
  }
  for (const key of ["description", "source"]) {
    const v = d[key];
    if (v !== undefined && (typeof v !== "string" || /[\r\n]/.test(v))) {
      throw refuse(key, v, "a string on one line");
    }
  }
  if (d.state !== undefined && typeof d.state !== "function") {
    throw refuse("state", d.state, "a function returning the per-VM state");
  }
  for (const hook of POLICY_HOOKS) {
    if (d[hook] !== undefined && typeof d[hook] !== "function") {
      throw refuse(hook, d[hook], "a function");
    }
  }
  if (d.usesFwb !== undefined && typeof d.usesFwb !== "boolean") {
    throw refuse("usesFwb", d.usesFwb, "a boolean");
  }
  const policy: Record<string, unknown> = {
    name,
    description: definition.description ?? "user-defined policy",
    source: definition.source ?? "user-defined",
    state: definition.state ?? (() => undefined),
  };
  if (d.usesFwb !== undefined) policy.usesFwb = d.usesFwb;
  if (d.faultClean !== undefined) policy.faultClean = checkFaultClean(d.faultClean);
  if (d.costs !== undefined) policy.costs = checkCosts(d.costs, "definePolicy.costs");
  for (const hook of POLICY_HOOKS) if (d[hook] !== undefined) policy[hook] = d[hook];
  return Object.freeze(policy) as unknown as Policy<S>;
}
