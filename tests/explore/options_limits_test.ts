/**
 * The edges of what `explore()` accepts in each option: the first value
 * past each range is refused naming the option, the values on the edge are
 * kept, and each option lands in its own field of the configuration.
 */

import assert from "node:assert/strict";
import { classFromPredicate } from "../../lib/api/explore.ts";
import { ScenarioError } from "../../lib/errors.ts";
import { type ExploreOptions, resolveExploreOptions } from "../../lib/engine/explore/options.ts";

/** Asserts that `options` are refused with a ScenarioError naming `call` (or a field of it). */
function refused(options: Record<string, unknown>, call: string): void {
  assert.throws(
    () => resolveExploreOptions(options as ExploreOptions),
    (e: unknown) => {
      assert.ok(e instanceof ScenarioError, String(e));
      assert.ok(e.call === call || e.call.startsWith(`${call}.`), e.call);
      return true;
    },
  );
}

Deno.test("options: names inherited from Object are neither built-in policies nor classes", () => {
  for (const name of ["toString", "constructor", "__proto__"]) {
    refused({ policy: name }, "explore.policy");
    refused({ guestClass: name }, "explore.guestClass");
  }
});

Deno.test("options: migrateTo and hostCpu take the machine's CPUs, up to its last", () => {
  // The generic machine has CPUs 0 to 3.
  assert.deepEqual(resolveExploreOptions({ migrateTo: [0, 3] }).migrateTo, [0, 3]);
  refused({ migrateTo: [0, 4] }, "explore.migrateTo[1]");
  assert.equal(resolveExploreOptions({ hostCpu: 3 }).hostCpu, 3);
  refused({ hostCpu: 4 }, "explore.hostCpu");
});

Deno.test("options: seeds are 32-bit signed integers, negative ones included", () => {
  assert.equal(resolveExploreOptions({ seed: -1 }).seed, -1);
  assert.equal(resolveExploreOptions({ seed: -(2 ** 31) }).seed, -(2 ** 31));
  refused({ seed: -(2 ** 31) - 1 }, "explore.seed");
  refused({ seed: 2 ** 31 }, "explore.seed");
});

Deno.test("options: an execution budget is at least one execution", () => {
  assert.equal(resolveExploreOptions({ executions: 1 }).executions, 1);
  refused({ executions: 0 }, "explore.executions");
});

Deno.test("options: a perturbation rate of 0 (quiet hardware in random mode) is accepted", () => {
  assert.equal(resolveExploreOptions({ mode: "random", perturbRate: 0 }).perturbRate, 0);
  refused({ perturbRate: -0.1 }, "explore.perturbRate");
});

Deno.test("options: workers 0 and 1 both mean this thread, and objects cannot go to workers", () => {
  assert.equal(resolveExploreOptions({ workers: 0 }).workers, 0);
  assert.equal(resolveExploreOptions({ workers: 256 }).workers, 256);
  refused({ workers: 257 }, "explore.workers");
  const short = classFromPredicate("short", "at most two steps", (s) => s.length <= 2);
  assert.equal(resolveExploreOptions({ guestClass: short, workers: 1 }).classObjects.length, 1);
  refused({ guestClass: short, workers: 2 }, "explore.workers");
  refused({ guestClass: ["any", short], workers: 2 }, "explore.workers");
});

Deno.test("options: an exchange object must have an exchange() method", () => {
  const exchange = { exchange: () => Promise.resolve([]) };
  assert.equal(resolveExploreOptions({ shard: "0/2", exchange } as never).shardExchanged, true);
  refused({ shard: "0/2", exchange: {} }, "explore.exchange");
  refused({ shard: "0/2", exchange: { exchange: "dir" } }, "explore.exchange");
});

Deno.test("options: a system cache spec is checked as part of the machine", () => {
  refused({ machine: "xgene1", systemCache: { size: 100, ways: 8 } }, "explore.systemCache");
  refused({ machine: "xgene1", systemCache: { size: 65536, ways: 0 } }, "explore.systemCache");
});

Deno.test("options: a policy or class module keeps the export it names", () => {
  const module = "file:///somewhere/mine.ts";
  const c = resolveExploreOptions({
    policy: { module, export: "careful" },
    guestClass: [{ module, export: "tidy" }, { module }],
  });
  assert.deepEqual(c.policy, { module, export: "careful" });
  assert.equal(c.policyName, `careful from ${module}`);
  assert.deepEqual(c.classes, [{ module, export: "tidy" }, { module, export: "default" }]);
});

Deno.test("options: up to 16 addresses by count, each a word inside RAM", () => {
  assert.equal(resolveExploreOptions({ addresses: 16 }).addresses.length, 16);
  refused({ addresses: 17 }, "explore.addresses");
  const ramBase = 0x4000_0000, ram = 1 << 20;
  const last = ramBase + ram - 4;
  assert.deepEqual(resolveExploreOptions({ ramBase, ram, addresses: [last] }).addresses, [last]);
  refused({ ramBase, ram, addresses: [ramBase + ram] }, "explore.addresses[0]");
  refused({ ramBase, ram, addresses: [ramBase, ramBase - 4] }, "explore.addresses[1]");
});

Deno.test("options: symmetry and state hashing are switched off independently", () => {
  const noHash = resolveExploreOptions({ stateHashing: false });
  assert.equal(noHash.stateHashing, false);
  assert.equal(noHash.symmetry, true);
  const noSymmetry = resolveExploreOptions({ symmetry: false });
  assert.equal(noSymmetry.symmetry, false);
  assert.equal(noSymmetry.stateHashing, true);
});

Deno.test("options: a preset machine keeps its name, a described one its description", () => {
  const preset = resolveExploreOptions({ machine: "xgene1", systemCache: false });
  assert.equal(preset.machineName, "xgene1");
  assert.equal(preset.machine.systemCache, null);
  const described = resolveExploreOptions({ machine: preset.machine });
  assert.equal(described.machineName, preset.machine);
});
