// The errors a scenario's problems are thrown as: one builder call's, and
// one error listing every issue of a whole scenario.
import assert from "node:assert/strict";
import { callError, InvalidScenarioError, makeIssue, scenarioFrom, vm } from "../../lib/dsl/mod.ts";
import { ScenarioError } from "../../lib/errors.ts";
import { assertEquals, assertThrowsScenario } from "./helpers.ts";

Deno.test("callError: the message names the call, the argument and the value", () => {
  const seed = callError("invalid_value", "seed", 1.5, "an integer");
  assert.ok(seed instanceof ScenarioError);
  assertEquals([seed.code, seed.call, seed.value], ["invalid_value", "seed", 1.5]);
  assert.equal(seed.message, "seed(1.5): invalid value: expected an integer");
  const level = callError("out_of_range", "dc_csw", 8, "an integer from 1 to 7", "level");
  assertEquals([level.code, level.call, level.value], ["out_of_range", "dc_csw", 8]);
  assert.equal(level.message, "dc_csw(level = 8): out of range: expected an integer from 1 to 7");
  // As a builder throws it.
  const e = assertThrowsScenario(() => vm().guest((g) => g.dc_isw(0, 0, 0)));
  assert.equal(e.message, "dc_isw(level = 0): out of range: expected an integer from 1 to 7");
});

const issue = (n: number) =>
  makeIssue("bad_address", `steps[${n}].addr`, n * 4 + 2, "a 4-byte aligned address", "field");

Deno.test("InvalidScenarioError: the first issue's call and value; one issue said so", () => {
  const one = new InvalidScenarioError([issue(0)]);
  assertEquals([one.name, one.code, one.call, one.value], [
    "ScenarioError",
    "bad_address",
    "steps[0].addr",
    2,
  ]);
  assert.equal(one.message, `invalid scenario (1 issue): ${issue(0).message}`);
  const two = new InvalidScenarioError([issue(3), issue(1)], "bad_schema");
  assertEquals([two.code, two.call, two.value], ["bad_schema", "steps[3].addr", 14]);
  assert.ok(two.message.startsWith("invalid scenario (2 issues): "));
});

Deno.test("InvalidScenarioError: five issues in the message, then a count of the rest", () => {
  const list = (n: number) => Array.from({ length: n }, (_, i) => issue(i));
  const shown = (n: number) => list(n).map((i) => i.message).join("; ");
  assert.equal(
    new InvalidScenarioError(list(5)).message,
    `invalid scenario (5 issues): ${shown(5)}`,
  );
  assert.equal(
    new InvalidScenarioError(list(6)).message,
    `invalid scenario (6 issues): ${shown(5)}; and 1 more`,
  );
  assert.equal(
    new InvalidScenarioError(list(8)).message,
    `invalid scenario (8 issues): ${shown(5)}; and 3 more`,
  );
  // Every issue is kept, in order, whatever the message shows.
  assertEquals(new InvalidScenarioError(list(8)).issues, list(8));
});

Deno.test("InvalidScenarioError: its issues are a frozen copy of the list given", () => {
  const given = [issue(0), issue(1)];
  const err = new InvalidScenarioError(given);
  given.push(issue(2));
  assert.equal(err.issues.length, 2);
  assert.ok(Object.isFrozen(err.issues));
});

Deno.test("scenarioFrom: six bad steps, five in the message and one counted", () => {
  const s = JSON.parse(JSON.stringify(vm().guest((g) => g.write(0x4000_0000, 1)).toJSON()));
  s.steps = Array.from(
    { length: 6 },
    (_, i) => ({ kind: "read", vcpu: 0, addr: 0x4000_0002 + 8 * i }),
  );
  const err = assertThrowsScenario(() => scenarioFrom(s));
  assert.ok(err instanceof InvalidScenarioError);
  assert.equal(err.issues.length, 6);
  assert.match(err.message, /^invalid scenario \(6 issues\): steps\[0\]\.addr = 0x40000002: /);
  assert.match(err.message, /steps\[4\]\.addr = 0x40000022: [^;]*; and 1 more$/);
  assert.ok(!err.message.includes("steps[5]"));
});
