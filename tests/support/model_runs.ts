/**
 * Test support: one scenario executed on a hardware model built with given
 * options, for property tests that compare a fast path of the model with
 * its slow path over whole runs (the reads, the events, and what the test
 * observes of the model afterwards).
 *
 * @module
 */

import assert from "node:assert/strict";
import fc from "fast-check";
import { Hardware, type HardwareOptions } from "../../lib/hw/hardware.ts";
import { assertScenario } from "../../lib/engine/rules/entry.ts";
import { candidateLines, execute } from "../../lib/engine/execute.ts";
import { EventLog } from "../../lib/engine/event_log.ts";
import type { Scenario } from "../../lib/engine/scenario.ts";
import { scenarioOf, type ScenarioShape } from "../reliability/arbitraries.ts";
import { policies } from "../../lib/hyp/policies/mod.ts";

/**
 * Executes `scenario` on a new model of its machine (seeded with the
 * scenario's seed, then `options`), and releases the model.
 *
 * @returns every value read, the events, and `observe` of the model at the end
 */
export function runOnModel<T>(
  scenario: Scenario,
  options: HardwareOptions,
  observe: (hardware: Hardware) => T,
): { got: number[]; events: ReturnType<EventLog["finish"]>; hw: T } {
  const { machine, policy } = assertScenario(scenario);
  const hardware = new Hardware(machine, { seed: scenario.seed, ...options });
  const log = new EventLog();
  const out = execute({
    scenario,
    machine,
    policy,
    speculation: scenario.speculation,
    sink: log,
    maxSteps: Infinity,
    candidates: candidateLines(scenario.steps, hardware.lineSize),
    hardware,
  });
  const result = { got: Array.from(out.got), events: log.finish(), hw: observe(hardware) };
  hardware.release();
  return result;
}

/**
 * Programs of every kind of step (set/way walks, caches off, invalidates,
 * host unmaps, migrations) under every policy, whose counts of lines
 * cleaned and invalidated reach the events (`sw_local`, `flush_cache_all`,
 * `flush_page`): the second shape {@linkcode assertRunsAgree} is given.
 */
export const ANY_PROGRAM: ScenarioShape = {
  mix: "any",
  policies: Object.keys(policies),
  maxSteps: 30,
};

/**
 * Cacheable programs with set/way clean and clean+invalidate (caches on
 * first, every word read back at the end) under every policy: walks that
 * find lines resident, which {@linkcode ANY_PROGRAM}'s, mostly run with
 * caches off, seldom do.
 */
export const SET_WAY_PROGRAM: ScenarioShape = {
  mix: "native-on",
  policies: ANY_PROGRAM.policies,
  maxSteps: 30,
};

/** {@linkcode runOnModel}, or the error it threw. */
function outcome<T>(
  scenario: Scenario,
  options: HardwareOptions,
  observe: (hardware: Hardware) => T,
): ReturnType<typeof runOnModel<T>> | { error: string } {
  try {
    return runOnModel(scenario, options, observe);
  } catch (e) {
    return { error: String(e) };
  }
}

/**
 * The property that a model built with `fast` and one built with `slow`
 * run random programs alike: the same reads, the same events, and the same
 * `observe` of the model at the end, or the same error. By default the
 * programs are cacheable (kvm-4.0, Xen and native, up to 40 steps), which
 * end reading back every word they wrote.
 *
 * @param fast the options of the fast path
 * @param slow the options of the path it is checked against
 * @param observe what of a model must be equal after the run
 * @param run fast-check's seed and number of programs
 * @param shape the programs, for example {@linkcode ANY_PROGRAM}
 * @returns how many programs ran to the end, and how many of those logged
 *   an event that cleaned or invalidated a line (a count the two sides
 *   could disagree on)
 */
export function assertRunsAgree<T>(
  fast: HardwareOptions,
  slow: HardwareOptions,
  observe: (hardware: Hardware) => T,
  run: { seed: number; numRuns: number },
  shape: ScenarioShape = {
    mix: "cacheable",
    policies: ["kvm-4.0", "xen", "native"],
    maxSteps: 40,
  },
): { completed: number; counted: number } {
  let completed = 0, counted = 0;
  fc.assert(
    fc.property(scenarioOf(shape), (scenario) => {
      const a = outcome(scenario, fast, observe);
      assert.deepEqual(a, outcome(scenario, slow, observe));
      if ("error" in a) return;
      completed++;
      const counts = (e: Record<string, unknown>) =>
        (typeof e.cleaned === "number" && e.cleaned > 0) ||
        (typeof e.invalidated === "number" && e.invalidated > 0);
      if (a.events.some(counts)) counted++;
    }),
    run,
  );
  return { completed, counted };
}
