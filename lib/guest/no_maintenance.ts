/**
 * The buggy guest: it writes an image with caches on, turns its caches off
 * and reads the image back, with no cache maintenance at all. The reads go
 * to memory while the data is still dirty in the caches, so they return
 * stale values on any machine, virtual or not: the bug is the guest's.
 *
 * It answers a review question of the 2015 thread: a guest can turn its
 * caches off without any set/way operation and so never alert the
 * hypervisor; that guest is broken on bare metal too, so nothing is owed to
 * it.
 *
 * Simplified: no PC steps (events show the vCPU's initial PC); the caches
 * are turned off by clearing SCTLR.C and SCTLR.I with the MMU left on, which
 * makes data accesses non-cacheable just as turning the MMU off would.
 *
 * @example Usage
 * ```ts
 * import { noMaintenance } from "@setway/setway/guest";
 * const steps = noMaintenance({ words: 8 });
 * console.log(steps.some((s) => s.kind === "dc_va" || s.kind === "sw_walk")); // false
 * ```
 *
 * @module
 */

import { imageLayout } from "./image.ts";
import type { Step } from "./ops.ts";
import { presetOptions, presetVcpu, type SimpleGuestOptions } from "./options.ts";

/**
 * Writes with caches on, caches off, reads every word back: no maintenance.
 *
 * @example Usage
 * ```ts
 * import { noMaintenance } from "@setway/setway/guest";
 * console.log(noMaintenance({ words: 4 }).filter((s) => s.kind === "read").length); // 4
 * ```
 * @param options image placement and size, vCPU; every field has a default
 * @returns the program, in run order
 * @throws {ScenarioError} for bad image options
 */
export function noMaintenance(given: SimpleGuestOptions = {}): Step[] {
  const options = presetOptions("noMaintenance", given) as SimpleGuestOptions;
  const vcpu = presetVcpu("noMaintenance", options.vcpu);
  const image = imageLayout(options, "noMaintenance");
  const steps: Step[] = [{ kind: "sctlr", vcpu, bits: { m: true, c: true, i: true } }];
  for (const w of image.words) steps.push({ kind: "write", vcpu, addr: w.addr, value: w.value });
  steps.push({ kind: "sctlr", vcpu, bits: { c: false, i: false } });
  for (const w of image.words) steps.push({ kind: "read", vcpu, addr: w.addr });
  return steps;
}
