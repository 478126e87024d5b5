/**
 * Golden traces for `deno test`: {@linkcode assertGolden} compares a run's
 * flush-event trace (or any text) with a plain-text golden file and writes
 * it under `--update` / `-u`, printing what it did to each golden.
 *
 * @example Usage
 * ```ts ignore
 * import { vm } from "@setway/setway";
 * import { assertGolden } from "@setway/setway/golden";
 * Deno.test("zImage under KVM 4.0", async () => {
 *   const run = await vm().machine("xgene1").policy("kvm-4.0").guest((g) => g.zImage32()).run();
 *   await assertGolden(run, new URL("./golden/zimage_kvm40.golden", import.meta.url));
 * });
 * ```
 *
 * @module
 */

export {
  assertGolden,
  GoldenError,
  type GoldenErrorCode,
  type GoldenOptions,
  type Traceable,
  UPDATE_COMMAND,
} from "../golden/golden.ts";
