/**
 * One run of a scenario through `execute`, with DC ranges on their fast path
 * (resident lines over mapped pages) or line by line: what the DC range
 * tests compare between the two.
 *
 * @module
 */

import type { BudgetMeter } from "../../lib/engine/budget.ts";
import { candidateLines, execute, type ExecuteOutput } from "../../lib/engine/execute.ts";
import { EventLog } from "../../lib/engine/event_log.ts";
import { assertScenario } from "../../lib/engine/rules/entry.ts";
import type { Hardware } from "../../lib/hw/hardware.ts";
import type { Scenario } from "../../lib/engine/scenario.ts";

/** What a run left: its events, the values its reads got, how it crashed (null if it did not), and `end`'s view of the hardware. */
export interface RunByLine {
  readonly events: ReturnType<EventLog["finish"]>;
  readonly got: number[];
  readonly crashed: ExecuteOutput["crashed"];
  readonly end: unknown;
}

/**
 * Runs `s` with no step limit.
 *
 * @example Usage
 * ```ts ignore
 * import { runByLine } from "./run_by_line.ts";
 * import { scenario } from "./fixtures.ts";
 * const s = scenario([{ kind: "dc_va", vcpu: 0, op: "civac", addr: 0x4000_0000, len: 4096 }]);
 * console.log(runByLine(s, false).events.length === runByLine(s, true).events.length); // true
 * ```
 * @param s the scenario
 * @param lineByLine whether a DC range visits every line (the slow path)
 * @param options `meter`, told of the run's work; `end`, what to keep of the hardware at the end
 * @returns the run's events, reads, crash flag and end state (null without `end`)
 */
export function runByLine(
  s: Scenario,
  lineByLine: boolean,
  options: { meter?: BudgetMeter; end?: (hw: Hardware) => unknown } = {},
): RunByLine {
  const { machine, policy } = assertScenario(s);
  const log = new EventLog();
  let end: unknown = null;
  const out = execute({
    scenario: s,
    machine,
    policy,
    speculation: s.speculation,
    sink: log,
    maxSteps: Infinity,
    candidates: candidateLines(s.steps, 64),
    lineByLine,
    ...(options.meter === undefined ? {} : { meter: options.meter }),
    onEnd: (hyp) => {
      if (options.end !== undefined) end = options.end(hyp.hardware);
    },
  });
  return { events: log.finish(), got: Array.from(out.got), crashed: out.crashed, end };
}
