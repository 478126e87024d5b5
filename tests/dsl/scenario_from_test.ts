// Reading a scenario back from data: what is copied, what is refused before
// the checks, and the code the whole document is refused with.
import assert from "node:assert/strict";
import { InvalidScenarioError, scenarioFrom, vm } from "../../lib/dsl/mod.ts";
import { assertEquals, assertThrowsScenario } from "./helpers.ts";

const BASE = 0x4000_0000;
const read = { kind: "read", vcpu: 0, addr: BASE };
const plain = () =>
  JSON.parse(JSON.stringify(vm().guest((g) => g.mmuOn().write(BASE, 1).read(BASE)).toJSON()));

Deno.test("scenarioFrom: text that is not JSON names scenarioFrom and the text", () => {
  const e = assertThrowsScenario(() => scenarioFrom("{ nope"));
  assertEquals([e.code, e.call, e.value], ["bad_schema", "scenarioFrom", "{ nope"]);
  assert.match(e.message, /^scenarioFrom\("\{ nope"\): .*expected valid JSON/);
});

Deno.test("scenarioFrom: a program longer than maxSteps is refused by its length", () => {
  const s = { ...plain(), steps: new Array(10).fill(read) };
  assertEquals(scenarioFrom(s, 10).steps.length, 10);
  const over = assertThrowsScenario(() =>
    scenarioFrom({ ...s, steps: new Array(11).fill(read) }, 10)
  );
  assertEquals([over.code, over.call, over.value], ["budget_exceeded", "steps", 10]);
  // Refused before its steps are checked: these are not even steps.
  const junk = assertThrowsScenario(() => scenarioFrom({ ...s, steps: new Array(11).fill(0) }, 10));
  assertEquals(junk.code, "budget_exceeded");
  // Nor read: a step whose getter throws is never reached.
  const steps = new Array(11).fill(read);
  steps[0] = Object.defineProperty({}, "kind", {
    enumerable: true,
    get() {
      throw new Error("read too early");
    },
  });
  assertEquals(
    assertThrowsScenario(() => scenarioFrom({ ...s, steps }, 10)).code,
    "budget_exceeded",
  );
});

Deno.test("scenarioFrom: issues keep their code, the document is bad_schema", () => {
  const s = plain();
  s.steps[1].addr = BASE + 2;
  s.cpus = 9;
  const e = assertThrowsScenario(() => scenarioFrom(s));
  assert.ok(e instanceof InvalidScenarioError);
  assertEquals([e.code, e.call, e.value], ["bad_schema", "cpus", 9]);
  assertEquals(e.issues.map((i) => [i.path, i.code]), [
    ["cpus", "out_of_range"],
    ["steps[1].addr", "bad_address"],
  ]);
});

/** A document whose field `extra` holds `arrays` arrays, one inside the next. */
function nested(arrays: number): Record<string, unknown> {
  let v: unknown = [];
  for (let i = 1; i < arrays; i++) v = [v];
  return { ...plain(), extra: v };
}

Deno.test("scenarioFrom: data 64 deep is read, 65 deep refused at the innermost array", () => {
  // The document is depth 0, `extra` depth 1, its innermost array depth 64.
  const read64 = assertThrowsScenario(() => scenarioFrom(nested(64)));
  assertEquals([read64.code, read64.call], ["bad_schema", "extra"]);
  const deep = assertThrowsScenario(() => scenarioFrom(nested(65)));
  assertEquals([deep.code, deep.call, deep.value], ["bad_schema", "scenarioFrom", []]);
  assert.equal(
    deep.message,
    "scenarioFrom([]): not part of the scenario schema: expected data nested at most 64 deep",
  );
  // A cycle is refused the same way rather than followed for ever.
  const cyclic: Record<string, unknown> = plain();
  cyclic.extra = cyclic;
  assertEquals(assertThrowsScenario(() => scenarioFrom(cyclic)).call, "scenarioFrom");
});

Deno.test("scenarioFrom: a getter that throws is refused as data, naming what it threw", () => {
  const s = plain();
  Object.defineProperty(s.steps[0], "vcpu", {
    enumerable: true,
    get() {
      throw new Error("no vCPU here");
    },
  });
  const e = assertThrowsScenario(() => scenarioFrom(s));
  assertEquals([e.code, e.call], ["bad_schema", "scenarioFrom"]);
  assert.match(e.message, /expected plain data \(reading it threw Error: no vCPU here\)/);
});

Deno.test("scenarioFrom: only a document's own data is read", () => {
  const s = plain();
  // An inherited field is not part of the document: neither refused nor read.
  assertEquals(scenarioFrom(Object.assign(Object.create({ extra: true }), s)), s);
  const noCpus = Object.assign(Object.create({ cpus: 1 }), s);
  delete noCpus.cpus;
  const missing = assertThrowsScenario(() => scenarioFrom(noCpus));
  assertEquals([missing.call, missing.value], ["cpus", undefined]);
  // Steps are copied as arrays and plain objects, and the copy is frozen.
  // A read step whose prototype has a value: the value is not the step's.
  const step = Object.assign(Object.create({ value: 7 }), s.steps[2]);
  const withStep = scenarioFrom({ ...s, steps: [s.steps[0], s.steps[1], step] });
  assertEquals(withStep, s);
  assert.ok(Array.isArray(withStep.steps) && Object.isFrozen(withStep.steps[1]));
});

Deno.test("scenarioFrom: steps behind a getter are read once, refused if it throws, counted if not", () => {
  const withSteps = (get: () => unknown) =>
    Object.defineProperty({ ...plain() }, "steps", { enumerable: true, get });
  const threw = assertThrowsScenario(() =>
    scenarioFrom(
      withSteps(() => {
        throw new Error("no steps here");
      }),
    )
  );
  assertEquals([threw.code, threw.call], ["bad_schema", "scenarioFrom"]);
  assert.match(threw.message, /reading it threw Error: no steps here/);
  let reads = 0;
  const long = withSteps(() => (reads++, new Array(11).fill(read)));
  const over = assertThrowsScenario(() => scenarioFrom(long, 10));
  assertEquals([over.code, over.call, over.value, reads], ["budget_exceeded", "steps", 10, 1]);
});

Deno.test("scenarioFrom: inherited steps are not the document's, whatever their length", () => {
  const own = plain();
  delete own.steps;
  const doc = Object.assign(Object.create({ steps: new Array(11).fill(read) }), own);
  const e = assertThrowsScenario(() => scenarioFrom(doc, 10));
  assertEquals([e.code, e.call, e.value], ["bad_schema", "steps", undefined]);
});
