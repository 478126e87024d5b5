// Expectations as data, at the edges of what they accept: nesting depth,
// counts, read filters and event names, and the error `.expect()` throws.
import assert from "node:assert/strict";
import { ScenarioError } from "../../lib/errors.ts";
import { vm } from "../../lib/dsl/vm.ts";
import { expectationIssues } from "../../lib/engine/rules/expectations.ts";

/** The issues of `never(what)` as `[path, code, value]`. */
function issuesOf(what: unknown, ctx = { ram: NaN, ramBase: NaN }): [string, string, unknown][] {
  return expectationIssues({ kind: "never", what }, "e", ctx).map((i) => [i.path, i.code, i.value]);
}

/** `levels` predicates, each the only operand of the one above, around `crashed`. */
function chain(kind: "not" | "and" | "or", levels: number): unknown {
  let p: unknown = { kind: "crashed" };
  for (let i = 1; i < levels; i++) {
    p = kind === "not"
      ? { kind, what: p }
      : kind === "and"
      ? { kind, all: [p] }
      : { kind, any: [p] };
  }
  return p;
}

Deno.test("predicates nest at most 32 deep, under not, and, or alike", () => {
  // The expectation's `what` is the first level; each operand one level more.
  const step = { not: ".what", and: ".all[0]", or: ".any[0]" } as const;
  for (const kind of ["not", "and", "or"] as const) {
    assert.deepEqual(issuesOf(chain(kind, 32)), [], `${kind}: 32 levels`);
    const deepest = "e.what" + step[kind].repeat(32);
    const issues = expectationIssues({ kind: "never", what: chain(kind, 33) }, "e");
    assert.deepEqual(issues.map((i) => [i.path, i.code, i.value]), [
      [deepest, "out_of_range", "crashed"],
    ], `${kind}: 33 levels`);
    assert.equal(
      issues[0].message,
      `${deepest} = "crashed": out of range: expected predicates nested at most 32 deep`,
    );
  }
});

Deno.test("counts: 0 is a bound, min may equal max, and a refused max is the value given", () => {
  for (const kind of ["flushes", "events"]) {
    const base = kind === "events" ? { kind, name: "kvm_toggle_cache" } : { kind };
    assert.deepEqual(issuesOf({ ...base, min: 0 }), [], `${kind} min 0`);
    assert.deepEqual(issuesOf({ ...base, max: 0 }), [], `${kind} max 0`);
    assert.deepEqual(issuesOf({ ...base, min: 2, max: 2 }), [], `${kind} min = max`);
    assert.deepEqual(issuesOf({ ...base, min: -1 }), [["e.what.min", "invalid_value", -1]]);
    assert.deepEqual(issuesOf({ ...base, min: 3, max: 2 }), [["e.what.max", "out_of_range", 2]]);
  }
});

Deno.test("a read predicate's address is checked against RAM that starts at 0", () => {
  const ctx = { ram: 1 << 20, ramBase: 0 };
  assert.deepEqual(issuesOf({ kind: "stale", addr: 0 }, ctx), []);
  assert.deepEqual(issuesOf({ kind: "lost_write", addr: 0xf_fffc }, ctx), []);
  const issues = expectationIssues(
    { kind: "never", what: { kind: "wrong_read", addr: 0x10_0000 } },
    "e",
    ctx,
  );
  assert.deepEqual(issues.map((i) => [i.path, i.code, i.value]), [
    ["e.what.addr", "bad_address", 0x10_0000],
  ]);
  assert.match(issues[0].message, /inside RAM \[0, 0x100000\)/);
});

Deno.test("a read predicate may be filtered by each blame: guest, hypervisor, machine", () => {
  for (const blame of ["guest", "hypervisor", "machine"]) {
    assert.deepEqual(issuesOf({ kind: "stale", blame }), [], blame);
    assert.deepEqual(issuesOf({ kind: "wrong_read", addr: 0x4000_0000, blame }), [], blame);
  }
  assert.deepEqual(issuesOf({ kind: "stale", blame: "user" }), [
    ["e.what.blame", "unknown_name", "user"],
  ]);
});

Deno.test("events: a name of letters, digits and _.:- that is not a hardware choice", () => {
  assert.deepEqual(issuesOf({ kind: "events", name: "kvm_toggle_cache", min: 1 }), []);
  // Checking enumerates speculative fills and castouts itself: neither can be counted.
  for (const name of ["speculative_fill", "castout"]) {
    assert.deepEqual(issuesOf({ kind: "events", name, min: 1 }), [
      ["e.what.name", "invalid_value", name],
    ]);
  }
  // A number is not a name, even one the pattern would read as digits.
  for (const name of [42, "two words", ""]) {
    assert.deepEqual(issuesOf({ kind: "events", name, min: 1 }), [
      ["e.what.name", "invalid_value", name],
    ]);
  }
});

Deno.test("expect(): the error carries the expectation given, and counts the other issues", () => {
  const refusal = (value: unknown): ScenarioError => {
    try {
      vm().expect(value as never);
    } catch (e) {
      if (e instanceof ScenarioError) return e;
      throw e;
    }
    throw new Error("expected a ScenarioError");
  };
  const one = { kind: "sometimes", what: { kind: "crashed" } };
  const e1 = refusal(one);
  assert.deepEqual([e1.code, e1.call, e1.value], ["unknown_name", "expect", one]);
  assert.equal(
    e1.message,
    'expect.kind = "sometimes": unknown name; valid names: exists, never, forall',
  );
  const two = { kind: "sometimes", what: { kind: "stale", addr: 3 } };
  const e2 = refusal(two);
  assert.equal(e2.value, two);
  assert.equal(
    e2.message,
    'expect.kind = "sometimes": unknown name; valid names: exists, never, forall (and 1 more)',
  );
  const three = { kind: "sometimes", what: { kind: "stale", addr: 3, blame: "user" } };
  assert.match(refusal(three).message, / \(and 2 more\)$/);
});
