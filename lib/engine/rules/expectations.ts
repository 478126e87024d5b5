/**
 * Checks expectations given as untrusted data (a scenario's `expect`
 * field, an argument of `.expect()`), collecting every issue with the path
 * of the field at fault, as the rest of the scenario checker does.
 *
 * ```ts
 * import { expectationsIssues } from "./expectations.ts";
 * const issues = expectationsIssues([{ kind: "sometimes", what: { kind: "crashed" } }], "expect");
 * console.log(issues[0].path, issues[0].code); // expect[0].kind unknown_name
 * ```
 *
 * @module
 */

import { ScenarioError } from "../../errors.ts";
import { makeIssue, type ScenarioIssue } from "./issues.ts";
import { addressProblem, ramProblem } from "./values.ts";
import { MAX_PREDICATE_DEPTH } from "../../limits.ts";
import { QUANTIFIERS } from "../expect/expectation.ts";
import { CHOICE_EVENT_NAMES, PREDICATE_KINDS } from "../expect/predicates.ts";

/**
 * Where the addresses of read predicates must lie (RAM), when known.
 *
 * @example Usage
 * ```ts
 * import type { ExpectationContext } from "./expectations.ts";
 * const ctx: ExpectationContext = { ram: 1 << 30, ramBase: 0x4000_0000 };
 * ```
 */
export interface ExpectationContext {
  /** RAM size in bytes; NaN when unknown. */
  readonly ram: number;
  /** Where RAM starts; NaN when unknown. */
  readonly ramBase: number;
}

const BLAMES = ["guest", "hypervisor", "machine"];

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

type Push = (issue: ScenarioIssue) => void;

function onlyFields(o: Record<string, unknown>, path: string, allowed: string[], push: Push): void {
  for (const key of Object.keys(o)) {
    if (!allowed.includes(key)) {
      push(
        makeIssue(
          "bad_schema",
          `${path}.${key}`,
          o[key],
          `one of the fields ${allowed.join(", ")}`,
        ),
      );
    }
  }
}

function countIssues(o: Record<string, unknown>, path: string, push: Push): void {
  let ok = true;
  for (const key of ["min", "max"]) {
    const v = o[key];
    if (v === undefined) continue;
    if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 0) {
      push(makeIssue("invalid_value", `${path}.${key}`, v, "a non-negative integer"));
      ok = false;
    }
  }
  if (o.min === undefined && o.max === undefined) {
    push(
      makeIssue("invalid_value", path, o, "a count: a number, or { min?, max? } with at least one"),
    );
  } else if (ok && typeof o.min === "number" && typeof o.max === "number" && o.min > o.max) {
    push(makeIssue("out_of_range", `${path}.max`, o.max, `at least min (${o.min})`));
  }
}

function readIssues(
  o: Record<string, unknown>,
  path: string,
  ctx: ExpectationContext,
  push: Push,
): void {
  const addr = o.addr;
  if (addr !== undefined) {
    const inRam = Number.isFinite(ctx.ram) && Number.isFinite(ctx.ramBase);
    const p = addressProblem(addr) ?? (inRam ? ramProblem(addr as number, 4, ctx) : null);
    if (p) push(makeIssue(p.code, `${path}.addr`, addr, p.expected));
  }
  if (o.blame !== undefined && !BLAMES.includes(o.blame as string)) {
    push(makeIssue("unknown_name", `${path}.blame`, o.blame, BLAMES.join(", ")));
  }
}

function listIssues(
  list: unknown,
  path: string,
  ctx: ExpectationContext,
  push: Push,
  depth: number,
): void {
  if (!Array.isArray(list) || list.length === 0) {
    push(makeIssue("bad_schema", path, list, "a non-empty list of predicates"));
    return;
  }
  list.forEach((p, i) => predicateIssues(p, `${path}[${i}]`, ctx, push, depth + 1));
}

