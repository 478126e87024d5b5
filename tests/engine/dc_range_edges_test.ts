// A DC range's work and its end: every line of an unmapped page is counted as
// work, and a run of mapped pages that ends inside a page stops at the range's end.
import assert from "node:assert/strict";
import { dcRange, dcRangeByLine } from "../../lib/engine/dc_range.ts";
import { Hypervisor } from "../../lib/hyp/hypervisor.ts";
import { NULL_SINK } from "../../lib/hyp/event_sink.ts";
import { kvm40 } from "../../lib/hyp/policies/kvm_4_0.ts";
import { Hardware } from "../../lib/hw/hardware.ts";
import type { Machine } from "../../lib/hw/machine.ts";
import { POISON } from "../../lib/hw/memory.ts";
import type { WorkMeter } from "../../lib/hw/work_meter.ts";
import type { Step } from "../../lib/guest/ops.ts";
import { BASE, scenario, TWO_CLUSTERS_L3 } from "./fixtures.ts";
import { runByLine } from "./run_by_line.ts";

/** A meter that counts the units of work it is told of. */
function countingMeter(): WorkMeter & { units: number } {
  return {
    units: 0,
    work(n: number) {
      this.units += n;
    },
    pagesTouched() {},
    eventRecords() {},
  };
}

/** One CPU with a 1 KiB L1 and a 4 KiB L2: at most 80 lines resident. */
const SMALL: Machine = {
  name: "small",
  description: "1 CPU, 1 KiB L1D, 4 KiB L2",
  clusters: [{ cpus: 1, l1d: { size: 1024, ways: 2 }, l2: { size: 4096, ways: 4 } }],
};

Deno.test("a DC range over unmapped pages counts every line as work, fast path or line by line", () => {
  for (const range of [dcRange, dcRangeByLine]) {
    const hyp = new Hypervisor({
      hardware: new Hardware(TWO_CLUSTERS_L3),
      policy: kvm40,
      vcpus: 1,
      ramBase: BASE,
      ram: 1 << 20,
      prefault: false,
      sink: NULL_SINK,
    });
    const meter = countingMeter();
    // Four pages, none mapped: each faults in at its first line, then every line is operated on.
    assert.equal(range(hyp, hyp.vcpus[0], "civac", BASE, 4 * 4096, meter), 256, range.name);
    assert.equal(meter.units, 256, range.name);
  }
});

Deno.test("a DC range ending inside the last of several mapped pages leaves that page's later lines alone", () => {
  const write = (offset: number, value: number): Step => ({
    kind: "write",
    vcpu: 0,
    addr: BASE + offset,
    value,
  });
  // Pages 1 to 3 mapped by the writes (page 0 is not); the range covers
  // 0x1000 to 0x3400, 144 lines, more than the caches hold, and ends in page
  // 3 before its line at 0x3800, whose write stays in the cache.
  const s = scenario([
    { kind: "sctlr", vcpu: 0, bits: { m: true, c: true } },
    write(0x1000, 1),
    write(0x2000, 2),
    write(0x3800, 9),
    { kind: "dc_va", vcpu: 0, op: "civac", addr: BASE + 0x1000, len: 0x2400 },
    { kind: "sctlr", vcpu: 0, bits: { m: false, c: false } },
    { kind: "read", vcpu: 0, addr: BASE + 0x1000 },
    { kind: "read", vcpu: 0, addr: BASE + 0x3800 },
  ], { machine: SMALL, prefault: false });
  const fast = runByLine(s, false);
  assert.deepEqual(fast, runByLine(s, true));
  // Neither the write at 0x3800 nor the page's zeroing has reached DRAM.
  assert.deepEqual(fast.got, [1, POISON]);
});
