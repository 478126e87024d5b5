// The limits of lib/limits.ts at their boundaries, from the DSL: one below,
// at, and one above each limit (the next power of two where the value must
// be a power of two), and the hardware model refusing exactly what the
// builders refuse.
import assert from "node:assert/strict";
import { scenarioFrom, validate, vm } from "../../lib/dsl/mod.ts";
import { run } from "../../lib/engine/run.ts";
import { never, not, type Predicate, stale } from "../../lib/engine/expect/mod.ts";
import { ScenarioError } from "../../lib/errors.ts";
import { checkGeometry } from "../../lib/hw/cache_geometry.ts";
import { Hardware } from "../../lib/hw/hardware.ts";
import { stepsIssues } from "../../lib/engine/rules/steps.ts";
import type { Machine } from "../../lib/hw/machine.ts";
import {
  MAX_ARCH_SETS,
  MAX_CACHE_SIZE,
  MAX_CLOCK_HZ,
  MAX_CPUS,
  MAX_LINE_SIZE,
  MAX_RAM,
  MAX_TOTAL_CACHE,
  MAX_WAYS,
  MIN_LINE_SIZE,
} from "../../lib/limits.ts";

const KIB = 1024;

/** The ScenarioError a call throws, or null when it returns. */
function refusal(fn: () => unknown): ScenarioError | null {
  try {
    fn();
    return null;
  } catch (e) {
    if (e instanceof ScenarioError) return e;
    throw e;
  }
}

function machine(clusters: Machine["clusters"], systemCache: Machine["systemCache"] = null) {
  return { name: "m", description: "a machine at a limit", clusters, systemCache } as Machine;
}

interface Limit {
  /** The limit's name. */
  readonly name: string;
  /** One below, at, one above. */
  readonly values: readonly [number, number, number];
  /** A machine whose only unusual value is `value`. */
  readonly machine: (value: number) => Machine;
  /** The field the builders name when they refuse it. */
  readonly path: string;
  /** Whether building the hardware at this value is cheap enough for a test. */
  readonly cheap: boolean;
}

const LIMITS: readonly Limit[] = [
  {
    name: "CPUs",
    values: [MAX_CPUS - 1, MAX_CPUS, MAX_CPUS + 1],
    machine: (n) => machine([{ cpus: n, l1d: { size: 4 * KIB, ways: 4 } }]),
    path: "machine.clusters",
    cheap: true,
  },
  {
    name: "ways",
    values: [MAX_WAYS / 2, MAX_WAYS, MAX_WAYS * 2],
    machine: (w) => machine([{ cpus: 1, l1d: { size: w * 64, ways: w } }]),
    path: "machine.clusters[0].l1d.ways",
    cheap: true,
  },
  {
    name: "smallest line",
    values: [MIN_LINE_SIZE * 2, MIN_LINE_SIZE, MIN_LINE_SIZE / 2],
    machine: (l) => machine([{ cpus: 1, l1d: { size: 4 * KIB, ways: 4, lineSize: l } }]),
    path: "machine.clusters[0].l1d.lineSize",
    cheap: true,
  },
  {
    name: "largest line",
    values: [MAX_LINE_SIZE / 2, MAX_LINE_SIZE, MAX_LINE_SIZE * 2],
    machine: (l) => machine([{ cpus: 1, l1d: { size: 64 * KIB, ways: 4, lineSize: l } }]),
    path: "machine.clusters[0].l1d.lineSize",
    cheap: true,
  },
  {
    name: "sets of an architected level",
    values: [MAX_ARCH_SETS / 2, MAX_ARCH_SETS, MAX_ARCH_SETS * 2],
    machine: (s) => machine([{ cpus: 1, l1d: { size: s * 64, ways: 1 } }]),
    path: "machine.clusters[0].l1d.size",
    cheap: true,
  },
  {
    name: "one cache's size",
    values: [MAX_CACHE_SIZE / 2, MAX_CACHE_SIZE, MAX_CACHE_SIZE * 2],
    machine: (b) => machine([{ cpus: 1, l1d: { size: 4 * KIB, ways: 4 } }], { size: b, ways: 16 }),
    path: "machine.systemCache.size",
    cheap: false,
  },
  {
    name: "cache in all",
    // A system cache of the largest size, and L1s and L2s of every power of
    // two from 4 KiB to 128 MiB (512 MiB less 4 KiB); then one more 4 KiB
    // L1, then two.
    values: [MAX_TOTAL_CACHE - 4 * KIB, MAX_TOTAL_CACHE, MAX_TOTAL_CACHE + 4 * KIB],
    machine: (total) => {
      const level = (size: number) => ({ size, ways: Math.max(4, size / (64 * MAX_ARCH_SETS)) });
      const clusters: Machine["clusters"][number][] = [];
      for (let size = 4 * KIB; size < MAX_CACHE_SIZE; size *= 4) {
        clusters.push({ cpus: 1, l1d: level(size), l2: level(size * 2) });
      }
      const extra = (total - (MAX_TOTAL_CACHE - 4 * KIB)) / (4 * KIB);
      for (let i = 0; i < extra; i++) clusters.push({ cpus: 1, l1d: level(4 * KIB) });
      return machine(clusters, { size: MAX_CACHE_SIZE, ways: 16 });
    },
    path: "machine",
    cheap: false,
  },
];

