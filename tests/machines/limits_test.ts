// The limits of lib/limits.ts at their boundaries, from the DSL: one below,
// at, and one above each limit (the next power of two where the value must
// be a power of two), and the hardware model refusing exactly what the
// builders refuse.
import assert from "node:assert/strict";
import { vm } from "../../lib/dsl/mod.ts";
import { ScenarioError } from "../../lib/errors.ts";
import { checkGeometry } from "../../lib/hw/cache_geometry.ts";
import { Hardware } from "../../lib/hw/hardware.ts";
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