function predicateIssues(
  p: unknown,
  path: string,
  ctx: ExpectationContext,
  push: Push,
  depth: number,
): void {
  if (!isRecord(p)) {
    push(makeIssue("bad_schema", path, p, "a predicate { kind, ... }"));
    return;
  }
  if (depth > MAX_PREDICATE_DEPTH) {
    const expected = `predicates nested at most ${MAX_PREDICATE_DEPTH} deep`;
    push(makeIssue("out_of_range", path, p.kind, expected));
    return;
  }
  const kind = p.kind;
  if (typeof kind !== "string" || !(PREDICATE_KINDS as readonly string[]).includes(kind)) {
    push(makeIssue("unknown_name", `${path}.kind`, kind, PREDICATE_KINDS.join(", ")));
    return;
  }
  switch (kind) {
    case "stale":
    case "lost_write":
    case "wrong_read":
      onlyFields(p, path, ["kind", "addr", "blame"], push);
      readIssues(p, path, ctx, push);
      break;
    case "flushes":
      onlyFields(p, path, ["kind", "min", "max"], push);
      countIssues(p, path, push);
      break;
    case "events":
      onlyFields(p, path, ["kind", "name", "min", "max"], push);
      if (typeof p.name !== "string" || !/^[A-Za-z0-9_.:-]+$/.test(p.name)) {
        push(makeIssue("invalid_value", `${path}.name`, p.name, "an event name"));
      } else if (CHOICE_EVENT_NAMES.includes(p.name)) {
        push(
          makeIssue(
            "invalid_value",
            `${path}.name`,
            p.name,
            "an event other than the hardware's own choices (speculative_fill, castout), " +
              "which checking enumerates",
          ),
        );
      }
      countIssues(p, path, push);
      break;
    case "not":
      onlyFields(p, path, ["kind", "what"], push);
      predicateIssues(p.what, `${path}.what`, ctx, push, depth + 1);
      break;
    case "and":
      onlyFields(p, path, ["kind", "all"], push);
      listIssues(p.all, `${path}.all`, ctx, push, depth);
      break;
    case "or":
      onlyFields(p, path, ["kind", "any"], push);
      listIssues(p.any, `${path}.any`, ctx, push, depth);
      break;
    default:
      onlyFields(p, path, ["kind"], push);
  }
}

/**
 * Every issue of one expectation.
 *
 * @example Usage
 * ```ts
 * import { expectationIssues } from "./expectations.ts";
 * console.log(expectationIssues({ kind: "never", what: { kind: "crashed" } }, "expect[0]")); // []
 * ```
 * @param value the expectation, as untrusted data
 * @param path its path, e.g. `"expect[0]"`
 * @param ctx RAM bounds for addresses; default unknown
 * @returns the issues, in field order
 */
export function expectationIssues(
  value: unknown,
  path: string,
  ctx: ExpectationContext = { ram: NaN, ramBase: NaN },
): ScenarioIssue[] {
  const issues: ScenarioIssue[] = [];
  const push: Push = (i) => issues.push(i);
  if (!isRecord(value)) {
    push(makeIssue("bad_schema", path, value, "an expectation { kind, what }"));
    return issues;
  }
  onlyFields(value, path, ["kind", "what"], push);
  if (!(QUANTIFIERS as readonly unknown[]).includes(value.kind)) {
    push(makeIssue("unknown_name", `${path}.kind`, value.kind, QUANTIFIERS.join(", ")));
  }
  predicateIssues(value.what, `${path}.what`, ctx, push, 1);
  return issues;
}

/**
 * Every issue of a list of expectations (a scenario's `expect` field).
 *
 * @example Usage
 * ```ts
 * import { expectationsIssues } from "./expectations.ts";
 * console.log(expectationsIssues("never", "expect")[0].code); // "bad_schema"
 * ```
 * @param value the list, as untrusted data
 * @param path its path, e.g. `"expect"`
 * @param ctx RAM bounds for addresses; default unknown
 * @returns the issues, in list order
 */
export function expectationsIssues(
  value: unknown,
  path: string,
  ctx: ExpectationContext = { ram: NaN, ramBase: NaN },
): ScenarioIssue[] {
  if (!Array.isArray(value)) {
    return [makeIssue("bad_schema", path, value, "a list of expectations [{ kind, what }, ...]")];
  }
  return value.flatMap((e, i) => expectationIssues(e, `${path}[${i}]`, ctx));
}

/**
 * Checks one expectation given to a call and throws its first issue,
 * naming the call.
 *
 * @example Usage
 * ```ts
 * import { assertExpectation } from "./expectations.ts";
 * try {
 *   assertExpectation({ kind: "never", what: { kind: "stale", addr: 3 } }, "expect");
 * } catch (e) {
 *   console.log((e as Error).message); // expect.what.addr = 3: bad address: ...
 * }
 * ```
 * @param value the expectation
 * @param call the call, e.g. `"expect"`
 * @param ctx RAM bounds for addresses; default unknown
 * @throws {ScenarioError} with the first issue's code, the call and the value
 */
export function assertExpectation(
  value: unknown,
  call: string,
  ctx: ExpectationContext = { ram: NaN, ramBase: NaN },
): void {
  const issues = expectationIssues(value, call, ctx);
  if (issues.length === 0) return;
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : "";
  throw new ScenarioError(issues[0].code, call, value, `${issues[0].message}${more}`);
}