for (const limit of LIMITS) {
  Deno.test(`limits: ${limit.name} accepted below and at the limit, refused above`, () => {
    const [below, at, above] = limit.values;
    for (const value of [below, at]) {
      const m = limit.machine(value);
      assert.equal(refusal(() => vm().machine(m)), null, `${limit.name} = ${value}`);
      if (limit.cheap) {
        assert.equal(refusal(() => new Hardware(m, { pooled: false })), null, `${value}`);
      }
    }
    const m = limit.machine(above);
    const dsl = refusal(() => vm().machine(m));
    assert.ok(dsl !== null, `${limit.name} = ${above} passed the builders`);
    assert.equal(dsl.call, limit.path);
    // The hardware model refuses it too, before building any cache.
    const hw = refusal(() => new Hardware(m, { pooled: false }));
    assert.ok(hw !== null, `${limit.name} = ${above} passed Hardware`);
    assert.equal(hw.code, dsl.code);
  });
}

Deno.test("limits: the total of the 'cache in all' cases is what they say", () => {
  for (const total of LIMITS.find((l) => l.name === "cache in all")!.values) {
    const m = LIMITS.find((l) => l.name === "cache in all")!.machine(total);
    const bytes = m.clusters.reduce((n, c) => n + c.l1d.size * c.cpus + (c.l2?.size ?? 0), 0) +
      (m.systemCache?.size ?? 0);
    assert.equal(bytes, total);
  }
});

Deno.test("limits: a machine's clock from 1 Hz to MAX_CLOCK_HZ", () => {
  const clocked = (clockHz: number) =>
    ({ ...machine([{ cpus: 1, l1d: { size: 4 * KIB, ways: 4 } }]), clockHz }) as Machine;
  for (const hz of [1, MAX_CLOCK_HZ]) assert.equal(refusal(() => vm().machine(clocked(hz))), null);
  for (const hz of [0, -1, 0.5, MAX_CLOCK_HZ + 1]) {
    const e = refusal(() => vm().machine(clocked(hz)));
    assert.deepEqual([e?.code, e?.call, e?.value], ["invalid_value", "machine.clockHz", hz]);
  }
});

Deno.test("limits: a system cache is checked against its machine's line size and cache in all", () => {
  const l1d = { size: 4 * KIB, ways: 4 };
  // Described with the machine: one line size for every cache.
  const wide = refusal(() =>
    vm().machine(machine([{ cpus: 1, l1d }], { size: 64 * KIB, ways: 4, lineSize: 128 }))
  );
  assert.deepEqual([wide?.code, wide?.call, wide?.value], [
    "bad_geometry",
    "machine.systemCache.lineSize",
    128,
  ]);
  // Given to the scenario: checked with the machine when the scenario is made.
  const l2 = { size: MAX_CACHE_SIZE, ways: MAX_WAYS };
  const big = vm().machine(machine([{ cpus: 1, l1d, l2 }]));
  const over = refusal(() => big.systemCache({ size: MAX_CACHE_SIZE, ways: 16 }).toJSON());
  assert.deepEqual([over?.code, over?.call], ["out_of_range", "systemCache.size"]);
  assert.equal(
    refusal(() => big.systemCache({ size: MAX_CACHE_SIZE / 2, ways: 16 }).toJSON()),
    null,
  );
  const other = refusal(() =>
    vm().machine(machine([{ cpus: 1, l1d }])).systemCache({ size: 64 * KIB, ways: 4, lineSize: 32 })
      .toJSON()
  );
  assert.deepEqual([other?.code, other?.call], ["bad_geometry", "systemCache.lineSize"]);
});

