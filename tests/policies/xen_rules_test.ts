// Xen's need_flush_to_ram is per vCPU: the vCPU whose S/W op trapped runs p2m_flush_vm on its
// own way back to the guest, and another vCPU's entry does not. And xenWith's option checks.

import assert from "node:assert/strict";
import { ScenarioError, xen } from "../../mod.ts";
import { xenWith } from "../../lib/api/policies.ts";
import { Hardware } from "../../lib/hw/hardware.ts";
import { Hypervisor } from "../../lib/hyp/hypervisor.ts";
import { BASE, RecordingSink, TINY } from "../hyp/fixtures.ts";

const A = BASE + 0x3040, B = BASE + 0x8000;

function refused(f: () => unknown, call: string) {
  assert.throws(f, (e: unknown) => {
    assert.ok(e instanceof ScenarioError, String(e));
    assert.deepEqual([e.code, e.call], ["invalid_value", call]);
    return true;
  });
}

Deno.test("xen: a S/W op on vCPU 1 flushes on vCPU 1's own guest entry, not on vCPU 0's", () => {
  const sink = new RecordingSink();
  const hardware = new Hardware(TINY);
  const hyp = new Hypervisor({
    hardware,
    policy: xen,
    vcpus: 2,
    ramBase: BASE,
    ram: 1 << 24,
    prefault: false,
    sink,
  });
  hyp.reset();
  const [v0, v1] = hyp.vcpus;
  hyp.sctlrWrite(v1, { m: true, c: true }); // not trapped: TVM clear
  hyp.guestAccess(v1, A);
  hardware.write(v1.pcpu, A, 0xbeef, hyp.cacheable(v1));
  assert.notEqual(hardware.memory.read(A), 0xbeef, "the store is only in vCPU 1's cache");

  const mark = sink.events.length;
  hyp.setWay(v1, { op: "cisw", level: 1, set: 0, way: 0 });
  assert.deepEqual(
    sink.events.slice(mark).map((e) => [e.name, e.vcpu]),
    [["kvm_exit", 1], ["p2m_set_way_flush", 1], ["hcr_write", 1], ["p2m_flush_vm", 1]],
  );
  assert.equal(hardware.memory.read(A), 0xbeef, "the flush on vCPU 1's entry cleaned the store");
  assert.deepEqual([v0.hcr.tvm, v1.hcr.tvm], [false, true], "only vCPU 1 is watched now");

  // vCPU 0 has nothing pending: its next exit (the first touch of a new page, which Xen
  // clears and cleans) ends without a p2m_flush_vm.
  const mark2 = sink.events.length;
  hyp.guestAccess(v0, B);
  assert.deepEqual(sink.namesSince(mark2), [
    "kvm_exit",
    "kvm_guest_fault",
    "clear_page",
    "flush_page_to_ram",
  ]);
});

Deno.test("xenWith: a non-boolean iommuSharesP2m and a bad name are refused", () => {
  refused(() => xenWith({ iommuSharesP2m: "yes" } as never), "xenWith.iommuSharesP2m");
  refused(() => xenWith({ iommuSharesP2m: 1 } as never), "xenWith.iommuSharesP2m");
  refused(() => xenWith({ name: 5 } as never), "xenWith.name");
  refused(() => xenWith({ name: "" }), "xenWith.name");
  assert.equal(xenWith({ iommuSharesP2m: false }).name, "xen");
});
