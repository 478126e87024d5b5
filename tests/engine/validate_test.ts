import assert from "node:assert/strict";
import { ScenarioError } from "../../lib/errors.ts";
import { run } from "../../lib/engine/run.ts";
import { definePolicy } from "../../lib/hyp/policies/define.ts";
import { validateScenario } from "../../lib/engine/rules/entry.ts";
import {
  checkedScenario,
  isCheckedScenario,
  scenarioIssues,
} from "../../lib/engine/rules/scenario.ts";
import { BASE, scenario } from "./fixtures.ts";

function refused(f: () => unknown): ScenarioError {
  try {
    f();
  } catch (e) {
    if (e instanceof ScenarioError) return e;
    throw e;
  }
  throw new Error("expected a ScenarioError");
}

Deno.test("run: a misaligned address names the step and the value", () => {
  const e = refused(() => run(scenario([{ kind: "read", vcpu: 0, addr: BASE + 2 }])));
  assert.equal(e.code, "bad_address");
  assert.equal(e.call, "steps[0].addr");
  assert.equal(e.value, BASE + 2);
  assert.match(e.message, /steps\[0\]\.addr = 0x40000002/);
});

Deno.test("run: an address outside RAM is refused, with the RAM range in the message", () => {
  const e = refused(() =>
    run(scenario([
      { kind: "write", vcpu: 0, addr: BASE, value: 1 },
      { kind: "host_write", addr: BASE + (1 << 24), value: 1 },
    ]))
  );
  assert.equal(e.call, "steps[1].addr");
  assert.match(e.message, /\[0x40000000, 0x41000000\)/);
  const dc = refused(() =>
    run(scenario([{ kind: "dc_va", vcpu: 0, op: "cvac", addr: BASE + (1 << 24) - 64, len: 128 }]))
  );
  assert.equal(dc.call, "steps[0].len");
});

Deno.test("run: vCPU, CPU count and physical CPU errors", () => {
  const v = refused(() => run(scenario([{ kind: "read", vcpu: 1, addr: BASE }], { cpus: 1 })));
  assert.deepEqual([v.code, v.call, v.value], ["out_of_range", "steps[0].vcpu", 1]);
  const c = refused(() => run(scenario([], { cpus: 5 })));
  assert.deepEqual([c.code, c.call, c.value], ["out_of_range", "cpus", 5]);
  assert.match(c.message, /1 to 4/);
  const p = refused(() => run(scenario([{ kind: "migrate", vcpu: 0, pcpu: 4 }])));
  assert.deepEqual([p.call, p.value], ["steps[0].pcpu", 4]);
  const h = refused(() => run(scenario([{ kind: "host_write", cpu: -1, addr: BASE, value: 0 }])));
  assert.equal(h.call, "steps[0].cpu");
});

Deno.test("run: unknown policy and machine names list the valid ones", () => {
  const p = refused(() => run(scenario([], { policy: "kvm-9" })));
  assert.deepEqual([p.code, p.call], ["unknown_name", "policy"]);
  assert.match(p.message, /valid: kvm-4\.0, kvm-3\.18, native/);
  const m = refused(() => run(scenario([], { machine: "cray-1" })));
  assert.deepEqual([m.code, m.call, m.value], ["unknown_name", "machine", "cray-1"]);
});

Deno.test("validateScenario collects every issue; run throws them as one error", () => {
  const s = scenario([
    { kind: "read", vcpu: 3, addr: BASE + 1 },
    { kind: "sw", vcpu: 0, op: "cisw", level: 8, set: 0, way: 0 },
    { kind: "sw", vcpu: 0, op: "cisw", level: 1, set: -1, way: 0.5 },
    { kind: "vm_reg", vcpu: 0, reg: "HCR" as "TTBR0", value: 0 },
  ], { speculation: "wild" as "quiet" });
  const result = validateScenario(s);
  assert.equal(result.ok, false);
  if (result.ok) return;
  assert.deepEqual(result.issues.map((i) => i.path), [
    "speculation",
    "steps[0].vcpu",
    "steps[0].addr",
    "steps[1].level",
    "steps[2].set",
    "steps[2].way",
    "steps[3].reg",
  ]);
  const e = refused(() => run(s));
  assert.equal(e.call, "speculation");
  assert.match(e.message, /6 more: .*steps\[0\]\.vcpu.*steps\[3\]\.reg/);
});

