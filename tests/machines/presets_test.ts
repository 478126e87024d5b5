import assert from "node:assert/strict";
import fc from "fast-check";
import { ScenarioError } from "../../lib/errors.ts";
import type { Machine } from "../../lib/hw/machine.ts";
import {
  architectedLevels,
  armada8040,
  clusterOf,
  cpuCount,
  listMachines,
  machineIssues,
  machineNames,
  machines,
  resolveMachine,
} from "../../lib/machines/mod.ts";

function assertEquals(actual: unknown, expected: unknown, message?: string): void {
  assert.deepStrictEqual(actual, expected, message);
}

/** Runs `fn`, which must throw an instance of `type`, and returns what it threw. */
function assertThrows<E extends Error>(fn: () => unknown, type: new (...a: never[]) => E): E {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof type, `expected ${type.name}, got ${e}`);
    return e;
  }
  throw new assert.AssertionError({ message: "expected the call to throw" });
}

const EXPECTED_NAMES = [
  "generic",
  "xgene1",
  "juno-r0",
  "tc2",
  "neoverse-n1",
  "neoverse-v1",
  "armada-8040",
];

function setsOf(g: { size: number; ways: number; lineSize?: number }): number {
  return g.size / (g.ways * (g.lineSize ?? 64));
}

Deno.test("machines: the registry holds the seven presets under their own names", () => {
  assertEquals(machineNames(), EXPECTED_NAMES);
  for (const [key, m] of Object.entries(machines)) assertEquals(m.name, key);
  assertEquals(
    listMachines().map((m) => m.name),
    EXPECTED_NAMES,
  );
  for (const { name, description } of listMachines()) {
    assertEquals(description, machines[name].description);
    assert.ok(description.length > 10, `${name} has a description`);
  }
});

Deno.test("machines: every preset geometry is valid and divides into whole power-of-two sets", () => {
  for (const m of Object.values(machines)) {
    assertEquals(machineIssues(m), [], m.name);
    const caches = m.clusters.flatMap((c) => (c.l2 ? [c.l1d, c.l2] : [c.l1d]));
    if (m.systemCache) caches.push(m.systemCache);
    for (const g of caches) {
      const sets = setsOf(g);
      assert.ok(Number.isInteger(sets) && sets >= 1, `${m.name}: ${JSON.stringify(g)}`);
      assertEquals(sets & (sets - 1), 0, `${m.name}: sets of ${JSON.stringify(g)}`);
    }
    assertEquals(resolveMachine(m.name), m);
  }
});

Deno.test("machines: CPU counts and cluster shapes match the hardware", () => {
  const shape = (name: string) => machines[name].clusters.map((c) => c.cpus);
  assertEquals(shape("generic"), [4]);
  assertEquals(shape("xgene1"), [2, 2, 2, 2]);
  assertEquals(shape("juno-r0"), [2, 4]);
  assertEquals(shape("tc2"), [2, 3]);
  assertEquals(shape("neoverse-n1"), [1, 1, 1, 1]);
  assertEquals(shape("neoverse-v1"), [1, 1, 1, 1]);
  assertEquals(shape("armada-8040"), [2, 2]);
  assertEquals(cpuCount(machines.xgene1), 8);
  assertEquals(cpuCount(machines["armada-8040"]), 4);
  assertEquals(cpuCount(machines["juno-r0"]), 6);
  assertEquals(cpuCount(machines.tc2), 5);
});

Deno.test("machines: cache sizes of the big.LITTLE boards and the generic machine", () => {
  const [a57, a53] = machines["juno-r0"].clusters;
  assertEquals([a57.core, a57.l2?.size], ["Cortex-A57", 2 * 2 ** 20]);
  assertEquals([a53.core, a53.l2?.size], ["Cortex-A53", 2 ** 20]);
  const [a15, a7] = machines.tc2.clusters;
  assertEquals([a15.core, a15.l2?.size], ["Cortex-A15", 2 ** 20]);
  assertEquals([a7.core, a7.l2?.size], ["Cortex-A7", 512 * 1024]);
  const g = machines.generic.clusters[0];
  assertEquals([g.l1d.size, g.l1d.ways, g.l2?.size, g.l2?.ways], [32768, 4, 2 ** 20, 16]);
  assertEquals(machines.generic.systemCache ?? null, null);
});

Deno.test("machines: xgene1's L3 is a system cache outside the CLIDR levels", () => {
  const x = machines.xgene1;
  assert.ok(x.systemCache, "xgene1 has a system cache");
  assertEquals(x.systemCache.size, 8 * 2 ** 20);
  assertEquals(x.systemCache.snoopsNonCacheable, false);
  for (let cpu = 0; cpu < cpuCount(x); cpu++) {
    assertEquals(architectedLevels(x, cpu), 2, `cpu ${cpu} reports L1 and L2 only`);
    const { cluster } = clusterOf(x, cpu);
    assertEquals(cluster.l2?.size, 256 * 1024);
    assertEquals(cluster.l1d.size, 32 * 1024);
    assert.notStrictEqual(cluster.l2, x.systemCache);
  }
  // CPUs 0 and 1 share a pair's L2; 1 and 2 do not.
  assertEquals(clusterOf(x, 1).index, 0);
  assertEquals(clusterOf(x, 2).index, 1);
});

