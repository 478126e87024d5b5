/**
 * KVM/arm64 as it is today: the 2015 set/way logic, switched off by stage-2
 * forced write-back (FEAT_S2FWB, ARMv8.4) where the hardware has it, and a
 * normalized, virtual CLIDR/CCSIDR that makes a guest's set/way walk one
 * instruction long, behind HCR.TID2, so that the walk's reads of those
 * registers trap.
 *
 * @module
 */

import { withSetWayShortcuts } from "../set_way_shortcuts.ts";
import { checkOptionKeys } from "../../options.ts";
import { policyName } from "./policy_name.ts";
import { ScenarioError, showValue } from "../../errors.ts";
import type { CostOverrides } from "../costs.ts";
import { type CtrBits, normalizedCacheView } from "../normalized_cache.ts";
import type { Policy } from "../policy.ts";
import { kvm40 } from "./kvm_4_0.ts";

/**
 * The trap round trip of a VHE host (ARMv8.1: the host kernel runs at EL2,
 * so a trap needs no switch to a separate host context). Estimate: the
 * ISCA 2016 measurement (6,500 cycles for KVM ARM) predates VHE, and later
 * work by the same authors reports the round trip falling by several times
 * once the host runs in EL2; 1,000 cycles stands for that.
 *
 * @example Usage
 * ```ts
 * import { KVM_VHE_COSTS } from "@setway/setway/policies";
 * console.log(KVM_VHE_COSTS.trap); // 1000
 * ```
 */
export const KVM_VHE_COSTS: CostOverrides = Object.freeze({ trap: 1_000 });

/**
 * Options of {@linkcode kvmModernWith}.
 *
 * @example Usage
 * ```ts
 * import type { KvmModernOptions } from "@setway/setway/policies";
 * const options: KvmModernOptions = { ctr: { idc: true, dic: false } };
 * ```
 */
export interface KvmModernOptions {
  /**
   * The host's CTR_EL0.IDC and DIC, from which `reset_clidr` builds the
   * guest's CLIDR (LoC 1 or 2). Default: the machine's sanitised CTR_EL0
   * (normalized_cache.ts `sanitisedCtr`): IDC where every CPU sets it or needs no
   * clean to the PoU (Neoverse N1 and V1) or the machine has FWB, DIC where
   * every CPU sets it (Neoverse V1).
   */
  readonly ctr?: CtrBits;
  /** The policy's name. Default `"kvm-modern"`, or `"kvm-modern-idc<0|1>-dic<0|1>"` with `ctr`. */
  readonly name?: string;
}

/**
 * A `"kvm-modern"` policy with the given options.
 *
 * It models arch/arm64/kvm/sys_regs.c `access_dcsw` (calls
 * `kvm_set_way_flush` only without FWB), arch/arm64/kvm/mmu.c
 * `kvm_set_way_flush` and `kvm_toggle_cache` (unchanged since 2015),
 * arch/arm64/include/asm/kvm_emulate.h `vcpu_reset_hcr` (HCR.FWB with FWB,
 * else HCR.TVM), sys_regs.c `reset_clidr` / `get_ccsidr` (Linux 6.3: the
 * normalized cache ID registers, see normalized_cache.ts), mmu.c
 * `user_mem_abort` with `clean_dcache_guest_page` (every new mapping is
 * cleaned+invalidated to PoC without FWB, whatever the guest's caches), and
 * the stage-2 unmap walker's clean+invalidate of cacheable pages without FWB.
 *
 * - reset: HCR.TSW, SWIO and TID2 set; TVM set only without FWB;
 * - trapped S/W op: with FWB, nothing (the guest cannot make non-cacheable
 *   accesses to RAM: stage 2 forces Normal write-back); without, the 4.0
 *   logic (`kvm_set_way_flush`);
 * - trapped VM-register write: `kvm_toggle_cache`, as in 4.0;
 * - stage-2 fault: `clean_dcache_guest_page` on every new mapping (not with FWB);
 * - unmap: clean+invalidate the page by VA (not with FWB);
 * - the guest's set/way walk reads the normalized CLIDR/CCSIDR, each read
 *   (and each CSSELR write) a trap that KVM emulates (TID2).
 *
 * Simplified: a loop by address's read of CTR_EL0, which TID2 traps too
 * (the TID4 of a FEAT_EVT host does not), is not modelled; the trap round
 * trip is a VHE host's (an estimate, {@linkcode KVM_VHE_COSTS}).
 *
 * @example Usage
 * ```ts
 * import { kvmModernWith } from "@setway/setway/policies";
 * const p = kvmModernWith({ ctr: { idc: true, dic: false } });
 * console.log(p.name); // kvm-modern-idc1-dic0
 * ```
 * @param options the host's CTR_EL0 bits and the name
 * @returns a frozen policy
 * @throws {ScenarioError} `invalid_value` for a malformed option, `unknown_name` for an unknown one
 */