Deno.test("a set/way operand outside the CPU's caches is valid data, flagged archInvalid by the run", () => {
  const big = {
    name: "big-little",
    description: "a 2-way L1 cluster and a 4-way L1 cluster",
    clusters: [
      { cpus: 1, l1d: { size: 4096, ways: 2 } },
      { cpus: 1, l1d: { size: 4096, ways: 4 }, l2: { size: 65536, ways: 8 } },
    ],
  };
  const steps = [
    { kind: "migrate" as const, vcpu: 0, pcpu: 1 },
    { kind: "sw" as const, vcpu: 0, op: "csw" as const, level: 2, set: 0, way: 3 },
  ];
  assert.equal(validateScenario(scenario(steps, { machine: big })).ok, true);
  // Without the migration, CPU 0 has no level 2: still valid data, the run says why it is not.
  assert.equal(validateScenario(scenario(steps.slice(1), { machine: big })).ok, true);
  const program = (sw: typeof steps) =>
    scenario([
      { kind: "sctlr", vcpu: 0, bits: { m: true, c: true } },
      { kind: "write", vcpu: 0, addr: BASE, value: 3 },
      ...sw,
      { kind: "sctlr", vcpu: 0, bits: { m: false, c: false } },
      { kind: "read", vcpu: 0, addr: BASE },
    ], { machine: big, policy: "native" });
  // The reference runs (native with the migration, ideal without it) cope with the slot too.
  const moved = run(program(steps));
  assert.equal(moved.verdict.violations[0].blame, "guest", "the ideal run (no migration) ran too");
  assert.ok(!moved.verdict.archInvalid.some((r) => r.startsWith("S/W operand")));
  const stayed = run(program(steps.slice(1)));
  assert.ok(
    stayed.verdict.archInvalid.includes(
      `S/W operand level 2 set 0 way 3 at 0x${(BASE + 8).toString(16)} beyond the LoC (1)`,
    ),
    stayed.verdict.archInvalid.join("; "),
  );
});

Deno.test("an inline machine's problems are all reported", () => {
  const bad = {
    name: "",
    description: "broken",
    clusters: [{ cpus: 0, l1d: { size: 3000, ways: 4 } }],
  };
  const result = validateScenario(scenario([], { machine: bad }));
  assert.equal(result.ok, false);
  if (result.ok) return;
  const paths = result.issues.map((i) => i.path);
  assert.ok(paths.includes("machine.name"), paths.join());
  assert.ok(paths.includes("machine.clusters[0].cpus"), paths.join());
  assert.ok(paths.some((p) => p.startsWith("machine.clusters[0].l1d")), paths.join());
});

Deno.test("a checked scenario is trusted; the same data unchecked is checked in full", () => {
  const good = scenario([{ kind: "read", vcpu: 0, addr: BASE }]);
  const checked = checkedScenario(good);
  assert.ok(checked.ok);
  assert.ok(isCheckedScenario(checked.scenario));
  assert.ok(Object.isFrozen(checked.scenario.steps[0]));
  assert.equal(isCheckedScenario(good), false);
  const again = checkedScenario(checked.scenario);
  assert.equal(again.ok && again.scenario, checked.scenario);
  // The trusted path still resolves the machine with its system cache and checks the policy.
  const full = scenarioIssues(good);
  const trusted = scenarioIssues(checked.scenario);
  assert.deepEqual(trusted, full);
  const policy = (name: string) =>
    name === "kvm-4.0"
      ? null
      : { code: "unknown_name" as const, path: "policy", value: name, message: name };
  const renamed = checkedScenario({ ...good, policy: "kvm-9" });
  assert.ok(renamed.ok);
  assert.deepEqual(scenarioIssues(renamed.scenario, { policy }).issues.map((i) => i.path), [
    "policy",
  ]);
  // A bad scenario is never marked.
  const bad = checkedScenario({ ...good, cpus: 99 });
  assert.equal(bad.ok, false);
  assert.throws(() => run({ ...good, cpus: 99 }), ScenarioError);
});

