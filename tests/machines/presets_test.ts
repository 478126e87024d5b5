import assert from "node:assert/strict";
import fc from "fast-check";
import { ScenarioError } from "../../lib/errors.ts";
import type { Machine } from "../../lib/hw/machine.ts";
import { Hardware } from "../../lib/hw/hardware.ts";
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
    { seed: 20261308 },
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

/** KiB and MiB, so that the tables below read as the manuals print them. */
const KiB = 1024, MiB = 1024 * 1024;

// The caches of each product core as its vendor documents them. The figures
// are typed from the documents, not from the presets:
// - Cortex-A15 MPCore TRM (ARM DDI 0438), "About the L1 memory system":
//   32 KB 2-way L1 data cache, 64-byte lines; "About the L2 memory system":
//   16-way L2. TC2's A15 cluster has 1 MB of L2 (CoreTile Express A15x2 A7x3
//   TRM, ARM DDI 0503).
// - Cortex-A7 MPCore TRM (ARM DDI 0464), 6.6.1 "Data cache tag and data
//   encoding": 4-way L1 data cache; "About the L2 memory system": 8-way L2.
//   TC2's A7 cluster has 512 KB of L2 (ARM DDI 0503).
// - Cortex-A57 MPCore TRM (ARM DDI 0488), "About the L1 memory system": 32 KB
//   2-way L1 data cache; "About the L2 memory system": 16-way L2 of 512 KB,
//   1 MB or 2 MB (Juno r0: 2 MB).
// - Cortex-A53 MPCore TRM (ARM DDI 0500), 6.7.1 "Data cache tag and data
//   encoding": 4-way L1 data cache; "About the L2 memory system": 16-way L2
//   (Juno r0: 1 MB).
// - Cortex-A72 MPCore TRM (ARM 100095), "About the L1 memory system": 32 KB
//   2-way L1 data cache; "About the L2 memory system": 16-way L2, 64-byte
//   lines. Armada 8040: 512 KB per cluster (armada-ap806-quad.dtsi, 512
//   sets of 64 bytes in 16 ways).
// - Neoverse N1 TRM (Arm 100616), "L1 data memory system": 64 KB 4-way;
//   "L2 memory system": 8-way, 256 KB, 512 KB or 1 MB (N1SDP: 1 MB).
// - Neoverse V1 TRM (Arm 101427), "L1 data memory system": 64 KB 4-way;
//   "L2 memory system": 8-way, 512 KB or 1 MB (Graviton3: 1 MB).
// X-Gene 1's associativities are estimates (xgene1.ts says so), so only its
// sizes are pinned, from APM's X-Gene 1 product brief.
const DOCUMENTED_CACHES: Record<
  string,
  { core: string; l1d: [number, number]; l2: [number, number] }[]
> = {
  "tc2": [
    { core: "Cortex-A15", l1d: [32 * KiB, 2], l2: [1 * MiB, 16] },
    { core: "Cortex-A7", l1d: [32 * KiB, 4], l2: [512 * KiB, 8] },
  ],
  "juno-r0": [
    { core: "Cortex-A57", l1d: [32 * KiB, 2], l2: [2 * MiB, 16] },
    { core: "Cortex-A53", l1d: [32 * KiB, 4], l2: [1 * MiB, 16] },
  ],
  "armada-8040": [
    { core: "Cortex-A72", l1d: [32 * KiB, 2], l2: [512 * KiB, 16] },
    { core: "Cortex-A72", l1d: [32 * KiB, 2], l2: [512 * KiB, 16] },
  ],
  "neoverse-n1": Array(4).fill({ core: "Neoverse N1", l1d: [64 * KiB, 4], l2: [1 * MiB, 8] }),
  "neoverse-v1": Array(4).fill({ core: "Neoverse V1", l1d: [64 * KiB, 4], l2: [1 * MiB, 8] }),
};