export function kvmModernWith(options: KvmModernOptions = {}): Policy<undefined> {
  checkOptionKeys("kvmModernWith", options, ["ctr", "name"]);
  const ctr = options.ctr;
  if (
    ctr !== undefined &&
    (ctr === null || typeof ctr !== "object" || typeof ctr.idc !== "boolean" ||
      typeof ctr.dic !== "boolean")
  ) {
    throw new ScenarioError(
      "invalid_value",
      "kvmModernWith.ctr",
      ctr,
      `kvmModernWith({ ctr: ${showValue(ctr)} }): expected { idc: boolean, dic: boolean }`,
    );
  }
  const name = policyName(
    "kvmModernWith",
    options.name ?? (ctr === undefined ? "kvm-modern" : `kvm-modern-idc${+ctr.idc}-dic${+ctr.dic}`),
  );
  const policy = Object.freeze<Policy<undefined>>({
    name,
    description:
      "arm64 KVM today: S/W ops ignored under stage-2 FWB, else the 4.0 logic; normalized CLIDR/CCSIDR",
    source:
      "arch/arm64/kvm/sys_regs.c: access_dcsw, reset_clidr, get_ccsidr; arch/arm64/kvm/mmu.c: " +
      "kvm_set_way_flush, kvm_toggle_cache, user_mem_abort; " +
      "arch/arm64/include/asm/kvm_emulate.h: vcpu_reset_hcr",
    usesFwb: true,
    faultClean: Object.freeze({ when: "always", via: "kernel", event: "clean_dcache_guest_page" }),
    costs: KVM_VHE_COSTS,
    state: () => undefined,
    onReset(hyp) {
      const hcr = hyp.vcpu.hcr;
      hcr.tsw = true;
      hcr.swio = true;
      // HCR_GUEST_FLAGS has TID2 since Linux 6.3 ("KVM: arm64: Always set HCR_TID2"), so that
      // the guest reads the normalized CLIDR/CCSIDR; later kernels set TID4 instead on a host
      // with FEAT_EVT, which traps the same registers but CTR_EL0.
      hcr.tid2 = true;
      if (!hyp.fwb) hcr.tvm = true;
    },
    // access_dcsw: kvm_set_way_flush only without FWB; the rest is the 4.0 logic unchanged.
    onSetWay(hyp, op, state) {
      if (!hyp.fwb) kvm40.onSetWay!(hyp, op, state);
    },
    onVmRegWrite: kvm40.onVmRegWrite,
    onUnmap(hyp, ipa, state) {
      if (!hyp.fwb) kvm40.onUnmap!(hyp, ipa, state);
    },
    guestCacheView(hyp, physical) {
      const bits = ctr ?? hyp.ctr;
      const first = physical.levels.find((l) => l !== null);
      return normalizedCacheView(bits, first?.lineSize ?? 64);
    },
  });
  return withSetWayShortcuts(policy, {
    // FWB or TVM set: access_dcsw only exits (kvm_set_way_flush is not called).
    setWayIdle: (hyp) => hyp.fwb || hyp.vcpu.hcr.tvm,
  });
}

/**
 * `"kvm-modern"`: {@linkcode kvmModernWith} with its defaults.
 *
 * @example Usage
 * ```ts
 * import { kvmModern } from "@setway/setway";
 * console.log(kvmModern.name, kvmModern.usesFwb); // kvm-modern true
 * ```
 */
export const kvmModern: Policy<undefined> = kvmModernWith();
