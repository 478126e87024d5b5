/**
 * Incident: under Xen on Arm with the IOMMU sharing the stage-2 page
 * tables, a guest's set/way operation is answered with an undefined
 * instruction exception; Zephyr, which invalidated its data cache by
 * set/way before turning its MMU on, crashed there as a Xen domain and
 * dropped set/way maintenance on arm64 (2023).
 *
 * Sources: Xen's `p2m_set_way_flush` (xen/arch/arm/p2m.c): when
 * `iommu_use_hap_pt(d)`, it logs "The cache should be flushed by VA rather
 * than by set/way." and calls `inject_undef_exception`; otherwise it sets
 * `need_flush_to_ram` and traps VM registers, and `p2m_flush_vm` runs on the
 * way back to the guest. zephyrproject-rtos/zephyr pull request 61035
 * "Avoid using of set/way cache instructions for ARM64" (August 2023): set/way
 * emulation is disabled because the IOMMU (Renesas IPMMU) shares page
 * tables with the CPU, so the Xen domain build cannot use them; data is
 * instead invalidated by address for every region mapped.
 *
 * The model: Zephyr's `enable_mmu_el1` on one vCPU: before the fix a `DC
 * ISW` walk ("invalidate all data caches before enable them") with the MMU
 * off, then MMU and caches on, then a store and a load; after the fix a
 * `DC IVAC` of the region it maps instead of the walk. Under `xen-iommu`
 * the walk's first instruction injects an undefined instruction: the vCPU
 * crashes in every execution. Under `xen` (no shared IOMMU tables) and
 * after the fix, it never does, whatever the hardware does.
 *
 * Simplified: one region of 16 KiB, one store and one load stand for the
 * kernel; the machine is a Juno r0 (Cortex-A57/A53, like the Renesas R-Car
 * of the report).
 *
 * Run it: `deno run scenarios/incidents/xen_iommu_zephyr.ts`.
 *
 * @module
 */

import { vm, type VmBuilder } from "../../mod.ts";
import { crashed, forall, never, wrongRead } from "../../lib/api/expect.ts";
import { type Incident, story } from "./incident.ts";

/** The region Zephyr maps (illustrative): its image and data. */
export const REGION = { addr: 0x4000_0000, len: 0x4000 } as const;
/** A word of it the kernel writes and reads back. */
export const WORD = 0x4000_1000;

/** Before the fix: `sys_cache_data_invd_all()` (set/way) before the MMU goes on. */
export const setWay: VmBuilder = vm().machine("juno-r0").cpus(1).guest((g) =>
  g.pc(0x4000_0100).sw_invalidate().mmuOn().write(WORD, 0x5eed).read(WORD)
);

/** After the fix: invalidate by address the region being mapped. */
export const byVa: VmBuilder = vm().machine("juno-r0").cpus(1).guest((g) =>
  g.pc(0x4000_0100).dc_ivac(REGION.addr, REGION.len).mmuOn().write(WORD, 0x5eed).read(WORD)
);

/**
 * The incident.
 *
 * @example Usage
 * ```ts
 * import { incident } from "./xen_iommu_zephyr.ts";
 * console.log(incident.programs.length); // 2
 * ```
 */
export const incident: Incident = {
  id: "xen_iommu_zephyr",
  title: "Xen with the IOMMU sharing stage 2 injects an undefined instruction at set/way",
  year: 2023,
  source: "Xen, xen/arch/arm/p2m.c p2m_set_way_flush (the IOMMU case); " +
    'zephyrproject-rtos/zephyr pull request 61035 "Avoid using of set/way cache instructions ' +
    'for ARM64" (August 2023).',
  summary: "With the IOMMU sharing the p2m, Xen cannot flush the domain's memory on a set/way " +
    "operation and injects an undefined instruction instead: Zephyr's set/way invalidate " +
    "before enabling its MMU crashes it in every execution. Without the shared IOMMU, Xen " +
    "defers a flush of the domain and the same guest runs; invalidating by address, as " +
    "Zephyr does since 2023, runs under both.",
  programs: [
    { label: "Zephyr MMU enable, set/way invalidate", scenario: setWay },
    { label: "Zephyr MMU enable, invalidate by VA (2023)", scenario: byVa },
  ],
  cases: [
    {
      label: "Xen with the IOMMU sharing stage 2, set/way: the crash",
      scenario: setWay.policy("xen-iommu").expect(forall(crashed())),
    },
    {
      label: "Xen without a shared IOMMU, set/way",
      scenario: setWay.policy("xen").expect(never(crashed())).expect(never(wrongRead())),
    },
    {
      label: "Xen with the IOMMU sharing stage 2, by VA (2023): the fix",
      scenario: byVa.policy("xen-iommu").expect(never(crashed())).expect(never(wrongRead())),
    },
  ],
};

/** What `setway run` runs for this file: the incident's first case. */
export const firstCase: VmBuilder = incident.cases[0].scenario;

export default firstCase;

if (import.meta.main) {
  console.log(await story(incident));
}
