/**
 * Expectations and checks as text: describePredicate writes the DSL call
 * that builds a predicate (the address in hex, a filter only when given,
 * counts as the shortest call), and formatCheck's lines say what was
 * explored (and which budget cut it), flag a witness whose replay
 * disagrees, and keep a trace's blank lines blank.
 */

import assert from "node:assert/strict";
import { checkExpectations } from "../../mod.ts";
import {
  and,
  archInvalid,
  crashed,
  describePredicate,
  events,
  exists,
  flushes,
  formatCheck,
  lostWrite,
  lostWriteAnywhere,
  never,
  not,
  or,
  stale,
  staleAnywhere,
  wrongRead,
} from "../../lib/api/expect.ts";
import { A, B, NO_CLEAN, scenario, SW_CLEAN, tiny } from "./helpers.ts";

Deno.test("describePredicate: read predicates with and without an address or a filter", () => {
  const cases: [ReturnType<typeof stale>, string][] = [
    [stale(A), "stale(0x40000040)"],
    [stale(B, { blame: "machine" }), 'stale(0x40001080, { blame: "machine" })'],
    [staleAnywhere(), "staleAnywhere()"],
    [staleAnywhere({ blame: "machine" }), 'staleAnywhere({ blame: "machine" })'],
  ];
  for (const [p, text] of cases) assert.equal(describePredicate(p), text);
  assert.equal(describePredicate(lostWrite(A)), "lostWrite(0x40000040)");
  assert.equal(describePredicate(lostWriteAnywhere()), "lostWriteAnywhere()");
  assert.equal(
    describePredicate(lostWriteAnywhere({ blame: "guest" })),
    'lostWriteAnywhere({ blame: "guest" })',
  );
  assert.equal(describePredicate(wrongRead(B)), "wrongRead(0x40001080)");
  assert.equal(
    describePredicate(wrongRead(B, { blame: "hypervisor" })),
    'wrongRead(0x40001080, { blame: "hypervisor" })',
  );
  assert.equal(describePredicate(wrongRead()), "wrongRead()");
});

Deno.test("describePredicate: counts as an exact number, a minimum, a maximum or a range, zero included", () => {
  assert.equal(describePredicate(flushes(0)), "flushes(0)");
  assert.equal(describePredicate(flushes(3)), "flushes(3)");
  assert.equal(describePredicate(flushes({ min: 1 })), "flushes({ min: 1 })");
  assert.equal(describePredicate(flushes({ max: 0 })), "flushes({ max: 0 })");
  assert.equal(describePredicate(flushes({ max: 2 })), "flushes({ max: 2 })");
  assert.equal(describePredicate(flushes({ min: 0, max: 3 })), "flushes({ min: 0, max: 3 })");
  assert.equal(describePredicate(events("kvm_exit", 0)), 'events("kvm_exit", 0)');
  assert.equal(
    describePredicate(events("sw_local", { min: 2 })),
    'events("sw_local", { min: 2 })',
  );
});

Deno.test("describePredicate: combinations keep their own names and order", () => {
  assert.equal(describePredicate(or(crashed(), archInvalid())), "or(crashed(), archInvalid())");
  assert.equal(
    describePredicate(and(not(crashed()), or(stale(A)))),
    "and(not(crashed()), or(stale(0x40000040)))",
  );
});

Deno.test("formatCheck: a single run reads 1 execution, 0 perturbations, one choice point per step", async () => {
  const r = await checkExpectations(scenario(NO_CLEAN), {
    expect: [exists(stale(A))],
    maxPerturbations: 0,
  });
  const [head, explored] = formatCheck(r).split("\n");
  // Four steps, each with a choice point before it (the hardware may act before any of them).
  assert.equal(head, "check: native on tiny, 4 steps, 4 choice points");
  assert.equal(
    explored,
    "explored: 1 execution (1 with no perturbation); complete up to 0 perturbations",
  );
});

Deno.test("formatCheck: a check with migrations says so, with each level's count", async () => {
  const s = scenario(SW_CLEAN, { machine: tiny, policy: "trap-nothing" });
  const r = await checkExpectations(s, {
    expect: [never(staleAnywhere())],
    maxPerturbations: 2,
    migrations: true,
  });
  const explored = formatCheck(r, { witnesses: "none" }).split("\n")[1];
  const [none, one, two] = r.stats.byPerturbations;
  assert.equal(
    explored,
    `explored: ${r.stats.executions} executions (${none} with no perturbation, ${one} with 1, ` +
      `${two} with 2); complete up to 2 perturbations, migrations included`,
  );
});

Deno.test("formatCheck: a search cut by its time budget says so, not that executions ran out", async () => {
  const r = await checkExpectations(scenario(NO_CLEAN), {
    expect: [never(staleAnywhere())],
    seconds: 1e-9,
  });
  assert.equal(r.stats.complete, false);
  const explored = formatCheck(r).split("\n")[1];
  assert.match(explored, /; incomplete: the time budget of 1e-9 s ran out$/);
  const budget = await checkExpectations(scenario(NO_CLEAN), {
    expect: [never(staleAnywhere())],
    maxExecutions: 3,
  });
  assert.equal(
    formatCheck(budget).split("\n")[1],
    "explored: 3 executions (1 with no perturbation, 2 with 1); " +
      "incomplete: the budget of 3 executions ran out",
  );
});

Deno.test("formatCheck: a witness whose replay disagrees is flagged; blank trace lines stay blank", async () => {
  const r = await checkExpectations(scenario(NO_CLEAN), { expect: [never(staleAnywhere())] });
  const e = r.expectations[0];
  const w = e.witnesses.positive!;
  const odd = { ...w, replayAgrees: false, trace: "first line\n\nthird line\n" };
  const text = formatCheck({
    ...r,
    expectations: [{ ...e, witnesses: { positive: odd, negative: e.witnesses.negative } }],
  });
  assert.match(
    text,
    /counterexample \[witness 1\]: no perturbation\n {4}\(the replayed run disagrees with the check: a bug in setway\)\n {4}first line\n\n {4}third line\n$/,
  );
  assert.doesNotMatch(formatCheck(r), /disagrees/);
});
