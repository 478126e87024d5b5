/**
 * `Judge.passesNatively`, which lets `run()` skip the native execution,
 * against that execution itself: wherever it says a program cannot fail
 * natively, the program run natively reads exactly what the oracle
 * expects; and a run's `failsNatively` is what the native execution says,
 * whether the run took the shortcut or not.
 */

import assert from "node:assert/strict";
import fc from "fast-check";
import { run } from "../../lib/engine/run.ts";
import { Judge } from "../../lib/engine/judge.ts";
import { expectedReads, firstFailingRead } from "../../lib/engine/oracle.ts";
import { assertScenario, validateScenario } from "../../lib/engine/rules/entry.ts";
import { candidateLines } from "../../lib/engine/execute.ts";
import type { Scenario, Speculation } from "../../lib/engine/scenario.ts";
import type { Step } from "../../lib/guest/ops.ts";
import { fitExecState, fitSetWay, scenarioAround, stepOf } from "../reliability/arbitraries.ts";
import { BASE } from "../reliability/helpers.ts";

/**
 * Programs that mostly qualify: most vCPUs turn their MMU and caches on
 * first, then reads, writes and the steps that move no data, with now and
 * then an SCTLR write of any bits or a step of any other kind.
 */
function programOf(cpus: number, pcpus: number): fc.Arbitrary<Step[]> {
  const vcpu = fc.integer({ min: 0, max: cpus - 1 });
  const sctlr = fc.record({
    kind: fc.constant("sctlr" as const),
    vcpu,
    bits: fc.record({ m: fc.boolean(), c: fc.boolean() }, { requiredKeys: [] })
      .filter((bits) => Object.keys(bits).length > 0),
  });
  const quiet = stepOf(cpus, pcpus, "cacheable").filter((s) =>
    s.kind !== "dc_va" && s.kind !== "host_write"
  );
  const step = fc.oneof(
    { arbitrary: quiet, weight: 20 },
    { arbitrary: sctlr, weight: 1 },
    { arbitrary: stepOf(cpus, pcpus, "any"), weight: 1 },
  );
  const on = fc.array(fc.boolean(), { minLength: cpus, maxLength: cpus }).map((flags) =>
    flags.flatMap((f, i): Step[] =>
      f || i % 2 === 0 ? [{ kind: "sctlr", vcpu: i, bits: { m: true, c: true } }] : []
    )
  );
  return fc.tuple(on, fc.array(step, { maxLength: 40, size: "max" })).map(([a, b]) => [...a, ...b]);
}

const scenarios: fc.Arbitrary<Scenario> = scenarioAround(
  (machine, cpus, pcpus) =>
    programOf(cpus, pcpus).map((steps) => fitExecState(machine, fitSetWay(machine, cpus, steps))),
  ["kvm-4.0", "kvm-3.18", "xen", "kvm-modern"],
  ["quiet", "quiet", "quiet", "adversarial"],
).filter((scenario) => validateScenario(scenario).ok);

/** What the native execution says of a scenario's reads: the index of the first failing one, or -1. */
function nativeFailure(scenario: Scenario): number {
  const { machine, policy } = assertScenario(scenario);
  const judge = new Judge(machine, policy, candidateLines(scenario.steps, 64));
  return firstFailingRead(expectedReads(scenario.steps), judge.nativeReads(scenario, undefined));
}

Deno.test("property: where passesNatively says so, the native execution reads what the oracle expects", () => {
  let shortcuts = 0, runs = 0;
  fc.assert(
    fc.property(scenarios, (scenario) => {
      const { machine, policy } = assertScenario(scenario);
      const judge = new Judge(machine, policy, new Float64Array(0));
      runs++;
      if (!judge.passesNatively(scenario, Infinity)) return;
      shortcuts++;
      const expected = expectedReads(scenario.steps);
      assert.deepEqual(Array.from(judge.nativeReads(scenario, undefined)), Array.from(expected));
    }),
    { seed: 41, numRuns: 400 },
  );
  // Not vacuous: most programs here qualify, and some do not.
  assert.ok(shortcuts > runs / 4 && shortcuts < runs, `${shortcuts} of ${runs}`);
});

