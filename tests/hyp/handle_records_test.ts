/**
 * The handle a policy acts through, on its own: what it reports about the
 * VM and the machine, the fields of the events its flushes record, what it
 * returns, and the calls it refuses.
 *
 * @module
 */

import assert from "node:assert/strict";
import { ScenarioError } from "../../lib/errors.ts";
import { Hardware } from "../../lib/hw/hardware.ts";
import type { Machine } from "../../lib/hw/machine.ts";
import { HypHandle } from "../../lib/hyp/handle.ts";
import { PAGE_SIZE, Stage2 } from "../../lib/hyp/stage2.ts";
import { Vcpu } from "../../lib/hyp/vcpu.ts";
import { BASE, RecordingSink, TINY } from "./fixtures.ts";

/** A VM of `vcpus` vCPUs on `machine` (TINY by default), its handles and what they record. */
function setUp(options: { vcpus?: number; machine?: Machine; fwb?: boolean } = {}) {
  const hardware = new Hardware(options.machine ?? TINY, { zeroFill: true });
  const stage2 = new Stage2(BASE, 1 << 20);
  const vcpus = Array.from({ length: options.vcpus ?? 1 }, (_, i) => new Vcpu(i, BASE));
  const sink = new RecordingSink();
  const ctx = { hardware, stage2, vcpus, sink, fwb: options.fwb ?? false };
  const handle = (i: number) => new HypHandle(ctx, vcpus[i], null);
  const host = (cpu: number) => new HypHandle(ctx, vcpus[0], cpu);
  return { hardware, stage2, vcpus, sink, handle, host };
}

Deno.test("handle: cacheEnabled answers for the vCPU asked about, not the handle's own", () => {
  const { vcpus, handle } = setUp({ vcpus: 2 });
  vcpus[1].sctlr.m = true;
  vcpus[1].sctlr.c = true;
  const hyp = handle(0);
  assert.equal(hyp.cacheEnabled(), false);
  assert.equal(hyp.cacheEnabled(vcpus[1]), true);
  assert.equal(handle(1).cacheEnabled(vcpus[0]), false);
});

Deno.test("handle: vcpus lists every vCPU of the VM and pcpus every physical CPU", () => {
  const { vcpus, handle } = setUp({ vcpus: 3 });
  const hyp = handle(1);
  assert.deepEqual(hyp.vcpus.map((v) => v.index), [0, 1, 2]);
  assert.equal(hyp.vcpus[2], vcpus[2]);
  assert.equal(hyp.pcpus, 4, "TINY: two clusters of two CPUs");
});

Deno.test("handle: fwb is the machine's stage-2 FWB", () => {
  assert.equal(setUp({ fwb: true }).handle(0).fwb, true);
  assert.equal(setUp({ fwb: false }).handle(0).fwb, false);
});

Deno.test("handle: only Xen's p2m_flush_vm records preemptChecks, not stage2_flush_vm", () => {
  const { stage2, sink, handle } = setUp();
  for (let p = 0; p < 60; p++) stage2.map(BASE + p * PAGE_SIZE);
  handle(0).flushVm();
  assert.deepEqual(Object.keys(sink.named("stage2_flush_vm")[0].fields).sort(), [
    "cleaned",
    "invalidated",
    "lines",
    "pages",
  ]);
  handle(0).p2mFlushVm();
  const p2m = sink.named("p2m_flush_vm")[0].fields;
  assert.equal(p2m.pages, 60);
  assert.equal(p2m.preemptChecks, 1, "a check after the 52nd page");
});

Deno.test("handle: a flush of the VM counts one DC CIVAC per line of the machine's line size", () => {
  const narrow: Machine = {
    name: "narrow-lines",
    description: "TINY with 32-byte lines",
    clusters: [{
      cpus: 2,
      l1d: { size: 1024, ways: 2, lineSize: 32 },
      l2: { size: 4096, ways: 4, lineSize: 32 },
    }],
    systemCache: null,
  };
  const { stage2, sink, handle } = setUp({ machine: narrow });
  stage2.map(BASE);
  stage2.map(BASE + PAGE_SIZE);
  handle(0).flushVm();
  assert.equal(sink.named("stage2_flush_vm")[0].fields.lines, 2 * PAGE_SIZE / 32);
});

Deno.test("handle: flushAll returns the lines cleaned and the lines invalidated apart", () => {
  const { hardware, sink, handle } = setUp();
  hardware.write(0, BASE + 0x40, 7, true);
  hardware.read(0, BASE + 0x80, true);
  const r = handle(0).flushAll();
  const rec = sink.named("flush_cache_all")[0].fields;
  assert.ok(r.cleaned >= 1, "the written line reached DRAM");
  assert.ok(r.invalidated > r.cleaned, `${r.cleaned} cleaned, ${r.invalidated} dropped`);
  assert.equal(hardware.memory.read(BASE + 0x40), 7);
  assert.deepEqual([rec.cleaned, rec.invalidated], [r.cleaned, r.invalidated]);
});

Deno.test("handle: sw_local records what the slot's instruction cleaned and invalidated apart", () => {
  const { hardware, sink, handle } = setUp();
  hardware.read(0, BASE, true); // a clean line in CPU 0's L1, set 0
  let way = -1;
  for (let w = 0; w < 2 && way < 0; w++) {
    const r = handle(0).executeSetWayLocally({ op: "cisw", level: 1, set: 0, way: w });
    if (r.invalidated > 0) way = w;
  }
  assert.ok(way >= 0, "the line is in one of set 0's two ways");
  const rec = sink.named("sw_local").find((e) => e.fields.way === way)!;
  assert.deepEqual([rec.fields.cleaned, rec.fields.invalidated], [0, 1]);
});

Deno.test("handle: flush_page records the base of the page, whatever address inside it was asked", () => {
  const { sink, handle } = setUp();
  handle(0).flushPage(BASE + 3 * PAGE_SIZE + 0x124, false);
  assert.equal(sink.named("flush_page")[0].fields.ipa, BASE + 3 * PAGE_SIZE);
});

Deno.test("handle: injectUndef from a host-side handle is refused and crashes no vCPU", () => {
  const { vcpus, sink, host } = setUp();
  assert.throws(() => host(2).injectUndef("from onUnmap"), ScenarioError);
  assert.equal(vcpus[0].crashed, null);
  assert.equal(sink.named("undef_injected").length, 0);
});

Deno.test("handle: emit refuses event names that are not lower_snake_case to the end", () => {
  const { sink, handle } = setUp();
  const hyp = handle(0);
  for (const name of ["kvm_Toggle", "flush-all", "p2m flush", "a.b"]) {
    assert.throws(() => hyp.emit(name), ScenarioError, name);
  }
  hyp.emit("kvm_toggle_2");
  assert.deepEqual(sink.events.map((e) => e.name), ["kvm_toggle_2"]);
});

Deno.test("handle: emit refuses each reserved field name, count included", () => {
  const { sink, handle } = setUp();
  for (const key of ["seq", "name", "vcpu", "pcpu", "pc", "count"]) {
    assert.throws(() => handle(0).emit("mine", { [key]: 1 }), ScenarioError, key);
  }
  assert.equal(sink.events.length, 0);
});
