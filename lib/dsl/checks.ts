/**
 * The value checks of builder calls: re-exported from the engine's
 * {@link ../engine/checks.ts}, so a builder call, `toJSON()`,
 * `scenarioFrom()` and `run()` apply the same rule to the same value.
 *
 * @example Usage
 * ```ts
 * import { addressProblem } from "./checks.ts";
 * console.log(addressProblem(0x4000_0000)); // null
 * console.log(addressProblem(0x4000_0002)?.code); // "bad_address"
 * ```
 *
 * @module
 */

export {
  addressProblem,
  indexProblem,
  integerProblem,
  MAX_PHYS,
  MAX_RAM,
  MAX_SW_INDEX,
  MAX_SW_LEVEL,
  nameProblem,
  PAGE_SIZE,
  pcProblem,
  type Problem,
  ramProblem,
  type RamRange,
  toU32,
  u32Problem,
} from "../engine/checks.ts";
