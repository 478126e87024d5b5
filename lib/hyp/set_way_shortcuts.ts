/**
 * The set/way shortcuts of the built-in policies: predicates that let the
 * hypervisor record the rest of a trapped set/way walk at once instead of
 * calling the policy's hooks slot by slot (a walk of a 32 MiB system cache is
 * half a million traps).
 *
 * They are not part of the {@linkcode Policy} contract: a shortcut that
 * answers true when a hook would act makes the trace wrong, so only setway's
 * own policies, whose hooks and shortcuts are written and tested together
 * (tests/hyp/set_way_shortcuts_test.ts compares every run with its
 * slot-by-slot form), carry them. They are attached to the policy object
 * itself with {@linkcode withSetWayShortcuts}; a copy of a built-in policy
 * (`{ ...kvm40, onSetWay }`) is another object and runs slot by slot.
 *
 * @example Usage
 * ```ts
 * import { setWayShortcutsOf } from "./set_way_shortcuts.ts";
 * import { kvm40 } from "@setway/setway";
 * console.log(typeof setWayShortcutsOf(kvm40)?.setWayIdle); // "function"
 * console.log(setWayShortcutsOf({ ...kvm40 })); // undefined
 * ```
 *
 * @module
 */

import { ScenarioError, showValue } from "../errors.ts";
import type { Hyp, Policy } from "./policy.ts";

/**
 * A built-in policy's set/way shortcuts; `state` is the policy's per-VM state.
 *
 * @example Usage
 * ```ts
 * import type { SetWayShortcuts } from "./set_way_shortcuts.ts";
 * const idleOnceTvm: SetWayShortcuts<undefined> = { setWayIdle: (hyp) => hyp.vcpu.hcr.tvm };
 * ```
 */
export interface SetWayShortcuts<S = unknown> {
  /**
   * Whether a set/way instruction trapped now would do nothing but exit:
   * `onSetWay` and then `onGuestEntry` would change no state, record no
   * event and touch no cache (kvm-4.0 once HCR.TVM is set again). The rest
   * of a trapped walk is then recorded as its exits at once, as the kernel's
   * trace would show them, without calling the hooks slot by slot. Absent:
   * every slot calls the hooks.
   */
  setWayIdle?(hyp: Hyp, state: S): boolean;
  /**
   * Whether a set/way instruction trapped now would do exactly
   * `hyp.executeSetWayLocally(op)` and nothing else (no state change, no
   * other event, nothing at guest entry), and would go on doing so while
   * only such instructions follow (kvm-3.18 once every other CPU is marked).
   * It is asked only about exits the scheduler does not preempt before
   * their handler, so the handler would see `lastPcpu === pcpu`, whatever
   * `lastPcpu` says before the exit.
   * The rest of the walk's level is then performed at once, slot by slot
   * in walk order as `executeSetWayLocally` would (`Hardware.setWayRunsDownFrom`),
   * and recorded as its exits and `sw_local` events at once, without
   * calling the hooks or making an operation object. Absent: every slot
   * calls the hooks.
   */
  setWayLocal?(hyp: Hyp, state: S): boolean;
}

const SHORTCUTS = new WeakMap<object, SetWayShortcuts<never>>();

/**
 * Attaches set/way shortcuts to a built-in policy object (see the module doc).
 *
 * @example Usage
 * ```ts
 * import { setWayShortcutsOf, withSetWayShortcuts } from "./set_way_shortcuts.ts";
 * const p = withSetWayShortcuts(
 *   Object.freeze({ name: "p", description: "", source: "", state: () => undefined }),
 *   { setWayIdle: () => false },
 * );
 * console.log(setWayShortcutsOf(p) !== undefined); // true
 * ```
 * @param policy the policy, as the hypervisor will be given it
 * @param shortcuts its shortcuts, or undefined for none
 * @returns `policy` itself
 */
export function withSetWayShortcuts<S>(
  policy: Policy<S>,
  shortcuts: SetWayShortcuts<S> | undefined,
): Policy<S> {
  if (shortcuts !== undefined) SHORTCUTS.set(policy, shortcuts as SetWayShortcuts<never>);
  return policy;
}

/**
 * The set/way shortcuts attached to this very policy object, if any.
 *
 * @example Usage
 * ```ts
 * import { setWayShortcutsOf } from "./set_way_shortcuts.ts";
 * import { kvm318 } from "@setway/setway";
 * console.log(typeof setWayShortcutsOf(kvm318)?.setWayLocal); // "function"
 * ```
 * @param policy a policy
 * @returns its shortcuts, or undefined (every slot of a trapped walk calls the hooks)
 */
export function setWayShortcutsOf<S>(policy: Policy<S>): SetWayShortcuts<S> | undefined {
  return SHORTCUTS.get(policy) as SetWayShortcuts<S> | undefined;
}

/**
 * Refuses a user policy that declares a set/way shortcut as if it were a
 * hook: the shortcuts are not part of the {@linkcode Policy} contract, and a
 * wrong one would make the trace wrong without a word.
 *
 * @example Usage
 * ```ts
 * import { refuseShortcutKeys } from "./set_way_shortcuts.ts";
 * try {
 *   refuseShortcutKeys({ name: "mine", setWayIdle: () => true }, "definePolicy");
 * } catch (e) {
 *   console.log((e as Error).message.startsWith("definePolicy: setWayIdle is internal")); // true
 * }
 * ```
 * @param policy the user's policy object or definition
 * @param call the builder call it was given to, e.g. `"definePolicy"`
 * @throws {ScenarioError} `invalid_value` when it has a `setWayIdle` or `setWayLocal` key
 */
export function refuseShortcutKeys(policy: object, call: string): void {
  for (const key of ["setWayIdle", "setWayLocal"]) {
    if (!Object.hasOwn(policy, key)) continue;
    const value = (policy as Record<string, unknown>)[key];
    throw new ScenarioError(
      "invalid_value",
      `${call}.${key}`,
      value,
      `${call}: ${key} is internal to the built-in policies and not a policy hook ` +
        `(got ${
          showValue(value)
        }); remove it: a user policy's hooks run for every slot of a trapped walk`,
    );
  }
}