Deno.test("machines: each product core's L1D and L2 have the size and ways of its manual", () => {
  for (const [name, expected] of Object.entries(DOCUMENTED_CACHES)) {
    const clusters = machines[name].clusters;
    assertEquals(clusters.length, expected.length, name);
    expected.forEach((want, i) => {
      const c = clusters[i];
      const where = `${name} cluster ${i}`;
      assertEquals(c.core, want.core, where);
      assertEquals(
        [c.l1d.size, c.l1d.ways, c.l1d.lineSize ?? 64],
        [...want.l1d, 64],
        `${where} L1D`,
      );
      assertEquals([c.l2?.size, c.l2?.ways, c.l2?.lineSize ?? 64], [...want.l2, 64], `${where} L2`);
    });
  }
  for (const cluster of machines.xgene1.clusters) {
    assertEquals([cluster.l1d.size, cluster.l2?.size], [32 * KiB, 256 * KiB]);
  }
});

Deno.test("machines: the Arm cores read the CCSIDR values their manuals list", () => {
  // "CCSIDR encodings" tables of the Cortex-A15 (DDI 0438), Cortex-A7 (DDI
  // 0464), Cortex-A57 (DDI 0488), Cortex-A53 (DDI 0500, Table 4-181) and
  // Cortex-A72 (100095) TRMs, for the cache size each board configures:
  // write-back, read- and write-allocate (0x7 in bits [31:28]), NumSets - 1
  // in [27:13], ways - 1 in [12:3], 64-byte lines (2 in [2:0]).
  const cases: [string, number, number, number][] = [
    ["tc2", 0, 1, 0x701fe00a], // A15 32 KB L1D: 256 sets, 2 ways
    ["tc2", 0, 2, 0x707fe07a], // A15 1 MB L2: 1024 sets, 16 ways
    ["tc2", 2, 1, 0x700fe01a], // A7 32 KB L1D: 128 sets, 4 ways
    ["tc2", 2, 2, 0x707fe03a], // A7 512 KB L2: 1024 sets, 8 ways
    ["juno-r0", 0, 1, 0x701fe00a], // A57 32 KB L1D
    ["juno-r0", 1, 2, 0x70ffe07a], // A57 2 MB L2: 2048 sets, 16 ways
    ["juno-r0", 2, 1, 0x700fe01a], // A53 32 KB L1D
    ["juno-r0", 5, 2, 0x707fe07a], // A53 1 MB L2: 1024 sets, 16 ways
    ["armada-8040", 3, 1, 0x701fe00a], // A72 32 KB L1D
    ["armada-8040", 3, 2, 0x703fe07a], // A72 512 KB L2: 512 sets, 16 ways
  ];
  for (const [name, cpu, level, want] of cases) {
    const got = new Hardware(machines[name]).ccsidr(cpu, level);
    assertEquals(got.toString(16), want.toString(16), `${name} cpu ${cpu} L${level}`);
  }
});

Deno.test("machines: every preset CPU reads its core's CLIDR, two levels, system cache or not", () => {
  // 0x0A200023, the CLIDR value the Cortex-A15/A7/A57/A53/A72 TRMs give for
  // a core with an L2: Ctype1 separate I and D, Ctype2 unified, LoUIS 1,
  // LoC 2, LoUU 1, [31:30] RES0. 0x82000023 for the Neoverse N1 and V1
  // (their TRMs' CLIDR_EL1, as the Cortex-A76 TRM's B2.19): LoUIS 0, LoUU 0,
  // ICB 0b010. A system cache is never a level of either.
  const neoverse = new Set(["neoverse-n1", "neoverse-v1"]);
  for (const m of Object.values(machines)) {
    const hw = new Hardware(m);
    const want = neoverse.has(m.name) ? "82000023" : "a200023";
    for (let cpu = 0; cpu < cpuCount(m); cpu++) {
      assertEquals(hw.clidr(cpu).toString(16), want, `${m.name} cpu ${cpu}`);
    }
  }
});

