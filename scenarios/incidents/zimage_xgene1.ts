/**
 * Incident: the 32-bit zImage could not boot under KVM on APM X-Gene 1
 * (2014), until KVM turned trapped set/way operations into a flush by
 * address of the whole VM (Linux 4.0, 2015).
 *
 * Source: the kvmarm / linux-arm-kernel review thread of "[PATCH v3 1/3]
 * arm/arm64: KVM: Use set/way op trapping to track the state of the
 * caches" (Marc Zyngier, January 2015: "This allows a 32bit zImage to boot
 * on the APM thingy"), merged for Linux 4.0; scenarios/questions/ quotes
 * the thread.
 *
 * The model: the 2015 decompressor (lib/guest/zimage32.ts, a small image of
 * 8 words on 2 pages) on one vCPU of an X-Gene 1 with its 8 MiB L3. Under
 * KVM 3.18 each trapped set/way operation is performed on the local CPU:
 * L1 and L2 are cleaned into the L3, never to DRAM, and the kernel, reading
 * its image with the MMU off, reads stale memory; the ideal machine (no L3)
 * passes, so the blame is the hypervisor's; when the scheduler preempts
 * the vCPU between the walk's first exit and its handler and moves it (the
 * check lets the scheduler move the vCPU), that operation becomes
 * `flush_cache_all` on the new CPU, and a move after a walk flushes the
 * marked CPU at `vcpu_load`: neither reaches further.
 * KVM 4.0 flushes the VM by address when the caches come on, at the first
 * trapped set/way operation and again when the caches go off: no stale
 * read, whatever the hardware speculates, casts out or wherever the
 * scheduler moves the vCPU.
 *
 * Simplified: one vCPU (the decompressor runs on one), an image of a few
 * words per page (see lib/guest/image.ts).
 *
 * Run it: `deno run scenarios/incidents/zimage_xgene1.ts`.
 *
 * @module
 */

import { vm, type VmBuilder } from "../../mod.ts";
import {
  events,
  exists,
  flushes,
  forall,
  never,
  noSetWayFlush,
  not,
  stale,
  staleAnywhere,
} from "../../lib/api/expect.ts";
import { type Incident, story } from "./incident.ts";

/** The decompressor on X-Gene 1, no policy set yet. */
export const program: VmBuilder = vm().machine("xgene1").cpus(1)
  .guest((g) => g.zImage32({ era: "2015", words: 8, pages: 2 }));

/** The first word the kernel reads back with its MMU off. */
export const FIRST_READ = 0x4000_8000;

/**
 * The failure: KVM 3.18 performs the set/way walk locally (or, when the
 * vCPU was preempted and moved between an exit and its handler,
 * `flush_cache_all` on the new CPU), and neither reaches the L3.
 */
export const before: VmBuilder = program.policy("kvm-3.18")
  .expect(forall(staleAnywhere({ blame: "hypervisor" })))
  .expect(exists(stale(FIRST_READ)))
  .expect(exists(not(stale(FIRST_READ))))
  .expect(exists(events("flush_cache_all", { min: 1 })))
  .expect(forall(noSetWayFlush()));

/** The fix: KVM 4.0 flushes by address at caches-on, at the set/way op and at caches-off. */
export const after: VmBuilder = program.policy("kvm-4.0")
  .expect(never(staleAnywhere()))
  .expect(forall(flushes(3)))
  .expect(forall(not(noSetWayFlush())));

/**
 * The incident.
 *
 * @example Usage
 * ```ts
 * import { incident } from "./zimage_xgene1.ts";
 * console.log(incident.cases.length); // 2
 * ```
 */
export const incident: Incident = {
  id: "zimage_xgene1",
  title: "A 32-bit zImage cannot boot under KVM on X-Gene 1",
  year: 2015,
  source: 'linux-arm-kernel / kvmarm thread "[PATCH v3 1/3] arm/arm64: KVM: Use set/way op ' +
    'trapping to track the state of the caches" (Marc Zyngier, Christoffer Dall, January 2015), ' +
    "merged for Linux 4.0.",
  summary:
    "The decompressor cleans its caches by set/way, turns its MMU off and the kernel reads " +
    "its image from DRAM. On X-Gene 1 the L3 is a system cache set/way never reaches. KVM 3.18 " +
    "performed each trapped set/way operation on the local CPU, so the image stayed dirty in the " +
    "L3: every execution reads stale data, blamed on the hypervisor (a castout from the L3 can " +
    "save one word, never all; a migration before the walk makes KVM 3.18 flush the whole new " +
    "CPU's caches instead, which reach no further). KVM 4.0 flushes the VM by address when " +
    "the caches come on, at the first set/way operation and at caches-off (three flushes): " +
    "never a stale read, even with a vCPU migration.",
  programs: [{ label: "zImage 2015 on X-Gene 1", scenario: program }],
  cases: [
    { label: "KVM 3.18 (2014): the failure", scenario: before, check: { migrations: true } },
    { label: "KVM 4.0 (2015): the fix", scenario: after, check: { migrations: true } },
  ],
};

export default before;

if (import.meta.main) {
  console.log(await story(incident));
}
