/**
 * Fuzz properties for the user's mistakes, shared by the CI test
 * (user_errors_fuzz_test.ts) and `deno task fuzz` (fuzz_main.ts, 10^6 cases): option objects with unknown keys, junk values and
 * odd prototypes given to every option-taking call; JSON scenarios whose
 * arrays carry odd own properties; user policies that misbehave in each
 * hook; and two invariants of well-formed runs (a VA-correct guest on the
 * native policy never reads stale data; a rerun is identical).
 *
 * Each property is a function of one case, returning normally when the case
 * holds and throwing an `assert.AssertionError` otherwise.
 *
 * @module
 */

import assert from "node:assert/strict";
import fc from "fast-check";
import { GuestBuilder, vm } from "../../lib/dsl/mod.ts";
import { run } from "../../lib/engine/run.ts";
import { compare } from "../../lib/engine/compare.ts";
import { checkExpectations } from "../../lib/engine/expect/check.ts";
import { resolveExploreOptions } from "../../lib/engine/explore/options.ts";
import type { Scenario } from "../../lib/engine/scenario.ts";
import { ScenarioError } from "../../lib/errors.ts";
import { definePolicy } from "../../lib/hyp/policies/define.ts";
import { POLICY_HOOKS } from "../../lib/hyp/policy.ts";
import type { Policy } from "../../lib/hyp/policy.ts";
import type { Machine } from "../../lib/hw/machine.ts";
import { anyMachine, junk, scenarioOf } from "./arbitraries.ts";
import { BASE } from "./helpers.ts";

/** A property over cases of type T: the arbitrary and the check of one case. */
export interface FuzzProperty<T> {
  /** What it checks, for reports. */
  readonly name: string;
  /** The cases. */
  readonly arbitrary: fc.Arbitrary<T>;
  /** Checks one case; throws an AssertionError when it does not hold. */
  readonly check: (value: T) => void | Promise<void>;
}

/** Runs `fn`; anything thrown that is not a ScenarioError fails the property. */
export async function onlyScenarioErrors(
  what: string,
  fn: () => unknown,
): Promise<ScenarioError | undefined> {
  try {
    await fn();
    return undefined;
  } catch (e) {
    if (e instanceof assert.AssertionError) throw e;
    if (e instanceof ScenarioError) {
      assert.ok(!/\n/.test(e.message.trim()) || e.message.startsWith("invalid scenario"), what);
      return e;
    }
    throw new assert.AssertionError({
      message: `${what} threw ${e instanceof Error ? e.stack : String(e)}, not a ScenarioError`,
    });
  }
}

/** Keys close to real option names, and names no call takes. */
const KEY_NAMES = [
  "maxSteps",
  "maxStep",
  "maxEvents",
  "maxTouchedPages",
  "maxWallMs",
  "costs",
  "policy",
  "base",
  "bsae",
  "words",
  "pages",
  "vcpu",
  "era",
  "load",
  "cpus",
  "loadedBy",
  "fdt",
  "secondary",
  "l1",
  "expect",
  "reduce",
  "seconds",
  "machine",
  "mode",
  "constructor",
  "toString",
  "valueOf",
  "then",
  "steps",
];

/**
 * An options argument: undefined, junk, or an object of known and unknown
 * keys with plausible or junk values, sometimes on an odd prototype (one that
 * carries option names itself, or none at all).
 */
export const optionsArg: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 1, arbitrary: junk },
  {
    weight: 4,
    arbitrary: fc.tuple(
      fc.dictionary(
        fc.constantFrom(...KEY_NAMES),
        fc.oneof(junk, fc.integer({ min: 1, max: 4 }), fc.constant(BASE)),
        { maxKeys: 3 },
      ),
      fc.constantFrom("plain", "null-proto", "proto-keys", "json"),
    ).map(([keys, proto]) => {
      if (proto === "null-proto") return Object.assign(Object.create(null), keys);
      if (proto === "proto-keys") {
        return Object.assign(Object.create({ maxSteps: -1, base: "x", steps: 1 }), keys);
      }
      if (proto === "json") {
        // JSON.parse makes "__proto__" an own key, as data from a file would.
        try {
          return JSON.parse(JSON.stringify(keys).replace(/"constructor"/, '"__proto__"'));
        } catch {
          return keys;
        }
      }
      return keys;
    }),
  },
);

