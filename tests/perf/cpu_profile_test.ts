import assert from "node:assert/strict";
import { meanSummary, summarizeProfile } from "../../bench/cpu_profile.ts";

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

Deno.test("summarizeProfile: the hierarchy core's WebAssembly counts as lib/hw, other WebAssembly apart", () => {
  const s = summarizeProfile({
    nodes: [
      { id: 1, callFrame: frame("hierarchy/lookup", "wasm://wasm/57ac4d7a") },
      { id: 2, callFrame: frame("wasm-function[3]", "wasm://wasm/0badf00d") },
      { id: 3, callFrame: frame("read", "file:///r/lib/hw/coherence.ts") },
    ],
    samples: [1, 2, 3, 1],
    timeDeltas: [1000, 500, 250, 1000],
  });
  assert.deepEqual(s.byArea, [{ name: "lib/hw", ms: 2.25 }, { name: "WebAssembly", ms: 0.5 }]);
  assert.deepEqual(s.byFunction, [
    { name: "hierarchy/lookup (WebAssembly)", ms: 2 },
    { name: "wasm-function[3] (WebAssembly)", ms: 0.5 },
    { name: "read hw/coherence.ts", ms: 0.25 },
  ]);
});

Deno.test("meanSummary: each share is its mean over the runs, a run without it counting 0", () => {
  const m = meanSummary([
    {
      totalMs: 6,
      byArea: [{ name: "lib/hw", ms: 4 }, { name: "lib/hyp", ms: 2 }],
      byFunction: [{ name: "lookup hw/cache.ts", ms: 4 }],
    },
    {
      totalMs: 3,
      byArea: [{ name: "lib/hyp", ms: 3 }],
      byFunction: [{ name: "emit engine/event_log.ts", ms: 1 }],
    },
  ]);
  assert.equal(m.totalMs, 4.5);
  assert.deepEqual(m.byArea, [{ name: "lib/hyp", ms: 2.5 }, { name: "lib/hw", ms: 2 }]);
  assert.deepEqual(m.byFunction, [
    { name: "lookup hw/cache.ts", ms: 2 },
    { name: "emit engine/event_log.ts", ms: 0.5 },
  ]);
  // Equal shares keep the order by name, as one run's summary does.
  const tie = meanSummary([{
    totalMs: 2,
    byArea: [{ name: "b", ms: 1 }, { name: "a", ms: 1 }],
    byFunction: [],
  }]);
  assert.deepEqual(tie.byArea.map((s) => s.name), ["a", "b"]);
  assert.throws(() => meanSummary([]), RangeError);
});
