/**
 * The incident catalogue: every incident file of this folder, oldest
 * first. Not an incident itself.
 *
 * @module
 */

import type { Incident } from "./incident.ts";
import { incident as zimageXgene1 } from "./zimage_xgene1.ts";
import { incident as tfaSavedSp } from "./tfa_saved_sp.ts";
import { incident as fwbModernKvm } from "./fwb_modern_kvm.ts";
import { incident as zimageBareMetal } from "./zimage_bare_metal.ts";
import { incident as xenIommuZephyr } from "./xen_iommu_zephyr.ts";
import { incident as edk2Armlib } from "./edk2_armlib.ts";

/**
 * Every incident, oldest first.
 *
 * @example Usage
 * ```ts
 * import { INCIDENTS } from "./catalogue.ts";
 * console.log(INCIDENTS.map((i) => i.id));
 * ```
 */
export const INCIDENTS: readonly Incident[] = Object.freeze([
  zimageXgene1,
  tfaSavedSp,
  fwbModernKvm,
  zimageBareMetal,
  xenIommuZephyr,
  edk2Armlib,
]);
