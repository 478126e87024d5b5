/**
 * A user policy's mistakes reported as the user's: every hook of a policy
 * that is not built in runs behind a guard that turns a throw, an
 * asynchronous hook, a garbage return value or a non-boolean HCR write into
 * a {@linkcode ScenarioError} naming the policy, the hook and the value:
 *
 * ```text
 * policy "trap-once": onSetWay threw TypeError: x is not a function
 * policy "trap-once": guestCacheView returned 1; expected { clidr, levels } ...
 * policy "trap-once": onReset wrote hcr.tsw = 1; an HCR bit is true or false
 * ```
 *
 * Built-in policies run unguarded: their hooks are part of setway, and a
 * throw from one of them is a bug in setway.
 *
 * @module
 */

import { ScenarioError, showValue } from "../../errors.ts";
import type { GuestCacheView, Policy } from "../policy.ts";
import { policies } from "./mod.ts";

/** The hooks that act and return nothing. */
const ACTIONS = [
  "onReset",
  "onSetWay",
  "onVmRegWrite",
  "onVcpuLoad",
  "onStage2Fault",
  "onUnmap",
  "onGuestEntry",
];

/** What a policy declares besides its hooks. */
const DECLARATIONS = ["name", "description", "source", "native", "usesFwb", "faultClean", "costs"];

/** Each user policy's guarded form, and the set of guarded forms. */
const guarded = new WeakMap<Policy, Policy>();
const GUARDED = new WeakSet<Policy>();
const BUILT_IN = new Set<Policy>(Object.values(policies));

/** What was thrown, on one line: `TypeError: message`, or the value. */
function describeThrown(e: unknown): string {
  if (e instanceof Error) {
    const line = e.message.split("\n")[0];
    return line === "" ? e.name : `${e.name}: ${line}`;
  }
  return showValue(e);
}

function isThenable(x: unknown): x is PromiseLike<unknown> {
  return x !== null && (typeof x === "object" || typeof x === "function") &&
    typeof (x as { then?: unknown }).then === "function";
}

/** The error for a hook that misbehaved: `policy "p": <hook> <what>`. */
function hookError(policy: string, hook: string, what: string, value: unknown): ScenarioError {
  return new ScenarioError(
    "invalid_value",
    `policy.${hook}`,
    value,
    `policy ${showValue(policy)}: ${hook} ${what}`,
  );
}

/**
 * A throw from inside a hook, as the user's mistake (budgets pass through
 * unchanged; a refused permission keeps its class, so that whoever granted
 * the permissions can say which ones, and gains the policy and hook).
 */
function fromThrow(policy: string, hook: string, e: unknown): unknown {
  if (e instanceof Error && e.name === "NotCapable") {
    e.message = `policy ${showValue(policy)}: ${hook}: ${e.message}`;
    return e;
  }
  if (e instanceof ScenarioError) {
    if (e.code === "budget_exceeded" || e.message.startsWith("policy ")) return e;
    const sep = e.call.startsWith("hcr.") ? " " : ": ";
    return new ScenarioError(
      e.code,
      e.call,
      e.value,
      `policy ${showValue(policy)}: ${hook}${sep}${e.message}`,
    );
  }
  return hookError(policy, hook, `threw ${describeThrown(e)}`, e);
}

/** Refuses a promise where a synchronous hook was expected (and keeps its rejection quiet). */
function refuseAsync(policy: string, hook: string, result: unknown): ScenarioError {
  // The rejection, if any, is reported as this error; left unhandled it would end the process.
  Promise.resolve(result).catch(() => {});
  return hookError(
    policy,
    hook,
    "returned a promise; hooks run synchronously (an async function cannot be a hook)",
    result,
  );
}

function isCount(x: unknown): boolean {
  return typeof x === "number" && Number.isSafeInteger(x) && x >= 1;
}

/** Whether a guestCacheView answer has the shape the set/way walk reads. */
function isCacheView(x: unknown): x is GuestCacheView {
  if (x === null || typeof x !== "object") return false;
  const { clidr, levels } = x as Record<string, unknown>;
  if (typeof clidr !== "number" || !Number.isInteger(clidr) || clidr < 0 || clidr > 0xffffffff) {
    return false;
  }
  if (!Array.isArray(levels) || levels.length > 7) return false;
  return levels.every((g) =>
    g === null || (typeof g === "object" && isCount(g.sets) && isCount(g.ways) &&
      isCount(g.lineSize) && (g.lineSize & (g.lineSize - 1)) === 0)
  );
}

