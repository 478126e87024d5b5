// The hypervisor's flush primitives: what HCR.SWIO does to a clean by set/way, what
// flush_cache_all reports, and how many DC CIVAC a stage-2 flush counts when lines are not
// 64 bytes long.

import assert from "node:assert/strict";
import { definePolicy } from "../../mod.ts";
import type { FlushResult, SetWayOp } from "../../lib/api/policies.ts";
import { Hardware } from "../../lib/hw/hardware.ts";
import type { Machine } from "../../lib/hw/machine.ts";
import { flushCacheAll } from "../../lib/hyp/flush.ts";
import { generic } from "../../lib/machines/mod.ts";
import { BASE, testVm, TINY } from "../hyp/fixtures.ts";

const A = BASE + 0x3040;

Deno.test("HCR.SWIO upgrades only DC ISW: a trapped DC CSW performed locally cleans and keeps the line", () => {
  const results: FlushResult[] = [];
  const local = definePolicy({
    name: "local-sw",
    onReset(hyp) {
      Object.assign(hyp.vcpu.hcr, { tsw: true, tvm: false, swio: true });
    },
    onSetWay(hyp, op) {
      results.push(hyp.executeSetWayLocally(op));
    },
  });
  const { hw: hardware, hyp, sink } = testVm(local);
  const v = hyp.vcpus[0];
  hyp.sctlrWrite(v, { m: true, c: true });
  hyp.guestAccess(v, A);
  hardware.write(v.pcpu, A, 0x5eed, hyp.cacheable(v));
  const set = (A / 64) % 8; // TINY's L1: 8 sets of 64-byte lines, 2 ways
  const mark = sink.events.length;
  for (const way of [0, 1]) hyp.setWay(v, { op: "csw", level: 1, set, way });
  const performed = sink.named("sw_local", mark).map((e) => e.fields.op);
  assert.deepEqual(performed, ["csw", "csw"]);
  assert.deepEqual(
    results.reduce((t, r) => [t[0] + r.cleaned, t[1] + r.invalidated], [0, 0]),
    [2, 0],
    "both ways hold dirty lines (the store, and the host's zeroing of the page): none dropped",
  );
  const l1 = hardware.caches[hardware.cacheIndexOf(v.pcpu, 1)];
  assert.ok(l1.lookup(l1.lineOf(A)) >= 0, "the line is still in the L1");

  const mark2 = sink.events.length;
  hyp.setWay(v, { op: "isw", level: 1, set, way: 0 });
  assert.deepEqual(sink.named("sw_local", mark2).map((e) => e.fields.op), ["cisw"]);
});

Deno.test("HCR.SWIO: a DC CSW the guest performs itself (TSW clear) keeps the line in the cache", () => {
  const untrapped = definePolicy({
    name: "swio-only",
    onReset(hyp) {
      Object.assign(hyp.vcpu.hcr, { tsw: false, tvm: false, swio: true });
    },
  });
  const { hw: hardware, hyp } = testVm(untrapped);
  const v = hyp.vcpus[0];
  hyp.sctlrWrite(v, { m: true, c: true });
  hyp.guestAccess(v, A);
  hardware.write(v.pcpu, A, 0x5eed, hyp.cacheable(v));
  const set = (A / 64) % 8;
  for (const way of [0, 1]) hyp.setWay(v, { op: "csw", level: 1, set, way });
  const l1 = hardware.caches[hardware.cacheIndexOf(v.pcpu, 1)];
  assert.ok(l1.lookup(l1.lineOf(A)) >= 0, "the line is still in the L1");
  hyp.setWay(v, { op: "isw", level: 1, set, way: 0 });
  hyp.setWay(v, { op: "isw", level: 1, set, way: 1 });
  assert.equal(l1.lookup(l1.lineOf(A)), -1, "DC ISW, performed as DC CISW, dropped it");
});

Deno.test("flush_cache_all: clean lines are counted as invalidated, not as cleaned", () => {
  const clean = new Hardware(generic, { zeroFill: true });
  clean.read(1, BASE + 0x1040, true); // a clean copy in CPU 1's L1 and in its cluster's L2
  assert.deepEqual(flushCacheAll(clean, 1), { slots: 16896, cleaned: 0, invalidated: 2 });

  const dirty = new Hardware(generic, { zeroFill: true });
  dirty.write(1, BASE, 0x1111, true);
  dirty.read(1, BASE + 0x1040, true);
  assert.deepEqual(flushCacheAll(dirty, 1), { slots: 16896, cleaned: 2, invalidated: 4 });
});

Deno.test("stage2_flush_vm and p2m_flush_vm count one DC CIVAC per 128-byte line on a 128-byte-line machine", () => {
  const wide: Machine = {
    name: "tiny-128",
    description: "TINY with 128-byte lines",
    clusters: TINY.clusters.map((c) => ({
      cpus: c.cpus,
      l1d: { size: 1024, ways: 2, lineSize: 128 },
      l2: { size: 4096, ways: 4, lineSize: 128 },
    })),
    systemCache: null,
  };
  const flushing = definePolicy({
    name: "flush-both",
    onReset(hyp) {
      Object.assign(hyp.vcpu.hcr, { tsw: true, tvm: false, swio: true });
    },
    onSetWay(hyp, op: SetWayOp) {
      if (op.way === 0) hyp.flushVm();
      else hyp.p2mFlushVm();
    },
  });
  const { hyp, sink } = testVm(flushing, { machine: wide });
  const v = hyp.vcpus[0];
  hyp.guestAccess(v, A);
  hyp.guestAccess(v, A + 0x1000);
  hyp.setWay(v, { op: "cisw", level: 1, set: 0, way: 0 });
  hyp.setWay(v, { op: "cisw", level: 1, set: 0, way: 1 });
  const counted = (name: string) => sink.named(name).map((e) => [e.fields.pages, e.fields.lines]);
  assert.deepEqual(counted("stage2_flush_vm"), [[2, 64]]);
  assert.deepEqual(counted("p2m_flush_vm"), [[2, 64]]);
});
