/**
 * Shared fixtures of the expectation tests: a tiny machine (walks of 80
 * slots, so checks run in milliseconds) and small programs whose answers
 * are known from the architecture, not from running them.
 *
 * @module
 */

import type { Machine, Scenario, Step } from "../../mod.ts";

/** Two clusters of two CPUs, 1 KiB 2-way L1D, 4 KiB 4-way L2 per cluster, no system cache. */
export const tiny: Machine = {
  name: "tiny",
  description: "two clusters of two CPUs, 1 KiB L1D, 4 KiB L2 per cluster",
  clusters: [
    { cpus: 2, l1d: { size: 1024, ways: 2 }, l2: { size: 4096, ways: 4 } },
    { cpus: 2, l1d: { size: 1024, ways: 2 }, l2: { size: 4096, ways: 4 } },
  ],
};

/** The tiny machine with a 16 KiB system cache deaf to set/way. */
export const tinyWithL3: Machine = {
  ...tiny,
  name: "tiny-l3",
  description: "tiny, with a 16 KiB system cache",
  systemCache: { size: 16384, ways: 4 },
};

/** A word of guest RAM. */
export const A = 0x4000_0040;
/** Another word, in another page. */
export const B = 0x4000_1080;

/**
 * A scenario with the defaults the tests use (1 MiB of RAM, one vCPU).
 *
 * @param steps the program
 * @param more fields to override
 * @returns the scenario
 */
export function scenario(steps: Step[], more: Partial<Scenario> = {}): Scenario {
  return {
    version: 1,
    machine: tiny,
    cpus: 1,
    systemCache: "machine",
    policy: "native",
    ram: 1 << 20,
    ramBase: 0x4000_0000,
    prefault: true,
    seed: 1,
    speculation: "quiet",
    steps,
    ...more,
  };
}

/** Caches on, a write, caches off, a read: no maintenance at all (a buggy guest). */
export const NO_CLEAN: Step[] = [
  { kind: "sctlr", vcpu: 0, bits: { m: true, c: true } },
  { kind: "write", vcpu: 0, addr: A, value: 7 },
  { kind: "sctlr", vcpu: 0, bits: { m: false, c: false } },
  { kind: "read", vcpu: 0, addr: A },
];

/** Caches on, a write, a set/way clean+invalidate walk, caches off, a read. */
export const SW_CLEAN: Step[] = [
  { kind: "sctlr", vcpu: 0, bits: { m: true, c: true } },
  { kind: "write", vcpu: 0, addr: A, value: 7 },
  { kind: "sw_walk", vcpu: 0, op: "cisw" },
  { kind: "sctlr", vcpu: 0, bits: { m: false, c: false } },
  { kind: "read", vcpu: 0, addr: A },
];

/** Caches on, a write, a clean+invalidate by VA to the PoC, caches off, a read. */
export const VA_CLEAN: Step[] = [
  { kind: "sctlr", vcpu: 0, bits: { m: true, c: true } },
  { kind: "write", vcpu: 0, addr: A, value: 7 },
  { kind: "dc_va", vcpu: 0, op: "civac", addr: A, len: 4 },
  { kind: "sctlr", vcpu: 0, bits: { m: false, c: false } },
  { kind: "read", vcpu: 0, addr: A },
];
