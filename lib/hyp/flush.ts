/**
 * The hypervisor's cache-maintenance primitives, as the kernel names them,
 * performed on the hardware model.
 *
 * These functions only act on the hardware and count what they did; the
 * {@linkcode HypHandle} (handle.ts) turns each call into an event.
 *
 * @module
 */

import type { FlushResult, Hardware } from "../hw/hardware.ts";
import type { DcSwOp } from "../guest/ops.ts";
import { PAGE_SIZE, type Stage2 } from "./stage2.ts";

/**
 * `stage2_flush_vm`: clean+invalidate to PoC, by VA, every line of every page
 * mapped at stage 2. Linux 4.0 arch/arm/kvm/mmu.c (shared by arm and arm64):
 * `stage2_flush_memslot` for each memslot walks its stage-2 tables level
 * by level (`stage2_flush_puds`, `stage2_flush_pmds`, `stage2_flush_ptes`)
 * and calls `kvm_flush_dcache_pte` on each valid entry, a DC CIVAC per line of the
 * page through the kernel's mapping.
 *
 * The cost model counts `pages * (4096 / lineSize)` DC CIVAC instructions, as
 * the kernel issues them; the simulation only visits resident lines
 * (`Hardware.vaFlushResident`), so it costs O(resident), not O(RAM).
 *
 * @example Usage
 * ```ts
 * import { stage2FlushVm } from "./flush.ts";
 * import { Stage2 } from "./stage2.ts";
 * import { Hardware } from "@setway/setway/hw";
 * import { generic } from "../machines/mod.ts";
 * const hardware = new Hardware(generic);
 * const stage2 = new Stage2(0x40000000, 1 << 20);
 * stage2.map(0x40000000);
 * hardware.write(0, 0x40000040, 7, true);
 * const r = stage2FlushVm(hardware, stage2);
 * console.log(r.cleaned, hardware.memory.read(0x40000040)); // 1 7
 * ```
 * @param hardware the hardware model
 * @param stage2 the VM's stage-2 mappings
 * @returns what the hardware cleaned and invalidated ({@linkcode flushVmLines}
 *   counts the instructions, from the pages mapped)
 */
export function stage2FlushVm(hardware: Hardware, stage2: Stage2): FlushResult {
  return hardware.vaFlushResident("civac", stage2.mapsAddress);
}

/**
 * The DC CIVAC instructions a `stage2_flush_vm` (or Xen's `p2m_flush_vm`)
 * of `pages` mapped pages issues: one per line of each page.
 *
 * @example Usage
 * ```ts
 * import { flushVmLines } from "./flush.ts";
 * console.log(flushVmLines(2, 64)); // 128
 * ```
 * @param pages the pages mapped at stage 2
 * @param lineSize the data cache line size the flush loop steps by
 * @returns the lines
 */
export function flushVmLines(pages: number, lineSize: number): number {
  return pages * (PAGE_SIZE / lineSize);
}

/**
 * What `flush_cache_all` did.
 *
 * @example Usage
 * ```ts
 * import type { FlushAllResult } from "./flush.ts";
 * const r: FlushAllResult = { slots: 16896, cleaned: 4, invalidated: 9 };
 * ```
 */
export interface FlushAllResult {
  /** S/W instructions modelled: every set and way of every level up to LoC. */
  readonly slots: number;
  /** Dirty lines written back. */
  readonly cleaned: number;
  /** Valid lines dropped. */
  readonly invalidated: number;
}

/**
 * `flush_cache_all`: clean+invalidate by set/way every level up to LoC of
 * physical CPU `cpu`. It never reaches other CPUs' caches nor a system cache.
 * Linux 3.18 calls it from `kvm_arch_vcpu_load` (arch/arm/kvm/arm.c, for a
 * CPU left in `require_dcache_flush`) and from `access_dcsw`
 * (arch/arm/kvm/coproc.c) when the vCPU moved since its exit; on arm it is
 * `v7_flush_kern_cache_all` (arch/arm/mm/cache-v7.S), whose data side,
 * `v7_flush_dcache_all`, reads CLIDR's LoC and walks each level's sets and ways.
 *
 * @example Usage
 * ```ts
 * import { flushCacheAll } from "./flush.ts";
 * import { Hardware } from "@setway/setway/hw";
 * import { generic } from "../machines/mod.ts";
 * const hardware = new Hardware(generic);
 * hardware.write(1, 0x40000000, 7, true);
 * console.log(flushCacheAll(hardware, 0).cleaned); // 0: CPU 1's line is out of reach
 * console.log(flushCacheAll(hardware, 1).slots); // 16896
 * ```
 * @param hardware the hardware model
 * @param cpu the physical CPU that runs the loop
 * @returns slots, and what the hardware cleaned and invalidated
 */
export function flushCacheAll(hardware: Hardware, cpu: number): FlushAllResult {
  const r = hardware.setWayAll(cpu, "cisw");
  return { slots: r.slots, cleaned: r.cleaned, invalidated: r.invalidated };
}

/**
 * What a by-VA page flush did.
 *
 * @example Usage
 * ```ts
 * import type { PageFlushResult } from "./flush.ts";
 * const r: PageFlushResult = { lines: 64, cleaned: 64, invalidated: 0 };
 * ```
 */
export interface PageFlushResult {
  /** DC instructions issued: one per line of the page. */
  readonly lines: number;
  /** Dirty lines written back. */
  readonly cleaned: number;
  /** Valid lines dropped. */
  readonly invalidated: number;
}

/**
 * Cleans (`"cvac"`) or cleans and invalidates (`"civac"`) one page to PoC by
 * VA, one instruction per line, as `coherent_cache_guest_page` and
 * `kvm_flush_dcache_pte` do through the kernel mapping.
 *
 * @example Usage
 * ```ts
 * import { flushPageByVa } from "./flush.ts";
 * import { Hardware } from "@setway/setway/hw";
 * import { generic } from "../machines/mod.ts";
 * const hardware = new Hardware(generic);
 * hardware.write(2, 0x40000ffc, 1, true);
 * const r = flushPageByVa(hardware, 0, 0x40000000, 64, "cvac");
 * console.log(r.lines, r.cleaned); // 64 1
 * ```
 * @param hardware the hardware model
 * @param cpu the physical CPU issuing the instructions
 * @param pageBase the first address of the page
 * @param lineSize the data cache line size
 * @param op clean, or clean+invalidate
 * @returns lines issued and what the hardware cleaned and invalidated
 */
export function flushPageByVa(
  hardware: Hardware,
  cpu: number,
  pageBase: number,
  lineSize: number,
  op: "cvac" | "civac",
): PageFlushResult {
  let cleaned = 0, invalidated = 0, lines = 0;
  for (let a = pageBase; a < pageBase + PAGE_SIZE; a += lineSize) {
    const r = hardware.dcByVa(op, cpu, a);
    cleaned += r.cleaned;
    invalidated += r.invalidated;
    lines++;
  }
  return { lines, cleaned, invalidated };
}

/**
 * The S/W operation the hardware performs at EL1 under HCR.SWIO: invalidate
 * is upgraded to clean+invalidate.
 *
 * @example Usage
 * ```ts
 * import { swioOp } from "./flush.ts";
 * swioOp("isw", true); // "cisw"
 * swioOp("isw", false); // "isw"
 * ```
 * @param op the S/W operation the guest issued
 * @param swio whether HCR.SWIO is set
 * @returns the operation performed
 */
export function swioOp(op: DcSwOp, swio: boolean): DcSwOp {
  return swio && op === "isw" ? "cisw" : op;
}
