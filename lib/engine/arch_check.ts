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
 * A set/way operand naming a slot outside the caches the CPU reports (a
 * level beyond the LoC or without a data cache, a set or way beyond the
 * level's CCSIDR) is CONSTRAINED UNPREDICTABLE (Arm ARM, the descriptions
 * of DC CSW, DC CISW and DC ISW) and flagged too; the geometry is the one the vCPU reads from CLIDR/CCSIDR, the
 * physical CPU's or the hypervisor's virtual view.
 *
 * A vCPU put in AArch32 on a machine whose cores run AArch32 at EL0 only
 * (`MachineFeatures.aarch32El1` false: Neoverse N1 and V1) is flagged too:
 * KVM refuses to create it, so nothing the run shows could happen.
 *
 * Simplified: "online" means a vCPU that has ever run with its caches on.
 *
 * @module
 */

import type { GuestCacheView } from "../hyp/policy.ts";

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
   * Records a vCPU put in AArch32 on a machine whose cores run AArch32 at
   * EL0 only: real KVM would not have created that vCPU.
   *
   * @example Usage
   * ```ts
   * import { ArchCheck } from "./arch_check.ts";
   * const check = new ArchCheck();
   * check.aarch32El1("neoverse-v1");
   * console.log(check.reasons()[0].startsWith("AArch32 at EL1 on neoverse-v1")); // true
   * ```
   * @param machine the machine's name
   */
  aarch32El1(machine: string): void {
    this.#reasons.add(
      `AArch32 at EL1 on ${machine}, whose cores run AArch32 at EL0 only ` +
        "(KVM refuses a vCPU with KVM_ARM_VCPU_EL1_32BIT)",
    );
  }

  /**
   * Records the operand of one set/way instruction; flags a slot outside the
   * geometry the vCPU reads.
   *
   * @example Usage
   * ```ts
   * import { ArchCheck } from "./arch_check.ts";
   * const check = new ArchCheck();
   * const view = { clidr: 0x0a200003, levels: [{ sets: 256, ways: 2, lineSize: 64 }] };
   * check.setWayOperand(0x40008000, { level: 1, set: 256, way: 0 }, view);
   * console.log(check.reasons()[0]);
   * // "S/W operand level 1 set 256 way 0 at 0x40008000 outside the cache geometry (level 1: 256 sets, 2 ways)"
   * ```
   * @param pc the guest PC of the instruction
   * @param operand its level (1-based), set and way
   * @param view the cache geometry the vCPU reads
   */
  setWayOperand(
    pc: number,
    operand: { readonly level: number; readonly set: number; readonly way: number },
    view: GuestCacheView,
  ): void {
    const { level, set, way } = operand;
    const g = level <= view.levels.length ? view.levels[level - 1] : undefined;
    if (g != null && set < g.sets && way < g.ways) return;
    const why = g === undefined
      ? `beyond the LoC (${view.levels.length})`
      : g === null
      ? `at a level with no data cache`
      : `outside the cache geometry (level ${level}: ${g.sets} sets, ${g.ways} ways)`;
    this.#reasons.add(
      `S/W operand level ${level} set ${set} way ${way} at 0x${pc.toString(16)} ${why}`,
    );
  }

  /**
   * The reasons found so far.
   * @returns the reasons, deduplicated, in the order first met
   */
  reasons(): string[] {
    return [...this.#reasons];
  }
}
