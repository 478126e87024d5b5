/**
 * Shared scenarios for the engine tests, written as plain Scenario data.
 *
 * @module
 */

import type { Machine } from "../../lib/hw/machine.ts";
import type { Step } from "../../lib/guest/ops.ts";
import type { Scenario } from "../../lib/engine/scenario.ts";

/** Guest RAM base. */
export const BASE = 0x4000_0000;

/** Two clusters of two CPUs with small caches and a system cache before the PoC. */
export const TWO_CLUSTERS_L3: Machine = {
  name: "two-clusters-l3",
  description: "2 clusters x 2 CPUs, 4 KiB L1D, 16 KiB L2 per cluster, 64 KiB system cache",
  clusters: [
    { cpus: 2, l1d: { size: 4096, ways: 2 }, l2: { size: 16384, ways: 4 } },
    { cpus: 2, l1d: { size: 4096, ways: 2 }, l2: { size: 16384, ways: 4 } },
  ],
  systemCache: { size: 65536, ways: 8 },
};

/** A plain scenario with defaults for everything but the steps. */
export function scenario(steps: Step[], over: Partial<Scenario> = {}): Scenario {
  return {
    version: 1,
    machine: TWO_CLUSTERS_L3,
    cpus: 1,
    systemCache: "machine",
    policy: "kvm-4.0",
    ram: 1 << 24,
    ramBase: BASE,
    prefault: false,
    seed: 1,
    speculation: "quiet",
    steps,
    ...over,
  };
}

/** Where the decompressed kernel goes, and its words. */
export const KERNEL = BASE + 0x10_0000;
/** The compressed image the VMM loads. */
export const IMAGE = BASE + 0x80_0000;

/**
 * The 32-bit zImage boot of 2015: the VMM loads the image; the decompressor
 * turns MMU and caches on, reads the image, writes the kernel, cleans with a
 * S/W walk (caches on), turns MMU and caches off, and the kernel reads its
 * image non-cacheably.
 */
export function zimageSteps(words = 4): Step[] {
  const steps: Step[] = [
    { kind: "host_write", addr: IMAGE, value: 0x1111 },
    { kind: "pc", vcpu: 0, addr: BASE + 0x8000 },
    { kind: "sctlr", vcpu: 0, bits: { m: true, c: true } },
    { kind: "read", vcpu: 0, addr: IMAGE },
  ];
  for (let i = 0; i < words; i++) {
    steps.push({ kind: "write", vcpu: 0, addr: KERNEL + i * 64, value: 0xa000 + i });
  }
  steps.push(
    { kind: "sw_walk", vcpu: 0, op: "cisw" },
    { kind: "sctlr", vcpu: 0, bits: { m: false, c: false } },
    { kind: "pc", vcpu: 0, addr: KERNEL },
  );
  for (let i = 0; i < words; i++) steps.push({ kind: "read", vcpu: 0, addr: KERNEL + i * 64 });
  return steps;
}
