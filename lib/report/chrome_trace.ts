/**
 * A run as a Chrome trace: the JSON "Trace Event Format" that
 * ui.perfetto.dev and chrome://tracing open, so that a long run can be
 * zoomed and searched there.
 *
 * The file is an object with a `traceEvents` array:
 *
 * - process 1, "vCPUs": one thread per vCPU (`vCPU N`), holding a complete
 *   slice (`ph: "X"`, `ts` and `dur` in microseconds) per event record of
 *   that vCPU;
 * - process 2, "physical CPUs": one thread per CPU (`CPU N`), holding the
 *   same slices for every record that ran on that CPU, host and hardware
 *   events included;
 * - process 3, "host": a thread for the records tied to no CPU;
 * - a violation (`stale_read`, `lost_write`) is a thread-scoped instant
 *   (`ph: "i"`, `s: "t"`) on its vCPU;
 * - metadata events (`ph: "M"`) name the processes and threads
 *   (`process_name`, `thread_name`) and order them (`*_sort_index`).
 *
 * Each slice's `name` is the event's name as the text trace prints it
 * (Xen's for a Xen run), its `cat` the event's category
 * (lib/report/event_category.ts: a flush is `cat: "flush"`), its `args`
 * the event's fields with `seq` and `count`. Times are the text trace's
 * (lib/report/event_trace.ts `recordStarts`): the modelled cycles before a
 * record at the machine's clock; a record lasts `cycles * count`. The same
 * simplification holds: one clock, events one after the other.
 *
 * @example Usage
 * ```ts
 * import { chromeTrace } from "@setway/setway/report";
 * const trace = chromeTrace([
 *   { seq: 0, name: "kvm_exit", vcpu: 0, pcpu: 1, pc: 0x4000_0000, count: 1, cycles: 2400, reason: "dcsw", ec: 0x18 },
 * ], { clockHz: 2_400_000_000 });
 * trace.traceEvents.find((e) => e.ph === "X"); // { name: "kvm_exit", ph: "X", ts: 0, dur: 1, pid: 1, tid: 0, ... }
 * ```
 *
 * @module
 */

import { ScenarioError, showValue } from "../errors.ts";
import { type Machine, machineClockHz } from "../hw/machine.ts";
import {
  type EventFieldValue,
  type SetwayEvent,
  type TraceVocabulary,
  vocabularyOf,
  xenEventName,
} from "../hyp/events.ts";
import { MAX_CLOCK_HZ } from "../limits.ts";
import { categoryOf } from "./event_category.ts";
import { recordStarts } from "./event_trace.ts";

/**
 * One entry of `traceEvents`.
 *
 * @example Usage
 * ```ts
 * import type { ChromeTraceEvent } from "@setway/setway/report";
 * const e: ChromeTraceEvent = { name: "thread_name", ph: "M", pid: 1, tid: 0, args: { name: "vCPU 0" } };
 * ```
 */
export interface ChromeTraceEvent {
  /** The slice's, instant's or metadata record's name. */
  readonly name: string;
  /** `"X"` complete slice, `"i"` instant, `"M"` metadata. */
  readonly ph: "X" | "i" | "M";
  /** The category: the event's (lib/report/event_category.ts). */
  readonly cat?: string;
  /** Start, in microseconds. Absent on metadata. */
  readonly ts?: number;
  /** Duration of a slice, in microseconds. */
  readonly dur?: number;
  /** Scope of an instant: `"t"`, the thread. */
  readonly s?: "t";
  /** Process: 1 vCPUs, 2 physical CPUs, 3 host. */
  readonly pid: number;
  /** Thread: the vCPU or CPU number; 0 on the host process. */
  readonly tid: number;
  /** The event's fields, `seq` and `count`; a metadata record's value. */
  readonly args: Readonly<Record<string, EventFieldValue>>;
}

