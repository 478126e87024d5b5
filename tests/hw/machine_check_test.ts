import assert from "node:assert/strict";
import { Hardware } from "../../lib/hw/hardware.ts";
import type { ClusterSpec, Machine, SystemCacheSpec } from "../../lib/hw/machine.ts";
import { checkMachine } from "../../lib/hw/machine_check.ts";
import { MAX_TOTAL_CACHE } from "../../lib/limits.ts";
import { refusalOf as refusal } from "../support/scenario_error.ts";

const MIB = 1024 * 1024;

function machine(clusters: readonly ClusterSpec[], systemCache: SystemCacheSpec | null = null) {
  return { name: "m", description: "", clusters, systemCache } as Machine;
}

/** An L1 of 128 MiB that CCSIDR can describe (32768 sets of 64 ways). */
const BIG_L1 = { size: 128 * MIB, ways: 64 };

Deno.test("checkMachine: a machine without a cluster is refused, naming machine.clusters", () => {
  assert.deepEqual(refusal(() => checkMachine(machine([]))), {
    code: "invalid_value",
    call: "machine.clusters",
    value: [],
  });
  assert.equal(refusal(() => new Hardware(machine([])))?.call, "machine.clusters");
});

Deno.test("checkMachine: a cluster's CPU count must be a whole number", () => {
  const l1d = { size: 4096, ways: 2 };
  assert.deepEqual(refusal(() => checkMachine(machine([{ cpus: 1, l1d }, { cpus: 1.5, l1d }]))), {
    code: "out_of_range",
    call: "clusters[1].cpus",
    value: 1.5,
  });
  assert.deepEqual(checkMachine(machine([{ cpus: 1, l1d }, { cpus: 2, l1d }])), {
    cpuCount: 3,
    lineSize: 64,
  });
});

Deno.test("checkMachine: an L2 with more sets than CCSIDR can describe is refused", () => {
  // 4 MiB in one way of 64-byte lines: 65536 sets, a valid cache but not an architected one.
  const l2 = { size: 4 * MIB, ways: 1 };
  const e = refusal(() => checkMachine(machine([{ cpus: 1, l1d: { size: 4096, ways: 2 }, l2 }])));
  assert.deepEqual(e, { code: "bad_geometry", call: "clusters[0].l2", value: l2 });
  // The same size in two ways is 32768 sets: accepted.
  const ok = { size: 4 * MIB, ways: 2 };
  assert.equal(
    checkMachine(machine([{ cpus: 1, l1d: { size: 4096, ways: 2 }, l2: ok }])).cpuCount,
    1,
  );
});

Deno.test("checkMachine: a second cluster may not use another line size than the first", () => {
  const small = { size: 4096, ways: 2, lineSize: 32 };
  const e = refusal(() =>
    checkMachine(machine([
      { cpus: 1, l1d: small, l2: { size: 65536, ways: 4, lineSize: 32 } },
      { cpus: 1, l1d: { size: 4096, ways: 2 } },
    ]))
  );
  assert.deepEqual(e, { code: "bad_geometry", call: "clusters[1].l1d", value: 64 });
});

Deno.test("checkMachine: a system cache of another line size than the CPUs' caches is refused", () => {
  const clusters = [{ cpus: 2, l1d: { size: 4096, ways: 2 } }];
  const e = refusal(() => checkMachine(machine(clusters, { size: 65536, ways: 8, lineSize: 32 })));
  assert.deepEqual(e, { code: "bad_geometry", call: "systemCache", value: 32 });
  assert.equal(checkMachine(machine(clusters, { size: 65536, ways: 8 })).lineSize, 64);
});

Deno.test("checkMachine: every CPU's L1 counts in the cache in all", () => {
  // Four L1s of 128 MiB are exactly the limit; a fifth is over it.
  assert.equal(4 * BIG_L1.size, MAX_TOTAL_CACHE);
  assert.deepEqual(checkMachine(machine([{ cpus: 4, l1d: BIG_L1 }])), {
    cpuCount: 4,
    lineSize: 64,
  });
  assert.deepEqual(refusal(() => checkMachine(machine([{ cpus: 5, l1d: BIG_L1 }]))), {
    code: "out_of_range",
    call: "machine",
    value: 5 * BIG_L1.size,
  });
});

Deno.test("checkMachine: the system cache counts in the cache in all", () => {
  const clusters = [{ cpus: 3, l1d: BIG_L1 }];
  assert.equal(checkMachine(machine(clusters, { size: 128 * MIB, ways: 16 })).cpuCount, 3);
  assert.deepEqual(refusal(() => checkMachine(machine(clusters, { size: 256 * MIB, ways: 16 }))), {
    code: "out_of_range",
    call: "machine",
    value: 3 * BIG_L1.size + 256 * MIB,
  });
});
