/**
 * Run results as newline-delimited JSON: one record a line, for `jq`,
 * log pipelines and streaming readers.
 *
 * Each run gives, in order:
 *
 * - `{"record":"run","policy":...,"machine":"xgene1","seed":1,"speculation":"quiet","scenario":{...}}`
 * - one `{"record":"event",...}` line per event, the event's own fields
 *   after `record` (an event field named `record` would replace it);
 * - `{"record":"verdict","ok":...,"violations":[...],...}`
 * - `{"record":"cost","exits":...,"flushes":...,"linesFlushed":...}`
 *
 * Several runs are printed one after the other; each starts with its `run`
 * record.
 *
 * @example Usage
 * ```ts
 * import { formatNdjson } from "@setway/setway/report";
 * const text = formatNdjson({
 *   policy: "kvm-4.0", machine: { name: "generic" }, scenario: { seed: 1, speculation: "quiet" },
 *   events: [{ seq: 0, name: "kvm_exit", vcpu: 0, pcpu: 0, pc: 0, count: 1, reason: "x", ec: 24 }],
 *   verdict: { ok: true, violations: [], archInvalid: [], failsNatively: false },
 *   cost: { exits: 1, flushes: 0, linesFlushed: 0 },
 * });
 * text.split("\n").length; // 5: four records and the final newline
 * ```
 *
 * @module
 */

import { ScenarioError, showValue } from "../errors.ts";
import type { RunLike } from "./run_like.ts";

/**
 * What {@linkcode formatNdjson} prints: a run result (its `toJSON()` is
 * used when it has one) or the same data, plain.
 *
 * @example Usage
 * ```ts
 * import type { NdjsonRun } from "@setway/setway/report";
 * const fromFile: NdjsonRun = JSON.parse('{"policy":"native","machine":{"name":"generic"},' +
 *   '"scenario":{"seed":1,"speculation":"quiet"},"events":[],"verdict":{"ok":true,' +
 *   '"violations":[],"archInvalid":[],"failsNatively":false},"cost":{"exits":0,"flushes":0,' +
 *   '"linesFlushed":0}}');
 * ```
 */
export type NdjsonRun = RunLike | { toJSON(): RunLike };

function plain(run: NdjsonRun, i: number): RunLike {
  const r = run !== null && typeof run === "object" && "toJSON" in run &&
      typeof run.toJSON === "function"
    ? run.toJSON()
    : run as RunLike;
  if (
    r === null || typeof r !== "object" || !Array.isArray(r.events) || r.verdict == null ||
    r.cost == null || r.machine == null || r.scenario == null
  ) {
    throw new ScenarioError(
      "invalid_value",
      "formatNdjson",
      run,
      `formatNdjson: run ${i} = ${showValue(run)} is not a run result`,
    );
  }
  return r;
}

/**
 * Prints one or several runs as NDJSON, ending with a newline.
 *
 * @example Usage
 * ```ts
 * import { formatNdjson } from "@setway/setway/report";
 * const run = {
 *   policy: "native", machine: { name: "generic" }, scenario: { seed: 1, speculation: "quiet" },
 *   events: [], verdict: { ok: true, violations: [], archInvalid: [], failsNatively: false },
 *   cost: { exits: 0, flushes: 0, linesFlushed: 0 },
 * };
 * const records = formatNdjson([run, run]).trim().split("\n").map((l) => JSON.parse(l).record);
 * // ["run", "verdict", "cost", "run", "verdict", "cost"]
 * ```
 * @param runs a run result or several
 * @returns one JSON record a line
 * @throws {ScenarioError} `invalid_value` for something that is not a run result
 */
export function formatNdjson(runs: NdjsonRun | readonly NdjsonRun[]): string {
  const list: readonly NdjsonRun[] = Array.isArray(runs) ? runs : [runs as NdjsonRun];
  const lines: string[] = [];
  list.forEach((run, i) => {
    const r = plain(run, i);
    lines.push(JSON.stringify({
      record: "run",
      policy: r.policy,
      machine: r.machine.name,
      seed: r.scenario.seed,
      speculation: r.scenario.speculation,
      scenario: r.scenario,
    }));
    for (const e of r.events) lines.push(JSON.stringify({ record: "event", ...e }));
    lines.push(JSON.stringify({ record: "verdict", ...r.verdict }));
    lines.push(JSON.stringify({ record: "cost", ...r.cost }));
  });
  return lines.length === 0 ? "" : lines.join("\n") + "\n";
}
