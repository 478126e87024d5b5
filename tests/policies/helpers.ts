/**
 * Shared set-up for the policy tests: the guests of the 2015 thread, the
 * zImage guest, the policies under test, and the text a golden pins for a
 * run (its flush events, its verdict and its cost).
 *
 * @module
 */

import { type RunResult, vm, type VmBuilder } from "../../mod.ts";
import { formatVerdict } from "../../lib/api/report.ts";
import { formatCost } from "../../lib/report/cost.ts";

/** Where the zImage-like thread scenarios put their image. */
export const IMAGE = 0x4000_8000;

/** The policies this suite adds, each golden-tested on every guest below. */
export const NEW_POLICIES = [
  "kvm-modern",
  "xen",
  "xen-iommu",
  "trap-nothing",
  "kvm-4.0-sw-only",
] as const;

/** The 2015 decompressor on four vCPUs of an X-Gene 1 with its L3 (as scenarios/zimage.ts). */
export const zimage: VmBuilder = vm().machine("xgene1").cpus(4).systemCache()
  .guest((g) => g.zImage32());

/** The guests of the thread's review questions (as tests/scenarios/thread_test.ts builds them). */
export const THREAD: Readonly<Record<string, VmBuilder>> = {
  // The card: S/W with caches off from reset, then caches off.
  card_from_reset: vm().cpus(4).systemCache().guest((g) => g.sw_clean().mmuOff()),
  // Caches on, write, S/W walk, caches off, read back non-cacheably.
  on_walk_off: vm().machine("xgene1").systemCache().guest((g) =>
    g.mmuOn().write(IMAGE, 0x1234_5678).write(IMAGE + 0x1000, 0x9abc_def0)
      .sw_clean().mmuOff().read(IMAGE).read(IMAGE + 0x1000)
  ),
  // A guest that cleans by VA before turning its caches off.
  va_correct: vm().machine("xgene1").guest((g) => g.vaCorrect()),
  // A guest that never cleans.
  no_maintenance: vm().machine("xgene1").guest((g) => g.noMaintenance()),
};

/** The golden file `name` of this suite. */
export function golden(name: string): URL {
  return new URL(`./golden/${name}.golden`, import.meta.url);
}

/** What a golden pins for a run: its flush events, its verdict and its cost. */
export function report(run: RunResult): string {
  return `${run.trace({ filter: "flush" })}\n${formatVerdict(run.verdict)}${formatCost(run.cost)}`;
}

/** The events named `name`, collapsed ones counted. */
export function countOf(run: RunResult, name: string): number {
  let n = 0;
  for (const e of run.events) if (e.name === name) n += e.count;
  return n;
}
