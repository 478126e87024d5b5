/**
 * The text trace: one event a line, laid out like the kernel's ftrace output.
 *
 * Each line is `TASK-PID [CPU] FLAGS TIMESTAMP: EVENT: MESSAGE`:
 *
 * ```text
 *   vcpu0-0 [000] .... 000042: kvm_set_way_flush: S/W flush at 0x0000000040008234 (cache on)
 * ```
 *
 * - TASK-PID is `vcpu<N>-<N>` for an event on vCPU N, `hw-0` for what the
 *   hardware does on its own (`speculative_fill`, `castout`), `host-0` for
 *   host events with no vCPU;
 * - CPU is the physical CPU in three digits, `---` when there is none;
 * - FLAGS keeps ftrace's four-character column; setway sets no flag (`....`);
 * - TIMESTAMP is the event's `seq`, six digits (simplified: a place in the
 *   run, not modelled time; {@linkcode formatTimestamp} is the one place to
 *   change that);
 * - EVENT and MESSAGE come from {@linkcode formatEventMessage}; a collapsed
 *   event (count > 1) ends with ` (x<count>)`. The modelled `cycles` a run
 *   gives every event are left out (the kernel's own lines stay exactly as
 *   the kernel prints them) unless `cycles: true` asks for them, as a
 *   trailing ` cycles=N` per occurrence.
 *
 * A `#` block heads the trace, as ftrace's `# tracer: nop` block does: the
 * tracer, the caller's own lines (policy, machine, seed...), the number of
 * entries shown, and the column names. The output is deterministic byte for
 * byte: it depends only on the events and the options.
 *
 * @example Usage
 * ```ts
 * import { formatTrace } from "@setway/setway/report";
 * const text = formatTrace([
 *   { seq: 41, name: "kvm_exit", vcpu: 0, pcpu: 0, pc: 0x4000_8234, count: 1, reason: "access_dcsw", ec: 0x18 },
 *   { seq: 42, name: "kvm_set_way_flush", vcpu: 0, pcpu: 0, pc: 0x4000_8234, count: 1, cache: true },
 * ], { only: "flush", header: ["policy: kvm-4.0"] });
 * console.log(text);
 * ```
 *
 * @module
 */

import { ScenarioError, showValue } from "../errors.ts";
import { FLUSH_EVENTS, HW_EVENTS, type SetwayEvent, withoutCycles } from "../hyp/events.ts";
import { formatEventMessage } from "./messages.ts";

const FLUSH_SET: ReadonlySet<string> = new Set(FLUSH_EVENTS);
const HW_SET: ReadonlySet<string> = new Set(HW_EVENTS);

/**
 * A named set of events: `"all"` or `"flush"` ({@linkcode FLUSH_EVENTS}).
 *
 * @example Usage
 * ```ts
 * import type { TraceFilterName } from "@setway/setway/report";
 * const f: TraceFilterName = "flush";
 * ```
 */
export type TraceFilterName = "all" | "flush";

/**
 * Which events to print: a named set or a predicate.
 *
 * @example Usage
 * ```ts
 * import type { TraceFilter } from "@setway/setway/report";
 * const onlyVcpu1: TraceFilter = (e) => e.vcpu === 1;
 * ```
 */
export type TraceFilter = TraceFilterName | ((event: SetwayEvent) => boolean);

/**
 * Options of {@linkcode formatTrace}.
 *
 * @example Usage
 * ```ts
 * import type { TraceOptions } from "@setway/setway/report";
 * const options: TraceOptions = { only: "flush", header: ["policy: kvm-4.0", "seed: 1"] };
 * ```
 */
export interface TraceOptions {
  /** Which events to print. Default `"all"`. */
  readonly only?: TraceFilter;
  /**
   * A named set, as `RunResult.trace({ filter })` passes it. Default `"all"`.
   * When both `only` and `filter` are given, an event must pass both.
   */
  readonly filter?: TraceFilterName;
  /** Lines for the `#` block, each printed as `# <line>`. Default none. */
  readonly header?: readonly string[];
  /** Print each event's modelled `cycles` (per occurrence) as ` cycles=N`. Default false. */
  readonly cycles?: boolean;
}

/**
 * The TIMESTAMP column of an event: its `seq` in six digits.
 *
 * @example Usage
 * ```ts
 * import { formatTimestamp } from "./event_trace.ts";
 * formatTimestamp({ seq: 42, name: "read", vcpu: 0, pcpu: 0, pc: null, count: 1 }); // "000042"
 * ```
 * @param event the event
 * @returns the timestamp column
 */
export function formatTimestamp(event: SetwayEvent): string {
  return String(event.seq).padStart(6, "0");
}

function badEvent(event: SetwayEvent, key: string, expected: string): never {
  const value = (event as Record<string, unknown>)[key];
  throw new ScenarioError(
    "bad_schema",
    `formatTrace: event.${key}`,
    value,
    `formatTrace: event ${showValue(event.name)} (seq ${showValue(event.seq)}) needs ${key} ` +
      `to be ${expected}, got ${showValue(value)}`,
  );
}

function isIndex(v: unknown): v is number {
  return typeof v === "number" && Number.isSafeInteger(v) && v >= 0;
}

function checkBase(event: SetwayEvent): void {
  if (typeof event.name !== "string" || !/^[A-Za-z0-9_.:-]+$/.test(event.name)) {
    badEvent(event, "name", "a name of letters, digits, '_', '.', ':' or '-'");
  }
  if (!isIndex(event.seq)) badEvent(event, "seq", "a non-negative integer");
  if (!isIndex(event.count) || event.count < 1) badEvent(event, "count", "an integer from 1");
  if (event.vcpu !== null && !isIndex(event.vcpu)) {
    badEvent(event, "vcpu", "null or a vCPU index");
  }
  if (event.pcpu !== null && !isIndex(event.pcpu)) {
    badEvent(event, "pcpu", "null or a CPU number");
  }
}

