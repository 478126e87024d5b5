/**
 * The text trace: one event a line, laid out like the kernel's ftrace output.
 *
 * Each line is `TASK-PID [CPU] FLAGS SEQ TIMESTAMP: EVENT: MESSAGE`:
 *
 * ```text
 *   vcpu0-0 [000] .... 000042     0.000017: kvm_set_way_flush: S/W flush at 0x0000000040008234 (cache on)
 * ```
 *
 * - TASK-PID is `vcpu<N>-<N>` for an event on vCPU N, `hw-0` for what the
 *   hardware does on its own (`speculative_fill`, `castout`), `host-0` for
 *   host events with no vCPU;
 * - CPU is the physical CPU in three digits, `---` when there is none;
 * - FLAGS keeps ftrace's four-character column; setway sets no flag (`....`);
 * - SEQ is the event's `seq`, its place in the run, six digits;
 * - TIMESTAMP is ftrace's `seconds.microseconds` (`%5lu.%06lu`): the
 *   modelled cycles of every event before this one (`cycles` times `count`
 *   of each earlier record) at the machine's clock (`clockHz`, default 1 GHz;
 *   {@linkcode formatTimestamp}). Simplified: one clock for the whole run,
 *   every event's cost spent one after the other whatever its CPU; inside a
 *   folded set/way walk a record starts after the whole of the records
 *   before it, so only a raw trace has each event's own time;
 * - EVENT and MESSAGE come from {@linkcode formatEventMessage}; a collapsed
 *   record (count > 1) says what it stands for: ` (x<count>)` for identical
 *   events, ` (<count> ops, sets 0-63 ways 0-7, counters summed)` for the
 *   different set/way operations of a folded walk (the slots when the
 *   machine is known and the record covers every slot of its level). The
 *   modelled `cycles` a run gives every event are left out (the kernel's own
 *   lines stay exactly as the kernel prints them) unless `cycles: true` asks
 *   for them, as a trailing ` cycles=N` per occurrence;
 * - `raw: true` prints one line per event, nothing collapsed: a record of
 *   `count` identical events becomes `count` lines. A run recorded with
 *   `collapse: false` (lib/engine/options.ts) has nothing else; a folded
 *   walk record cannot be split again, and `raw` refuses it;
 * - a Xen run (lib/hyp/events.ts {@linkcode vocabularyOf}) prints Xen's
 *   names: `trap_sysreg` where KVM says `kvm_exit`, and so on
 *   ({@linkcode xenEventName}).
 *
 * A `#` block heads the trace, as ftrace's `# tracer: nop` block does: the
 * tracer, the caller's own lines (policy, machine, seed...), the number of
 * entries shown, a legend, and the column names. The output is deterministic byte for
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
import { type Machine, machineClockHz } from "../hw/machine.ts";
import {
  FLUSH_EVENTS,
  HW_EVENTS,
  type SetwayEvent,
  type TraceVocabulary,
  vocabularyOf,
  withoutCycles,
  xenEventName,
} from "../hyp/events.ts";
import { MAX_CLOCK_HZ } from "../limits.ts";
import { exceptionClassName } from "./esr.ts";
import { hexPad } from "./hex.ts";
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
  /**
   * One line per event, nothing collapsed: a record of `count` identical
   * events prints `count` lines (SEQ and TIMESTAMP advancing). A folded
   * set/way walk record cannot be split: run with `collapse: false` first.
   * Default false.
   */
  readonly raw?: boolean;
  /**
   * The machine the run ran on: its `clockHz` times the TIMESTAMP column,
   * and its caches say which slots a folded walk record covers. Default
   * none (1 GHz, slots not named). `RunResult.trace()` passes the run's.
   */
  readonly machine?: Machine;
  /** The clock of the TIMESTAMP column in Hz; beats `machine`'s. Default the machine's, else 1 GHz. */
  readonly clockHz?: number;
  /**
   * Whose names to print: `"kvm"` (the vocabulary's own) or `"xen"`
   * (`trap_sysreg` for `kvm_exit`, ...). Default: `"xen"` for a run with an
   * event only Xen's policies emit, else `"kvm"` (lib/hyp/events.ts `vocabularyOf`).
   */
  readonly vocabulary?: "kvm" | "xen";
}

