// Fuzzing, seeded and reproducible: more than 10 000 random scenarios per
// run of this file. A failure prints fast-check's seed and path; set
// SETWAY_FUZZ_SEED to explore other seeds locally.
import assert from "node:assert/strict";
import fc from "fast-check";
import { GuestBuilder, validate, vm } from "../../lib/dsl/mod.ts";
import { run } from "../../lib/engine/run.ts";
import type { Scenario } from "../../lib/engine/scenario.ts";
import { validateScenario } from "../../lib/engine/rules/entry.ts";
import { ScenarioError } from "../../lib/errors.ts";
import { policies } from "../../lib/hyp/policies/mod.ts";
import { anyMachine, junk, mutate, mutation, pcpusOf, scenarioOf } from "./arbitraries.ts";
import { BASE } from "./helpers.ts";

const POLICIES = Object.keys(policies);
const SEED = Number(Deno.env.get("SETWAY_FUZZ_SEED") ?? 0x5e7a);
if (Deno.env.get("SETWAY_FUZZ_SEED")) console.log(`fuzz seed ${SEED}`);

/** Per property: how many random cases; their sum is checked at the end. */
const RUNS = {
  anything: 3000,
  coherence: 2500,
  nativeOn: 1500,
  validators: 2500,
  builder: 1000,
};
let executed = 0;

/** A run that may fail only with a ScenarioError; returns it, or undefined. */
function tryRun(s: unknown): ScenarioError | undefined {
  try {
    run(s as Scenario, { maxSteps: 200_000 });
    return undefined;
  } catch (e) {
    if (e instanceof ScenarioError) return e;
    throw new assert.AssertionError({
      message: `run() threw ${e instanceof Error ? e.stack : e}, not a ScenarioError`,
    });
  }
}

Deno.test("fuzz: any scenario, junk included, fails only with ScenarioError, and only when validate() refuses it", () => {
  const shape = { mix: "any" as const, policies: POLICIES, maxSteps: 10 };
  const arb = fc.tuple(
    scenarioOf(shape),
    fc.array(mutation, { maxLength: 2 }),
    fc.boolean(),
  ).map(([s, changes, keep]) => (keep ? s : mutate(s, changes)));
  fc.assert(
    fc.property(arb, (s) => {
      executed++;
      const checked = validate(s);
      const error = tryRun(s);
      const knownPolicy = POLICIES.includes((s as { policy?: unknown }).policy as string);
      if (checked.ok && knownPolicy) {
        // A scenario validate() accepts is one run() can run: only a budget may stop it.
        if (error) assert.equal(error.code, "budget_exceeded", error.message);
      } else {
        assert.ok(error, "run() must refuse what validate() refuses");
        if (!checked.ok) {
          const paths = checked.issues.map((i) => i.path);
          assert.ok(
            error.call === "policy" || paths.includes(error.call),
            `${error.call} among ${paths.join(", ")}`,
          );
        }
      }
    }),
    { seed: SEED, numRuns: RUNS.anything },
  );
});

Deno.test("fuzz: the hardware stays coherent — cacheable-only programs read their last write, under every policy", () => {
  fc.assert(
    fc.property(
      scenarioOf({ mix: "cacheable", policies: POLICIES, maxSteps: 14 }),
      (s) => {
        executed++;
        const r = run(s);
        assert.deepEqual(r.verdict.violations, [], r.trace({ filter: "all" }));
        assert.equal(r.verdict.failsNatively, false);
        // run() may know that without running the program natively (Judge.passesNatively):
        // the native policy's own execution is the one it skips.
        const native = run({ ...s, policy: "native" });
        assert.deepEqual(native.verdict.violations, [], native.trace({ filter: "all" }));
      },
    ),
    { seed: SEED + 1, numRuns: RUNS.coherence },
  );
});

Deno.test("fuzz: under the native policy with caches never off, no violation ever appears", () => {
  fc.assert(
    fc.property(
      scenarioOf({ mix: "native-on", policies: ["native"], maxSteps: 14 }),
      (s) => {
        executed++;
        const r = run(s, { maxSteps: 200_000 });
        assert.deepEqual(r.verdict.violations, [], r.trace({ filter: "all" }));
      },
    ),
    { seed: SEED + 2, numRuns: RUNS.nativeOn },
  );
});

Deno.test("fuzz: validate() and run()'s checks report the same issues for the same scenario", () => {
  const arb = fc.tuple(
    scenarioOf({ mix: "any", policies: [...POLICIES, "kvm-9"], maxSteps: 6 }),
    fc.array(mutation, { minLength: 1, maxLength: 3 }),
  ).map(([s, changes]) => mutate(s, changes));
  fc.assert(
    fc.property(arb, (s) => {
      executed++;
      const dsl = validate(s);
      const engine = validateScenario(s as Scenario);
      const notPolicy = (i: { path: string }) => i.path !== "policy";
      const dslIssues = dsl.ok ? [] : dsl.issues.filter(notPolicy);
      const engineIssues = engine.ok ? [] : engine.issues.filter(notPolicy);
      assert.deepEqual(
        engineIssues.map((i) => [i.code, i.path, i.message]),
        dslIssues.map((i) => [i.code, i.path, i.message]),
      );
    }),
    { seed: SEED + 3, numRuns: RUNS.validators },
  );
});

type Call = (b: { vm: ReturnType<typeof vm>; g: GuestBuilder }) => {
  vm: ReturnType<typeof vm>;
  g: GuestBuilder;
};

