/**
 * Shared pieces of the reliability tests: catching a ScenarioError from a
 * sync or async call, a tiny scenario, and a wall-budget clock that counts.
 *
 * @module
 */

import assert from "node:assert/strict";
import { ScenarioError } from "../../lib/errors.ts";
import { useBudgetClock } from "../../lib/engine/budget.ts";
import type { Scenario } from "../../lib/engine/scenario.ts";
import type { Step } from "../../lib/guest/ops.ts";

/** Guest RAM base of the scenarios here. */
export const BASE = 0x4000_0000;

/**
 * Runs `fn` (sync, or returning a promise) and returns the ScenarioError it
 * throws or rejects with; fails on anything else or on success.
 */
export async function scenarioErrorOf(fn: () => unknown): Promise<ScenarioError> {
  let error: unknown;
  try {
    await fn();
  } catch (e) {
    error = e;
  }
  if (error === undefined) {
    throw new assert.AssertionError({ message: "expected a ScenarioError, but the call passed" });
  }
  assert.ok(error instanceof ScenarioError, `expected a ScenarioError, got ${error}`);
  return error;
}

/** A valid scenario on the generic machine with 1 MiB of RAM; `over` replaces fields. */
export function tinyScenario(steps: Step[], over: Partial<Scenario> = {}): Scenario {
  return {
    version: 1,
    machine: "generic",
    cpus: 1,
    systemCache: "machine",
    policy: "kvm-4.0",
    ram: 1 << 20,
    ramBase: BASE,
    prefault: false,
    seed: 1,
    speculation: "quiet",
    steps,
    ...over,
  };
}

/** A SCTLR write turning MMU and caches on, for each of `cpus` vCPUs. */
export function mmuOnAll(cpus: number): Step[] {
  return Array.from({ length: cpus }, (_, vcpu) => ({
    kind: "sctlr" as const,
    vcpu,
    bits: { m: true, c: true, i: true },
  }));
}

/**
 * Runs `body` with a wall-budget clock that advances 1 ms on each read. A run
 * reads it as it starts, after each step and every 4096 units of work, so the
 * reads count the work done; past `maxReads` the clock throws, so that a run
 * doing far more work than the test expects fails at once instead of running on.
 */
export async function withSteppedClock<T>(
  maxReads: number,
  body: () => Promise<T>,
): Promise<{ value: T; reads: number }> {
  let reads = 0;
  useBudgetClock(() => {
    if (reads >= maxReads) throw new Error(`the clock was read more than ${maxReads} times`);
    return reads++;
  });
  try {
    return { value: await body(), reads };
  } finally {
    useBudgetClock(null);
  }
}
