/**
 * Choosing events by name and vCPU, as trace-cmd's `-e` and ftrace's
 * `set_event` do: event names and globs (`kvm_*`, `*flush*`, `trap_?abt`),
 * plus the named sets `all` and `flush`, and a list of vCPUs. The result is
 * a predicate for `TraceOptions.only` (lib/report/event_trace.ts) and
 * `formatChromeTrace` (lib/report/chrome_trace.ts).
 *
 * A pattern matches an event when it matches its vocabulary name
 * (`kvm_exit`) or the name a Xen trace prints for it (`trap_sysreg`,
 * lib/hyp/events.ts `xenEventName`). A pattern that matches no name the
 * trace could print (the built-in vocabulary, Xen's names, and the names
 * of the run's own events, such as a user policy's) is refused: a typo
 * would otherwise print an empty trace.
 *
 * @example Usage
 * ```ts
 * import { eventSelection } from "@setway/setway/report";
 * const keep = eventSelection({ names: ["kvm_*"], vcpus: [1] });
 * keep({ seq: 0, name: "kvm_exit", vcpu: 1, pcpu: 0, pc: 0, count: 1, reason: "dcsw", ec: 24 }); // true
 * keep({ seq: 1, name: "kvm_exit", vcpu: 0, pcpu: 0, pc: 0, count: 1, reason: "dcsw", ec: 24 }); // false
 * ```
 *
 * @module
 */

import { ScenarioError, showValue } from "../errors.ts";
import {
  EVENT_NAMES,
  FLUSH_EVENTS,
  type SetwayEvent,
  XEN_EVENT_NAMES,
  xenEventName,
} from "../hyp/events.ts";
import { didYouMean } from "../options.ts";

/**
 * Which events to keep: names or globs, and vCPUs.
 *
 * @example Usage
 * ```ts
 * import type { EventSelection } from "@setway/setway/report";
 * const s: EventSelection = { names: ["kvm_exit", "*flush*"], vcpus: [0] };
 * ```
 */
export interface EventSelection {
  /**
   * Event names, globs (`*` any run of characters, `?` one character), or
   * the named sets `all` and `flush`; an event passes when any matches.
   * Default: every event.
   */
  readonly names?: readonly string[];
  /** The vCPUs whose events to keep (host and hardware events have none). Default: every event. */
  readonly vcpus?: readonly number[];
  /**
   * The run's events: their names count as known, so that a user policy's
   * own events can be named. Default none.
   */
  readonly events?: readonly SetwayEvent[];
}

/**
 * A glob as an anchored regular expression: `*` any run of characters,
 * `?` one; everything else literal.
 *
 * @example Usage
 * ```ts
 * import { globPattern } from "./trace_filter.ts";
 * globPattern("kvm_*").test("kvm_exit"); // true
 * globPattern("kvm_*").test("p2m_flush_vm"); // false
 * ```
 * @param glob the glob
 * @returns the expression
 */
export function globPattern(glob: string): RegExp {
  const body = [...glob].map((c) =>
    c === "*" ? ".*" : c === "?" ? "." : c.replace(/[\\^$.|+()[\]{}]/g, "\\$&")
  ).join("");
  return new RegExp(`^${body}$`);
}

/**
 * Splits command-line values: each may hold several, comma-separated;
 * blanks around them are dropped.
 *
 * @example Usage
 * ```ts
 * import { splitList } from "./trace_filter.ts";
 * splitList(["kvm_*,stale_read", "p2m_*"]); // ["kvm_*", "stale_read", "p2m_*"]
 * ```
 * @param values the values given
 * @returns one entry per name
 */
export function splitList(values: readonly string[]): string[] {
  return values.flatMap((v) => v.split(",")).map((v) => v.trim()).filter((v) => v !== "");
}

const FLUSH_SET: ReadonlySet<string> = new Set(FLUSH_EVENTS);

function nameMatcher(
  pattern: string,
  known: readonly string[],
): (event: SetwayEvent) => boolean {
  if (pattern === "all") return () => true;
  if (pattern === "flush") return (e) => FLUSH_SET.has(e.name);
  const re = globPattern(pattern);
  if (!known.some((name) => re.test(name))) {
    const glob = /[*?]/.test(pattern);
    throw new ScenarioError(
      "unknown_name",
      "filter",
      pattern,
      `--filter ${showValue(pattern)}: ${glob ? "matches no event name" : "unknown event"}${
        didYouMean(pattern, known)
      }; names are listed in lib/hyp/events.ts (or use all, flush)`,
    );
  }
  return (e) => re.test(e.name) || re.test(xenEventName(e));
}

/**
 * The predicate of a selection: an event passes when its name matches one
 * of `names` (any, when none is given) and its vCPU is one of `vcpus` (any,
 * when none is given).
 *
 * @example Usage
 * ```ts
 * import { eventSelection } from "@setway/setway/report";
 * const keep = eventSelection({ names: ["trap_*"] });
 * keep({ seq: 0, name: "kvm_exit", vcpu: 0, pcpu: 0, pc: 0, count: 1, reason: "dcsw", ec: 24 }); // true (trap_sysreg)
 * ```
 * @param selection names or globs, vCPUs, and the run's events
 * @returns the predicate
 * @throws {ScenarioError} `unknown_name` for a name or glob that matches no known event name,
 *   `invalid_value` for a vCPU that is not a non-negative integer
 */
export function eventSelection(selection: EventSelection): (event: SetwayEvent) => boolean {
  const known = [
    ...new Set([
      ...EVENT_NAMES,
      ...XEN_EVENT_NAMES,
      ...(selection.events ?? []).flatMap((e) => [e.name, xenEventName(e)]),
    ]),
  ];
  const names = selection.names ?? [];
  const matchers = names.map((n) => nameMatcher(n, known));
  const vcpus = selection.vcpus ?? [];
  for (const v of vcpus) {
    if (!Number.isSafeInteger(v) || v < 0) {
      throw new ScenarioError(
        "invalid_value",
        "vcpu",
        v,
        `--vcpu ${showValue(v)}: expected a vCPU number (0, 1, ...)`,
      );
    }
  }
  const vcpuSet = new Set(vcpus);
  return (e) =>
    (matchers.length === 0 || matchers.some((m) => m(e))) &&
    (vcpuSet.size === 0 || (e.vcpu !== null && vcpuSet.has(e.vcpu)));
}