/** A builder call with either a plausible or a junk argument. */
function callOf(): fc.Arbitrary<Call> {
  const addr = fc.oneof(
    fc.integer({ min: 0, max: 1023 }).map((i) => BASE + 4 * i),
    junk,
  );
  const n = fc.oneof(fc.integer({ min: -2, max: 9 }), junk);
  // deno-lint-ignore no-explicit-any
  const a = <T>(x: T) => x as any;
  return fc.oneof(
    anyMachine.map((m): Call => (b) => ({ ...b, vm: b.vm.machine(m) })),
    junk.map((m): Call => (b) => ({ ...b, vm: b.vm.machine(a(m)) })),
    n.map((c): Call => (b) => ({ ...b, vm: b.vm.cpus(a(c)) })),
    fc.oneof(fc.constantFrom<unknown>("64KiB", "1MiB", 65536), junk).map((r): Call => (b) => ({
      ...b,
      vm: b.vm.ram(a(r)),
    })),
    fc.oneof(fc.constantFrom<unknown>(...Object.keys(policies)), junk).map((p): Call => (b) => ({
      ...b,
      vm: b.vm.policy(a(p)),
    })),
    fc.oneof(fc.constantFrom<unknown>("quiet", "adversarial"), junk).map((m): Call => (b) => ({
      ...b,
      vm: b.vm.speculation(a(m)),
    })),
    fc.oneof(fc.constant(undefined), fc.constant(false), junk).map((c): Call => (b) => ({
      ...b,
      vm: b.vm.systemCache(a(c)),
    })),
    n.map((x): Call => (b) => ({ ...b, vm: b.vm.seed(a(x)) })),
    fc.oneof(fc.record({ steps: fc.integer({ min: 1, max: 100 }) }), junk).map(
      (x): Call => (b) => ({
        ...b,
        vm: b.vm.budget(a(x)),
      }),
    ),
    fc.tuple(addr, n).map(([x, v]): Call => (b) => ({ ...b, g: b.g.write(a(x), a(v)) })),
    addr.map((x): Call => (b) => ({ ...b, g: b.g.read(a(x)) })),
    fc.tuple(addr, n).map(([x, l]): Call => (b) => ({ ...b, g: b.g.dc_civac(a(x), a(l)) })),
    fc.tuple(n, n, n).map(([l, s, w]): Call => (b) => ({ ...b, g: b.g.dc_cisw(a(l), a(s), a(w)) })),
    fc.constantFrom<Call>(
      (b) => ({ ...b, g: b.g.mmuOn() }),
      (b) => ({ ...b, g: b.g.mmuOff() }),
      (b) => ({ ...b, g: b.g.sw_clean() }),
    ),
    junk.map((x): Call => (b) => ({ ...b, g: b.g.sctlr(a(x)) })),
    fc.tuple(n, n).map(([v, p]): Call => (b) => ({ ...b, g: b.g.migrate(a(v), a(p)) })),
    fc.tuple(n, junk).map(([v, f]): Call => (b) => ({ ...b, g: b.g.on(a(v), a(f)) })),
    n.map((v): Call => (b) => ({ ...b, g: b.g.on(a(v), (h) => h.mmuOn()) })),
    fc.tuple(addr, junk).map(([x, o]): Call => (b) => ({
      ...b,
      g: b.g.host((h) => h.write(a(x), 1), a(o)),
    })),
    junk.map((x): Call => (b) => ({ ...b, g: b.g.pc(a(x)) })),
    junk.map((x): Call => (b) => ({ ...b, g: b.g.append(a(x)) })),
    junk.map((x): Call => (b) => ({ ...b, g: b.g.zImage32(a(x)) })),
  );
}

Deno.test("fuzz: random builder chains with junk arguments throw only ScenarioError; what toJSON() accepts, run() runs", async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(callOf(), { maxLength: 8 }), fc.boolean(), async (calls, runIt) => {
      executed++;
      let b = { vm: vm().ram("64KiB"), g: GuestBuilder.create() };
      try {
        for (const call of calls) {
          b = call(b);
          if (b.g.toSteps().length > 0 && calls.indexOf(call) % 3 === 2) {
            const steps = b.g.toSteps();
            b = { vm: b.vm.guest((g) => g.append(steps)), g: GuestBuilder.create() };
          }
        }
        const scenario = b.vm.toJSON();
        assert.ok(validate(scenario).ok);
        if (runIt) {
          try {
            await b.vm.run({ maxSteps: 100_000 });
          } catch (e) {
            assert.ok(e instanceof ScenarioError && e.code === "budget_exceeded", String(e));
          }
        }
      } catch (e) {
        if (e instanceof assert.AssertionError) throw e;
        assert.ok(e instanceof ScenarioError, `not a ScenarioError: ${(e as Error)?.stack ?? e}`);
      }
    }),
    { seed: SEED + 4, numRuns: RUNS.builder },
  );
});

Deno.test("fuzz: at least 10 000 random scenarios ran", () => {
  const planned = Object.values(RUNS).reduce((a, b) => a + b, 0);
  assert.ok(planned >= 10_000, `only ${planned} planned`);
  assert.equal(executed, planned, "every property ran all its cases");
});

Deno.test("fuzz: the machines it draws run on the hardware model", () => {
  // The arbitraries themselves must produce valid input, or the properties above test little.
  fc.assert(
    fc.property(anyMachine, (m) => {
      assert.ok(vm().machine(m).toJSON().cpus === 1);
      assert.ok(pcpusOf(m) >= 1);
    }),
    { seed: SEED + 5, numRuns: 200 },
  );
});