function task(event: SetwayEvent): string {
  if (HW_SET.has(event.name)) return "hw-0";
  if (event.vcpu === null) return "host-0";
  return `vcpu${event.vcpu}-${event.vcpu}`;
}

/** Width of the TASK-PID column. */
const TASK_WIDTH = 9;

/**
 * One trace line, without a newline.
 *
 * @example Usage
 * ```ts
 * import { formatTraceLine } from "./event_trace.ts";
 * formatTraceLine({
 *   seq: 42, name: "kvm_set_way_flush", vcpu: 0, pcpu: 0, pc: 0x4000_8234, count: 1, cache: true,
 * }); // "  vcpu0-0 [000] .... 000042: kvm_set_way_flush: S/W flush at 0x0000000040008234 (cache on)"
 * ```
 * @param event the event
 * @param options `cycles: true` to keep the event's modelled cycles in the message
 * @returns the line
 */
export function formatTraceLine(
  event: SetwayEvent,
  options: { readonly cycles?: boolean } = {},
): string {
  checkBase(event);
  const cpu = event.pcpu === null ? "---" : String(event.pcpu).padStart(3, "0");
  const message = formatEventMessage(options.cycles === true ? event : withoutCycles(event));
  const times = event.count > 1 ? ` (x${event.count})` : "";
  return `${task(event).padStart(TASK_WIDTH)} [${cpu}] .... ${
    formatTimestamp(event)
  }: ${event.name}: ${message}${times}`;
}

/** Writes labels at columns of a `#` line. */
function columns(cells: readonly (readonly [number, string])[]): string {
  let line = "#";
  for (const [at, text] of cells) line = line.padEnd(at) + text;
  return line;
}

/**
 * The column-name lines of the `#` block; their `|` marks stand over the
 * columns of {@linkcode formatTraceLine}.
 *
 * @example Usage
 * ```ts
 * import { formatColumnHeader } from "./event_trace.ts";
 * console.log(formatColumnHeader().join("\n"));
 * ```
 * @returns two lines
 */
export function formatColumnHeader(): string[] {
  const cpu = TASK_WIDTH + 2; // after "TASK-PID ["
  const flags = cpu + 5; // after "000] "
  const seq = flags + 5; // after ".... "
  const event = seq + 8; // after "000042: "
  return [
    columns([[TASK_WIDTH - 4, "TASK"], [cpu, "CPU#"], [flags, "FLAG"], [seq + 3, "SEQ"], [
      event,
      "EVENT: MESSAGE",
    ]]),
    columns([[TASK_WIDTH - 1, "|"], [cpu + 1, "|"], [flags, "||||"], [seq + 5, "|"], [event, "|"]]),
  ];
}

function named(name: string, call: string): (event: SetwayEvent) => boolean {
  if (name === "all") return () => true;
  if (name === "flush") return (e) => FLUSH_SET.has(e.name);
  throw new ScenarioError(
    "unknown_name",
    call,
    name,
    `${call}: unknown filter ${showValue(name)}; expected "all", "flush" or a function`,
  );
}

function predicate(options: TraceOptions): (event: SetwayEvent) => boolean {
  const { only = "all", filter = "all" } = options;
  const byFilter = named(filter, "formatTrace.filter");
  const byOnly = typeof only === "function" ? only : named(only, "formatTrace.only");
  return (e) => byFilter(e) && Boolean(byOnly(e));
}

/**
 * Formats events as an ftrace-like text trace, one event a line, ending with
 * a newline.
 *
 * @example Usage
 * ```ts
 * import { formatTrace } from "@setway/setway/report";
 * const text = formatTrace([
 *   { seq: 3, name: "kvm_toggle_cache", vcpu: 0, pcpu: 1, pc: 0x4000_8300, count: 1, was: false, now: true },
 * ], { header: ["policy: kvm-4.0"] });
 * text.split("\n").at(-2); // "  vcpu0-0 [001] .... 000003: kvm_toggle_cache: VM op at ..."
 * ```
 * @param events the run's events, in run order
 * @param options which events, and lines for the `#` block
 * @returns the trace text
 */
export function formatTrace(events: readonly SetwayEvent[], options: TraceOptions = {}): string {
  if (!Array.isArray(events)) {
    throw new ScenarioError(
      "invalid_value",
      "formatTrace",
      events,
      `formatTrace(${showValue(events)}): expected an array of events`,
    );
  }
  const keep = predicate(options);
  const header = options.header ?? [];
  for (const [i, line] of header.entries()) {
    if (typeof line !== "string" || /[\r\n]/.test(line)) {
      throw new ScenarioError(
        "invalid_value",
        `formatTrace.header[${i}]`,
        line,
        `formatTrace.header[${i}] = ${showValue(line)}: expected a string without line breaks`,
      );
    }
  }
  const body: string[] = [];
  for (const event of events) {
    if (keep(event)) body.push(formatTraceLine(event, options));
  }
  const lines = [
    "# tracer: setway",
    "#",
    ...header.map((line) => (line === "" ? "#" : `# ${line}`)),
    ...(header.length > 0 ? ["#"] : []),
    `# entries: ${body.length}`,
    "# TASK: vcpu<N>-<N> for vCPU N, hw-0 for the hardware, host-0 for the host",
    "# SEQ: the event's place in the run; (xN): N identical events collapsed",
    "#",
    ...formatColumnHeader(),
    ...body,
  ];
  return lines.join("\n") + "\n";
}