Deno.test("property: a run's failsNatively is what the native execution says", () => {
  fc.assert(
    fc.property(scenarios, (scenario) => {
      const result = run(scenario);
      assert.equal(result.verdict.failsNatively, nativeFailure(scenario) >= 0);
    }),
    { seed: 42, numRuns: 200 },
  );
});

/** Two vCPUs on the generic machine, 1 MiB of prefaulted RAM. */
const scenario = (steps: Step[], speculation: Speculation = "quiet"): Scenario => ({
  version: 1,
  machine: "generic",
  cpus: 2,
  systemCache: "machine",
  policy: "kvm-4.0",
  ram: 1 << 20,
  ramBase: BASE,
  prefault: true,
  seed: 1,
  speculation,
  steps,
});

Deno.test("passesNatively: caches off for an access, maintenance, adversarial hardware or a small page budget say no", () => {
  const { machine, policy } = assertScenario(scenario([]));
  const judge = new Judge(machine, policy, new Float64Array(0));
  const on: Step[] = [
    { kind: "sctlr", vcpu: 0, bits: { m: true, c: true } },
    { kind: "sctlr", vcpu: 1, bits: { c: true } },
    { kind: "sctlr", vcpu: 1, bits: { m: true } },
  ];
  const write: Step = { kind: "write", vcpu: 1, addr: BASE, value: 1 };
  assert.equal(judge.passesNatively(scenario([...on, write]), Infinity), true);
  assert.equal(judge.passesNatively(scenario([...on, write]), 256), true); // 1 MiB of RAM
  assert.equal(judge.passesNatively(scenario([...on, write]), 255), false);
  assert.equal(judge.passesNatively(scenario([...on, write], "adversarial"), Infinity), false);
  assert.equal(judge.passesNatively(scenario([on[0], on[1], write]), Infinity), false);
  assert.equal(
    judge.passesNatively(
      scenario([...on, { kind: "sctlr", vcpu: 1, bits: { c: false } }, write]),
      Infinity,
    ),
    false,
  );
  assert.equal(
    judge.passesNatively(
      scenario([...on, { kind: "dc_va", vcpu: 0, op: "cvac", addr: BASE, len: 4 }, write]),
      Infinity,
    ),
    false,
  );
  assert.equal(
    judge.passesNatively(scenario([...on, { kind: "host_write", addr: BASE, value: 2 }]), Infinity),
    false,
  );
});

Deno.test("passesNatively: reads and the steps that move no data qualify; an MMU turned off again does not", () => {
  const { machine, policy } = assertScenario(scenario([]));
  const judge = new Judge(machine, policy, new Float64Array(0));
  const on: Step = { kind: "sctlr", vcpu: 0, bits: { m: true, c: true } };
  const quiet: Step[] = [
    on,
    { kind: "write", vcpu: 0, addr: BASE, value: 1 },
    { kind: "pc", vcpu: 0, addr: BASE + 0x100 },
    { kind: "migrate", vcpu: 0, pcpu: 1 },
    { kind: "read", vcpu: 0, addr: BASE },
  ];
  // It is asked of validated programs only: these are.
  assertScenario(scenario(quiet));
  assert.equal(judge.passesNatively(scenario(quiet), Infinity), true);
  const mmuOff: Step[] = [on, { kind: "sctlr", vcpu: 0, bits: { m: false } }, quiet[4]];
  assertScenario(scenario(mmuOff));
  assert.equal(judge.passesNatively(scenario(mmuOff), Infinity), false);
  const mmuOffWrite: Step[] = [on, { kind: "sctlr", vcpu: 0, bits: { m: false } }, quiet[1]];
  assert.equal(judge.passesNatively(scenario(mmuOffWrite), Infinity), false);
});
