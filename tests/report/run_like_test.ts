// How many physical CPUs a report draws for a machine.
import assert from "node:assert/strict";
import { physicalCpuCount } from "../../lib/report/run_like.ts";

Deno.test("physicalCpuCount sums the CPUs of every cluster", () => {
  assert.equal(physicalCpuCount({ name: "juno", clusters: [{ cpus: 2 }, { cpus: 4 }] }), 6);
  assert.equal(physicalCpuCount({ name: "xgene1", clusters: [{ cpus: 8, core: "X-Gene" }] }), 8);
  assert.equal(
    physicalCpuCount({ name: "tiny", clusters: [{ cpus: 1 }, { cpus: 1 }, { cpus: 1 }] }),
    3,
  );
});

Deno.test("physicalCpuCount is 0 for a machine that does not say", () => {
  assert.equal(physicalCpuCount({ name: "parsed" }), 0);
  assert.equal(physicalCpuCount({ name: "empty", clusters: [] }), 0);
});

Deno.test("physicalCpuCount skips clusters whose CPU count is not a positive integer", () => {
  const clusters = [{ cpus: 1.5 }, { cpus: -2 }, { cpus: Number.NaN }, { cpus: 2 }];
  assert.equal(physicalCpuCount({ name: "odd", clusters }), 2);
});