/**
 * A Chrome trace: what {@linkcode formatChromeTrace} writes as JSON.
 *
 * @example Usage
 * ```ts
 * import type { ChromeTrace } from "@setway/setway/report";
 * const t: ChromeTrace = { traceEvents: [], displayTimeUnit: "ns", otherData: {} };
 * ```
 */
export interface ChromeTrace {
  /** Every slice, instant and metadata record. */
  readonly traceEvents: readonly ChromeTraceEvent[];
  /** How the viewer shows times: nanoseconds, as runs are short. */
  readonly displayTimeUnit: "ns";
  /** Free-form facts about the run (policy, machine, clock), shown by the viewer. */
  readonly otherData: Readonly<Record<string, string | number>>;
}

/**
 * Options of {@linkcode chromeTrace}.
 *
 * @example Usage
 * ```ts
 * import type { ChromeTraceOptions } from "@setway/setway/report";
 * const o: ChromeTraceOptions = { clockHz: 2_400_000_000, otherData: { policy: "kvm-4.0" } };
 * ```
 */
export interface ChromeTraceOptions {
  /** The machine: its clock times the trace. Default none (1 GHz). */
  readonly machine?: Machine;
  /** The clock in Hz; beats `machine`'s. */
  readonly clockHz?: number;
  /** Which events to include (e.g. lib/report/trace_filter.ts `eventSelection`). Default all. */
  readonly only?: (event: SetwayEvent) => boolean;
  /** Whose names: as `TraceOptions.vocabulary`. Default from the events. */
  readonly vocabulary?: TraceVocabulary;
  /** Facts for `otherData`. Default none (the clock is always added). */
  readonly otherData?: Readonly<Record<string, string | number>>;
}

const VCPUS = 1;
const CPUS = 2;
const HOST = 3;
const VIOLATIONS: ReadonlySet<string> = new Set(["stale_read", "lost_write"]);

/** Nanoseconds, whole: slices then end exactly where the next begins. */
function nanos(cycles: number, clockHz: number): number {
  return Math.round(cycles * 1e9 / clockHz);
}

function fieldsOf(e: SetwayEvent): Record<string, EventFieldValue> {
  const args: Record<string, EventFieldValue> = { seq: e.seq, count: e.count };
  for (const [k, v] of Object.entries(e)) {
    if (k === "seq" || k === "name" || k === "count") continue;
    args[k] = v;
  }
  return args;
}

function metadata(name: string, pid: number, tid: number, value: string | number) {
  return {
    name,
    ph: "M" as const,
    pid,
    tid,
    args: { [name.endsWith("index") ? "sort_index" : "name"]: value },
  };
}

/**
 * The Chrome trace of a run's events.
 *
 * @example Usage
 * ```ts
 * import { chromeTrace } from "@setway/setway/report";
 * const t = chromeTrace([
 *   { seq: 0, name: "stale_read", vcpu: 0, pcpu: 0, pc: 0, count: 1, addr: 64, expected: 1, got: 0, blame: "guest" },
 * ]);
 * t.traceEvents.filter((e) => e.ph === "i").length; // 1
 * ```
 * @param events the run's events, in run order
 * @param options the clock, which events, and facts for `otherData`
 * @returns the trace, plain data
 * @throws {ScenarioError} for a clock that is not an integer from 1 to 100 GHz
 */
