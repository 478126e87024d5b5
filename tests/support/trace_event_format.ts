/**
 * A checker of Chrome's "Trace Event Format" (the JSON that chrome://tracing
 * and ui.perfetto.dev import), written from the format's documentation and
 * not from setway's generator: the JSON Object Format (`traceEvents`, and
 * the optional `displayTimeUnit` and `otherData`), and for each event the
 * fields its phase needs:
 *
 * - every event: `name` and `ph` strings, `pid` and `tid` integers, an
 *   optional `cat` string and `args` object;
 * - `X` (complete): `ts` and `dur` numbers in microseconds, `dur` >= 0, and
 *   the complete events of one thread nest (a slice that starts inside
 *   another ends inside it);
 * - `i`/`I` (instant): `ts`, and a scope `s` of `g`, `p` or `t` when given;
 * - `M` (metadata): a `name` among `process_name`, `process_labels`,
 *   `process_sort_index`, `thread_name`, `thread_sort_index`, with
 *   `args.name` (a string) or `args.sort_index` (a number), and no `ts`
 *   needed.
 *
 * @module
 */

/** What the checker found: an empty list when the trace is valid. */
export type FormatProblems = string[];

const PHASES = new Set([
  "B",
  "E",
  "X",
  "i",
  "I",
  "C",
  "b",
  "n",
  "e",
  "s",
  "t",
  "f",
  "P",
  "O",
  "N",
  "D",
  "M",
  "R",
  "c",
]);
const METADATA = new Set([
  "process_name",
  "process_labels",
  "process_sort_index",
  "thread_name",
  "thread_sort_index",
]);

/** A rounding error of a double near `x` (a few units in the last place), at least a femtosecond. */
function slack(x: number): number {
  return Math.max(1e-9, Math.abs(x) * 2 ** -50);
}

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === "object" && x !== null && !Array.isArray(x);
}

function isTime(x: unknown): x is number {
  return typeof x === "number" && Number.isFinite(x) && x >= 0;
}

/**
 * Checks parsed JSON against the Trace Event Format.
 * @param trace the parsed JSON
 * @returns the problems, empty when none
 */
export function traceEventFormatProblems(trace: unknown): FormatProblems {
  const out: FormatProblems = [];
  if (!isObject(trace)) return ["the trace is not a JSON object"];
  if (!Array.isArray(trace.traceEvents)) return ["traceEvents is not an array"];
  if (
    trace.displayTimeUnit !== undefined && !["ms", "ns"].includes(trace.displayTimeUnit as string)
  ) {
    out.push(`displayTimeUnit ${String(trace.displayTimeUnit)} is neither "ms" nor "ns"`);
  }
  if (trace.otherData !== undefined && !isObject(trace.otherData)) {
    out.push("otherData is not an object");
  }
  const slices = new Map<string, { ts: number; end: number; i: number }[]>();
  trace.traceEvents.forEach((e: unknown, i: number) => {
    const at = `traceEvents[${i}]`;
    if (!isObject(e)) return out.push(`${at} is not an object`);
    if (typeof e.name !== "string") out.push(`${at}.name is not a string`);
    if (typeof e.ph !== "string" || !PHASES.has(e.ph)) {
      out.push(`${at}.ph ${String(e.ph)} is not a phase`);
    }
    if (!Number.isInteger(e.pid)) out.push(`${at}.pid is not an integer`);
    if (!Number.isInteger(e.tid)) out.push(`${at}.tid is not an integer`);
    if (e.cat !== undefined && typeof e.cat !== "string") out.push(`${at}.cat is not a string`);
    if (e.args !== undefined && !isObject(e.args)) out.push(`${at}.args is not an object`);
    if (e.ph === "X") {
      if (!isTime(e.ts)) out.push(`${at}.ts is not a time in microseconds`);
      if (!isTime(e.dur)) out.push(`${at}.dur is not a duration >= 0`);
      if (isTime(e.ts) && isTime(e.dur)) {
        const key = `${e.pid}/${e.tid}`;
        const list = slices.get(key) ?? [];
        list.push({ ts: e.ts, end: e.ts + e.dur, i });
        slices.set(key, list);
      }
    } else if (e.ph === "i" || e.ph === "I") {
      if (!isTime(e.ts)) out.push(`${at}.ts is not a time in microseconds`);
      if (e.s !== undefined && !["g", "p", "t"].includes(e.s as string)) {
        out.push(`${at}.s ${String(e.s)} is not a scope g, p or t`);
      }
    } else if (e.ph === "M") {
      const name = e.name as string;
      if (!METADATA.has(name)) out.push(`${at}: ${name} is not a metadata event`);
      const args = isObject(e.args) ? e.args : {};
      if (name.endsWith("_index") && typeof args.sort_index !== "number") {
        out.push(`${at}.args.sort_index is not a number`);
      }
      if (name.endsWith("_name") && typeof args.name !== "string") {
        out.push(`${at}.args.name is not a string`);
      }
    }
  });
  for (const [key, list] of slices) {
    const sorted = [...list].sort((a, b) => a.ts - b.ts || b.end - a.end);
    const open: { end: number; i: number }[] = [];
    for (const s of sorted) {
      // Times are decimal microseconds read as doubles: allow a rounding error far below a nanosecond.
      while (open.length > 0 && open[open.length - 1].end <= s.ts + slack(s.ts)) open.pop();
      const parent = open[open.length - 1];
      if (parent !== undefined && s.end > parent.end + slack(parent.end)) {
        out.push(
          `thread ${key}: traceEvents[${s.i}] overlaps traceEvents[${parent.i}] without nesting`,
        );
      }
      open.push(s);
    }
  }
  return out;
}
