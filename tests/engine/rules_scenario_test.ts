// The scenario checker's settings, at the edges of what each field accepts:
// every refusal names the field, its code and the value given.
import assert from "node:assert/strict";
import { ScenarioError } from "../../lib/errors.ts";
import { run } from "../../lib/engine/run.ts";
import { checkedScenario, scenarioIssues } from "../../lib/engine/rules/scenario.ts";
import type { Step } from "../../lib/guest/ops.ts";
import { BASE, scenario } from "./fixtures.ts";

/** The issues of a scenario as `[path, code, value]`, in order. */
function issuesOf(s: unknown): [string, string, unknown][] {
  return scenarioIssues(s).issues.map((i) => [i.path, i.code, i.value]);
}

/** A scenario with some settings replaced by values of any type. */
function withFields(over: Record<string, unknown>, steps: Step[] = []): unknown {
  return { ...scenario(steps), ...over };
}

Deno.test("a scenario's version must be exactly 1: 0 and 2 are refused", () => {
  assert.deepEqual(issuesOf(withFields({ version: 1 })), []);
  for (const version of [0, 2]) {
    assert.deepEqual(issuesOf(withFields({ version })), [["version", "bad_schema", version]]);
  }
});

Deno.test("a required field given as undefined is reported missing", () => {
  for (const field of ["seed", "steps"]) {
    const result = checkedScenario(withFields({ [field]: undefined }));
    assert.equal(result.ok, false, field);
    if (result.ok) continue;
    assert.deepEqual(result.issues.map((i) => [i.path, i.code]), [[field, "bad_schema"]]);
    assert.match(result.issues[0].message, /the field is required/);
  }
});

Deno.test('systemCache takes only "machine", false or a cache: null, 0 and "" are refused', () => {
  assert.deepEqual(issuesOf(withFields({ systemCache: false })), []);
  assert.deepEqual(issuesOf(withFields({ systemCache: "machine" })), []);
  for (const systemCache of [null, 0, ""]) {
    assert.deepEqual(issuesOf(withFields({ systemCache })), [
      ["systemCache", "bad_schema", systemCache],
    ]);
  }
});

Deno.test("a system cache must have the machine's line size, also on a machine without its own", () => {
  // The generic machine has no system cache and 64-byte lines.
  const systemCache = { size: 1 << 20, ways: 8, lineSize: 128 };
  const issues = scenarioIssues(withFields({ machine: "generic", systemCache })).issues;
  assert.deepEqual(issues.map((i) => [i.path, i.code, i.value]), [
    ["systemCache.lineSize", "bad_geometry", 128],
  ]);
  const same = { size: 1 << 20, ways: 8, lineSize: 64 };
  assert.deepEqual(issuesOf(withFields({ machine: "generic", systemCache: same })), []);
});

Deno.test("an empty policy name is refused even where policy names are not looked up", () => {
  assert.deepEqual(issuesOf(withFields({ policy: "" })), [["policy", "invalid_value", ""]]);
  try {
    run(scenario([], { policy: "" }));
    assert.fail("run() accepted an empty policy name");
  } catch (e) {
    assert.ok(e instanceof ScenarioError);
    assert.deepEqual([e.code, e.call, e.value], ["invalid_value", "policy", ""]);
    assert.equal(e.message, 'policy = "": invalid value: expected a policy name');
  }
});

Deno.test("speculation modes are matched exactly, case included", () => {
  assert.deepEqual(issuesOf(withFields({ speculation: "adversarial" })), []);
  for (const speculation of ["Quiet", "ADVERSARIAL"]) {
    assert.deepEqual(issuesOf(withFields({ speculation })), [
      ["speculation", "unknown_name", speculation],
    ]);
  }
});