Deno.test("machineIssues: a cluster's clidr is checked against its levels and its fields", () => {
  const l1d = { size: 32768, ways: 4 };
  const issuesOf = (clidr: unknown) =>
    machineIssues({ name: "m", description: "", clusters: [{ cpus: 1, l1d, clidr }] })
      .map((i) => [i.path, i.code, i.value]);
  assertEquals(issuesOf({ louis: 0, louu: 1, icb: 1 }), []);
  assertEquals(issuesOf({ louu: 2 }), [["machine.clusters[0].clidr.louu", "out_of_range", 2]]);
  assertEquals(issuesOf({ icb: "2" }), [["machine.clusters[0].clidr.icb", "bad_schema", "2"]]);
  assertEquals(issuesOf({ loc: 1 }), [["machine.clusters[0].clidr.loc", "bad_schema", 1]]);
  assertEquals(issuesOf(7), [["machine.clusters[0].clidr", "bad_schema", 7]]);
});

Deno.test("machineIssues: a cluster's ctr holds IDC and DIC, each a boolean", () => {
  const l1d = { size: 32768, ways: 4 };
  const issuesOf = (ctr: unknown) =>
    machineIssues({ name: "m", description: "", clusters: [{ cpus: 1, l1d, ctr }] })
      .map((i) => [i.path, i.code, i.value]);
  assertEquals(issuesOf({ idc: true, dic: false }), []);
  assertEquals(issuesOf({}), []);
  assertEquals(issuesOf({ dic: 1 }), [["machine.clusters[0].ctr.dic", "bad_schema", 1]]);
  assertEquals(issuesOf({ iminLine: 4 }), [["machine.clusters[0].ctr.iminLine", "bad_schema", 4]]);
  assertEquals(issuesOf(0xb444c004), [["machine.clusters[0].ctr", "bad_schema", 0xb444c004]]);
  assertEquals(issuesOf(null), [["machine.clusters[0].ctr", "bad_schema", null]]);
});

Deno.test("machines: the Neoverse V1 sets CTR_EL0.IDC and DIC; every other preset clears both", () => {
  // Neoverse V1 TRM, CTR_EL0: 0xb444c004 (IDC and DIC set). The Cortex-A57, A72 and
  // Neoverse N1 TRMs give 0x8444c004 (both clear); the Cortex-A15 and A7 are ARMv7-A, whose
  // CTR has neither bit, and X-Gene 1 is ARMv8.0, where both are RES0.
  for (const m of Object.values(machines)) {
    const v1 = m.name === "neoverse-v1";
    for (const c of m.clusters) {
      assertEquals([c.ctr?.idc ?? false, c.ctr?.dic ?? false], [v1, v1], m.name);
    }
  }
});

Deno.test("machines: TC2's ARMv7-A cores run no AArch64; the ARMv8 presets do", () => {
  // Cortex-A15 and Cortex-A7 TRMs, "About the processor": both implement the ARMv7-A
  // architecture; every other preset's cores are ARMv8-A or later.
  assertEquals(machines.tc2.features?.aarch64, false);
  for (const m of Object.values(machines)) {
    if (m.name !== "tc2") assert.notStrictEqual(m.features?.aarch64, false, m.name);
  }
});

Deno.test("machines: the product presets run at their documented clocks", () => {
  // APM X-Gene 1 product brief: 2.4 GHz. Juno ARM Development Platform SoC
  // TRM (ARM DDI 0515): Cortex-A57 cluster at 1.1 GHz. Arm N1SDP
  // announcement: 2.6 GHz. AWS Graviton3 (Neoverse V1): 2.6 GHz. Marvell
  // Armada 8040 product brief: Cortex-A72 up to 2.0 GHz.
  const clocks: Record<string, number> = {
    "xgene1": 2.4e9,
    "juno-r0": 1.1e9,
    "neoverse-n1": 2.6e9,
    "neoverse-v1": 2.6e9,
    "armada-8040": 2.0e9,
  };
  for (const [name, hz] of Object.entries(clocks)) assertEquals(machines[name].clockHz, hz, name);
});

