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
import { scenarioOf } from "../reliability/arbitraries.ts";

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
 * The property that a model built with `fast` and one built with `slow`
 * run random cacheable programs (kvm-4.0, Xen and native, up to 40 steps)
 * alike: the same reads, the same events, and the same `observe` of the
 * model at the end.
 *
 * @param fast the options of the fast path
 * @param slow the options of the path it is checked against
 * @param observe what of a model must be equal after the run
 * @param run fast-check's seed and number of programs
 */
export function assertRunsAgree<T>(
  fast: HardwareOptions,
  slow: HardwareOptions,
  observe: (hardware: Hardware) => T,
  run: { seed: number; numRuns: number },
): void {
  fc.assert(
    fc.property(
      scenarioOf({ mix: "cacheable", policies: ["kvm-4.0", "xen", "native"], maxSteps: 40 }),
      (scenario) => {
        assert.deepEqual(runOnModel(scenario, fast, observe), runOnModel(scenario, slow, observe));
      },
    ),
    run,
  );
}
