/**
 * Expectations as text: the DSL call that builds them, so a report reads
 * like the scenario file (`never(stale(0x40008000, { blame: "hypervisor" }))`).
 *
 * ```ts
 * import { describeExpectation } from "@setway/setway/expect";
 * console.log(describeExpectation({ kind: "exists", what: { kind: "flushes", min: 2, max: 2 } }));
 * // exists(flushes(2))
 * ```
 *
 * @module
 */

import type { Expectation } from "./expectation.ts";
import type { CountRange, Predicate, ReadFilter } from "./predicates.ts";

function hex(addr: number): string {
  return `0x${addr.toString(16)}`;
}

function filterText(f: ReadFilter): string {
  return f.blame === undefined ? "" : `{ blame: "${f.blame}" }`;
}

function readText(name: string, anywhere: string, addr: number | undefined, f: ReadFilter): string {
  const filter = filterText(f);
  if (addr === undefined) return `${anywhere}(${filter})`;
  return `${name}(${hex(addr)}${filter === "" ? "" : `, ${filter}`})`;
}

function countText(r: CountRange): string {
  if (r.min !== undefined && r.min === r.max) return String(r.min);
  const parts: string[] = [];
  if (r.min !== undefined) parts.push(`min: ${r.min}`);
  if (r.max !== undefined) parts.push(`max: ${r.max}`);
  return `{ ${parts.join(", ")} }`;
}

/**
 * The DSL call that builds a predicate.
 *
 * @example Usage
 * ```ts
 * import { describePredicate } from "@setway/setway/expect";
 * console.log(describePredicate({ kind: "not", what: { kind: "crashed" } })); // "not(crashed())"
 * ```
 * @param p the predicate
 * @returns its text
 */
export function describePredicate(p: Predicate): string {
  switch (p.kind) {
    case "stale":
      return readText("stale", "staleAnywhere", p.addr, p);
    case "lost_write":
      return readText("lostWrite", "lostWriteAnywhere", p.addr, p);
    case "wrong_read": {
      const filter = filterText(p);
      if (p.addr === undefined) {
        return filter === "" ? "wrongRead()" : `wrongRead(undefined, ${filter})`;
      }
      return `wrongRead(${hex(p.addr)}${filter === "" ? "" : `, ${filter}`})`;
    }
    case "flushes":
      return `flushes(${countText(p)})`;
    case "events":
      return `events("${p.name}", ${countText(p)})`;
    case "no_set_way_flush":
      return "noSetWayFlush()";
    case "crashed":
      return "crashed()";
    case "arch_invalid":
      return "archInvalid()";
    case "not":
      return `not(${describePredicate(p.what)})`;
    case "and":
      return `and(${p.all.map(describePredicate).join(", ")})`;
    case "or":
      return `or(${p.any.map(describePredicate).join(", ")})`;
    default: {
      const never: never = p;
      return String((never as { kind: unknown }).kind);
    }
  }
}

/**
 * The DSL call that builds an expectation.
 *
 * @example Usage
 * ```ts
 * import { describeExpectation } from "@setway/setway/expect";
 * console.log(describeExpectation({ kind: "never", what: { kind: "stale" } })); // "never(staleAnywhere())"
 * ```
 * @param e the expectation
 * @returns its text
 */
export function describeExpectation(e: Expectation): string {
  return `${e.kind}(${describePredicate(e.what)})`;
}
