/**
 * Expectations as scenario data: `.expect()` stores plain JSON that
 * survives `toJSON()` / `from()` / `scenarioFrom()`, the shared checker
 * refuses malformed ones with the path of the field, and `run()` ignores
 * them.
 */

import assert from "node:assert/strict";
import { ScenarioError, scenarioFrom, validate, vm } from "../../mod.ts";
import {
  and,
  archInvalid,
  crashed,
  describeExpectation,
  events,
  exists,
  flushes,
  forall,
  lostWrite,
  never,
  noSetWayFlush,
  not,
  or,
  stale,
  staleAnywhere,
  wrongRead,
} from "../../lib/api/expect.ts";

const EVERY = [
  exists(stale(0x4000_8000, { blame: "hypervisor" })),
  never(staleAnywhere()),
  forall(not(crashed())),
  exists(and(lostWrite(0x4000_1000), or(flushes(2), flushes({ min: 4, max: 5 })))),
  never(events("kvm_toggle_cache", { min: 1 })),
  forall(noSetWayFlush()),
  exists(wrongRead(undefined, { blame: "guest" })),
  exists(archInvalid()),
];

Deno.test("expect(): every predicate is plain data that survives toJSON, JSON and from()", () => {
  let b = vm().guest((g) => g.vaCorrect());
  for (const e of EVERY) b = b.expect(e);
  const s = b.toJSON();
  assert.deepEqual(s.expect, EVERY);
  const text = JSON.stringify(s);
  assert.deepEqual(JSON.parse(text).expect, EVERY);
  assert.deepEqual(scenarioFrom(text), s);
  assert.deepEqual(vm().from(text).toJSON(), s);
  assert.deepEqual(vm().from(s).expect(never(crashed())).toJSON().expect, [
    ...EVERY,
    never(crashed()),
  ]);
});

Deno.test("expect(): a scenario without expectations has no expect field, as before", () => {
  const s = vm().guest((g) => g.vaCorrect()).toJSON();
  assert.equal("expect" in s, false);
  assert.equal(validate(s).ok, true);
});

Deno.test("expect(): calls accumulate on a copy; the builder stays immutable", () => {
  const base = vm().guest((g) => g.vaCorrect());
  const one = base.expect(never(crashed()));
  const two = one.expect(forall(noSetWayFlush()));
  assert.equal(base.toJSON().expect, undefined);
  assert.equal(one.toJSON().expect?.length, 1);
  assert.equal(two.toJSON().expect?.length, 2);
  const mutable = { kind: "never", what: { kind: "crashed" } } as const;
  const held = vm().expect(mutable as never);
  (mutable as { kind: string }).kind = "exists";
  assert.equal(held.toJSON().expect?.[0].kind, "never");
});

Deno.test("expect(): a bad expectation names the call, the field and the value", () => {
  const cases: [unknown, string, string][] = [
    [{ kind: "sometimes", what: crashed() }, "unknown_name", "expect.kind"],
    [
      { kind: "never", what: { kind: "stale", addr: 0x4000_0002 } },
      "bad_address",
      "expect.what.addr",
    ],
    [{ kind: "never", what: { kind: "stale", addr: 0x1000 } }, "bad_address", "expect.what.addr"],
    [
      { kind: "never", what: { kind: "stale", blame: "user" } },
      "unknown_name",
      "expect.what.blame",
    ],
    [{ kind: "never", what: { kind: "flushes" } }, "invalid_value", "expect.what"],
    [
      { kind: "never", what: { kind: "flushes", min: 3, max: 2 } },
      "out_of_range",
      "expect.what.max",
    ],
    [
      { kind: "never", what: { kind: "events", name: "castout", min: 1 } },
      "invalid_value",
      "expect.what.name",
    ],
    [{ kind: "never", what: { kind: "and", all: [] } }, "bad_schema", "expect.what.all"],
    [{ kind: "never", what: { kind: "crashed", why: 1 } }, "bad_schema", "expect.what.why"],
    [
      { kind: "exists", what: { kind: "not", what: { kind: "fast" } } },
      "unknown_name",
      "expect.what.what.kind",
    ],
    ["never", "bad_schema", "expect"],
  ];
  for (const [value, code, path] of cases) {
    assert.throws(() => vm().expect(value as never), (e: unknown) => {
      assert.ok(e instanceof ScenarioError, `${path}: a ScenarioError`);
      assert.equal(e.code, code, path);
      assert.equal(e.call, "expect");
      assert.ok(e.message.startsWith(`${path} = `), `${path}: ${e.message}`);
      return true;
    });
  }
});

Deno.test("scenario checker: a JSON scenario's expect field is checked with every other field", () => {
  const s = vm().guest((g) => g.vaCorrect()).toJSON();
  const bad = {
    ...s,
    expect: [never(crashed()), { kind: "never", what: { kind: "stale", addr: 6 } }],
  };
  const result = validate(bad);
  assert.equal(result.ok, false);
  if (!result.ok) assert.deepEqual(result.issues.map((i) => i.path), ["expect[1].what.addr"]);
  const notList = validate({ ...s, expect: { kind: "never" } });
  assert.equal(notList.ok, false);
  const unknown = validate({ ...s, expects: [] });
  assert.equal(unknown.ok, false);
  if (!unknown.ok) assert.equal(unknown.issues[0].path, "expects");
});

Deno.test("run() ignores expectations: the same events and verdict with or without them", async () => {
  const b = vm().machine("xgene1").policy("kvm-3.18").guest((g) =>
    g.zImage32({ words: 4, pages: 1 })
  );
  const plain = await b.run();
  const expecting = await b.expect(never(staleAnywhere())).run();
  assert.equal(expecting.trace(), plain.trace());
  assert.deepEqual(expecting.verdict, plain.verdict);
});

Deno.test("describeExpectation: the text is the DSL call that builds it", () => {
  assert.deepEqual(EVERY.map(describeExpectation), [
    'exists(stale(0x40008000, { blame: "hypervisor" }))',
    "never(staleAnywhere())",
    "forall(not(crashed()))",
    "exists(and(lostWrite(0x40001000), or(flushes(2), flushes({ min: 4, max: 5 }))))",
    'never(events("kvm_toggle_cache", { min: 1 }))',
    "forall(noSetWayFlush())",
    'exists(wrongRead(undefined, { blame: "guest" }))',
    "exists(archInvalid())",
  ]);
});
