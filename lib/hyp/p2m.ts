/**
 * Xen's stage-2 ("p2m") cache flush, as `p2m_flush_vm` performs it in
 * xen/arch/arm/p2m.c: `p2m_cache_flush_range` cleans and invalidates every
 * valid RAM page by VA, checking for preemption as it goes, then
 * `p2m_invalidate_root` clears the valid bit of every entry so that the next
 * flush only visits pages the guest touched since (each first touch takes a
 * stage-2 fault that makes the entry valid again).
 *
 * @module
 */

import { PAGE_SIZE, type Stage2 } from "./stage2.ts";

/**
 * Xen's preemption threshold: `p2m_cache_flush_range` adds 10 to a counter
 * per page flushed and checks for pending softirqs once it reaches 512.
 *
 * @example Usage
 * ```ts
 * import { P2M_PREEMPT_THRESHOLD } from "./p2m.ts";
 * console.log(P2M_PREEMPT_THRESHOLD); // 512
 * ```
 */
export const P2M_PREEMPT_THRESHOLD = 512;

/**
 * How many times `p2m_cache_flush_range` checks for preemption while it
 * flushes `pages` valid pages: the counter grows by 10 a page and is tested
 * (and reset) at the top of the next iteration once it reaches 512, so
 * after every 52 pages that are followed by another.
 *
 * Simplified: the holes between mapped regions (1 each on the counter) are
 * not counted, and a check is counted whether or not a softirq was pending
 * (in Xen, only a pending one makes the loop stop and restart).
 *
 * @example Usage
 * ```ts
 * import { p2mPreemptChecks } from "./p2m.ts";
 * p2mPreemptChecks(52); // 0: nothing follows the 52nd page
 * p2mPreemptChecks(53); // 1
 * p2mPreemptChecks(8192); // 157
 * ```
 * @param pages valid pages flushed
 * @returns preemption checks
 */
export function p2mPreemptChecks(pages: number): number {
  const perCheck = Math.ceil(P2M_PREEMPT_THRESHOLD / 10);
  return pages <= 0 ? 0 : Math.floor((pages - 1) / perCheck);
}

/**
 * `p2m_invalidate_root`: every mapped page becomes invalid; the host keeps
 * the pages and their contents. Visits each RAM page until none is mapped.
 *
 * @example Usage
 * ```ts
 * import { p2mInvalidateRoot } from "./p2m.ts";
 * import { Stage2 } from "./stage2.ts";
 * const s2 = new Stage2(0x40000000, 1 << 20);
 * s2.map(0x40003000);
 * console.log(p2mInvalidateRoot(s2), s2.mappedPages); // 1 0
 * ```
 * @param stage2 the VM's stage 2
 * @returns the number of pages made invalid
 */
export function p2mInvalidateRoot(stage2: Stage2): number {
  let left = stage2.mappedPages;
  const n = left;
  for (let p = 0; p < stage2.pages && left > 0; p++) {
    if (stage2.unmap(stage2.ramBase + p * PAGE_SIZE)) left--;
  }
  return n;
}