Deno.test("run: a bad policy in the run options is refused, naming the field at fault", () => {
  const name = refused(() => run(scenario([]), { policy: "kvm-9" }));
  assert.deepEqual([name.code, name.call, name.value], ["unknown_name", "policy", "kvm-9"]);
  // A policy object's declaration is named down to the field.
  const plain = definePolicy({ name: "plain" });
  const bad = { ...plain, native: "yes" } as unknown as typeof plain;
  const field = refused(() => run(scenario([]), { policy: bad }));
  assert.deepEqual([field.code, field.call, field.value], [
    "invalid_value",
    "policy.native",
    "yes",
  ]);
});

Deno.test("validateScenario reports bad run options as issues, with the scenario's", () => {
  const s = scenario([{ kind: "read", vcpu: 1, addr: BASE }]);
  const budget = validateScenario(s, { maxSteps: 0 });
  assert.equal(budget.ok, false);
  if (!budget.ok) {
    assert.deepEqual(budget.issues.map((i) => [i.path, i.code, i.value]), [
      ["maxSteps", "invalid_value", 0],
      ["steps[0].vcpu", "out_of_range", 1],
    ]);
  }
  const none = validateScenario(scenario([]), null as unknown as object);
  assert.equal(none.ok, false);
  if (!none.ok) {
    assert.deepEqual(none.issues.map((i) => [i.path, i.code]), [["options", "invalid_value"]]);
  }
});

Deno.test("run: the message lists up to nine further issues, then counts the rest", () => {
  // One vCPU: every read on vCPU 1 is an issue of its own.
  const reads = (n: number) =>
    scenario(Array.from({ length: n }, () => ({ kind: "read" as const, vcpu: 1, addr: BASE })));
  const issue = (i: number) =>
    `steps[${i}].vcpu = 1: out of range: expected a vCPU index from 0 to 0 (there are 1)`;
  const list = (from: number, to: number) =>
    Array.from({ length: to - from }, (_, k) => issue(from + k)).join("; ");
  assert.equal(refused(() => run(reads(1))).message, issue(0));
  assert.equal(refused(() => run(reads(2))).message, `${issue(0)} (1 more: ${issue(1)})`);
  assert.equal(refused(() => run(reads(10))).message, `${issue(0)} (9 more: ${list(1, 10)})`);
  assert.equal(
    refused(() => run(reads(12))).message,
    `${issue(0)} (11 more: ${list(1, 10)}; and 2 more)`,
  );
});

Deno.test("run: steps at the edge of their fields' ranges, refused or taken, each naming the field", () => {
  const refusedAt = (step: Record<string, unknown>, call: string) => {
    const e = refused(() => run(scenario([step as never])));
    assert.equal(e.call, call, JSON.stringify(step));
    return e;
  };
  // A DC by VA covers at least one byte; set/way levels count from 1; SCTLR
  // writes name at least one bit; a VM register holds 32 bits.
  refusedAt({ kind: "dc_va", vcpu: 0, op: "cvac", addr: BASE, len: 0 }, "steps[0].len");
  refusedAt({ kind: "sw", vcpu: 0, op: "csw", level: 0, set: 0, way: 0 }, "steps[0].level");
  refusedAt({ kind: "sctlr", vcpu: 0, bits: {} }, "steps[0].bits");
  refusedAt({ kind: "vm_reg", vcpu: 0, reg: "TTBR0", value: 2 ** 32 }, "steps[0].value");
  refusedAt({ kind: "vm_reg", vcpu: 0, reg: "TTBR0", value: 1.5 }, "steps[0].value");
  // A missing field: the message lists the fields the kind has, not `kind` itself.
  const missing = refusedAt({ kind: "read", vcpu: 0 }, "steps[0].addr");
  assert.match(missing.message, /read steps have vcpu, addr/);
});
