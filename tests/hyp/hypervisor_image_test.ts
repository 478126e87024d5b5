/**
 * A VM's image (`Hypervisor.saveImage`, `Hypervisor.loadImage`) is what an
 * exploration runs every child of a parent from, with the hardware's:
 * loading it must put back every vCPU field, the policy's state and the
 * pending preemptions, whatever changed since, and keep the image itself
 * unchanged for the next child. tests/explore/parent_image_test.ts checks
 * the explorations built on it; this checks the round trip itself.
 */

import assert from "node:assert/strict";
import fc from "fast-check";
import { Hypervisor, type HypervisorImage } from "../../lib/hyp/hypervisor.ts";
import { Hardware } from "../../lib/hw/hardware.ts";
import { NULL_SINK } from "../../lib/hyp/event_sink.ts";
import { kvm318, type Kvm318State, policies, type XenState } from "../../lib/hyp/policies/mod.ts";
import type { Policy } from "../../lib/hyp/policy.ts";
import { generic } from "../../lib/machines/mod.ts";
import { vmState } from "../support/vm_state.ts";

const VCPUS = 2;
/** A few pages of the VM's RAM, whose stage-2 mapping is compared too. */
const PAGES = [0x4000_0000, 0x4000_1000, 0x400f_f000];

/** Everything of one vCPU that an image holds, drawn at random. */
const vcpuFields = fc.record({
  m: fc.boolean(),
  c: fc.boolean(),
  i: fc.boolean(),
  tsw: fc.boolean(),
  tvm: fc.boolean(),
  swio: fc.boolean(),
  aarch32: fc.boolean(),
  everCached: fc.boolean(),
  pc: fc.integer({ min: 0, max: 0xffff }).map((i) => 0x4000_0000 + 4 * i),
  pcpu: fc.nat(generic.clusters[0].cpus - 1),
  lastPcpu: fc.nat(generic.clusters[0].cpus - 1),
  crashed: fc.option(fc.constant({ reason: "undef", pc: 0x4000_0010 }), { nil: null }),
  preemptTo: fc.integer({ min: -1, max: generic.clusters[0].cpus - 1 }),
  flag: fc.boolean(),
});

type Fields = typeof vcpuFields extends fc.Arbitrary<infer T> ? T : never;

/** Puts `f` into vCPU `index` and into the policy's state where it has one. */
function apply(hyp: Hypervisor, index: number, f: Fields): void {
  const v = hyp.vcpus[index];
  v.sctlr.m = f.m;
  v.sctlr.c = f.c;
  v.sctlr.i = f.i;
  v.hcr.tsw = f.tsw;
  v.hcr.tvm = f.tvm;
  v.hcr.swio = f.swio;
  v.aarch32 = f.aarch32;
  v.everCached = f.everCached;
  v.pc = f.pc;
  v.pcpu = f.pcpu;
  v.lastPcpu = f.lastPcpu;
  v.crashed = f.crashed;
  if (f.preemptTo < 0) hyp.cancelPreemption(v);
  else hyp.preemptAtNextExit(v, f.preemptTo);
  const state = hyp.policyState;
  if (hyp.policy === kvm318) {
    const masks = (state as Kvm318State).requireDcacheFlush;
    (masks[index] ??= new Uint8Array(generic.clusters[0].cpus))[f.pcpu] = f.flag ? 1 : 0;
  } else if (hyp.policy === policies["xen"]) {
    (state as XenState).needFlushToRam[index] = f.flag;
  }
}

Deno.test("property: loading a VM image puts back its vCPUs, policy state and pending preemptions", () => {
  fc.assert(
    fc.property(
      fc.constantFrom<Policy>(kvm318, policies["kvm-4.0"], policies["xen"], policies["kvm-modern"]),
      fc.array(vcpuFields, { minLength: VCPUS, maxLength: VCPUS }),
      fc.array(fc.array(vcpuFields, { minLength: VCPUS, maxLength: VCPUS }), {
        minLength: 1,
        maxLength: 3,
      }),
      (policy, at, later) => {
        const hardware = new Hardware(generic);
        const hyp = new Hypervisor({
          hardware,
          policy,
          vcpus: VCPUS,
          ramBase: 0x4000_0000,
          ram: 1 << 20,
          prefault: true,
          sink: NULL_SINK,
        });
        try {
          hyp.reset();
          at.forEach((f, i) => apply(hyp, i, f));
          const image = hyp.saveImage();
          assert.ok(image !== null, "a prefaulted VM of plain policy state is imaged");
          assert.deepEqual(Array.from(image.preemptTo), at.map((f) => f.preemptTo));
          const want = vmState(hyp, PAGES);
          const copy: HypervisorImage = structuredClone(image);
          // An image of another state, which saves write over.
          const scratch: HypervisorImage = structuredClone(image);
          // Loaded once per child, each child changing everything first.
          for (const fields of later) {
            fields.forEach((f, i) => apply(hyp, i, f));
            assert.equal(hyp.saveImage(scratch), scratch);
            assert.deepEqual(scratch, hyp.saveImage(), "saved over an image: as a new one");
            hyp.loadImage(image);
            assert.deepEqual(vmState(hyp, PAGES), want);
            // Saved again: the same image, pending preemptions included.
            assert.deepEqual(hyp.saveImage(), copy);
          }
          // Loading leaves the image as it was: the policy state is a copy.
          assert.deepEqual(image, copy);
        } finally {
          hardware.release();
        }
      },
    ),
    { seed: 2027, numRuns: 300 },
  );
});
