import assert from "node:assert/strict";
import fc from "fast-check";
import {
  type GuestBuilder,
  InvalidScenarioError,
  scenarioFrom,
  validate,
  vm,
} from "../../lib/dsl/mod.ts";
import { assertEquals, assertThrowsScenario } from "./helpers.ts";

const card = () =>
  vm().machine("xgene1").cpus(4).systemCache().policy("kvm-4.0").guest((g) => g.zImage32());

Deno.test("JSON round trip: toJSON -> JSON.stringify -> scenarioFrom gives an equal scenario", () => {
  for (const builder of [vm(), card(), vm().systemCache({ size: 2 ** 20, ways: 8 }).seed(-3)]) {
    const s = builder.toJSON();
    const text = JSON.stringify(s);
    assertEquals(scenarioFrom(text), s);
    assertEquals(scenarioFrom(JSON.parse(text)), s);
    // JSON.stringify on the builder itself goes through toJSON().
    assertEquals(JSON.parse(JSON.stringify(builder)), JSON.parse(text));
    assertEquals(vm().from(text).toJSON(), s);
  }
});

Deno.test("JSON round trip: a user machine object survives too", () => {
  const machine = {
    name: "two-by-two",
    description: "two clusters of two",
    clusters: [
      { cpus: 2, l1d: { size: 32768, ways: 4 }, l2: { size: 524288, ways: 16 } },
      { cpus: 2, l1d: { size: 32768, ways: 4 } },
    ],
    systemCache: { size: 4 * 2 ** 20, ways: 16, snoopsNonCacheable: true },
    features: { fwb: true },
  };
  const s = vm().machine(machine).cpus(4).guest((g) => g.on(3, (h) => h.sw_clean())).toJSON();
  assertEquals(scenarioFrom(JSON.stringify(s)), s);
});

// Random guest programs: each action is one builder call.
type Action = (g: GuestBuilder) => GuestBuilder;
const addr = fc.integer({ min: 0, max: 4095 }).map((w) => 0x4000_0000 + 4 * w);
const action: fc.Arbitrary<Action> = fc.oneof(
  fc.tuple(addr, fc.integer({ min: -0x8000_0000, max: 0xffff_ffff })).map(
    ([a, v]) => (g: GuestBuilder) => g.write(a, v),
  ),
  addr.map((a) => (g: GuestBuilder) => g.read(a)),
  fc.tuple(addr, fc.integer({ min: 1, max: 256 })).map(([a, l]) => (g: GuestBuilder) =>
    g.dc_civac(a, l)
  ),
  fc.constantFrom<Action>(
    (g) => g.mmuOn(),
    (g) => g.mmuOff(),
    (g) => g.cachesOff(),
    (g) => g.sw_clean(),
    (g) => g.sw_clean_invalidate(),
  ),
  // Within the generic machine's caches (L1: 128 sets x 4 ways): toJSON() checks set/way operands.
  fc.tuple(fc.integer({ min: 1, max: 2 }), fc.nat(63), fc.nat(3)).map(
    ([l, s, w]) => (g: GuestBuilder) => g.dc_cisw(l, s, w),
  ),
  fc.tuple(fc.nat(3), fc.nat(3)).map(([v, p]) => (g: GuestBuilder) => g.migrate(v, p)),
  addr.map((a): Action => (g) => g.host((h) => h.write(a, 7))),
  fc.nat(0xffff).map((v) => (g: GuestBuilder) => g.vmReg("CONTEXTIDR", v)),
);

Deno.test("JSON round trip: random guest programs (property)", () => {
  fc.assert(
    fc.property(fc.array(action, { maxLength: 30 }), fc.integer(), (actions, seed) => {
      const b = vm().cpus(4).seed(seed).guest((g) => actions.reduce((acc, f) => f(acc), g));
      const s = b.toJSON();
      assertEquals(s.steps.length, actions.length);
      assertEquals(scenarioFrom(JSON.stringify(s)), s);
    }),
    { seed: 20261206, numRuns: 100 },
  );
});

Deno.test("scenarioFrom: bad_schema naming the field, e.g. steps[2].addr", () => {
  const s = JSON.parse(
    JSON.stringify(vm().guest((g) => g.mmuOn().write(0x4000_0000, 1).read(0x4000_0000)).toJSON()),
  );
  s.steps[2].addr = "0x40000000";
  const err = assertThrowsScenario(() => scenarioFrom(s));
  assertEquals([err.code, err.call, err.value], ["bad_schema", "steps[2].addr", "0x40000000"]);
  assert.match(err.message, /steps\[2\]\.addr/);
  // A number of the right type but refused keeps its own code among the issues.
  s.steps[2].addr = 0x4000_0002;
  const err2 = assertThrowsScenario(() => scenarioFrom(s));
  assert.ok(err2 instanceof InvalidScenarioError);
  assertEquals([err2.code, err2.call], ["bad_schema", "steps[2].addr"]);
  assertEquals(err2.issues[0].code, "bad_address");
});

Deno.test("scenarioFrom: every issue is collected before throwing", () => {
  const s = JSON.parse(JSON.stringify(vm().guest((g) => g.write(0x4000_0000, 1)).toJSON()));
  s.cpus = 0;
  s.speculation = "loud";
  s.extra = true;
  s.steps[0].value = 2 ** 32;
  s.steps.push({ kind: "jump", vcpu: 0 });
  const err = assertThrowsScenario(() => scenarioFrom(s));
  assert.ok(err instanceof InvalidScenarioError);
  assertEquals(
    err.issues.map((i) => [i.path, i.code]).sort(),
    [
      ["cpus", "out_of_range"],
      ["extra", "bad_schema"],
      ["speculation", "unknown_name"],
      ["steps[0].value", "invalid_value"],
      ["steps[1].kind", "bad_schema"],
    ],
  );
  assert.match(err.message, /5 issues/);
});

Deno.test("scenarioFrom: not JSON, not an object, missing fields", () => {
  assertEquals(assertThrowsScenario(() => scenarioFrom("{ nope")).code, "bad_schema");
  assertEquals(assertThrowsScenario(() => scenarioFrom(42)).call, "scenario");
  const missing = assertThrowsScenario(() => scenarioFrom({ version: 1, machine: "generic" }));
  assert.ok(missing instanceof InvalidScenarioError);
  assert.ok(missing.issues.some((i) => i.path === "steps"));
  assert.ok(missing.issues.every((i) => i.code === "bad_schema"));
});

Deno.test("validate(): discriminated result, ok with a frozen copy", () => {
  const s = card().toJSON();
  const good = validate(s);
  assert.ok(good.ok);
  assertEquals(good.scenario, s);
  const bad = validate({ ...s, machine: "xgene2", ram: 6000 });
  assert.ok(!bad.ok);
  assertEquals(bad.issues.map((i) => [i.path, i.code]), [
    ["machine", "unknown_name"],
    ["ram", "invalid_value"],
  ]);
  assert.match(bad.issues[0].message, /"xgene2".*xgene1/);
});