/**
 * The SEQ column of an event: its `seq` in six digits.
 *
 * @example Usage
 * ```ts
 * import { formatSeq } from "./event_trace.ts";
 * formatSeq({ seq: 42, name: "read", vcpu: 0, pcpu: 0, pc: null, count: 1 }); // "000042"
 * ```
 * @param event the event
 * @returns the seq column
 */
export function formatSeq(event: SetwayEvent): string {
  return String(event.seq).padStart(6, "0");
}

/**
 * The TIMESTAMP column: `cycles` at `clockHz` as ftrace's `%5lu.%06lu`
 * (seconds, then microseconds rounded down), computed exactly in integers
 * from the cycles rounded to a whole number (costs may be fractional).
 *
 * @example Usage
 * ```ts
 * import { formatTimestamp } from "./event_trace.ts";
 * formatTimestamp(60_000, 2_400_000_000); // "    0.000025"
 * formatTimestamp(3_000_000_000, 1_000_000_000); // "    3.000000"
 * formatTimestamp(999.6, 1_000_000_000); // "    0.000001" (1000 cycles)
 * ```
 * @param cycles modelled cycles since the start of the run
 * @param clockHz the clock, in Hz
 * @returns the timestamp column
 */
export function formatTimestamp(cycles: number, clockHz: number): string {
  const us = BigInt(Math.round(cycles)) * 1_000_000n / BigInt(clockHz);
  const seconds = String(us / 1_000_000n).padStart(5);
  return `${seconds}.${String(us % 1_000_000n).padStart(6, "0")}`;
}

/** The modelled cycles one record stands for (0 without a usable `cycles`). */
function recordCycles(event: SetwayEvent): number {
  const c = event.cycles;
  return typeof c === "number" && Number.isFinite(c) && c >= 0 ? c * event.count : 0;
}

/**
 * When each record starts, in modelled cycles since the run began: the
 * cycles of every record before it (see the module documentation).
 *
 * @example Usage
 * ```ts
 * import { recordStarts } from "./event_trace.ts";
 * recordStarts([
 *   { seq: 0, name: "kvm_exit", vcpu: 0, pcpu: 0, pc: 0, count: 2, cycles: 6500, reason: "dcsw", ec: 24 },
 *   { seq: 2, name: "read", vcpu: 0, pcpu: 0, pc: 0, count: 1, cycles: 4 },
 * ]); // [0, 13000]
 * ```
 * @param events the run's events, in run order
 * @returns one start per event
 */
export function recordStarts(events: readonly SetwayEvent[]): number[] {
  const starts: number[] = [];
  let at = 0;
  for (const e of events) {
    starts.push(at);
    at += recordCycles(e);
  }
  return starts;
}

function checkClock(clockHz: unknown, call: string): number {
  if (
    typeof clockHz !== "number" || !Number.isSafeInteger(clockHz) || clockHz < 1 ||
    clockHz > MAX_CLOCK_HZ
  ) {
    throw new ScenarioError(
      "invalid_value",
      call,
      clockHz,
      `${call} = ${showValue(clockHz)}: expected an integer from 1 to ${MAX_CLOCK_HZ} (Hz)`,
    );
  }
  return clockHz;
}

