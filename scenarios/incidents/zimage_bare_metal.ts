/**
 * Incident: the 32-bit kernel could not boot on bare metal on machines with
 * a system cache (Marvell Armada 8040, Socionext SynQuacer) while its
 * decompressor cleaned by set/way; it booted there only under KVM, thanks
 * to KVM's set/way handling. The decompressor switched to maintenance by
 * address in 2020.
 *
 * Sources: commit 401b368caaec "ARM: decompressor: switch to by-VA cache
 * maintenance for v7 cores" (Ard Biesheuvel, February 2020, Linux 5.7);
 * the LKML thread "next/master bisection: baseline.login on
 * rk3288-rock2-square" (4 February 2021), where Ard Biesheuvel writes that
 * without it the kernel "cannot boot bare metal on platforms with a system
 * cache such as 8040 or SynQuacer, and can only boot under KVM on such
 * systems because of the special handling of set/way instructions by the
 * host", and Marc Zyngier that with set/way "there is no way to reach the
 * PoC if it beyond the system cache".
 *
 * The model: the decompressor (8 words on 2 pages) on one CPU of an Armada
 * 8040 (lib/machines/armada_8040.ts: 1 MiB LLC deaf to set/way). Natively,
 * the 2015 set/way clean leaves the image dirty in the LLC: always stale,
 * blamed on the machine (the ideal machine, without the LLC, passes). The
 * same guest under KVM 4.0 never reads stale data. The by-VA decompressor
 * never does, natively, whatever the hardware does.
 *
 * Simplified: one CPU, a few words per page, the LLC's exclusive mode is
 * not modelled (see the machine's notes).
 *
 * Run it: `deno run scenarios/incidents/zimage_bare_metal.ts`.
 *
 * @module
 */

import { vm, type VmBuilder } from "../../mod.ts";
import {
  forall,
  never,
  noSetWayFlush,
  not,
  staleAnywhere,
  wrongRead,
} from "../../lib/api/expect.ts";
import { armada8040 } from "../../lib/api/hw.ts";
import { type Incident, story } from "./incident.ts";

/** The 2015 decompressor (set/way clean) on an Armada 8040. */
export const setWay: VmBuilder = vm().machine(armada8040).cpus(1)
  .guest((g) => g.zImage32({ era: "2015", words: 8, pages: 2 }));

/** The 2020 decompressor (clean by address to the PoC) on an Armada 8040. */
export const byVa: VmBuilder = vm().machine(armada8040).cpus(1)
  .guest((g) => g.zImage32({ era: "by-va", words: 8, pages: 2 }));

/** Before: bare metal, set/way; the LLC keeps the image. */
export const before: VmBuilder = setWay.policy("native")
  .expect(forall(staleAnywhere({ blame: "machine" })));

/** Meanwhile: the same guest boots under KVM 4.0, whose flush by address reaches the LLC. */
export const underKvm: VmBuilder = setWay.policy("kvm-4.0")
  .expect(never(wrongRead()))
  .expect(forall(not(noSetWayFlush())));

/** After: bare metal, by address. */
export const after: VmBuilder = byVa.policy("native")
  .expect(never(wrongRead()));

/** After, under KVM 4.0: nothing left for the set/way handling to do. */
export const afterUnderKvm: VmBuilder = byVa.policy("kvm-4.0")
  .expect(never(wrongRead()))
  .expect(forall(noSetWayFlush()));

/**
 * The incident.
 *
 * @example Usage
 * ```ts
 * import { incident } from "./zimage_bare_metal.ts";
 * console.log(incident.programs.map((p) => p.label));
 * ```
 */
export const incident: Incident = {
  id: "zimage_bare_metal",
  title: "A 32-bit kernel cannot boot bare metal with a system cache until it cleans by address",
  year: 2020,
  source: 'commit 401b368caaec "ARM: decompressor: switch to by-VA cache maintenance for v7 ' +
    'cores" (Linux 5.7, 2020); LKML thread "next/master bisection: baseline.login on ' +
    'rk3288-rock2-square" (Ard Biesheuvel, Marc Zyngier, February 2021).',
  summary: "On an Armada 8040 (1 MiB LLC outside the set/way hierarchy) the 2015 decompressor " +
    "fails natively in every execution, blamed on the machine; under KVM 4.0 the same guest " +
    "never reads stale data, because KVM turns its set/way clean into a flush by address. The " +
    "by-VA decompressor never reads stale data, natively or under KVM, and leaves KVM nothing " +
    "to flush at a set/way operation.",
  programs: [
    { label: "zImage 2015 (set/way) on Armada 8040", scenario: setWay },
    { label: "zImage by-VA (2020) on Armada 8040", scenario: byVa },
  ],
  cases: [
    { label: "Bare metal, set/way (before 2020): the failure", scenario: before },
    { label: "KVM 4.0, set/way: boots only thanks to KVM", scenario: underKvm },
    { label: "Bare metal, by VA (2020): the fix", scenario: after },
    { label: "KVM 4.0, by VA: no set/way flush needed", scenario: afterUnderKvm },
  ],
};

export default before;

if (import.meta.main) {
  console.log(await story(incident));
}
