/**
 * The well-behaved guest: it writes an image with caches on, cleans exactly
 * what it wrote to the Point of Coherency by address (`DC CVAC` per line,
 * which reaches every cache including a system cache), turns its caches off
 * and reads the image back. It is correct natively and under any
 * hypervisor, with or without set/way trapping: the answer to "a guest that
 * cleans by VA is safe".
 *
 * It follows the pattern of Linux arm64's `__flush_dcache_area` /
 * `dcache_clean_poc` (arch/arm64/mm/cache.S) used before turning the MMU off.
 *
 * Simplified: no PC steps; one `dc_va` step per written line (a real guest
 * would clean the whole range in one loop, with the same effect).
 *
 * @example Usage
 * ```ts
 * import { vaCorrect } from "@setway/setway/guest";
 * const steps = vaCorrect({ words: 8 });
 * console.log(steps.filter((s) => s.kind === "dc_va").length); // 8
 * ```
 *
 * @module
 */

import { imageLayout } from "./image.ts";
import type { Step } from "./ops.ts";
import { presetOptions, presetVcpu, type SimpleGuestOptions } from "./options.ts";

/**
 * Writes with caches on, cleans each written line by VA to PoC, caches off, reads back.
 *
 * @example Usage
 * ```ts
 * import { vaCorrect } from "@setway/setway/guest";
 * console.log(vaCorrect().at(-1)?.kind); // "read"
 * ```
 * @param options image placement and size, vCPU; every field has a default
 * @returns the program, in run order
 * @throws {ScenarioError} for bad image options
 */
export function vaCorrect(given: SimpleGuestOptions = {}): Step[] {
  const options = presetOptions("vaCorrect", given) as SimpleGuestOptions;
  const vcpu = presetVcpu("vaCorrect", options.vcpu);
  const image = imageLayout(options, "vaCorrect");
  const steps: Step[] = [{ kind: "sctlr", vcpu, bits: { m: true, c: true, i: true } }];
  for (const w of image.words) steps.push({ kind: "write", vcpu, addr: w.addr, value: w.value });
  const lines = new Set<number>();
  for (const w of image.words) lines.add(w.addr - (w.addr % 64));
  for (const line of [...lines].sort((a, b) => a - b)) {
    steps.push({ kind: "dc_va", vcpu, op: "cvac", addr: line, len: 64 });
  }
  steps.push({ kind: "sctlr", vcpu, bits: { c: false, i: false } });
  for (const w of image.words) steps.push({ kind: "read", vcpu, addr: w.addr });
  return steps;
}