Deno.test("machines: only the SoCs with a last-level cache outside the cores have a system cache", () => {
  const withSystemCache = Object.values(machines).filter((m) => m.systemCache).map((m) => m.name);
  // Juno r0 and TC2 join their clusters with a CCI-400, which holds no cache.
  assertEquals(withSystemCache, ["xgene1", "neoverse-n1", "neoverse-v1", "armada-8040"]);
  // APM X-Gene 1 product brief: 8 MB L3. Arm N1SDP announcement: 8 MB SLC
  // in the CMN-600. Trusted Firmware-A, include/drivers/marvell/cache_llc.h:
  // "AP806/AP807 - 1MB 8-ways LLC". (V1's SLC is scaled down, an estimate.)
  assertEquals(machines.xgene1.systemCache?.size, 8 * MiB);
  assertEquals(machines["neoverse-n1"].systemCache?.size, 8 * MiB);
  const llc = machines["armada-8040"].systemCache;
  assertEquals([llc?.size, llc?.ways], [1 * MiB, 8]);
});

Deno.test("architectedLevels: a cluster without an L2 reports one level", () => {
  const m: Machine = {
    name: "l1-only",
    description: "two CPUs, L1D only",
    clusters: [
      { cpus: 1, l1d: { size: 32768, ways: 4 }, l2: { size: 262144, ways: 8 } },
      { cpus: 1, l1d: { size: 32768, ways: 4 } },
    ],
  };
  assertEquals(architectedLevels(m, 0), 2);
  assertEquals(architectedLevels(m, 1), 1);
});

Deno.test("clusterOf: a negative CPU is out_of_range, and the message names the CPUs there are", () => {
  const neg = assertThrows(() => clusterOf(machines.tc2, -1), ScenarioError);
  assertEquals(neg.code, "out_of_range");
  const over = assertThrows(() => clusterOf(machines.tc2, 5), ScenarioError);
  assert.match(over.message, /has CPUs 0 to 4$/);
  // The first CPU of each cluster belongs to it, not to the one before.
  assertEquals([0, 1, 2, 3, 4].map((cpu) => clusterOf(machines.tc2, cpu).index), [0, 0, 1, 1, 1]);
});

Deno.test("resolveMachine: names inherited by every object are not presets", () => {
  for (const name of ["toString", "constructor", "__proto__", "hasOwnProperty"]) {
    assertEquals(
      assertThrows(() => resolveMachine(name), ScenarioError).code,
      "unknown_name",
      name,
    );
  }
});

Deno.test("machines: systemCache and features of a preset are frozen too", () => {
  for (const m of Object.values(machines)) {
    assert.ok(Object.isFrozen(m) && Object.isFrozen(m.clusters), m.name);
    if (m.systemCache) assert.ok(Object.isFrozen(m.systemCache), `${m.name} system cache`);
    if (m.features) assert.ok(Object.isFrozen(m.features), `${m.name} features`);
    for (const c of m.clusters) assert.ok(Object.isFrozen(c) && Object.isFrozen(c.l1d), m.name);
  }
});

Deno.test("machineIssues: features.aarch32El1 is a boolean feature; an unknown feature is refused", () => {
  const issuesOf = (features: unknown) =>
    machineIssues({
      name: "m",
      description: "",
      clusters: [{ cpus: 1, l1d: { size: 32768, ways: 4 } }],
      features,
    })
      .map((i) => [i.path, i.code, i.value]);
  assertEquals(issuesOf({ aarch32El1: false, fwb: true }), []);
  assertEquals(issuesOf({ aarch32El1: "no" }), [[
    "machine.features.aarch32El1",
    "bad_schema",
    "no",
  ]]);
  assertEquals(issuesOf({ aarch32el1: false }), [[
    "machine.features.aarch32el1",
    "bad_schema",
    false,
  ]]);
  // Neoverse N1 and V1 run AArch32 at EL0 only (their TRMs, ID_AA64PFR0_EL1.EL1 = 0x1).
  assertEquals(machines["neoverse-n1"].features?.aarch32El1, false);
  assertEquals(machines["neoverse-v1"].features?.aarch32El1, false);
});
