/**
 * The rest of the 2015 series ("arm/arm64: KVM: Random selection of cache
 * related fixes", merged for Linux 4.0) as switches on the KVM policies, so
 * that each patch can be turned on or off and its effect seen on its own:
 *
 * - `unmapInvalidate` ("arm/arm64: KVM: Invalidate data cache on unmap"):
 *   when the host unmaps a page from stage 2 (swap-out, ballooning,
 *   migration: the `host_unmap` step), `unmap_ptes` clears the entry, then
 *   cleans+invalidates the page to PoC by VA through the kernel mapping
 *   (`kvm_flush_dcache_pte`). Events: `flush_page` after `kvm_unmap_hva`.
 *   Data: dirty lines of the page reach DRAM and every cached copy is
 *   dropped. The patch protects the host's swap-out, which reads the page
 *   through coherent I/O and would otherwise pick up a stale clean line
 *   instead of what the guest wrote to DRAM with its caches off; the model
 *   does not model the swap I/O, but shows the stale copy itself: without
 *   the switch it survives the unmap (no `stage2_flush_vm` visits an
 *   unmapped page) and a read with caches on after the page is mapped again
 *   returns it.
 * - `faultCleanViaKernelMap` ("arm/arm64: KVM: Use kernel mapping to perform
 *   invalidation on page fault"): `coherent_cache_guest_page` cleans the
 *   faulted-in page through the kernel's mapping of the page instead of the
 *   VMM's user mapping (whose DC instructions could fault, under memory
 *   pressure, with `mmu_lock` held). Events: the `via` field of
 *   `coherent_cache_guest_page`. Data: none in the model (the caches are
 *   physically tagged and a faulted-in page is resident), which is the point:
 *   the patch fixed a deadlock, not the cache contents.
 *
 * The set/way patch itself is the difference between `kvm-3.18` and `kvm-4.0`.
 *
 * @module
 */

import { setWayShortcutsOf, withSetWayShortcuts } from "../set_way_shortcuts.ts";
import { checkOptionKeys } from "../../options.ts";
import { policyName } from "./policy_name.ts";
import { ScenarioError, showValue } from "../../errors.ts";
import type { Hyp, Policy } from "../policy.ts";
import { kvm40 } from "./kvm_4_0.ts";
import { kvm318, type Kvm318State } from "./kvm_3_18.ts";

/**
 * Which of the series' other patches are applied.
 *
 * @example Usage
 * ```ts
 * import type { Kvm2015Switches } from "@setway/setway/policies";
 * const setWayPatchOnly: Kvm2015Switches = { unmapInvalidate: false, faultCleanViaKernelMap: false };
 * ```
 */
export interface Kvm2015Switches {
  /** Clean+invalidate a page by VA when it is unmapped from stage 2. */
  readonly unmapInvalidate?: boolean;
  /** Clean a faulted-in page through the kernel mapping rather than the user one. */
  readonly faultCleanViaKernelMap?: boolean;
  /** The policy's name. Default: the base name with the changed switches (see each factory). */
  readonly name?: string;
}

function flag(switches: Kvm2015Switches, key: keyof Kvm2015Switches, call: string, dflt: boolean) {
  const v = switches[key];
  if (v === undefined) return dflt;
  if (typeof v !== "boolean") {
    throw new ScenarioError(
      "invalid_value",
      `${call}.${key}`,
      v,
      `${call}({ ${key}: ${showValue(v)} }): expected a boolean`,
    );
  }
  return v;
}

function checkSwitches(switches: unknown, call: string): Kvm2015Switches {
  checkOptionKeys(call, switches, ["unmapInvalidate", "faultCleanViaKernelMap", "name"]);
  const s = switches as Kvm2015Switches;
  if (s.name !== undefined) policyName(call, s.name);
  return s;
}

/**
 * KVM 4.0 with the series' other patches switched as given. Both default to
 * on, as merged; a policy with both off is `"kvm-4.0-sw-only"` (the set/way
 * patch alone), one off is `"kvm-4.0-no-unmap-inval"` or
 * `"kvm-4.0-hva-fault-clean"`, and with both on it is `kvm40` itself.
 *
 * @example Usage
 * ```ts
 * import { kvm40With } from "@setway/setway/policies";
 * const p = kvm40With({ unmapInvalidate: false });
 * console.log(p.name, p.onUnmap === undefined); // kvm-4.0-no-unmap-inval true
 * ```
 * @param switches the patches applied, and the name
 * @returns a frozen policy
 * @throws {ScenarioError} `invalid_value` or `unknown_name` for a bad switch
 */