Deno.test("limits: a standalone Cache takes the builders' geometry limits", () => {
  const ok = (g: { size: number; ways: number; lineSize?: number }) =>
    assert.equal(refusal(() => checkGeometry(g)), null, JSON.stringify(g));
  const refused = (g: { size: number; ways: number; lineSize?: number }) =>
    assert.equal(refusal(() => checkGeometry(g))?.code, "bad_geometry", JSON.stringify(g));
  ok({ size: MAX_CACHE_SIZE, ways: 16 });
  refused({ size: MAX_CACHE_SIZE * 2, ways: 16 });
  ok({ size: MAX_WAYS * 64, ways: MAX_WAYS });
  refused({ size: MAX_WAYS * 128, ways: MAX_WAYS * 2 });
  ok({ size: 4 * KIB, ways: 4, lineSize: MIN_LINE_SIZE });
  refused({ size: 4 * KIB, ways: 4, lineSize: MIN_LINE_SIZE / 2 });
  ok({ size: 64 * KIB, ways: 4, lineSize: MAX_LINE_SIZE });
  refused({ size: 64 * KIB, ways: 4, lineSize: MAX_LINE_SIZE * 2 });
});

Deno.test("limits: guest RAM up to 1 TiB, in pages", () => {
  for (const bytes of [MAX_RAM - 4 * KIB, MAX_RAM]) {
    assert.equal(refusal(() => vm().ram(bytes)), null, `${bytes}`);
  }
  const e = refusal(() => vm().ram(MAX_RAM + 4 * KIB));
  assert.equal(e?.code, "out_of_range");
  assert.equal(e?.call, "ram");
});

Deno.test("limits: a scenario on a machine of 64 CPUs runs on all of them", async () => {
  const m = LIMITS[0].machine(MAX_CPUS);
  const result = await vm().machine(m).cpus(MAX_CPUS).systemCache(false).policy("kvm-4.0")
    .guest((g) => g.write(0x4000_0000, 1).on(MAX_CPUS - 1, (h) => h.read(0x4000_0000)))
    .run();
  assert.equal(result.verdict.ok, true);
});

// The same limits written out as numbers, so that a limit moved by one step
// (a power of two, a page, a level) is seen even where the tests above,
// which count from the constants, would move with it.

/** The refusal's code, call and value; null when the call returns. */
function refusedWith(fn: () => unknown): [string, string, unknown] | null {
  const e = refusal(fn);
  return e === null ? null : [e.code, e.call, e.value];
}

const MIB = 1024 * KIB;

Deno.test("limits: 64 CPUs in all, not 65", () => {
  const cpus = (n: number) => machine([{ cpus: n, l1d: { size: 4 * KIB, ways: 4 } }]);
  assert.equal(refusedWith(() => vm().machine(cpus(64))), null);
  assert.deepEqual(refusedWith(() => vm().machine(cpus(65))), [
    "out_of_range",
    "machine.clusters",
    65,
  ]);
});

