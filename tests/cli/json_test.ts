// JSON and NDJSON printing: readable layout, exact round trip, bad input.
import assert from "node:assert/strict";
import { ScenarioError, scenarioFrom, vm } from "../../mod.ts";
import { formatJson, formatNdjson } from "../../lib/api/report.ts";

const run = await vm().machine("tc2").cpus(2).policy("kvm-4.0").guest((g) => g.noMaintenance())
  .run();

Deno.test("formatJson: parses back to toJSON(); each event and step on one line", () => {
  const text = formatJson(run);
  assert.deepEqual(JSON.parse(text), JSON.parse(JSON.stringify(run.toJSON())));
  const lines = text.split("\n");
  assert.equal(lines[0], "{");
  assert.equal(lines.at(-1), "");
  const eventLines = lines.filter((l) => /^ {4}\{"seq":\d+,"name":"/.test(l));
  assert.equal(eventLines.length, run.events.length);
  const stepLines = lines.filter((l) => /^ {6}\{"kind":"(?!stale_read|lost_write)/.test(l));
  assert.equal(stepLines.length, run.scenario.steps.length);
  // and the scenario it prints is a valid scenario
  assert.deepEqual(scenarioFrom(JSON.parse(text).scenario), run.toJSON().scenario);
});

Deno.test("formatJson: an array of runs needs one more level; bad values are refused", () => {
  const text = formatJson([run, run], { compactDepth: 3 });
  assert.equal(JSON.parse(text).length, 2);
  assert.ok(text.split("\n").some((l) => /^ {6}\{"seq":0,/.test(l)));
  assert.equal(formatJson({ a: [], b: {} }), '{\n  "a": [],\n  "b": {}\n}\n');
  assert.throws(() => formatJson({ n: 1n }), ScenarioError);
  const cyclic: Record<string, unknown> = {};
  cyclic.self = cyclic;
  assert.throws(() => formatJson(cyclic, { compactDepth: 1 }), ScenarioError);
});

Deno.test("formatNdjson: records in order, one per line; not a run is refused", () => {
  const lines = formatNdjson([run, run]).trimEnd().split("\n");
  assert.equal(lines.length, 2 * (run.events.length + 3));
  const kinds = lines.map((l) => JSON.parse(l).record);
  assert.deepEqual(kinds.slice(0, 2), ["run", "event"]);
  assert.deepEqual(kinds.slice(run.events.length + 1, run.events.length + 4), [
    "verdict",
    "cost",
    "run",
  ]);
  assert.equal(formatNdjson([]), "");
  assert.throws(() => formatNdjson({} as never), ScenarioError);
});
