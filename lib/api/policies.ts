/**
 * Hypervisor policies: the contract a policy implements ({@linkcode Policy},
 * its hooks and the vCPU state they see), the built-in policies with their
 * configurable variants, `resolvePolicy` by name, and the cost model that
 * turns events into modelled cycles.
 *
 * @example Usage
 * ```ts
 * import { kvm40With, resolvePolicy } from "@setway/setway/policies";
 * console.log(resolvePolicy("kvm-4.0").name); // "kvm-4.0"
 * console.log(kvm40With({ unmapInvalidate: false }).source.length > 0); // true
 * ```
 *
 * @module
 */

export {
  definePolicy,
  type Kvm2015Switches,
  kvm318,
  type Kvm318State,
  kvm318With,
  kvm40,
  kvm40SwOnly,
  kvm40With,
  KVM_VHE_COSTS,
  kvmModern,
  type KvmModernOptions,
  kvmModernWith,
  native,
  policies,
  type PolicyDefinition,
  resolvePolicy,
  trapNothing,
  xen,
  xenIommu,
  type XenOptions,
  type XenState,
  xenWith,
} from "../hyp/policies/mod.ts";
export type {
  FaultClean,
  FlushResult,
  GuestCacheLevel,
  GuestCacheView,
  Hcr,
  Hyp,
  Policy,
  PolicyHooks,
  Sctlr,
  SetWayOp,
  VcpuState,
  VmRegWrite,
} from "../hyp/policy.ts";
export { type CtrBits, normalizedCacheView, sanitisedCtr } from "../hyp/normalized_cache.ts";
export {
  checkCosts,
  COST_CATEGORIES,
  type CostCategory,
  costCategory,
  type CostOverrides,
  type CostTable,
  DEFAULT_COSTS,
  eventCycles,
  resolveCosts,
  XEN_COSTS,
} from "../hyp/costs.ts";
