// A restarted VM is a new one, and a VM's image is made only when it can be
// put back exactly, stage 2 included.
import assert from "node:assert/strict";
import { kvm318 } from "../../lib/hyp/policies/kvm_3_18.ts";
import { kvm40 } from "../../lib/hyp/policies/kvm_4_0.ts";
import { native } from "../../lib/hyp/policies/native.ts";
import { xen } from "../../lib/hyp/policies/xen.ts";
import { BASE, testVm } from "./fixtures.ts";

const RAM = 1 << 20;

Deno.test("restart drops a preemption no exit has taken yet", () => {
  const { hyp, sink } = testVm(kvm318);
  const v = hyp.vcpus[0];
  hyp.preemptAtNextExit(v, 2);
  hyp.restart();
  hyp.reset();
  const mark = sink.events.length;
  hyp.setWay(v, { op: "csw", level: 1, set: 0, way: 0 });
  assert.deepEqual(sink.namesSince(mark), ["kvm_exit", "sw_local"]);
  assert.equal(v.pcpu, 0);
});

Deno.test("xen: after a restart a page's first mapping is flushed to RAM again", () => {
  const { hyp, sink } = testVm(xen);
  const v = hyp.vcpus[0];
  hyp.guestAccess(v, BASE + 0x3000);
  assert.equal(sink.named("flush_page_to_ram").length, 1);
  hyp.restart();
  hyp.reset();
  const mark = sink.events.length;
  hyp.guestAccess(v, BASE + 0x3000);
  assert.deepEqual(sink.named("flush_page_to_ram", mark).map((e) => e.fields.ipa), [
    BASE + 0x3000,
  ]);
});

Deno.test("natively a VM's image is made whether or not it was built prefaulted", () => {
  for (const prefault of [false, true]) {
    const { hyp } = testVm(native, { prefault, ram: RAM });
    const image = hyp.saveImage();
    assert.notEqual(image, null, `prefault: ${prefault}`);
    assert.equal(image!.vcpus.length, 4);
  }
  assert.equal(testVm(kvm40, { ram: RAM }).hyp.saveImage(), null, "not prefaulted, stage 2");
});

Deno.test("no image of a prefaulted VM once a page is unmapped; loading one maps it back", () => {
  const { hyp, sink } = testVm(kvm40, { prefault: true, ram: RAM });
  const image = hyp.saveImage();
  assert.notEqual(image, null);
  hyp.hostUnmap(0, BASE + 0x3000);
  assert.equal(hyp.stage2.isMapped(BASE + 0x3000), false);
  assert.equal(hyp.saveImage(), null, "stage 2 is not all mapped");
  hyp.loadImage(image!);
  assert.equal(hyp.stage2.isMapped(BASE + 0x3000), true);
  assert.equal(hyp.stage2.mappedPages, RAM / 4096);
  const mark = sink.events.length;
  hyp.guestAccess(hyp.vcpus[0], BASE + 0x3000);
  assert.equal(sink.events.length, mark, "no fault");
  assert.notEqual(hyp.saveImage(), null);
});