type Hook = (a?: unknown, b?: unknown, c?: unknown) => unknown;

/**
 * An action hook behind its guard: a throw becomes the user's error, and so
 * does a promise (its rejection handled). The common case, a hook that
 * returns undefined, costs one comparison.
 */
function guardAction(policy: Policy, name: string, hook: string, f: Hook): Hook {
  return (a, b, c) => {
    let result: unknown;
    try {
      result = f.call(policy, a, b, c);
    } catch (e) {
      throw fromThrow(name, hook, e);
    }
    if (result !== undefined && isThenable(result)) throw refuseAsync(name, hook, result);
    return result;
  };
}

/** `guestCacheView` behind its guard: it must answer a view the walk can read. */
function guardView(policy: Policy, name: string, f: Hook): Hook {
  const hook = "guestCacheView";
  return (a, b, c) => {
    let result: unknown;
    try {
      result = f.call(policy, a, b, c);
    } catch (e) {
      throw fromThrow(name, hook, e);
    }
    if (isCacheView(result)) return result;
    if (isThenable(result)) throw refuseAsync(name, hook, result);
    throw hookError(
      name,
      hook,
      `returned ${
        showValue(result)
      }; expected { clidr, levels } with levels null or { sets, ways, lineSize } of positive integers`,
      result,
    );
  };
}

/**
 * The policy a run calls: a built-in policy as it is; any other behind
 * guards that report its mistakes as {@linkcode ScenarioError}s naming the
 * policy, the hook and the value (see the module doc). The same object gives
 * the same guarded policy.
 *
 * @example Usage
 * ```ts
 * import { guardPolicy } from "./guard.ts";
 * import { definePolicy } from "@setway/setway";
 * const broken = guardPolicy(definePolicy({
 *   name: "broken",
 *   onReset() {
 *     throw new Error("oops");
 *   },
 * }));
 * try {
 *   broken.onReset!({} as never, undefined);
 * } catch (e) {
 *   console.log((e as Error).message); // policy "broken": onReset threw Error: oops
 * }
 * ```
 * @param policy the policy of a run
 * @returns the policy to call
 */
export function guardPolicy<S>(policy: Policy<S>): Policy<S> {
  const p = policy as Policy;
  if (BUILT_IN.has(p) || GUARDED.has(p)) return policy;
  const known = guarded.get(p);
  if (known !== undefined) return known as Policy<S>;
  const name = p.name;
  const wrapped: Record<string, unknown> = {};
  for (const key of DECLARATIONS) {
    const v = (p as unknown as Record<string, unknown>)[key];
    if (v !== undefined) wrapped[key] = v;
  }
  const state = p.state;
  wrapped.state = function (): unknown {
    let s: unknown;
    try {
      s = state.call(p);
    } catch (e) {
      throw fromThrow(name, "state()", e);
    }
    if (isThenable(s)) throw refuseAsync(name, "state()", s);
    return s;
  };
  const hooks = p as unknown as Record<string, Hook | undefined>;
  for (const hook of ACTIONS) {
    const f = hooks[hook];
    if (typeof f === "function") wrapped[hook] = guardAction(p, name, hook, f);
  }
  const view = hooks.guestCacheView;
  if (typeof view === "function") wrapped.guestCacheView = guardView(p, name, view);
  const result = Object.freeze(wrapped) as unknown as Policy;
  guarded.set(p, result);
  GUARDED.add(result);
  return result as Policy<S>;
}

/**
 * Whether a policy runs behind guards (it is not built in): its vCPUs then
 * refuse a non-boolean HCR write at the write (see `HcrBits`).
 *
 * @example Usage
 * ```ts
 * import { guardPolicy, isGuarded } from "./guard.ts";
 * import { definePolicy } from "@setway/setway";
 * import { kvm40 } from "@setway/setway";
 * console.log(isGuarded(guardPolicy(definePolicy({ name: "mine" }))), isGuarded(kvm40)); // true false
 * ```
 * @param policy a policy
 * @returns true for the guarded form of a user policy
 */
export function isGuarded(policy: Policy): boolean {
  return GUARDED.has(policy as Policy);
}
