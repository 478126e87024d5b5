// Xen's deferral: a trapped S/W op only marks need_flush_to_ram; the flush (p2m_flush_vm) runs
// once, on the way back to the guest. And Xen with the IOMMU sharing the p2m: an undefined
// instruction, reported as a guest crash.

import assert from "node:assert/strict";
import { definePolicy, vm, xen } from "../../mod.ts";
import { formatVerdict } from "../../lib/api/report.ts";
import { type Hyp, type XenState } from "../../lib/api/policies.ts";
import { Hardware } from "../../lib/hw/hardware.ts";
import { Hypervisor } from "../../lib/hyp/hypervisor.ts";
import { p2mPreemptChecks } from "../../lib/hyp/p2m.ts";
import { BASE, RecordingSink, TINY } from "../hyp/fixtures.ts";
import { countOf } from "./helpers.ts";

const A = BASE + 0x3040;

/** A VM under Xen whose hooks are watched: which events each hook emitted, and DRAM at A after it. */
function watchedXen() {
  const sink = new RecordingSink();
  const hardware = new Hardware(TINY);
  const seen: { hook: string; events: string[]; dramAtA: number }[] = [];
  const watch = (hook: string, run: () => void) => {
    const mark = sink.events.length;
    run();
    seen.push({ hook, events: sink.namesSince(mark), dramAtA: hardware.memory.read(A) });
  };
  const policy = definePolicy<XenState>({
    name: "xen-watched",
    state: xen.state,
    onReset: (hyp: Hyp, s: XenState) => xen.onReset!(hyp, s),
    onSetWay: (hyp, op, s) => watch("onSetWay", () => xen.onSetWay!(hyp, op, s)),
    onVmRegWrite: (hyp, w, s) => watch("onVmRegWrite", () => xen.onVmRegWrite!(hyp, w, s)),
    onGuestEntry: (hyp, s) => watch("onGuestEntry", () => xen.onGuestEntry!(hyp, s)),
    faultClean: xen.faultClean,
  });
  const hyp = new Hypervisor({
    hardware,
    policy,
    vcpus: 1,
    ramBase: BASE,
    ram: 1 << 24,
    prefault: false,
    sink,
  });
  hyp.reset();
  return { hardware, hyp, sink, seen };
}

Deno.test("xen: no flush inside the S/W trap, one p2m_flush_vm on guest entry", () => {
  const { hardware, hyp, sink, seen } = watchedXen();
  const v = hyp.vcpus[0];
  assert.deepEqual(
    [v.hcr.tsw, v.hcr.tvm, v.hcr.swio],
    [true, false, true],
    "Xen resets without TVM",
  );
  hyp.sctlrWrite(v, { m: true, c: true }); // not trapped: TVM clear
  hyp.guestAccess(v, A);
  hardware.write(v.pcpu, A, 0xabcd, hyp.cacheable(v));
  const dramBefore = hardware.memory.read(A);
  assert.notEqual(dramBefore, 0xabcd, "the store is only in the cache");

  const mark = sink.events.length;
  // The stage-2 fault was an exit too: its guest entry found nothing to flush.
  assert.deepEqual(seen.map((s) => [s.hook, s.events]), [["onGuestEntry", []]]);
  const hooksBefore = seen.length;
  hyp.setWay(v, { op: "cisw", level: 1, set: 0, way: 0 });
  assert.deepEqual(sink.namesSince(mark), [
    "kvm_exit",
    "p2m_set_way_flush",
    "hcr_write",
    "p2m_flush_vm",
  ]);
  const [trap, entry] = seen.slice(hooksBefore);
  assert.equal(trap.hook, "onSetWay");
  assert.deepEqual(trap.events, ["p2m_set_way_flush"], "inside the trap: only the mark");
  assert.equal(trap.dramAtA, dramBefore, "nothing reached DRAM inside the trap");
  assert.equal(entry.hook, "onGuestEntry");
  assert.deepEqual(entry.events, ["p2m_flush_vm"], "the flush runs on the way back");
  assert.equal(entry.dramAtA, 0xabcd, "and it cleaned the store to DRAM");
  const flush = sink.named("p2m_flush_vm", mark)[0].fields;
  assert.equal(flush.pages, 1);
  assert.equal(flush.lines, 4096 / 64);
  assert.ok((flush.cleaned as number) >= 1);

  // p2m_invalidate_root: every entry invalid, so the next access faults, without a clean.
  assert.equal(hyp.stage2.mappedPages, 0);
  const mark2 = sink.events.length;
  hyp.guestAccess(v, A);
  assert.deepEqual(sink.namesSince(mark2), ["kvm_exit", "kvm_guest_fault"]);

  // TVM is set now: a second S/W op traps and does nothing, and nothing runs on entry.
  const mark3 = sink.events.length;
  hyp.setWay(v, { op: "cisw", level: 1, set: 1, way: 0 });
  assert.deepEqual(sink.namesSince(mark3), ["kvm_exit"]);
});

