/**
 * Incident: with stage-2 forced write-back (FWB, ARMv8.4), a guest cannot
 * make non-cacheable accesses to its RAM, so modern KVM treats trapped
 * set/way operations as no-ops and no longer traps VM-register writes: the
 * 2015 machinery is switched off, and the guest that motivated it still
 * reads what it wrote.
 *
 * Sources: "arm64: KVM: Add support for Stage-2 control of memory types and
 * cacheability" and "arm64: KVM: Handle Set/Way CMOs as NOPs if FWB is
 * present" (Marc Zyngier, 2018); "KVM: arm64: Don't set HCR_EL2.TVM when
 * S2FWB is supported" (Christoffer Dall, kvmarm, October 2019, Linux 5.5).
 *
 * The model: 2015 EDK2 firmware (set/way walks as it turns its caches on,
 * then a clean with caches on, caches and MMU off, and the kernel reading
 * its image with the MMU off) on one vCPU of a Neoverse V1 (FWB) and of a
 * Neoverse N1 (no FWB), both with an 8 MiB system-level cache, under
 * `kvm-modern`. An AArch64 guest: N1 and V1 run AArch32 at EL0 only, so a
 * 32-bit kernel such as the zImage cannot be their guest. With FWB the
 * guest's MMU-off reads are forced cacheable and hit the data it wrote: no
 * stale read, no set/way flush, no flush of the VM at all, in every
 * execution. Without FWB, modern KVM runs the 4.0 logic: set/way flushes,
 * and still no stale read.
 *
 * Simplified: one vCPU, a few words per page; the guest reads the
 * normalized cache geometry modern KVM presents.
 *
 * Run it: `deno run scenarios/incidents/fwb_modern_kvm.ts`.
 *
 * @module
 */

import { vm, type VmBuilder } from "../../mod.ts";
import { flushes, forall, never, noSetWayFlush, not, wrongRead } from "../../lib/api/expect.ts";
import { type Incident, story } from "./incident.ts";

const firmware = (machine: string): VmBuilder =>
  vm().machine(machine).cpus(1).guest((g) => g.edk2({ words: 8, pages: 2 }));

/** 2015 EDK2 firmware on a machine with stage-2 FWB. */
export const withFwb: VmBuilder = firmware("neoverse-v1");

/** The same guest on a machine without it. */
export const withoutFwb: VmBuilder = firmware("neoverse-n1");

/**
 * The incident.
 *
 * @example Usage
 * ```ts
 * import { incident } from "./fwb_modern_kvm.ts";
 * console.log(incident.cases[0].label);
 * ```
 */
export const incident: Incident = {
  id: "fwb_modern_kvm",
  title: "A guest on an FWB machine under modern KVM: set/way handling switched off",
  year: 2019,
  source: 'Linux commits "arm64: KVM: Handle Set/Way CMOs as NOPs if FWB is present" (Marc ' +
    'Zyngier, 2018) and "KVM: arm64: Don\'t set HCR_EL2.TVM when S2FWB is supported" ' +
    "(Christoffer Dall, October 2019, Linux 5.5).",
  summary: "With FWB, stage 2 forces the guest's RAM accesses to be cacheable, so the " +
    "firmware's MMU-off reads see what it wrote through the caches: modern KVM neither " +
    "flushes at its set/way operations nor traps its SCTLR writes, and no execution reads " +
    "stale data. Without FWB, modern KVM falls back to the 2015 logic.",
  programs: [
    { label: "EDK2 2015 on Neoverse V1 (FWB)", scenario: withFwb },
    { label: "EDK2 2015 on Neoverse N1 (no FWB)", scenario: withoutFwb },
  ],
  cases: [
    {
      label: "Modern KVM with FWB: nothing to do",
      scenario: withFwb.policy("kvm-modern").expect(never(wrongRead()))
        .expect(forall(noSetWayFlush())).expect(forall(flushes(0))),
    },
    {
      label: "Modern KVM without FWB: the 2015 logic",
      scenario: withoutFwb.policy("kvm-modern").expect(never(wrongRead()))
        .expect(forall(not(noSetWayFlush()))),
    },
  ],
};

/** What `setway run` runs for this file: the incident's first case. */
export const firstCase: VmBuilder = incident.cases[0].scenario;

export default firstCase;

if (import.meta.main) {
  console.log(await story(incident));
}
