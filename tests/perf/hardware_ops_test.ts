import assert from "node:assert/strict";
import { hardwareOps, replayAccesses } from "../../bench/hardware_ops.ts";
import { firstTouchMicros, minorFaults, opsScenario, readsDigest } from "../../bench/engine_ops.ts";
import { candidateLines, execute } from "../../lib/engine/execute.ts";
import { scenarioMachine } from "../../lib/engine/resolve.ts";
import { run } from "../../lib/engine/run.ts";
import { Hardware } from "../../lib/hw/hardware.ts";
import { NULL_SINK } from "../../lib/hyp/event_sink.ts";
import { policies } from "../../lib/hyp/policies/mod.ts";
import { hardwareState, linesOf } from "../support/hardware_state.ts";

// Row (c)'s yardstick is only a yardstick if it does the engine's cache work:
// the same accesses, on the same CPUs, cacheable alike, over the same DRAM.

Deno.test("replayAccesses leaves the hardware exactly as the engine's execution of the program", () => {
  const scenario = opsScenario(6000);
  const machine = scenarioMachine(scenario);
  const engine = new Hardware(machine, { seed: scenario.seed });
  execute({
    scenario,
    machine,
    policy: policies[scenario.policy],
    speculation: "quiet",
    sink: NULL_SINK,
    maxSteps: Infinity,
    candidates: candidateLines(scenario.steps, engine.lineSize),
    hardware: engine,
  });
  const alone = new Hardware(machine, { seed: scenario.seed });
  const { accesses } = replayAccesses(alone, scenario);
  assert.equal(accesses, 5998);
  const ram = linesOf(scenario.ramBase, scenario.ram, engine.lineSize);
  const got = hardwareState(alone, ram), want = hardwareState(engine, ram);
  // Part by part: a deep comparison of the whole would print a diff of every line.
  assert.equal(got.caches.length, want.caches.length);
  got.caches.forEach((cache, i) => {
    assert.equal(cache.name, want.caches[i].name);
    assert.equal(cache.lines.length, want.caches[i].lines.length, `${cache.name}: lines held`);
    assert.ok(
      JSON.stringify(cache) === JSON.stringify(want.caches[i]),
      `${cache.name}: slots, tags, states or data differ`,
    );
  });
  assert.ok(JSON.stringify(got.dram) === JSON.stringify(want.dram), "DRAM differs");
});

Deno.test("hardwareOps reads what run() logs the guest reading", () => {
  // From operation 4098 on, reads find words written before, some by the other vCPU.
  const scenario = opsScenario(6000);
  const result = run(scenario);
  assert.equal(hardwareOps(scenario).digest, readsDigest(result.events));
  // Not a digest that any run gives: a program that reads other values differs.
  const other = { ...scenario, steps: scenario.steps.filter((s) => s.kind !== "write") };
  assert.notEqual(hardwareOps(other).digest, readsDigest(result.events));
});

Deno.test("replayAccesses refuses a step it does not replay", () => {
  const scenario = opsScenario(4);
  const steps = [...scenario.steps, { kind: "pc" as const, vcpu: 0, addr: 0x1000 }];
  assert.throws(
    () => hardwareOps({ ...scenario, steps }),
    /step 4 is a pc, not a read, write or sctlr/,
  );
});

Deno.test("minorFaults counts the pages written for the first time, and firstTouchMicros prices one", () => {
  const before = minorFaults();
  if (before === null) return; // no /proc/self/stat here: the report leaves the count out
  const pages = 256;
  const words = new Int32Array(new WebAssembly.Memory({ initial: (pages * 4096) / 65536 }).buffer);
  for (let i = 0; i < pages; i++) words[i * 1024] = 1;
  const after = minorFaults()!;
  assert.ok(after - before >= pages, `${after - before} faults for ${pages} fresh pages`);
  const us = firstTouchMicros(64);
  assert.ok(Number.isFinite(us) && us > 0, `${us} µs per page`);
});

Deno.test("engine_ops.ts --cold runs the program once, without any permission, as the report profiles it", async () => {
  const script = new URL("../../bench/engine_ops.ts", import.meta.url).pathname;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--no-prompt", script, "500", "--cold"],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  const line = JSON.parse(new TextDecoder().decode(out.stdout));
  assert.deepEqual(Object.keys(line), ["ops", "ms"]);
  assert.equal(line.ops, 500);
  assert.ok(line.ms > 0);
});