/** The clock a trace uses: `clockHz`, else the machine's, else 1 GHz. */
function traceClock(options: TraceOptions): number {
  if (options.clockHz !== undefined) return checkClock(options.clockHz, "formatTrace.clockHz");
  return checkClock(machineClockHz(options.machine ?? {}), "formatTrace.machine.clockHz");
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

/** Whether a record is a folded walk's: its slot fields were dropped (see lib/engine/event_log.ts). */
function isFolded(event: SetwayEvent): boolean {
  return event.count > 1 && Object.hasOwn(event, "set") && event.set === null &&
    Object.hasOwn(event, "way") && event.way === null;
}

/** The sets and ways of a data cache level of the CPU, or undefined. */
function levelShape(
  machine: Machine | undefined,
  pcpu: number | null,
  level: unknown,
): { sets: number; ways: number } | undefined {
  if (machine === undefined || pcpu === null || (level !== 1 && level !== 2)) return undefined;
  let first = 0;
  for (const cluster of machine.clusters) {
    if (pcpu < first + cluster.cpus) {
      const g = level === 1 ? cluster.l1d : cluster.l2;
      if (g === undefined) return undefined;
      const ways = g.ways;
      return { sets: g.size / (ways * (g.lineSize ?? 64)), ways };
    }
    first += cluster.cpus;
  }
  return undefined;
}

/**
 * What a collapsed record sums, as its line ends: ` (xN)` for N identical
 * events, ` (N ops, sets 0-63 ways 0-7, counters summed)` for a folded
 * walk's different set/way operations (the slot ranges when the machine
 * says the record covers every slot of its level), `""` for one event.
 *
 * @example Usage
 * ```ts
 * import { formatCollapsed } from "./event_trace.ts";
 * formatCollapsed({ seq: 1, name: "kvm_exit", vcpu: 0, pcpu: 0, pc: 0, count: 3, reason: "dcsw", ec: 24 }); // " (x3)"
 * formatCollapsed({
 *   seq: 2, name: "sw_local", vcpu: 0, pcpu: 0, pc: 0, count: 512,
 *   op: "csw", level: 1, set: null, way: null, cleaned: 64, invalidated: 0,
 * }); // " (512 ops on different sets and ways, counters summed)"
 * ```
 * @param event the record
 * @param machine the run's machine, to name the slots; default none
 * @returns the suffix
 */
export function formatCollapsed(event: SetwayEvent, machine?: Machine): string {
  if (event.count <= 1) return "";
  if (!isFolded(event)) return ` (x${event.count})`;
  const shape = levelShape(machine, event.pcpu, event.level);
  if (shape !== undefined && shape.sets * shape.ways === event.count) {
    return ` (${event.count} ops, sets 0-${shape.sets - 1} ways 0-${
      shape.ways - 1
    }, counters summed)`;
  }
  return ` (${event.count} ops on different sets and ways, counters summed)`;
}

/** The message of a trap in a Xen trace: the class as Xen's own messages print it (`EC=0x%x`). */
function xenTrapMessage(event: SetwayEvent): string {
  const ec = typeof event.ec === "number" ? event.ec : 0;
  const name = exceptionClassName(ec, event.type === "HVC" ? "arm" : "arm64");
  const pc = typeof event.pc === "number" ? hexPad(event.pc, 8) : "-";
  return `EC=${hexPad(ec, 2)} (${name}) PC=${pc}`;
}

/**
 * Options of {@linkcode formatTraceLine}.
 *
 * @example Usage
 * ```ts
 * import type { TraceLineOptions } from "./event_trace.ts";
 * const o: TraceLineOptions = { startCycles: 6500, clockHz: 2_400_000_000 };
 * ```
 */
export interface TraceLineOptions {
  /** Keep the event's modelled cycles in the message as ` cycles=N`. Default false. */
  readonly cycles?: boolean;
  /** Modelled cycles before the event, for the TIMESTAMP column. Default 0. */
  readonly startCycles?: number;
  /** The clock of the TIMESTAMP column, in Hz. Default 1 GHz. */
  readonly clockHz?: number;
  /** The run's machine, to name the slots of a folded walk record. Default none. */
  readonly machine?: Machine;
  /** Whose names to print. Default `"kvm"`. */
  readonly vocabulary?: TraceVocabulary;
}

/**
 * One trace line, without a newline.
 *
 * @example Usage
 * ```ts
 * import { formatTraceLine } from "./event_trace.ts";
 * formatTraceLine({
 *   seq: 42, name: "kvm_set_way_flush", vcpu: 0, pcpu: 0, pc: 0x4000_8234, count: 1, cache: true,
 * }, { startCycles: 17_000 }); // "  vcpu0-0 [000] .... 000042     0.000017: kvm_set_way_flush: S/W flush at 0x0000000040008234 (cache on)"
 * ```
 * @param event the event
 * @param options the time before it and the clock, whose names, and `cycles: true`
 *   to keep the event's modelled cycles in the message
 * @returns the line
 */
export function formatTraceLine(event: SetwayEvent, options: TraceLineOptions = {}): string {
  checkBase(event);
  const cpu = event.pcpu === null ? "---" : String(event.pcpu).padStart(3, "0");
  const shown = options.cycles === true ? event : withoutCycles(event);
  const xen = options.vocabulary === "xen";
  const name = xen ? xenEventName(event) : event.name;
  const message = xen && event.name === "kvm_exit"
    ? xenTrapMessage(event)
    : formatEventMessage(shown);
  const clock = options.clockHz ?? machineClockHz(options.machine ?? {});
  const time = formatTimestamp(options.startCycles ?? 0, clock);
  return `${task(event).padStart(TASK_WIDTH)} [${cpu}] .... ${
    formatSeq(event)
  } ${time}: ${name}: ${message}${formatCollapsed(event, options.machine)}`;
}

/** One line per event of a record of identical events (see {@linkcode TraceOptions.raw}). */
function rawLines(
  event: SetwayEvent,
  next: SetwayEvent | undefined,
  options: TraceLineOptions,
): string[] {
  if (event.count === 1) return [formatTraceLine(event, options)];
  if (isFolded(event) || (next !== undefined && next.seq < event.seq + event.count)) {
    throw new ScenarioError(
      "invalid_value",
      "formatTrace.raw",
      event.seq,
      `formatTrace({ raw: true }): the record at seq ${event.seq} (${event.name}) folds ` +
        `${event.count} events of a set/way walk that cannot be split again; run with ` +
        "{ collapse: false } for a raw trace",
    );
  }
  const one = { ...event, count: 1 };
  const each = recordCycles(one);
  const start = options.startCycles ?? 0;
  const lines: string[] = [];
  for (let i = 0; i < event.count; i++) {
    lines.push(
      formatTraceLine({ ...one, seq: event.seq + i }, {
        ...options,
        startCycles: start + i * each,
      }),
    );
  }
  return lines;
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
  const time = seq + 7; // after "000042 "
  const event = time + 14; // after "    0.000017: "
  return [
    columns([
      [TASK_WIDTH - 4, "TASK"],
      [cpu, "CPU#"],
      [flags, "FLAG"],
      [seq + 3, "SEQ"],
      [time + 3, "TIMESTAMP"],
      [event, "EVENT: MESSAGE"],
    ]),
    columns([
      [TASK_WIDTH - 1, "|"],
      [cpu + 1, "|"],
      [flags, "||||"],
      [seq + 5, "|"],
      [time + 11, "|"],
      [event, "|"],
    ]),
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
  const clockHz = traceClock(options);
  const vocabulary = options.vocabulary ?? vocabularyOf(events);
  const line: TraceLineOptions = {
    cycles: options.cycles,
    clockHz,
    machine: options.machine,
    vocabulary,
  };
  const starts = recordStarts(events);
  const body: string[] = [];
  for (const [i, event] of events.entries()) {
    if (!keep(event)) continue;
    const at = { ...line, startCycles: starts[i] };
    if (options.raw === true) body.push(...rawLines(event, events[i + 1], at));
    else body.push(formatTraceLine(event, at));
  }
  const lines = [
    "# tracer: setway",
    "#",
    ...header.map((line) => (line === "" ? "#" : `# ${line}`)),
    ...(header.length > 0 ? ["#"] : []),
    `# entries: ${body.length}`,
    "# TASK: vcpu<N>-<N> for vCPU N, hw-0 for the hardware, host-0 for the host",
    `# SEQ: the event's place in the run; TIMESTAMP: seconds.microseconds of modelled cycles at ${
      formatClock(clockHz)
    }`,
    options.raw === true
      ? "# raw: one line per event, nothing collapsed"
      : "# (xN): N identical events; (N ops, ...): N different set/way ops, counters summed",
    "#",
    ...formatColumnHeader(),
    ...body,
  ];
  return lines.join("\n") + "\n";
}

/**
 * A clock for people: `2.4 GHz`, `850 MHz`, or Hz when neither is exact.
 *
 * @example Usage
 * ```ts
 * import { formatClock } from "./event_trace.ts";
 * formatClock(2_400_000_000); // "2.4 GHz"
 * formatClock(850_000_000); // "850 MHz"
 * ```
 * @param hz the clock, in Hz
 * @returns the clock with its unit
 */
export function formatClock(hz: number): string {
  if (hz >= 1e9 && hz % 1e6 === 0) return `${hz / 1e9} GHz`;
  if (hz >= 1e6 && hz % 1e3 === 0) return `${hz / 1e6} MHz`;
  return `${hz} Hz`;
}