export function kvm40With(switches: Kvm2015Switches = {}): Policy<undefined> {
  const s = checkSwitches(switches, "kvm40With");
  const unmap = flag(s, "unmapInvalidate", "kvm40With", true);
  const kmap = flag(s, "faultCleanViaKernelMap", "kvm40With", true);
  if (unmap && kmap && s.name === undefined) return kvm40;
  const suffix = !unmap && !kmap ? "-sw-only" : !unmap ? "-no-unmap-inval" : "-hva-fault-clean";
  const policy = Object.freeze<Policy<undefined>>({
    ...kvm40,
    name: s.name ?? `${kvm40.name}${suffix}`,
    description: `${kvm40.description} (unmap invalidate ${unmap ? "on" : "off"}, ` +
      `fault clean via ${kmap ? "kernel" : "user"} mapping)`,
    onUnmap: unmap ? kvm40.onUnmap : undefined,
    faultClean: Object.freeze({ when: "caches-off", via: kmap ? "kernel" : "hva" }),
  });
  // Only onUnmap and the fault clean differ from kvm-4.0's: its set/way shortcut still holds.
  return withSetWayShortcuts(policy, setWayShortcutsOf(kvm40));
}

/**
 * KVM 3.18 with the series' other patches switched as given. Both default to
 * off, as in 3.18; turned on, the name gains `"+unmap-inval"` and/or
 * `"+kmap-fault-clean"`, and with both off it is `kvm318` itself.
 *
 * @example Usage
 * ```ts
 * import { kvm318With } from "@setway/setway/policies";
 * const p = kvm318With({ unmapInvalidate: true });
 * console.log(p.name); // kvm-3.18+unmap-inval
 * ```
 * @param switches the patches applied, and the name
 * @returns a frozen policy
 * @throws {ScenarioError} `invalid_value` or `unknown_name` for a bad switch
 */
export function kvm318With(switches: Kvm2015Switches = {}): Policy<Kvm318State> {
  const s = checkSwitches(switches, "kvm318With");
  const unmap = flag(s, "unmapInvalidate", "kvm318With", false);
  const kmap = flag(s, "faultCleanViaKernelMap", "kvm318With", false);
  if (!unmap && !kmap && s.name === undefined) return kvm318;
  const suffix = `${unmap ? "+unmap-inval" : ""}${kmap ? "+kmap-fault-clean" : ""}`;
  const policy = Object.freeze<Policy<Kvm318State>>({
    ...kvm318,
    name: s.name ?? `${kvm318.name}${suffix}`,
    description: `${kvm318.description} (unmap invalidate ${unmap ? "on" : "off"}, ` +
      `fault clean via ${kmap ? "kernel" : "user"} mapping)`,
    onUnmap: unmap ? unmapInvalidate : undefined,
    faultClean: Object.freeze({ when: "caches-off", via: kmap ? "kernel" : "hva" }),
  });
  // Only onUnmap and the fault clean differ from kvm-3.18's: its set/way shortcut still holds.
  return withSetWayShortcuts(policy, setWayShortcutsOf(kvm318));
}

/** `unmap_ptes` -> `kvm_flush_dcache_pte`: clean+invalidate the unmapped page by VA. */
function unmapInvalidate(hyp: Hyp, ipa: number): void {
  hyp.flushPage(ipa, true);
}

/**
 * `"kvm-4.0-sw-only"`: the set/way patch of the series without the two
 * others (no invalidation on unmap, the fault-path clean through the user
 * mapping).
 *
 * @example Usage
 * ```ts
 * import { kvm40SwOnly } from "@setway/setway";
 * console.log(kvm40SwOnly.name); // kvm-4.0-sw-only
 * ```
 */
export const kvm40SwOnly: Policy<undefined> = kvm40With({
  unmapInvalidate: false,
  faultCleanViaKernelMap: false,
});
