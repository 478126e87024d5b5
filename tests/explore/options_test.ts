import assert from "node:assert/strict";
import { explore, ScenarioError } from "../../mod.ts";
import { parseShard, resolveExploreOptions } from "../../lib/engine/explore/options.ts";

Deno.test("defaults: generic machine, kvm-4.0, one vCPU, four ops, one address", () => {
  const c = resolveExploreOptions();
  assert.equal(c.machine.name, "generic");
  assert.equal(c.policyName, "kvm-4.0");
  assert.equal(c.cpus, 1);
  assert.equal(c.maxOps, 4);
  assert.deepEqual(c.addresses, [0x4000_0000]);
  assert.equal(c.ops.includes("migrate"), false);
  assert.equal(resolveExploreOptions({ cpus: 2 }).ops.includes("migrate"), true);
});

Deno.test("addresses as a count land in distinct pages and lines", () => {
  const c = resolveExploreOptions({ addresses: 3 });
  assert.deepEqual(c.addresses, [0x4000_0000, 0x4000_1040, 0x4000_2080]);
});

Deno.test("the host CPU defaults to the first CPU no vCPU can run on", () => {
  assert.equal(resolveExploreOptions({ cpus: 2 }).hostCpu, 3); // migrations may use 0, 1, 2
  assert.equal(resolveExploreOptions({ cpus: 2, migrateTo: [0, 1] }).hostCpu, 2);
});

Deno.test("shards parse as i/n", () => {
  assert.deepEqual(parseShard("2/3"), { index: 2, count: 3 });
  for (const bad of ["3/3", "a/b", "1", "-1/2", "1/2x", "1/2/3"]) {
    assert.throws(
      () => parseShard(bad),
      (e: unknown) => e instanceof ScenarioError && e.value === bad,
    );
  }
});

const BAD: [string, Record<string, unknown>, string][] = [
  ["explore.cpus", { cpus: 9 }, "cpus"],
  ["explore.cpus", { cpus: 1.5 }, "cpus"],
  ["explore.maxOps", { maxOps: 0 }, "maxOps"],
  ["explore.ops", { ops: ["write", "jump"] }, "ops"],
  ["explore.ops", { ops: ["write", "write"] }, "ops"],
  ["explore.ops", { ops: [] }, "ops"],
  ["explore.policy", { policy: "kvm-9" }, "policy"],
  ["explore.guestClass", { guestClass: "careful" }, "guestClass"],
  ["explore.addresses[0]", { addresses: [0x1000] }, "addresses"],
  ["explore.addresses", { addresses: [0x4000_0000, 0x4000_0000] }, "addresses"],
  ["explore.mode", { mode: "lucky" }, "mode"],
  ["explore.seconds", { seconds: -1 }, "seconds"],
  ["explore.perturbRate", { perturbRate: 2 }, "perturbRate"],
  ["explore.shard", { shard: "1/1" }, "shard"],
  ["explore.machine", { machine: "vax" }, "machine"],
  // Just past the edge of what is accepted.
  ["explore.maxOps", { maxOps: 65 }, "maxOps"],
  ["explore.addresses", { addresses: [] }, "addresses"],
  ["explore.seconds", { seconds: 0 }, "seconds"],
  ["explore.speculation", { speculation: "no" }, "speculation"],
  ["explore.progress", { progress: "yes" }, "progress"],
  ["explore.exchange", { exchange: "", shard: "0/2" }, "exchange"],
];

for (const [call, options, word] of BAD) {
  Deno.test(`a bad ${word} is refused, naming ${call} and the value`, async () => {
    await assert.rejects(() => explore(options), (e: unknown) => {
      assert.ok(e instanceof ScenarioError, String(e));
      assert.equal(e.call, call);
      assert.match(e.message, new RegExp(word));
      return true;
    });
  });
}

Deno.test("options on the edge of what is accepted, and the defaults that depend on the mode", () => {
  assert.equal(resolveExploreOptions({ perturbRate: 1 }).perturbRate, 1);
  assert.equal(resolveExploreOptions({ maxOps: 64 }).maxOps, 64);
  // Prove mode searches until the abstract states stop growing, up to 64 operations.
  assert.equal(resolveExploreOptions({ mode: "prove" }).maxOps, 64);
  // Random mode: 10 000 programs, unless a time budget is given instead.
  assert.equal(resolveExploreOptions({ mode: "random" }).executions, 10_000);
  assert.equal(resolveExploreOptions({ mode: "random", seconds: 5 }).executions, Infinity);
  const sharded = resolveExploreOptions({ mode: "prove", shard: "0/2", exchange: "/tmp/x" });
  assert.equal(sharded.shard.count, 2);
});

Deno.test("workers cannot be sent a policy object", async () => {
  const policy = { name: "mine", description: "", source: "", state: () => undefined };
  await assert.rejects(
    () => explore({ policy, workers: 2 }),
    (e: unknown) =>
      e instanceof ScenarioError && e.call === "explore.workers" && /module/.test(e.message),
  );
  // On this thread alone, it runs.
  assert.equal(resolveExploreOptions({ policy, workers: 1 } as never).workers, 1);
});

Deno.test("systemCache: false drops the machine's system cache, a spec replaces it", () => {
  const xgene = resolveExploreOptions({ machine: "xgene1" });
  assert.notEqual(xgene.machine.systemCache, null);
  assert.equal(
    resolveExploreOptions({ machine: "xgene1", systemCache: false }).machine.systemCache,
    null,
  );
  const spec = { size: 65536, ways: 8 };
  assert.deepEqual(
    resolveExploreOptions({ machine: "xgene1", systemCache: spec }).machine.systemCache,
    spec,
  );
});

Deno.test("as many vCPUs as the machine has CPUs: every CPU a target, the host on the last", () => {
  // The generic machine has 4 CPUs: the vCPUs take them all.
  const c = resolveExploreOptions({ cpus: 4 });
  assert.equal(c.cpus, 4);
  assert.deepEqual(c.migrateTo, [0, 1, 2, 3]);
  assert.equal(c.hostCpu, 3);
});

Deno.test("RAM that would end past 2^48 is refused, naming explore.ram", () => {
  assert.throws(
    () => resolveExploreOptions({ ramBase: 2 ** 48 - 4096, ram: 1 << 20 }),
    (e: unknown) =>
      e instanceof ScenarioError && e.call === "explore.ram" && e.value === 1 << 20 &&
      e.code === "out_of_range",
  );
  // The same RAM ending exactly at 2^48 is accepted.
  assert.equal(resolveExploreOptions({ ramBase: 2 ** 48 - (1 << 20), ram: 1 << 20 }).ram, 1 << 20);
});

Deno.test('abstraction "verdicts" is refused outside prove mode, naming explore.abstraction', () => {
  for (const mode of ["exhaustive", "random"] as const) {
    assert.throws(
      () => resolveExploreOptions({ mode, abstraction: "verdicts" }),
      (e: unknown) =>
        e instanceof ScenarioError && e.call === "explore.abstraction" && e.value === "verdicts",
    );
  }
  assert.equal(
    resolveExploreOptions({ mode: "prove", abstraction: "verdicts" }).abstraction,
    "verdicts",
  );
  assert.equal(resolveExploreOptions({ mode: "exhaustive" }).abstraction, "kinds");
});
