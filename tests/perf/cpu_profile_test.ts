import assert from "node:assert/strict";
import { summarizeProfile } from "../../bench/cpu_profile.ts";

const frame = (functionName: string, url: string) => ({ functionName, url });

Deno.test("summarizeProfile: self time by area and by function, largest first", () => {
  const s = summarizeProfile({
    nodes: [
      { id: 1, callFrame: frame("(root)", "") },
      { id: 2, callFrame: frame("lookup", "file:///r/lib/hw/cache.ts") },
      { id: 3, callFrame: frame("emit", "file:///r/lib/engine/event_log.ts") },
      { id: 4, callFrame: frame("(garbage collector)", "") },
      { id: 5, callFrame: frame("", "file:///r/scenarios/zimage.ts") },
      { id: 6, callFrame: frame("loadExtScript", "ext:core/01_core.js") },
      { id: 7, callFrame: frame("install", "file:///r/lib/hw/cache.ts") },
    ],
    samples: [2, 3, 2, 4, 5, 6, 7, 99],
    timeDeltas: [1000, 500, 1000, 3000, 250, 750, 500, 10_000],
  });
  // The sample on an unknown node (99) is not charged.
  assert.equal(s.totalMs, 7);
  assert.deepEqual(s.byArea, [
    { name: "(garbage collector)", ms: 3 },
    { name: "lib/hw", ms: 2.5 },
    { name: "deno runtime", ms: 0.75 },
    { name: "lib/engine", ms: 0.5 },
    { name: "scenarios", ms: 0.25 },
  ]);
  assert.deepEqual(s.byFunction.map((f) => f.name), [
    "lookup hw/cache.ts",
    "loadExtScript ext:core/01_core.js",
    "emit engine/event_log.ts",
    "install hw/cache.ts",
    "(top level) scenarios/zimage.ts",
  ]);
});