Deno.test("limits: 1024 ways, lines of 16 to 2048 bytes, 32768 sets of an L1 or L2", () => {
  const l1d = (g: { size: number; ways: number; lineSize?: number }) =>
    vm().machine(machine([{ cpus: 1, l1d: g }]));
  const path = "machine.clusters[0].l1d";
  assert.equal(refusedWith(() => l1d({ size: 64 * KIB, ways: 1024 })), null);
  assert.deepEqual(refusedWith(() => l1d({ size: 128 * KIB, ways: 2048 })), [
    "bad_geometry",
    `${path}.ways`,
    2048,
  ]);
  assert.equal(refusedWith(() => l1d({ size: 4 * KIB, ways: 4, lineSize: 16 })), null);
  assert.deepEqual(refusedWith(() => l1d({ size: 4 * KIB, ways: 4, lineSize: 8 })), [
    "bad_geometry",
    `${path}.lineSize`,
    8,
  ]);
  assert.equal(refusedWith(() => l1d({ size: 64 * KIB, ways: 4, lineSize: 2048 })), null);
  assert.deepEqual(refusedWith(() => l1d({ size: 64 * KIB, ways: 4, lineSize: 4096 })), [
    "bad_geometry",
    `${path}.lineSize`,
    4096,
  ]);
  // Direct-mapped with 64-byte lines: 2 MiB is 32768 sets, 4 MiB 65536.
  assert.equal(refusedWith(() => l1d({ size: 2 * MIB, ways: 1 })), null);
  assert.deepEqual(refusedWith(() => l1d({ size: 4 * MIB, ways: 1 })), [
    "bad_geometry",
    `${path}.size`,
    4 * MIB,
  ]);
});

Deno.test("limits: one cache of 256 MiB, 512 MiB of cache in all", () => {
  const l1d = { size: 4 * KIB, ways: 4 };
  const sys = (size: number) => vm().machine(machine([{ cpus: 1, l1d }], { size, ways: 16 }));
  assert.equal(refusedWith(() => sys(256 * MIB)), null);
  assert.deepEqual(refusedWith(() => sys(512 * MIB)), [
    "bad_geometry",
    "machine.systemCache.size",
    512 * MIB,
  ]);
  // 256 + 128 + 64 + 32 + 32 = 512 MiB; then one 4 KiB L1 more.
  const full = [
    { cpus: 1, l1d: { size: 128 * MIB, ways: 64 }, l2: { size: 64 * MIB, ways: 32 } },
    { cpus: 1, l1d: { size: 32 * MIB, ways: 16 }, l2: { size: 32 * MIB, ways: 16 } },
  ];
  const total = (clusters: Machine["clusters"]) =>
    vm().machine(machine(clusters, { size: 256 * MIB, ways: 16 }));
  assert.equal(refusedWith(() => total(full)), null);
  const over = refusal(() => total([...full, { cpus: 1, l1d }]));
  assert.deepEqual([over?.code, over?.call], ["out_of_range", "machine"]);
  assert.match(over?.message ?? "", /at most 536870912 bytes \(512 MiB\)/);
});

Deno.test("limits: a clock of at most 100 GHz", () => {
  const clocked = (clockHz: number) =>
    vm().machine({ ...machine([{ cpus: 1, l1d: { size: 4 * KIB, ways: 4 } }]), clockHz });
  assert.equal(refusedWith(() => clocked(100_000_000_000)), null);
  assert.deepEqual(refusedWith(() => clocked(100_000_000_001)), [
    "invalid_value",
    "machine.clockHz",
    100_000_000_001,
  ]);
});

Deno.test("limits: RAM of at most 1 TiB, ending at or below 2^48", () => {
  assert.equal(refusedWith(() => vm().ram("1TiB")), null);
  assert.deepEqual(refusedWith(() => vm().ram(1_099_511_631_872)), [
    "out_of_range",
    "ram",
    1_099_511_631_872,
  ]);
  // The last page below 2^48 = 0x1_0000_0000_0000, and the first above.
  assert.equal(refusedWith(() => vm().ram(4096, { base: 0xffff_ffff_f000 })), null);
  const high = refusal(() => vm().ram(4096, { base: 0x1_0000_0000_0000 }));
  assert.equal(high?.call, "ram");
  const word = refusal(() =>
    vm().ram(4096, { base: 0xffff_ffff_f000 }).guest((g) => g.write(0xffff_ffff_fffc, 1))
  );
  assert.equal(word, null);
  // A DC range longer than the address space is refused by its length.
  assert.deepEqual(
    refusedWith(() => vm().guest((g) => g.dc_civac(0x4000_0000, 0x1_0000_0000_0001))),
    ["out_of_range", "dc_civac", 0x1_0000_0000_0001],
  );
});

Deno.test("limits: a PC below 2^52", () => {
  assert.equal(refusedWith(() => vm().guest((g) => g.pc(0xf_ffff_ffff_fffc))), null);
  assert.deepEqual(refusedWith(() => vm().guest((g) => g.pc(0x10_0000_0000_0000))), [
    "bad_address",
    "pc",
    0x10_0000_0000_0000,
  ]);
});

