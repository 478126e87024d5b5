// NDJSON: one JSON object a line, in a fixed order, ending with a newline.
import assert from "node:assert/strict";
import { ScenarioError } from "../../lib/errors.ts";
import type { SetwayEvent } from "../../lib/hyp/events.ts";
import { formatNdjson } from "../../lib/report/ndjson.ts";
import type { RunLike } from "../../lib/report/run_like.ts";

const exit = {
  seq: 0,
  name: "kvm_exit",
  vcpu: 0,
  pcpu: 1,
  pc: 0x4000,
  count: 2,
  reason: "access_dcsw",
  ec: 0x18,
} as SetwayEvent;

const run: RunLike = {
  policy: "kvm-4.0",
  machine: { name: "xgene1", clusters: [{ cpus: 8 }] },
  scenario: { seed: 7, speculation: "quiet", cpus: 1 },
  events: [exit],
  verdict: { ok: true, violations: [], archInvalid: [], failsNatively: false },
  cost: { exits: 2, flushes: 0, linesFlushed: 0 },
};

const RUN_TEXT =
  '{"record":"run","policy":"kvm-4.0","machine":"xgene1","seed":7,"speculation":"quiet",' +
  '"scenario":{"seed":7,"speculation":"quiet","cpus":1}}\n' +
  '{"record":"event","seq":0,"name":"kvm_exit","vcpu":0,"pcpu":1,"pc":16384,"count":2,' +
  '"reason":"access_dcsw","ec":24}\n' +
  '{"record":"verdict","ok":true,"violations":[],"archInvalid":[],"failsNatively":false}\n' +
  '{"record":"cost","exits":2,"flushes":0,"linesFlushed":0}\n';

Deno.test("formatNdjson: a run is a run record, its events, its verdict and its cost, a line each", () => {
  assert.equal(formatNdjson(run), RUN_TEXT);
});

Deno.test("formatNdjson: several runs follow one another, each from its run record", () => {
  const second = { ...run, policy: "kvm-3.18", scenario: { seed: 8, speculation: "aggressive" } };
  const text = formatNdjson([run, second]);
  assert.ok(text.startsWith(RUN_TEXT));
  const rest = text.slice(RUN_TEXT.length).split("\n");
  assert.equal(rest.length, 5, "four records and the final newline");
  assert.equal(rest.at(-1), "");
  assert.deepEqual(JSON.parse(rest[0]), {
    record: "run",
    policy: "kvm-3.18",
    machine: "xgene1",
    seed: 8,
    speculation: "aggressive",
    scenario: { seed: 8, speculation: "aggressive" },
  });
});

Deno.test("formatNdjson: a result's toJSON() is what is printed", () => {
  const result = { policy: "stale", toJSON: () => run };
  assert.equal(formatNdjson(result as never), RUN_TEXT);
});

Deno.test("formatNdjson: something that is not a run is refused, naming its place", () => {
  const { cost: _cost, ...noCost } = run;
  assert.throws(() => formatNdjson(noCost as never), ScenarioError);
  assert.throws(
    () => formatNdjson([run, { ...run, events: "none" } as never]),
    (e: unknown) => e instanceof ScenarioError && /^formatNdjson: run 1 = /.test(e.message),
  );
});
