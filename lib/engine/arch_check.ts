/**
 * Flags guests whose cache maintenance is architecturally invalid, whether
 * or not it went wrong in the run.
 *
 * Set/way operations are meant for powering a cache up or down on a CPU that
 * is alone: the architecture gives no guarantee when they run with the
 * caches on (lines can be allocated again behind the walk), nor while other
 * CPUs are online and caching. The 32-bit zImage's clean with caches on is
 * the classic case: it works natively by luck.
 *
 * Simplified: "online" means a vCPU that has ever run with its caches on.
 *
 * @module
 */

/**
 * Collects the reasons a program is architecturally invalid, without repeats,
 * in the order first met.
 *
 * @example Usage
 * ```ts
 * import { ArchCheck } from "./arch_check.ts";
 * const check = new ArchCheck();
 * check.setWay(0x40008234, true, 1);
 * check.setWay(0x40008234, true, 1);
 * console.log(check.reasons()); // ["S/W with caches on at 0x40008234"]
 * ```
 */
export class ArchCheck {
  readonly #reasons = new Set<string>();

  /**
   * Records a set/way operation (a single instruction or a whole walk).
   * @param pc the guest PC of the operation
   * @param cachesOn whether the issuing vCPU has its caches on
   * @param cachedVcpus how many vCPUs have run with caches on so far
   */
  setWay(pc: number, cachesOn: boolean, cachedVcpus: number): void {
    if (cachesOn) this.#reasons.add(`S/W with caches on at 0x${pc.toString(16)}`);
    if (cachedVcpus > 1) this.#reasons.add("S/W with other CPUs online");
  }

  /**
   * The reasons found so far.
   * @returns the reasons, deduplicated, in the order first met
   */
  reasons(): string[] {
    return [...this.#reasons];
  }
}
