// JSON text as the command line prints it: the indentation, what is left
// out, and what parses back.
import assert from "node:assert/strict";
import { ScenarioError } from "../../lib/errors.ts";
import { formatJson } from "../../lib/report/json.ts";

Deno.test("formatJson: a run's fields are indented, each event on one line", () => {
  const run = {
    policy: "kvm-4.0",
    events: [{ seq: 0, name: "kvm_exit", count: 2 }, { seq: 2, name: "read", count: 1 }],
    verdict: { ok: false, violations: [{ kind: "stale_read", addr: 64 }] },
    cost: { exits: 2 },
  };
  assert.equal(
    formatJson(run),
    `{
  "policy": "kvm-4.0",
  "events": [
    {"seq":0,"name":"kvm_exit","count":2},
    {"seq":2,"name":"read","count":1}
  ],
  "verdict": {
    "ok": false,
    "violations": [
      {"kind":"stale_read","addr":64}
    ]
  },
  "cost": {
    "exits": 2
  }
}
`,
  );
});

Deno.test("formatJson: an array at the compact depth still lists one element a line", () => {
  assert.equal(
    formatJson({ a: [1, 2], b: { c: 1 } }, { compactDepth: 1 }),
    '{\n  "a": [\n    1,\n    2\n  ],\n  "b": {"c":1}\n}\n',
  );
  assert.equal(formatJson({ a: [], b: {} }), '{\n  "a": [],\n  "b": {}\n}\n');
});

Deno.test("formatJson: undefined members and functions are left out, undefined elements are null", () => {
  const value = { gone: undefined, kept: 1, f() {}, list: [undefined, 2] };
  assert.equal(formatJson(value), '{\n  "kept": 1,\n  "list": [\n    null,\n    2\n  ]\n}\n');
  assert.deepEqual(JSON.parse(formatJson(value)), JSON.parse(JSON.stringify(value)));
});

Deno.test("formatJson: functions and symbols print as JSON.stringify prints them, at any depth", () => {
  const f = () => 1;
  const s = Symbol("s");
  assert.equal(formatJson([f, s, 3]), "[\n  null,\n  null,\n  3\n]\n");
  assert.equal(formatJson({ a: [f], sym: s }), '{\n  "a": [\n    null\n  ]\n}\n');
  for (const value of [[f], { a: [s] }, { a: { b: [f, s] } }, { a: { b: { c: [f] } } }]) {
    assert.deepEqual(JSON.parse(formatJson(value)), JSON.parse(JSON.stringify(value)));
  }
});

Deno.test("formatJson: toJSON() is honoured below the top level too", () => {
  const value = { when: { toJSON: () => "2026-12-05" }, n: 1 };
  assert.equal(formatJson(value), '{\n  "when": "2026-12-05",\n  "n": 1\n}\n');
});

Deno.test("formatJson: keys are JSON strings, quotes escaped", () => {
  const text = formatJson({ 'say "hi"': 1 });
  assert.equal(text, '{\n  "say \\"hi\\"": 1\n}\n');
  assert.deepEqual(JSON.parse(text), { 'say "hi"': 1 });
});

Deno.test("formatJson: a bigint is refused with ScenarioError", () => {
  assert.throws(() => formatJson({ n: 1n }), ScenarioError);
  assert.throws(() => formatJson([1n]), ScenarioError);
});
