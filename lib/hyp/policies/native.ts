/**
 * No hypervisor: the guest runs on bare metal.
 *
 * @module
 */

import type { Policy } from "../policy.ts";

/**
 * `"native"`: no stage 2 and no traps. The engine runs every guest operation
 * directly on the hardware (set/way operations on the executing CPU, DC IVAC
 * as an invalidate), RAM reads as zero, and a host write is a loader honouring
 * the boot protocol: a cacheable write, cleaned to PoC by VA.
 *
 * @example Usage
 * ```ts
 * import { native } from "@setway/setway";
 * console.log(native.native); // true
 * ```
 */
export const native: Policy<undefined> = Object.freeze<Policy<undefined>>({
  name: "native",
  description: "bare metal: no stage 2, no traps; S/W ops act on the executing CPU only",
  source: "none (no hypervisor)",
  native: true,
  state: () => undefined,
});
