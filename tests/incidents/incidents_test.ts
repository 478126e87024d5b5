/**
 * The incident catalogue (scenarios/incidents/): each incident's
 * expectations hold (its file is its own test), every witness it shows
 * replays to what the check saw, and its whole story is pinned by a golden
 * in tests/incidents/golden/ (regenerate with
 * `deno test -P tests/incidents/ -- --update` and read the diff).
 */

import assert from "node:assert/strict";
import { assertGolden } from "../../mod.ts";
import { counterexample, formatCheck } from "../../lib/api/expect.ts";
import { INCIDENTS } from "../../scenarios/incidents/catalogue.ts";
import { checkIncident, story } from "../../scenarios/incidents/incident.ts";

for (const incident of INCIDENTS) {
  Deno.test(`incident ${incident.id}: its expectations hold, its story is pinned`, async () => {
    const results = await checkIncident(incident);
    for (const { label, result } of results) {
      for (const e of result.expectations) {
        const w = counterexample(e);
        assert.ok(e.holds, `${label}: ${e.text}\n${formatCheck(result)}${w?.trace ?? ""}`);
        for (const side of [e.witnesses.positive, e.witnesses.negative]) {
          if (side) assert.equal(side.replayAgrees, true, `${label}: ${e.text}: ${side.summary}`);
        }
      }
      assert.equal(result.stats.complete, true, `${label}: the search was cut by its budget`);
    }
    const golden = new URL(`./golden/${incident.id}.golden`, import.meta.url);
    await assertGolden(await story(incident, results), golden);
  });
}

Deno.test("every incident names a source and a year, and has a program and a case", () => {
  const ids = new Set<string>();
  for (const i of INCIDENTS) {
    assert.ok(!ids.has(i.id), `${i.id}: unique`);
    ids.add(i.id);
    assert.ok(i.source.length > 20, i.id);
    assert.ok(i.year >= 2014 && i.year <= 2025, i.id);
    assert.ok(i.programs.length > 0 && i.cases.length > 0, i.id);
    for (const c of i.cases) assert.ok((c.scenario.toJSON().expect?.length ?? 0) > 0, c.label);
  }
});

Deno.test("each incident file's module doc cites its source", async () => {
  for (const i of INCIDENTS) {
    const text = await Deno.readTextFile(
      new URL(`../../scenarios/incidents/${i.id}.ts`, import.meta.url),
    );
    const doc = text.slice(0, text.indexOf("@module"));
    assert.match(doc, /Sources?:/, i.id);
    assert.match(doc, /Simplified:/, i.id);
  }
});
