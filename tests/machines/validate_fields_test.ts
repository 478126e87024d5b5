/**
 * machineIssues and cacheBytes: fields a user's machine may get wrong that
 * the limits and presets tests do not reach (an unknown field inside a
 * cache, a system cache's snoopsNonCacheable, an empty name), and the cache
 * total that counts one L1 per CPU.
 */

import assert from "node:assert/strict";
import type { Machine } from "../../lib/hw/machine.ts";
import {
  cacheBytes,
  machineIssues,
  MAX_TOTAL_CACHE,
  systemCacheFitIssues,
} from "../../lib/machines/validate.ts";

const MIB = 1 << 20;

function issuesOf(machine: unknown): unknown[][] {
  return machineIssues(machine).map((i) => [i.path, i.code, i.value]);
}

const base = {
  name: "m",
  description: "",
  clusters: [{ cpus: 1, l1d: { size: 32768, ways: 4 } }],
};

Deno.test("machineIssues: an unknown field inside a cache geometry is refused by its path", () => {
  const m = {
    ...base,
    clusters: [{
      cpus: 1,
      l1d: { size: 32768, ways: 4 },
      l2: { size: 1 << 20, ways: 8, lineSze: 64 },
    }],
  };
  assert.deepEqual(issuesOf(m), [["machine.clusters[0].l2.lineSze", "bad_schema", 64]]);
  assert.match(machineIssues(m)[0].message, /no such field/);
});

Deno.test("machineIssues: a system cache's snoopsNonCacheable must be a boolean", () => {
  const withSnoops = (snoopsNonCacheable: unknown) =>
    issuesOf({ ...base, systemCache: { size: 8 * MIB, ways: 16, snoopsNonCacheable } });
  assert.deepEqual(withSnoops(true), []);
  assert.deepEqual(withSnoops(false), []);
  assert.deepEqual(withSnoops("yes"), [
    ["machine.systemCache.snoopsNonCacheable", "bad_schema", "yes"],
  ]);
  assert.deepEqual(withSnoops(1), [["machine.systemCache.snoopsNonCacheable", "bad_schema", 1]]);
});

Deno.test("machineIssues: a machine's name must not be empty", () => {
  assert.deepEqual(issuesOf({ ...base, name: "" }), [["machine.name", "bad_schema", ""]]);
  assert.deepEqual(issuesOf({ ...base, name: "x" }), []);
});

Deno.test("cacheBytes: every CPU of a cluster has its own L1, each cluster one L2", () => {
  const m: Machine = {
    name: "two",
    description: "four CPUs and two CPUs, a system cache",
    clusters: [
      { cpus: 4, l1d: { size: 32768, ways: 4 }, l2: { size: MIB, ways: 8 } },
      { cpus: 2, l1d: { size: 65536, ways: 4 } },
    ],
    systemCache: { size: 4 * MIB, ways: 16 },
  };
  assert.equal(cacheBytes(m), 4 * 32768 + MIB + 2 * 65536 + 4 * MIB);
});

Deno.test("systemCacheFitIssues: the L1 of every CPU counts toward the cache in all", () => {
  // Three CPUs of 128 MiB L1 each: 384 MiB, so a 256 MiB system cache is too much
  // and a 128 MiB one fits exactly.
  const m: Machine = {
    name: "big",
    description: "three CPUs of huge L1s",
    clusters: [{ cpus: 3, l1d: { size: 128 * MIB, ways: 64 } }],
  };
  assert.deepEqual(machineIssues(m), []);
  const over = systemCacheFitIssues(m, { size: 256 * MIB, ways: 64 }, "systemCache");
  assert.deepEqual(over.map((i) => [i.path, i.code, i.value]), [
    ["systemCache.size", "out_of_range", 256 * MIB],
  ]);
  assert.match(over[0].message, new RegExp(`with it the machine has ${640 * MIB}`));
  assert.equal(384 * MIB + 128 * MIB, MAX_TOTAL_CACHE);
  assert.deepEqual(systemCacheFitIssues(m, { size: 128 * MIB, ways: 64 }, "systemCache"), []);
});
