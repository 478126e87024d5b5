/**
 * Reports of runs, as text and data: the ftrace-like event trace, the
 * verdict, the comparison and cost tables, JSON, NDJSON and the HTML
 * timeline, with the event vocabulary they print.
 *
 * @example Usage
 * ```ts
 * import { vm } from "@setway/setway";
 * import { formatTrace, formatVerdict } from "@setway/setway/report";
 * const run = await vm().machine("xgene1").policy("kvm-4.0").guest((g) => g.zImage32()).run();
 * console.log(formatTrace(run.events, { only: "flush" }));
 * console.log(formatVerdict(run.verdict));
 * ```
 *
 * @module
 */

export {
  type EventBase,
  type EventFields,
  type EventFieldValue,
  type EventName,
  FLUSH_EVENTS,
  type SetwayEvent,
} from "../hyp/events.ts";
export {
  formatTrace,
  type TraceFilter,
  type TraceFilterName,
  type TraceOptions,
} from "../report/event_trace.ts";
export { formatVerdict, type VerdictLike, type VerdictViolation } from "../report/verdict.ts";
export {
  type ComparisonLike,
  type ComparisonRowLike,
  formatComparison,
} from "../report/compare.ts";
export type { FlushDiff } from "../engine/compare.ts";
export { type CostText, formatCost } from "../report/cost.ts";
export { type HtmlOptions, renderHtml } from "../report/html.ts";
export type { CostLike, MachineLike, RunLike } from "../report/run_like.ts";
export { formatJson, type JsonOptions } from "../report/json.ts";
export { formatNdjson, type NdjsonRun } from "../report/ndjson.ts";
export {
  type ChromeTrace,
  chromeTrace,
  type ChromeTraceEvent,
  type ChromeTraceOptions,
  formatChromeTrace,
} from "../report/chrome_trace.ts";
export { type EventSelection, eventSelection } from "../report/trace_filter.ts";
export type {
  CacheTrack,
  DirtyLevel,
  WatchedWord,
  WhereChange,
  WhereNewest,
} from "../report/cache_track.ts";
export type { TraceVocabulary } from "../hyp/events.ts";