Deno.test("a scenario's expectations must read addresses inside its RAM", () => {
  // The fixture's RAM is 16 MiB at 0x40000000: its last word is at 0x40fffffc.
  const never = (addr: number) => ({ kind: "never", what: { kind: "stale", addr } });
  assert.deepEqual(issuesOf(withFields({ expect: [never(BASE + (1 << 24) - 4)] })), []);
  const issues = scenarioIssues(withFields({ expect: [never(BASE), never(BASE + (1 << 24))] }))
    .issues;
  assert.deepEqual(issues.map((i) => [i.path, i.code, i.value]), [
    ["expect[1].what.addr", "bad_address", 0x4100_0000],
  ]);
  assert.equal(
    issues[0].message,
    "expect[1].what.addr = 0x41000000: bad address: " +
      "expected an address inside RAM [0x40000000, 0x41000000)",
  );
});

Deno.test("an AArch64 step in a scenario for tc2 is refused, naming the machine", () => {
  const steps: Step[] = [{ kind: "exec_state", vcpu: 0, aarch32: false }];
  const issues = scenarioIssues(withFields({ machine: "tc2" }, steps)).issues;
  assert.deepEqual(issues.map((i) => [i.path, i.code, i.value]), [
    ["steps[0].aarch32", "invalid_value", false],
  ]);
  assert.match(issues[0].message, /machine "tc2" is ARMv7-A/);
  // The same step on an ARMv8 machine is fine.
  assert.deepEqual(issuesOf(withFields({ machine: "xgene1" }, steps)), []);
});

Deno.test("a checked scenario, checked again, keeps its system cache choice", () => {
  // The fixture's machine has a 64 KiB system cache of its own.
  const none = checkedScenario(scenario([], { systemCache: false }));
  assert.ok(none.ok);
  assert.equal(scenarioIssues(none.scenario).machine?.systemCache, null);
  const own = { size: 1 << 17, ways: 8 };
  const other = checkedScenario(scenario([], { systemCache: own }));
  assert.ok(other.ok);
  assert.deepEqual(scenarioIssues(other.scenario).machine?.systemCache, own);
  const kept = checkedScenario(scenario([]));
  assert.ok(kept.ok);
  assert.deepEqual(scenarioIssues(kept.scenario).machine?.systemCache, { size: 65536, ways: 8 });
});

Deno.test("an inline machine with problems is not used to judge the CPU count", () => {
  const broken = {
    name: "broken",
    description: "a cluster without CPUs",
    clusters: [{ cpus: 0, l1d: { size: 4096, ways: 4 } }],
  };
  const paths = scenarioIssues(withFields({ machine: broken, cpus: 1 })).issues.map((i) => i.path);
  assert.deepEqual(paths, ["machine.clusters[0].cpus"]);
});

Deno.test("a field of the wrong type is one schema issue, not judged by its value rule too", () => {
  const issues = scenarioIssues(withFields({ ram: "16MiB", cpus: "1" })).issues;
  assert.deepEqual(issues.map((i) => [i.path, i.code, i.value]), [
    ["cpus", "bad_schema", "1"],
    ["ram", "bad_schema", "16MiB"],
  ]);
  assert.equal(
    issues[1].message,
    'ram = "16MiB": not part of the scenario schema: expected a number',
  );
});

Deno.test("an unknown field's message says what a field must be, and the closest name", () => {
  const messages = (s: unknown) => scenarioIssues(s).issues.map((i) => i.message);
  assert.deepEqual(messages(withFields({ colour: "red" })), [
    `colour = "red": not part of the scenario schema: expected one of the scenario's fields`,
  ]);
  assert.deepEqual(messages(withFields({ sede: 1 })), [
    `sede = 1: not part of the scenario schema: expected one of the scenario's fields ` +
    `(did you mean "seed"?)`,
  ]);
});

Deno.test("RAM ending past 2^48 names its base in hexadecimal, as every address is shown", () => {
  const base = 2 ** 48 - 4096;
  const [issue] = scenarioIssues(withFields({ ramBase: base, ram: 8192 })).issues;
  assert.equal(
    issue.message,
    "ram = 8192: out of range: expected RAM ending below 2^48 (ramBase is 0xfffffffff000)",
  );
});