Deno.test("machines: armada-8040 is the incident catalogue's machine, its LLC outside CLIDR", () => {
  const a = machines["armada-8040"];
  assert.strictEqual(a, armada8040);
  assert.strictEqual(resolveMachine("armada-8040"), armada8040);
  assertEquals(a.systemCache, { size: 2 ** 20, ways: 8, snoopsNonCacheable: false });
  assertEquals(a.features?.fwb, false);
  for (let cpu = 0; cpu < cpuCount(a); cpu++) {
    assertEquals(architectedLevels(a, cpu), 2, `cpu ${cpu} reports L1 and L2 only`);
    const { cluster, index } = clusterOf(a, cpu);
    assertEquals(index, cpu >> 1, `cpu ${cpu} shares its pair's L2`);
    assertEquals([cluster.l1d.size, cluster.l1d.ways], [32 * 1024, 2]);
    assertEquals([cluster.l2?.size, cluster.l2?.ways], [512 * 1024, 16]);
  }
});

Deno.test("machines: Neoverse presets differ in stage-2 FWB and both have an SLC", () => {
  const n1 = machines["neoverse-n1"], v1 = machines["neoverse-v1"];
  assertEquals(n1.features?.fwb, false);
  assertEquals(v1.features?.fwb, true);
  for (const m of [n1, v1]) {
    assert.ok(m.systemCache && m.systemCache.size >= 2 ** 20, `${m.name} has an SLC`);
    for (const c of m.clusters) assertEquals(c.cpus, 1, "private L2: clusters of one CPU");
  }
});

Deno.test("machines: presets are deeply frozen", () => {
  const x = machines.xgene1 as unknown as { clusters: { l1d: { ways: number } }[] };
  assertThrows(() => {
    x.clusters[0].l1d.ways = 1;
  }, TypeError);
  assertEquals(machines.xgene1.clusters[0].l1d.ways, 8);
});

Deno.test("resolveMachine: an unknown name is unknown_name listing every preset", () => {
  const err = assertThrows(() => resolveMachine("xgene"), ScenarioError);
  assertEquals(err.code, "unknown_name");
  assertEquals(err.call, "machine");
  assertEquals(err.value, "xgene");
  assert.match(err.message, /"xgene"/);
  for (const name of EXPECTED_NAMES) assert.ok(err.message.includes(name), name);
});

Deno.test("resolveMachine: a user machine with a bad geometry is refused with its path", () => {
  const bad: Machine = {
    name: "odd",
    description: "24 KiB 3-way L1",
    clusters: [{ cpus: 2, l1d: { size: 24576, ways: 3 } }],
  };
  const err = assertThrows(() => resolveMachine(bad), ScenarioError);
  assertEquals(err.code, "bad_geometry");
  assertEquals(err.call, "machine.clusters[0].l1d.size");
  assert.match(err.message, /24576/);
  const noCpus = { ...bad, clusters: [{ cpus: 0, l1d: { size: 32768, ways: 4 } }] };
  assertEquals(assertThrows(() => resolveMachine(noCpus), ScenarioError).code, "invalid_value");
  const ok: Machine = { ...bad, clusters: [{ cpus: 2, l1d: { size: 32768, ways: 4 } }] };
  assertEquals(resolveMachine(ok), ok);
});

Deno.test("machineIssues: a power-of-two geometry is valid exactly when it has 1 to 32768 sets", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 8, max: 24 }),
      fc.integer({ min: 0, max: 6 }),
      fc.integer({ min: 4, max: 8 }),
      (sizeLog, waysLog, lineLog) => {
        const m = {
          name: "p",
          description: "",
          clusters: [{
            cpus: 1,
            l1d: { size: 2 ** sizeLog, ways: 2 ** waysLog, lineSize: 2 ** lineLog },
          }],
        };
        // At least one set, and at most 2^15 (what CCSIDR can describe).
        const setsLog = sizeLog - lineLog - waysLog;
        const valid = setsLog >= 0 && setsLog <= 15;
        assertEquals(machineIssues(m).length === 0, valid);
      },
    ),
  );
});

Deno.test("clusterOf: a CPU the machine does not have is out_of_range", () => {
  const err = assertThrows(() => clusterOf(machines.tc2, 5), ScenarioError);
  assertEquals(err.code, "out_of_range");
  assertEquals(clusterOf(machines.tc2, 4).cluster.core, "Cortex-A7");
});

/** Every golden file under tests/, as one text. */
async function allGoldens(dir: URL): Promise<string> {
  let text = "";
  for await (const entry of Deno.readDir(dir)) {
    const url = new URL(entry.name + (entry.isDirectory ? "/" : ""), dir);
    if (entry.isDirectory) text += await allGoldens(url);
    else if (entry.name.endsWith(".golden")) text += await Deno.readTextFile(url);
  }
  return text;
}

Deno.test("machines: every preset is run by name in some golden test", async () => {
  const text = await allGoldens(new URL("../", import.meta.url));
  for (const name of machineNames()) {
    const escaped = name.replace(/[-]/g, "\\-");
    assert.match(text, new RegExp(`(^|[\\s(])${escaped}([\\s,;)]|$)`, "m"), name);
  }
});