/** Two CPUs with a one-line L1 each and a two-line L2: a set/way walk is a few slots. */
const TINY_MACHINE: Machine = {
  name: "tiny",
  description: "two CPUs, one-line caches",
  clusters: [{ cpus: 2, l1d: { size: 64, ways: 1 }, l2: { size: 128, ways: 2 } }],
};

/** A VM on the tiny machine with 16 KiB of RAM: a run costs well under a millisecond. */
function small() {
  return vm().machine(TINY_MACHINE).ram("16KiB");
}

/** A tiny valid scenario, cheap to run. */
function tiny(): Scenario {
  return small().guest((g) => g.write(BASE, 1).read(BASE)).toJSON();
}

/** The option-taking calls, each given one options argument. */
const OPTION_CALLS: Record<string, (o: unknown) => unknown> = {
  "vm().run": (o) => small().guest((g) => g.read(BASE)).run(o as never),
  "run": (o) => run(tiny(), o as never),
  "compare": (o) => compare(tiny(), ["kvm-4.0", "native"], o as never),
  "check": (o) => checkExpectations(tiny(), o as never),
  "vm().check": (o) => small().guest((g) => g.read(BASE)).check(o as never),
  "explore options": (o) => resolveExploreOptions(o as never),
  "ram": (o) => vm().ram("64KiB", o as never),
  "budget": (o) => vm().budget(o as never),
  "zImage32": (o) => vm().ram("16MiB").guest((g) => g.zImage32(o as never)),
  "linuxArm64": (o) => vm().cpus(2).ram("256MiB").guest((g) => g.linuxArm64(o as never)),
  "edk2": (o) => vm().ram("256MiB").guest((g) => g.edk2(o as never)),
  "uboot": (o) => vm().ram("256MiB").guest((g) => g.uboot(o as never)),
  "smpSecondary": (o) => vm().cpus(2).ram("16MiB").guest((g) => g.smpSecondary(o as never)),
  "noMaintenance": (o) => vm().ram("64KiB").guest((g) => g.noMaintenance(o as never)),
  "vaCorrect": (o) => vm().ram("64KiB").guest((g) => g.vaCorrect(o as never)),
  "GuestBuilder.vaCorrect": (o) => GuestBuilder.create().vaCorrect(o as never),
};

/** Every option-taking call, given any options: a result or a ScenarioError, nothing else. */
export const optionObjects: FuzzProperty<[string, unknown]> = {
  name: "option objects: unknown keys, junk values and odd prototypes give only ScenarioError",
  arbitrary: fc.tuple(fc.constantFrom(...Object.keys(OPTION_CALLS)), optionsArg),
  async check([call, options]) {
    const error = await onlyScenarioErrors(call, () => OPTION_CALLS[call](options));
    const own = options !== null && typeof options === "object"
      ? Object.keys(options).filter((k) => (options as Record<string, unknown>)[k] !== undefined)
      : [];
    // Keys no call takes are refused wherever they appear.
    const foreign = own.filter((k) =>
      ["maxStep", "bsae", "constructor", "__proto__", "toString", "valueOf", "then"].includes(k)
    );
    if (foreign.length > 0) assert.ok(error, `${call} accepted ${foreign.join(", ")}`);
    if (options !== undefined && (options === null || typeof options !== "object")) {
      assert.ok(error, `${call} accepted ${String(options)} as its options`);
    }
  },
};

/** What a JSON document's arrays may carry besides their elements. */
const ODD_PROPERTY = fc.tuple(
  fc.constantFrom("constructor", "length2", "map", "0x", "toJSON"),
  junk,
);