export function chromeTrace(
  events: readonly SetwayEvent[],
  options: ChromeTraceOptions = {},
): ChromeTrace {
  const clockHz = options.clockHz ?? machineClockHz(options.machine ?? {});
  if (!Number.isSafeInteger(clockHz) || clockHz < 1 || clockHz > MAX_CLOCK_HZ) {
    throw new ScenarioError(
      "invalid_value",
      "chromeTrace.clockHz",
      clockHz,
      `chromeTrace: clockHz = ${showValue(clockHz)}: expected an integer from 1 to ${MAX_CLOCK_HZ}`,
    );
  }
  const xen = (options.vocabulary ?? vocabularyOf(events)) === "xen";
  const keep = options.only ?? (() => true);
  const starts = recordStarts(events);
  const body: ChromeTraceEvent[] = [];
  const vcpus = new Set<number>();
  const cpus = new Set<number>();
  let host = false;
  for (const [i, e] of events.entries()) {
    if (!keep(e)) continue;
    const name = xen ? xenEventName(e) : e.name;
    const cat = categoryOf(e.name);
    const startNs = nanos(starts[i], clockHz);
    const ts = startNs / 1000;
    const args = fieldsOf(e);
    if (VIOLATIONS.has(e.name)) {
      const [pid, tid] = e.vcpu !== null
        ? [VCPUS, e.vcpu]
        : e.pcpu !== null
        ? [CPUS, e.pcpu]
        : [HOST, 0];
      body.push({ name, ph: "i", cat, ts, s: "t", pid, tid, args });
      if (pid === VCPUS) vcpus.add(tid);
      else if (pid === CPUS) cpus.add(tid);
      else host = true;
      continue;
    }
    const cycles = typeof e.cycles === "number" && e.cycles >= 0 ? e.cycles * e.count : 0;
    const dur = (nanos(starts[i] + cycles, clockHz) - startNs) / 1000;
    if (e.vcpu !== null) {
      vcpus.add(e.vcpu);
      body.push({ name, ph: "X", cat, ts, dur, pid: VCPUS, tid: e.vcpu, args });
    }
    if (e.pcpu !== null) {
      cpus.add(e.pcpu);
      body.push({ name, ph: "X", cat, ts, dur, pid: CPUS, tid: e.pcpu, args });
    } else if (e.vcpu === null) {
      host = true;
      body.push({ name, ph: "X", cat, ts, dur, pid: HOST, tid: 0, args });
    }
  }
  const meta: ChromeTraceEvent[] = [
    metadata("process_name", VCPUS, 0, "vCPUs"),
    metadata("process_sort_index", VCPUS, 0, VCPUS),
    metadata("process_name", CPUS, 0, "physical CPUs"),
    metadata("process_sort_index", CPUS, 0, CPUS),
  ];
  for (const v of [...vcpus].sort((a, b) => a - b)) {
    meta.push(metadata("thread_name", VCPUS, v, `vCPU ${v}`));
    meta.push(metadata("thread_sort_index", VCPUS, v, v));
  }
  for (const c of [...cpus].sort((a, b) => a - b)) {
    meta.push(metadata("thread_name", CPUS, c, `CPU ${c}`));
    meta.push(metadata("thread_sort_index", CPUS, c, c));
  }
  if (host) {
    meta.push(metadata("process_name", HOST, 0, "host"));
    meta.push(metadata("thread_name", HOST, 0, "host and hardware"));
  }
  return {
    traceEvents: [...meta, ...body],
    displayTimeUnit: "ns",
    otherData: { ...options.otherData, clockHz },
  };
}

/**
 * The Chrome trace of a run's events as JSON text (one trace event a line,
 * so that a diff or `grep` reads it), ending with a newline.
 *
 * @example Usage
 * ```ts
 * import { formatChromeTrace } from "@setway/setway/report";
 * const json = formatChromeTrace([
 *   { seq: 0, name: "read", vcpu: 0, pcpu: 0, pc: 0, count: 1, cycles: 4, addr: 64, value: 1, cacheable: true },
 * ]);
 * JSON.parse(json).traceEvents.length; // 10: 4 process records, 2 per thread, a slice on each track
 * ```
 * @param events the run's events, in run order
 * @param options as for {@linkcode chromeTrace}
 * @returns the JSON text
 */
export function formatChromeTrace(
  events: readonly SetwayEvent[],
  options: ChromeTraceOptions = {},
): string {
  const t = chromeTrace(events, options);
  const lines = t.traceEvents.map((e) => JSON.stringify(e));
  return `{"displayTimeUnit":"ns","otherData":${JSON.stringify(t.otherData)},"traceEvents":[\n` +
    lines.join(",\n") + "\n]}\n";
}
