// A run resumed at a later step with a read array handed in (only the reads
// from that step on are counted) against the same run with its own array
// (every read of the program counted), and against the whole program run
// from step 0: the same reads from that step on, zeros before it. And an
// execution given an output object returns that object, filled as a run
// without one returns its own.
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  candidateLines,
  execute,
  type ExecuteOutput,
  newOutput,
} from "../../lib/engine/execute.ts";
import { NULL_SINK } from "../../lib/hyp/event_sink.ts";
import { Hardware } from "../../lib/hw/hardware.ts";
import type { Hypervisor } from "../../lib/hyp/hypervisor.ts";
import { assertScenario } from "../../lib/engine/rules/entry.ts";
import type { Step } from "../../lib/guest/ops.ts";
import type { Scenario } from "../../lib/engine/scenario.ts";
import { BASE, scenario } from "./fixtures.ts";

const RAM = 1 << 16;

const vcpu = fc.nat({ max: 1 });

/** A step of the programs below, its addresses drawn from `word`. */
const stepOver = (word: fc.Arbitrary<number>): fc.Arbitrary<Step> =>
  fc.oneof(
    fc.record({ kind: fc.constant("write" as const), vcpu, addr: word, value: fc.nat() }),
    fc.record({ kind: fc.constant("read" as const), vcpu, addr: word }),
    fc.record({ kind: fc.constant("read" as const), vcpu, addr: word }),
    fc.record({
      kind: fc.constant("sctlr" as const),
      vcpu,
      bits: fc.boolean().map((on) => ({ m: on, c: on })),
    }),
    fc.record({
      kind: fc.constant("dc_va" as const),
      vcpu,
      op: fc.constantFrom("cvac" as const, "civac" as const, "ivac" as const),
      addr: word,
      len: fc.integer({ min: 1, max: 4096 }),
    }),
    fc.record({
      kind: fc.constant("sw" as const),
      vcpu,
      op: fc.constantFrom("csw" as const, "cisw" as const, "isw" as const),
      level: fc.constantFrom(1, 2),
      set: fc.nat({ max: 31 }),
      way: fc.nat({ max: 3 }),
    }),
    fc.record({ kind: fc.constant("migrate" as const), vcpu, pcpu: fc.nat({ max: 3 }) }),
  );

/** A step over 64 words. */
const stepArb = stepOver(fc.nat({ max: 63 }).map((k) => BASE + 256 * k));
/** A step over 4 words: most reads read a word written before them. */
const stepArbFew = stepOver(fc.nat({ max: 3 }).map((k) => BASE + 256 * k));

/** Runs `s` on `hardware` from step `from` (in `hyp` when resuming), with `got` if given. */
function runFrom(
  s: Scenario,
  hardware: Hardware,
  hyp: Hypervisor | undefined,
  from: number,
  got?: Float64Array,
): { out: ExecuteOutput; hyp: Hypervisor } {
  const { machine, policy } = assertScenario(s);
  let end: Hypervisor | null = null;
  const out = execute({
    scenario: s,
    machine,
    policy,
    speculation: "quiet",
    sink: NULL_SINK,
    maxSteps: Infinity,
    candidates: candidateLines(s.steps, 64),
    hardware,
    ...(hyp === undefined ? {} : { hypervisor: hyp }),
    from,
    ...(got === undefined ? {} : { got }),
    onEnd: (h) => (end = h),
  });
  return { out, hyp: end! };
}

/** The program's first `k` steps run on new hardware: the state a run resumed at `k` needs. */
function prefix(s: Scenario, k: number): { hardware: Hardware; hyp: Hypervisor } {
  const { machine } = assertScenario(s);
  const hardware = new Hardware(machine);
  const { hyp } = runFrom({ ...s, steps: s.steps.slice(0, k) }, hardware, undefined, 0);
  return { hardware, hyp };
}

Deno.test("property: a resumed run with a read array handed in reads what the whole run reads", () => {
  let resumedReads = 0, resumedWritten = 0;
  fc.assert(
    fc.property(
      fc.array(stepArbFew, { minLength: 1, maxLength: 20 }),
      fc.nat(),
      fc.constantFrom("kvm-4.0", "kvm-3.18", "xen", "native"),
      fc.boolean(),
      (steps, cut, policy, prefault) => {
        const s = scenario(steps, { cpus: 2, ram: RAM, policy, prefault });
        try {
          assertScenario(s);
        } catch {
          return; // an invalid program: nothing to compare
        }
        const k = 1 + (cut % steps.length);
        const whole = runFrom(s, prefix(s, 0).hardware, undefined, 0).out;
        const a = prefix(s, k);
        const counted = runFrom(s, a.hardware, a.hyp, k).out;
        const b = prefix(s, k);
        const given = new Float64Array(whole.got.length);
        const handed = runFrom(s, b.hardware, b.hyp, k, given).out;
        assert.equal(handed.got, given);
        assert.deepEqual(Array.from(handed.got), Array.from(counted.got));
        assert.deepEqual(handed.crashed, counted.crashed);
        let before = 0;
        for (let i = 0; i < k; i++) if (steps[i].kind === "read") before++;
        const expected = Array.from(whole.got).map((v, i) => (i < before ? 0 : v));
        // A read of a vCPU that crashed before `k` is not made either way.
        if (whole.crashed === null) assert.deepEqual(Array.from(handed.got), expected);
        resumedReads += whole.got.length - before;
        for (let i = before; i < whole.got.length; i++) if (whole.got[i] !== 0) resumedWritten++;
      },
    ),
    { seed: 20261211, numRuns: 300 },
  );
  assert.ok(resumedReads > 100, `only ${resumedReads} reads after the resumed step`);
  // Reads of 0 would agree however a resumed run placed or lost them.
  assert.ok(resumedWritten > 25, `only ${resumedWritten} reads of a written value after it`);
});

Deno.test("property: an execution given an output object fills and returns it as a run without one does", () => {
  const output = newOutput();
  let withReads = 0, withFindings = 0;
  fc.assert(
    fc.property(
      fc.array(stepArb, { minLength: 1, maxLength: 20 }),
      fc.constantFrom("kvm-4.0", "kvm-3.18", "xen", "native"),
      (steps, policy) => {
        const s = scenario(steps, { cpus: 2, ram: RAM, policy });
        let checked;
        try {
          checked = assertScenario(s);
        } catch {
          return; // an invalid program: nothing to compare
        }
        const input = {
          scenario: s,
          machine: checked.machine,
          policy: checked.policy,
          speculation: "quiet" as const,
          sink: NULL_SINK,
          maxSteps: Infinity,
          candidates: candidateLines(s.steps, 64),
        };
        const fresh = execute(input);
        // The same object every time, overwritten by each execution.
        const given = execute({ ...input, output });
        assert.equal(given, output);
        assert.deepEqual({ ...given, got: Array.from(given.got) }, {
          ...fresh,
          got: Array.from(fresh.got),
        });
        if (fresh.got.length > 0) withReads++;
        if (fresh.archInvalid.length > 0) withFindings++;
      },
    ),
    { seed: 20261205, numRuns: 200 },
  );
  // Reads and architectural findings both went through the reused object.
  assert.ok(withReads > 50, `only ${withReads} programs with reads`);
  assert.ok(withFindings > 0, "no program with an architectural finding");
});