/** vm().from() of a scenario whose `steps` (or `expect`) array carries odd own properties. */
export const oddDocuments: FuzzProperty<[Scenario, string, [string, unknown]]> = {
  name: "vm().from(): arrays with odd own properties give a builder or a ScenarioError",
  arbitrary: fc.tuple(
    scenarioOf({ mix: "any", policies: ["kvm-4.0", "native"], maxSteps: 4 }),
    fc.constantFrom("steps", "scenario", "step"),
    ODD_PROPERTY,
  ),
  async check([scenario, where, [key, value]]) {
    const doc = structuredClone(scenario) as unknown as Record<string, unknown>;
    const steps = doc.steps as Record<string, unknown>[];
    const target: Record<string, unknown> = where === "steps"
      ? steps as unknown as Record<string, unknown>
      : where === "scenario"
      ? doc
      : (steps[0] ?? doc);
    target[key] = value;
    const error = await onlyScenarioErrors("vm().from", async () => {
      const b = vm().from(doc);
      await b.run({ maxSteps: 100_000 });
    });
    if (error) assert.ok(error.code !== undefined);
  },
};

/** How a hook misbehaves. */
type Misdeed =
  | "throw-error"
  | "throw-value"
  | "return-junk"
  | "async-reject"
  | "async-resolve"
  | "hcr-junk"
  | "hcr-typo"
  | "emit-junk";

const MISDEEDS: readonly Misdeed[] = [
  "throw-error",
  "throw-value",
  "return-junk",
  "async-reject",
  "async-resolve",
  "hcr-junk",
  "hcr-typo",
  "emit-junk",
];

/** A user policy: traps everything; one hook misbehaves, on its `when`-th call. */
export interface MisbehavingPolicy {
  /** The hook that misbehaves. */
  readonly hook: string;
  /** How. */
  readonly misdeed: Misdeed;
  /** On which of its calls (0-based). */
  readonly when: number;
  /** The junk it returns, throws or writes. */
  readonly value: unknown;
}

function misbehave(p: MisbehavingPolicy, calls: { n: number }): unknown {
  // deno-lint-ignore no-explicit-any
  return function (this: unknown, hyp: any, ...rest: unknown[]): unknown {
    const n = calls.n++;
    const honest = () => {
      if (p.hook === "onReset") {
        hyp.vcpu.hcr.tsw = true;
        hyp.vcpu.hcr.tvm = true;
      }
      if (p.hook === "guestCacheView") return rest[0];
      return undefined;
    };
    if (n !== p.when) return honest();
    switch (p.misdeed) {
      case "throw-error":
        throw new RangeError(`hook ${p.hook} failed`);
      case "throw-value":
        throw p.value;
      case "return-junk":
        return p.value;
      case "async-reject":
        return Promise.reject(new Error("late"));
      case "async-resolve":
        return Promise.resolve(honest());
      case "hcr-junk":
        hyp.vcpu.hcr.tsw = p.value;
        return honest();
      case "hcr-typo":
        hyp.vcpu.hcr.tws = true;
        return honest();
      case "emit-junk":
        hyp.emit("policy_event", { bad: p.value });
        return honest();
    }
  };
}

/** Builds the policy of a case, and counts calls of the misbehaving hook. */
function policyOf(p: MisbehavingPolicy): { policy: Policy; calls: { n: number } } {
  const calls = { n: 0 };
  const hooks: Record<string, unknown> = {
    onReset: (hyp: { vcpu: { hcr: { tsw: boolean; tvm: boolean } } }) => {
      hyp.vcpu.hcr.tsw = true;
      hyp.vcpu.hcr.tvm = true;
    },
  };
  hooks[p.hook] = misbehave(p, calls);
  const policy = definePolicy({ name: `misbehaving-${p.hook.toLowerCase()}`, ...hooks });
  return { policy: policy as Policy, calls };
}

/** Whether what a misdeed did is fine after all (an honest value, a boolean in HCR). */
function harmless(p: MisbehavingPolicy): boolean {
  if (p.misdeed === "hcr-junk") return typeof p.value === "boolean";
  if (p.misdeed === "emit-junk") {
    const v = p.value;
    return v === null || typeof v === "string" || typeof v === "boolean" ||
      (typeof v === "number" && Number.isFinite(v));
  }
  if (p.misdeed === "return-junk") {
    // An action's return value is ignored; a view must be one.
    return p.hook !== "guestCacheView";
  }
  return false;
}

