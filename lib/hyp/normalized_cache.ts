/**
 * The cache ID registers modern KVM/arm64 presents to a guest instead of the
 * host's: a normalized, virtual CLIDR_EL1 and CCSIDR_EL1, so that a vCPU
 * sees the same caches whichever physical CPU it runs on (Linux 6.3, "KVM:
 * arm64: Normalize cache configuration"; arch/arm64/kvm/sys_regs.c
 * `reset_clidr` and `get_ccsidr`).
 *
 * `reset_clidr` builds CLIDR from the host's CTR_EL0:
 *
 * - IDC set (no clean to PoU needed): no LoUU/LoUIS, one unified cache at
 *   the LoC, which is level 1 with DIC set and level 2 without (so that an
 *   instruction cache can sit at level 1);
 * - IDC clear: LoC 1 with a data cache at level 1, LoUU = LoUIS = 1;
 * - DIC clear: an instruction cache at level 1 as well (separate I+D when
 *   level 1 already has the data cache).
 *
 * `get_ccsidr` fabricates every CCSIDR with the line size of CTR_EL0's
 * minimum line and 0 in the associativity and set fields: 1 set, 1 way. A
 * set/way walk (`v7_flush_dcache_all`, `__flush_dcache_all`) skips the
 * levels without a data or unified cache, so a whole guest walk is one
 * instruction, over a LoC of 1 or 2 levels, instead of thousands.
 *
 * The host's CTR_EL0 bits come from the machine ({@linkcode sanitisedCtr}).
 *
 * Simplified: no MTE tag-cache type (`Ttype`), no userspace override of the
 * registers, and the line size is that of the vCPU's current physical CPU.
 *
 * @example Usage
 * ```ts
 * import { normalizedCacheView } from "@setway/setway/policies";
 * const v = normalizedCacheView({ idc: true, dic: false }, 64);
 * console.log(v.levels); // [null, { sets: 1, ways: 1, lineSize: 64 }]
 * ```
 *
 * @module
 */

import {
  CTYPE_DATA,
  CTYPE_INSTRUCTION,
  CTYPE_NONE,
  CTYPE_SEPARATE,
  CTYPE_UNIFIED,
  decodeClidr,
  encodeClidr,
} from "../hw/clidr.ts";
import type { Machine } from "../hw/machine.ts";
import type { CtrBits, GuestCacheLevel, GuestCacheView } from "./policy.ts";

export type { CtrBits } from "./policy.ts";

/**
 * Whether a CPU with this CLIDR counts as CTR_EL0.IDC set although it may
 * read IDC clear: no level needs cleaning to the PoU (LoC 0, or LoUIS and
 * LoUU both 0). arch/arm64/include/asm/cache.h
 * `read_cpuid_effective_cachetype` (Linux 5.0 on).
 */
function effectiveIdc(clidr: number): boolean {
  const f = decodeClidr(clidr);
  return f.loc === 0 || (f.louis === 0 && f.louu === 0);
}

/** Each host's bits, worked out once: guestCacheView asks at every set/way instruction. */
const sanitised = new WeakMap<object, CtrBits>();

/**
 * IDC and DIC of the host's sanitised CTR_EL0, the value `reset_clidr`
 * reads (`read_sanitised_ftr_reg(SYS_CTR_EL0)`): every CPU's effective
 * CTR_EL0 (arch/arm64/kernel/cpuinfo.c `__cpuinfo_store_cpu` keeps
 * `read_cpuid_effective_cachetype`: the core's IDC, or set when its CLIDR
 * needs no clean to the PoU), then the lowest over every CPU (both bits are
 * `FTR_LOWER_SAFE` in arch/arm64/kernel/cpufeature.c `ftr_ctr`). A machine
 * with stage-2 FWB counts as IDC set: FEAT_S2FWB requires LoUIS = LoUU = 0
 * (`cpu_has_fwb` warns otherwise), so a machine described with FWB and
 * LoU 1 is read as the architecture says it must be.
 *
 * @example Usage
 * ```ts
 * import { sanitisedCtr } from "@setway/setway/policies";
 * import { Hardware, machines } from "@setway/setway/hw";
 * console.log(sanitisedCtr(new Hardware(machines["neoverse-n1"]))); // { idc: true, dic: false }
 * ```
 * @param hardware the host
 * @returns the bits, the same for every CPU
 */
export function sanitisedCtr(
  hardware: {
    readonly machine: Machine;
    readonly cpuCount: number;
    clusterOf(cpu: number): number;
    clidr(cpu: number): number;
  },
): CtrBits {
  const known = sanitised.get(hardware);
  if (known !== undefined) return known;
  const fwb = hardware.machine.features?.fwb === true;
  let idc = true, dic = true;
  for (let cpu = 0; cpu < hardware.cpuCount; cpu++) {
    const core = hardware.machine.clusters[hardware.clusterOf(cpu)].ctr;
    idc &&= core?.idc === true || fwb || effectiveIdc(hardware.clidr(cpu));
    dic &&= core?.dic === true;
  }
  const bits: CtrBits = Object.freeze({ idc, dic });
  sanitised.set(hardware, bits);
  return bits;
}

/**
 * The normalized view: CLIDR from CTR_EL0 as `reset_clidr` builds it, and a
 * fabricated 1-set, 1-way CCSIDR for every level holding a data cache.
 *
 * @example Usage
 * ```ts
 * import { normalizedCacheView } from "@setway/setway/policies";
 * import { decodeClidr } from "@setway/setway/hw";
 * const v = normalizedCacheView({ idc: false, dic: false }, 64);
 * console.log(decodeClidr(v.clidr).loc, v.levels.length); // 1 1
 * ```
 * @param ctr the host's CTR_EL0.IDC and DIC
 * @param lineSize the minimum data cache line size, in bytes
 * @returns CLIDR and the data-cache geometry of levels 1 to LoC
 */
export function normalizedCacheView(ctr: CtrBits, lineSize: number): GuestCacheView {
  const ctypes = [CTYPE_NONE, CTYPE_NONE];
  let loc: number;
  let lou: number;
  if (ctr.idc) {
    loc = ctr.dic ? 1 : 2;
    lou = 0;
    ctypes[loc - 1] = CTYPE_UNIFIED;
  } else {
    loc = 1;
    lou = 1;
    ctypes[0] = CTYPE_DATA;
  }
  if (!ctr.dic) ctypes[0] = ctypes[0] === CTYPE_DATA ? CTYPE_SEPARATE : CTYPE_INSTRUCTION;
  const fabricated: GuestCacheLevel = Object.freeze({ sets: 1, ways: 1, lineSize });
  const levels: (GuestCacheLevel | null)[] = [];
  for (let level = 1; level <= loc; level++) {
    const t = ctypes[level - 1];
    const hasData = t === CTYPE_DATA || t === CTYPE_SEPARATE || t === CTYPE_UNIFIED;
    levels.push(hasData ? fabricated : null);
  }
  const clidr = encodeClidr({ ctypes: ctypes.slice(0, loc), louis: lou, loc, louu: lou });
  return Object.freeze({ clidr, levels: Object.freeze(levels) });
}
