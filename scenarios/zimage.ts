/**
 * Why a 32-bit zImage could not boot under KVM on APM X-Gene 1, and why the
 * 2015 change "Use set/way op trapping to track the state of the caches"
 * (Linux 4.0) fixes it.
 *
 * Run it: `deno run scenarios/zimage.ts`. The output is the same, byte for
 * byte, on every run.
 *
 * @module
 */

import { compare, vm, type VmBuilder } from "../mod.ts";
// The two formatters from their own modules: lib/api/report.ts would also load the
// HTML, JSON and Chrome-trace writers, which the story never uses.
import { formatVerdict } from "../lib/report/verdict.ts";
import { formatComparison } from "../lib/report/compare.ts";

/** The guest: the 2015 decompressor, on four vCPUs of an X-Gene 1 with its L3 system cache. */
export const zimage: VmBuilder = vm().machine("xgene1").cpus(4).systemCache().guest((g) =>
  g.zImage32()
);

/** The two policies of the story: the one the change replaced, and the change. */
export const POLICIES = ["kvm-3.18", "kvm-4.0"] as const;

/** The closing table: the story's two policies against what came later, and bare metal. */
export const COMPARED = [
  "kvm-3.18",
  "kvm-4.0",
  "kvm-modern",
  "xen",
  "xen-iommu",
  "trap-nothing",
  "native",
] as const;

function section(title: string): string {
  return `\n${title}\n${"=".repeat(title.length)}\n`;
}

/**
 * Runs the story and returns it as text.
 *
 * @returns the full report: the setting, each policy's flush trace and verdict, and the cost
 */
export function story(): string {
  const out: string[] = [];
  out.push(
    "The 32-bit ARM zImage decompressor turns its MMU and caches on, inflates the",
    "kernel, cleans the data cache by set/way (with caches still on), turns the MMU",
    "and caches off and jumps to the kernel, which reads its own image with the MMU",
    "off: straight from DRAM. On APM X-Gene 1 the 8 MiB L3 is a system cache that",
    "set/way operations never reach, so whatever a set/way clean pushes out of L2",
    "stays dirty in L3.",
  );
  // One comparison runs every policy once; the story reads its first two runs.
  const comparison = compare(zimage, [...COMPARED]);
  for (const policy of POLICIES) {
    const run = comparison.runs[COMPARED.indexOf(policy)];
    out.push(section(`${policy}: flush events`));
    out.push(run.trace({ filter: "flush" }).trimEnd());
    out.push(section(`${policy}: verdict`));
    out.push(formatVerdict(run.verdict).trimEnd());
  }
  out.push(section("Every policy on the same guest"));
  out.push(formatComparison(comparison).trimEnd());
  out.push(
    "",
    "kvm-3.18 executes each trapped set/way op on the local CPU: L1 and L2 are",
    "cleaned into the L3, never to DRAM, and the kernel reads stale memory with its",
    "MMU off. The ideal machine (no system cache) passes, so the blame is the",
    "hypervisor's. kvm-4.0 turns the first trapped set/way op into a clean by VA of",
    "every mapped page (stage2_flush_vm), which does reach the L3, and flushes again",
    "when the guest turns its caches off. The guest is still architecturally",
    "invalid (set/way with caches on) and fails natively on this machine.",
  );
  return out.join("\n") + "\n";
}

export default zimage;

if (import.meta.main) {
  console.log(story());
}
