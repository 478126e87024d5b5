// Option objects and near-miss names: which keys an options argument may
// have, and which candidate a mistyped name is taken to mean.
import assert from "node:assert/strict";
import { checkOptionKeys, closestName, didYouMean } from "../../lib/options.ts";
import { vm } from "../../lib/dsl/mod.ts";
import { assertThrowsScenario as refused } from "../support/scenario_error.ts";

Deno.test("closestName: one edit, a swap of neighbours included, for a short name", () => {
  assert.equal(closestName("bsae", ["base"]), "base");
  assert.equal(closestName("kvm-4.1", ["kvm-4.0", "xen"]), "kvm-4.0");
  assert.equal(closestName("sed", ["seed"]), "seed");
  assert.equal(closestName("maxStep", ["maxSteps", "maxEvents"]), "maxSteps");
});

Deno.test("closestName: at most a quarter of the name's length in edits", () => {
  // "maxstp" (6 letters) is two insertions from "maxsteps": one edit allowed.
  assert.equal(closestName("maxstp", ["maxSteps"]), undefined);
  // "maxstps" (7 letters) is one: allowed.
  assert.equal(closestName("maxstps", ["maxSteps"]), "maxSteps");
  // "tuchedpges" (10 letters) is two edits from "touchedpages", allowed; "tuchedpgs" three.
  assert.equal(closestName("tuchedpges", ["touchedPages"]), "touchedPages");
  assert.equal(closestName("tuchedpgs", ["touchedPages"]), undefined);
  assert.equal(closestName("zzz", ["generic"]), undefined);
});

Deno.test("closestName: another case of the same name, found case-blind", () => {
  assert.equal(closestName("MAXSTEPS", ["maxEvents", "maxSteps"]), "maxSteps");
  assert.equal(closestName("XGENE1", ["generic", "xgene1"]), "xgene1");
});

Deno.test("closestName: a tie goes to the candidate with the same first letter", () => {
  assert.equal(closestName("cpu", ["vcpu", "cpus"]), "cpus");
  assert.equal(closestName("cpu", ["cpus", "vcpu"]), "cpus");
  // Otherwise the first candidate of those nearest wins.
  assert.equal(closestName("kvm-4.2", ["kvm-4.0", "kvm-4.1"]), "kvm-4.0");
});

Deno.test("closestName: a name cut short, of three letters or more, completed when one fits best", () => {
  assert.equal(closestName("max", ["maxSteps", "maxEvents"]), "maxSteps");
  assert.equal(closestName("max", ["maxWallMs", "maxEvents"]), undefined);
  assert.equal(closestName("MAXST", ["maxSteps"]), "maxSteps");
  assert.equal(closestName("ma", ["maxSteps"]), undefined);
  assert.equal(closestName("", ["base"]), undefined);
});

Deno.test("didYouMean: the suggestion quoted, or nothing", () => {
  assert.equal(didYouMean("bsae", ["base"]), ' (did you mean "base"?)');
  assert.equal(didYouMean("zzz", ["base"]), "");
  assert.equal(didYouMean(5, ["base"]), "");
});

Deno.test("checkOptionKeys: an unknown option names the call and the option, with a suggestion", () => {
  const e = refused(() => checkOptionKeys("ram", { bsae: 0 }, ["base"]));
  assert.deepEqual([e.code, e.call, e.value], ["unknown_name", "ram.bsae", "bsae"]);
  assert.equal(
    e.message,
    'ram(bsae = 0): unknown option "bsae" (did you mean "base"?); valid: base',
  );
  const many = refused(() => checkOptionKeys("run", { colapse: true }, ["maxSteps", "collapse"]));
  assert.equal(
    many.message,
    'run(colapse = true): unknown option "colapse" (did you mean "collapse"?); valid: maxSteps, collapse',
  );
});

Deno.test("checkOptionKeys: options must be an object, not null, an array or a number", () => {
  for (const bad of [null, [], [0], 5, "base"]) {
    const e = refused(() => checkOptionKeys("ram", bad, ["base"]));
    assert.deepEqual([e.code, e.call, e.value], ["invalid_value", "ram", bad]);
    assert.equal(e.message.endsWith("expected an options object { base? }"), true, e.message);
  }
  const e = refused(() => vm().ram("1GiB", [] as never));
  assert.deepEqual([e.code, e.call], ["invalid_value", "ram"]);
});

Deno.test("checkOptionKeys: only own, defined keys, on an object without a prototype", () => {
  const o = checkOptionKeys("ram", { base: 0, other: undefined }, ["base", "other"]);
  assert.deepEqual(Object.keys(o), ["base"]);
  assert.equal(o.base, 0);
  assert.equal(Object.getPrototypeOf(o), null);
  assert.deepEqual(Object.keys(checkOptionKeys("ram", undefined, ["base"])), []);
  // Inherited keys are neither refused nor read.
  const inherited = checkOptionKeys("ram", Object.create({ base: 5, bsae: 1 }), ["base"]);
  assert.deepEqual(Object.keys(inherited), []);
  assert.equal(inherited.base, undefined);
});