Deno.test("limits: set/way levels 1 to 7, sets and ways up to 0xffffffff", () => {
  assert.equal(refusedWith(() => vm().guest((g) => g.dc_csw(7, 0xffff_ffff, 0xffff_ffff))), null);
  assert.deepEqual(refusedWith(() => vm().guest((g) => g.dc_csw(8, 0, 0))), [
    "out_of_range",
    "dc_csw",
    8,
  ]);
  assert.deepEqual(refusedWith(() => vm().guest((g) => g.dc_cisw(1, 0x1_0000_0000, 0))), [
    "out_of_range",
    "dc_cisw",
    0x1_0000_0000,
  ]);
  assert.deepEqual(refusedWith(() => vm().guest((g) => g.dc_isw(1, 0, 0x1_0000_0000))), [
    "out_of_range",
    "dc_isw",
    0x1_0000_0000,
  ]);
});

Deno.test("limits: a program of more than 2^24 steps is refused by its length", () => {
  const result = validate({ ...vm().toJSON(), steps: new Array(16_777_217) });
  assert.equal(result.ok, false);
  if (result.ok) return;
  assert.equal(result.issues.length, 1);
  assert.deepEqual([result.issues[0].code, result.issues[0].path], ["out_of_range", "steps"]);
  assert.match(result.issues[0].message, /at most 16777216 steps, not 16777217/);
});

Deno.test("limits: a program of exactly 2^24 steps is checked step by step", () => {
  // One shared valid read, and an invalid last step: the issue at its index
  // shows that the length passed and every step was walked.
  const steps: unknown[] = new Array(16_777_216).fill({ kind: "read", vcpu: 0, addr: 0x4000_0000 });
  steps[16_777_215] = { kind: "read", vcpu: 9, addr: 0x4000_0000 };
  const issues = stepsIssues(steps, { cpus: 1, pcpus: 4, ramBase: 0x4000_0000, ram: 1 << 30 });
  assert.deepEqual(issues.map((i) => i.path), ["steps[16777215].vcpu"]);
});

Deno.test("limits: expectations nest predicates 32 deep", () => {
  const nested = (nots: number) => {
    let p: Predicate = stale(0x4000_0000);
    for (let i = 0; i < nots; i++) p = not(p);
    return never(p);
  };
  // The quantifier's predicate is at depth 1: 31 nots put the stale at 32.
  assert.equal(refusedWith(() => vm().expect(nested(31)).toJSON()), null);
  const deep = refusal(() => vm().expect(nested(32)).toJSON());
  assert.equal(deep?.code, "out_of_range");
  assert.match(deep?.message ?? "", /nested at most 32 deep/);
});

Deno.test("limits: scenarioFrom reads data nested 64 deep", () => {
  // The document is at depth 0, its field at 1: n arrays put the innermost at n.
  const doc = (arrays: number) => {
    let v: unknown = [];
    for (let i = 1; i < arrays; i++) v = [v];
    return { ...vm().toJSON(), extra: v };
  };
  const copied = refusal(() => scenarioFrom(doc(64)));
  // Copied, then refused as a field the schema does not have.
  assert.deepEqual([copied?.code, copied?.call], ["bad_schema", "extra"]);
  const deep = refusal(() => scenarioFrom(doc(65)));
  assert.deepEqual([deep?.code, deep?.call], ["bad_schema", "scenarioFrom"]);
  assert.match(deep?.message ?? "", /data nested at most 64 deep/);
});

Deno.test("limits: a run watches at most 64 addresses", () => {
  const words = (n: number) => Array.from({ length: n }, (_, i) => 0x4000_0000 + 4 * i);
  const s = vm().guest((g) => g.write(0x4000_0000, 1)).toJSON();
  assert.equal(refusedWith(() => run(s, { watch: words(64) })), null);
  const e = refusal(() => run(s, { watch: words(65) }));
  assert.deepEqual([e?.code, e?.call], ["invalid_value", "run.options.watch"]);
  assert.match(e?.message ?? "", /65 addresses; at most 64/);
});