Deno.test("xen: caches off marks need_flush_to_ram; the flush follows on entry", () => {
  const { hyp, sink } = watchedXen();
  const v = hyp.vcpus[0];
  hyp.sctlrWrite(v, { m: true, c: true });
  hyp.setWay(v, { op: "cisw", level: 1, set: 0, way: 0 }); // sets TVM
  hyp.guestAccess(v, A);
  const mark = sink.events.length;
  hyp.sctlrWrite(v, { m: false, c: false });
  assert.deepEqual(sink.namesSince(mark), [
    "kvm_exit",
    "sctlr_write",
    "p2m_toggle_cache",
    "p2m_flush_vm",
  ]);
  assert.deepEqual(sink.named("p2m_toggle_cache", mark)[0].fields, {
    was: true,
    now: false,
    flush: true,
  });
  assert.equal(sink.named("p2m_flush_vm", mark)[0].fields.pages, 1, "only the page touched since");
});

Deno.test("xen: p2m_flush_vm counts the preemption checks of p2m_cache_flush_range", async () => {
  const run = await vm().ram("1GiB").prefault().policy("xen")
    .guest((g) => g.mmuOn().dc_cisw(1, 0, 0)).run();
  const flush = run.events.find((e) => e.name === "p2m_flush_vm");
  const pages = (1 << 30) / 4096;
  assert.equal(flush?.pages, pages);
  // Xen's loop: +10 per page flushed; at the top of an iteration, 512 or more is a check.
  let count = 0, checks = 0;
  for (let p = 0; p < pages; p++) {
    if (count >= 512) {
      checks++;
      count = 0;
    }
    count += 10;
  }
  assert.equal(flush?.preemptChecks, checks);
  assert.equal(p2mPreemptChecks(pages), checks);
  assert.equal(p2mPreemptChecks(0), 0);
});

Deno.test("xen-iommu: a S/W op crashes the guest on that vCPU; the others run on", async () => {
  const run = await vm().cpus(2).policy("xen-iommu").guest((g) =>
    g.mmuOn().write(A, 1).pc(0x4000_9000).dc_csw(1, 0, 0).read(A)
      .on(1, (h) => h.mmuOn().write(A + 0x1000, 2).read(A + 0x1000))
  ).run();
  assert.deepEqual(run.verdict.crashed, {
    reason: "set/way op while the IOMMU shares the p2m: flush by VA instead",
    pc: 0x4000_9000,
    vcpu: 0,
  });
  assert.equal(run.verdict.ok, false);
  assert.equal(run.verdict.violations.length, 0);
  assert.equal(countOf(run, "undef_injected"), 1);
  const reads = run.events.filter((e) => e.name === "read");
  assert.deepEqual(reads.map((e) => [e.vcpu, e.value]), [[1, 2]], "vCPU 0 read nothing more");
  assert.match(
    formatVerdict(run.verdict),
    /FAIL, 0 violations, guest crashed\n {2}guest crashed on vcpu0 at 0x40009000: /,
  );
  assert.equal(run.toJSON().verdict.crashed?.vcpu, 0);
});

Deno.test("xen: a page the host loaded is cleaned when first mapped, not when revalidated", async () => {
  const run = await vm().policy("xen").guest((g) =>
    g.host((h) => h.write(A, 0x600d)).read(A).mmuOn().dc_cisw(1, 0, 0).mmuOff().read(A)
  ).run();
  assert.equal(run.verdict.ok, true, "the loader's write reached DRAM before the MMU-off read");
  const cleans = run.events.filter((e) => e.name === "flush_page_to_ram");
  assert.equal(cleans.length, 1);
  assert.equal(cleans[0].vcpu, 0, "on the guest's first fault on the page");
  assert.ok((cleans[0].cleaned as number) >= 1);
  const faults = run.events.filter((e) => e.name === "kvm_guest_fault");
  assert.equal(faults.length, 2, "the first mapping, and the revalidation after p2m_flush_vm");
});
