// Whole-scenario checks: validate() returns every issue, validOrThrow()
// throws them as one error with the code asked for.
import assert from "node:assert/strict";
import { InvalidScenarioError, validate, vm } from "../../lib/dsl/mod.ts";
import { validOrThrow } from "../../lib/dsl/validate.ts";
import { assertEquals, assertThrowsScenario } from "./helpers.ts";

const BASE = 0x4000_0000;
const scenario = () => vm().guest((g) => g.mmuOn().write(BASE, 1).read(BASE)).toJSON();

Deno.test("validOrThrow: a valid scenario comes back as a frozen copy", () => {
  const data = JSON.parse(JSON.stringify(scenario()));
  const back = validOrThrow(data);
  assertEquals(back, data);
  assert.notEqual(back, data);
  assert.ok(Object.isFrozen(back) && Object.isFrozen(back.steps));
  assert.ok(!Object.isFrozen(data));
});

Deno.test("validOrThrow: the first issue's code, or the code asked for, with every issue", () => {
  const data = { ...scenario(), cpus: 9, speculation: "loud" };
  const own = assertThrowsScenario(() => validOrThrow(data));
  assert.ok(own instanceof InvalidScenarioError);
  assertEquals([own.code, own.call, own.value], ["out_of_range", "cpus", 9]);
  assertEquals(own.issues.map((i) => [i.path, i.code]), [
    ["cpus", "out_of_range"],
    ["speculation", "unknown_name"],
  ]);
  const schema = assertThrowsScenario(() => validOrThrow(data, "bad_schema"));
  assert.ok(schema instanceof InvalidScenarioError);
  assertEquals([schema.code, schema.call, schema.value], ["bad_schema", "cpus", 9]);
  assertEquals(schema.issues.map((i) => i.code), ["out_of_range", "unknown_name"]);
});

Deno.test("toJSON(): a step outside a RAM made smaller later keeps its own code", () => {
  const e = assertThrowsScenario(() =>
    vm().guest((g) => g.write(BASE + 0x10_0000, 1)).ram("1MiB").toJSON()
  );
  assertEquals([e.code, e.call, e.value], ["bad_address", "steps[0].addr", BASE + 0x10_0000]);
});

Deno.test("validate(): ok with the checked copy, or every issue; nothing thrown", () => {
  const s = scenario();
  const good = validate(JSON.parse(JSON.stringify(s)));
  assert.ok(good.ok);
  assertEquals(good.scenario, s);
  assert.ok(Object.isFrozen(good.scenario));
  const bad = validate({ ...s, cpus: 0, ram: 4095 });
  assert.ok(!bad.ok);
  assertEquals(bad.issues.map((i) => [i.path, i.code, i.value]), [
    ["cpus", "out_of_range", 0],
    ["ram", "out_of_range", 4095],
  ]);
});