/** The guest every misbehaving policy runs: it reaches every hook. */
function hookScenario(policy: Policy) {
  return small().cpus(2).policy(policy).guest((g) =>
    g.write(BASE, 1).dc_cisw(1, 0, 0).sw_clean().migrate(0, 1).mmuOn().cachesOn()
      .host((h) => h.unmap(BASE + 0x1000)).read(BASE + 0x1000).on(1, (s) => s.read(BASE))
      .sw_clean()
  );
}

/**
 * User policies that misbehave in one hook: the run ends in a ScenarioError
 * naming the policy and the hook (never another error, never a verdict),
 * or, when the misdeed was harmless or the hook never reached its turn,
 * succeeds, and its trace prints.
 */
export const misbehavingPolicies: FuzzProperty<MisbehavingPolicy> = {
  name: "user policies misbehaving in each hook give a ScenarioError naming the policy and hook",
  arbitrary: fc.record({
    hook: fc.constantFrom(...POLICY_HOOKS),
    misdeed: fc.constantFrom(...MISDEEDS),
    when: fc.integer({ min: 0, max: 3 }),
    value: junk,
  }),
  async check(p) {
    const { policy, calls } = policyOf(p);
    let result: Awaited<ReturnType<ReturnType<typeof hookScenario>["run"]>> | undefined;
    const error = await onlyScenarioErrors(`${p.hook} ${p.misdeed}`, async () => {
      result = await hookScenario(policy).run({ maxSteps: 100_000 });
    });
    const reached = calls.n > p.when;
    if (error) {
      assert.ok(reached, `refused before ${p.hook} misbehaved: ${error.message}`);
      assert.ok(
        error.message.startsWith(`policy "${policy.name}": ${p.hook}`),
        `message names the policy and the hook: ${error.message}`,
      );
    } else {
      assert.ok(!reached || harmless(p), `${p.hook} ${p.misdeed} was accepted`);
      assert.equal(typeof result!.trace(), "string");
      assert.equal(typeof JSON.stringify(result!.toJSON()), "string");
    }
  },
};

/**
 * A VA-correct guest (cleans by VA what it wrote with caches off before
 * reading it with caches on) under the native policy never reads stale
 * data, on any machine; and a rerun of the same scenario is byte-identical.
 */
export const vaCorrectNative: FuzzProperty<[string | Machine, number, number]> = {
  name: "VA-correct guests on native never read stale data; reruns are identical",
  arbitrary: fc.tuple(anyMachine, fc.integer({ min: 1, max: 16 }), fc.nat({ max: 1000 })),
  async check([machine, words, seed]) {
    const b = vm().machine(machine).ram("16KiB").policy("native").seed(seed)
      .speculation("adversarial").guest((g) => g.vaCorrect({ base: BASE, words, pages: 1 }));
    const first = await b.run();
    assert.deepEqual(first.verdict.violations, [], first.trace());
    const second = await b.run();
    assert.equal(JSON.stringify(second.toJSON()), JSON.stringify(first.toJSON()));
  },
};

/**
 * Every property of this module, with its number of cases in CI (5 800,
 * which with fuzz_test.ts's 10 500 make CI's fuzzing); `deno task fuzz`
 * scales them up.
 *
 * @example Usage
 * ```ts ignore
 * import { PROPERTIES } from "./user_fuzz.ts";
 * console.log(PROPERTIES.map((p) => p.property.name));
 * ```
 */
export const PROPERTIES: readonly { property: FuzzProperty<unknown>; runs: number }[] = [
  { property: optionObjects as unknown as FuzzProperty<unknown>, runs: 3000 },
  { property: oddDocuments as unknown as FuzzProperty<unknown>, runs: 1500 },
  { property: misbehavingPolicies as unknown as FuzzProperty<unknown>, runs: 1000 },
  { property: vaCorrectNative as unknown as FuzzProperty<unknown>, runs: 300 },
];
