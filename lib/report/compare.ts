/**
 * A policy comparison as a text table: one row per policy (verdict, blame,
 * exits, flushes, lines flushed, modelled cycles, and how its flush events
 * differ from the baseline's), then, for each policy that differs, the event
 * counts that changed and the first differing line.
 *
 * ```text
 * policies on xgene1, baseline kvm-3.18
 *
 * policy    verdict   blame       exits  flushes  lines flushed      cycles  flush events
 * kvm-3.18  FAIL (8)  hypervisor  9,216        0              0  59,904,920  baseline
 * kvm-4.0   ok        -           9,219        3          1,024  59,925,376  +5 -1
 * ```
 *
 * The types here are structural (only the fields printed), so the module
 * depends on nothing but the shape of `compare()`'s result. The output is
 * deterministic: numbers are grouped by thousands with commas, whatever the
 * locale.
 *
 * @module
 */

import { ScenarioError, showValue } from "../errors.ts";
import { hexAddr } from "./hex.ts";

/**
 * What {@linkcode formatComparison} prints of one row.
 *
 * @example Usage
 * ```ts
 * import type { ComparisonRowLike } from "@setway/setway/report";
 * const row: ComparisonRowLike = {
 *   policy: "kvm-4.0", ok: true, violations: 0, blame: [], crashed: null,
 *   exits: 3, flushes: 2, linesFlushed: 128, cycles: 22_000, flushEvents: 7,
 *   flushDiff: { same: true, removed: 0, added: 0, counts: [], first: null },
 * };
 * ```
 */
export interface ComparisonRowLike {
  /** The policy's name. */
  readonly policy: string;
  /** No failed read and no crash. */
  readonly ok: boolean;
  /** Failed reads. */
  readonly violations: number;
  /** Who is to blame for them. */
  readonly blame: readonly string[];
  /** The guest crash, or null. */
  readonly crashed: { readonly reason: string; readonly pc: number; readonly vcpu: number } | null;
  /** Traps. */
  readonly exits: number;
  /** Flushes. */
  readonly flushes: number;
  /** Lines flushed. */
  readonly linesFlushed: number;
  /** Modelled cycles. */
  readonly cycles: number;
  /** Flush events, collapsed ones counted. */
  readonly flushEvents: number;
  /** The difference from the baseline's flush events. */
  readonly flushDiff: {
    readonly same: boolean;
    readonly removed: number;
    readonly added: number;
    readonly counts: readonly {
      readonly name: string;
      readonly baseline: number;
      readonly here: number;
    }[];
    readonly first: { readonly baseline: string | null; readonly here: string | null } | null;
  };
}

/**
 * What {@linkcode formatComparison} prints.
 *
 * @example Usage
 * ```ts
 * import type { ComparisonLike } from "@setway/setway/report";
 * const empty: ComparisonLike = { machine: "generic", baseline: "kvm-4.0", rows: [] };
 * ```
 */
export interface ComparisonLike {
  /** The machine's name. */
  readonly machine: string;
  /** The baseline policy. */
  readonly baseline: string;
  /** The rows, baseline first. */
  readonly rows: readonly ComparisonRowLike[];
}

/**
 * A non-negative integer with its thousands grouped by commas.
 *
 * @example Usage
 * ```ts
 * import { groupThousands } from "./compare.ts";
 * groupThousands(59904920); // "59,904,920"
 * ```
 * @param n the number
 * @returns the digits, grouped
 */
export function groupThousands(n: number): string {
  const digits = String(Math.round(n));
  const neg = digits.startsWith("-");
  const body = neg ? digits.slice(1) : digits;
  let out = "";
  for (let i = 0; i < body.length; i++) {
    if (i > 0 && (body.length - i) % 3 === 0) out += ",";
    out += body[i];
  }
  return neg ? `-${out}` : out;
}

function verdictCell(r: ComparisonRowLike): string {
  if (r.crashed !== null) return "CRASH";
  return r.ok ? "ok" : `FAIL (${r.violations})`;
}

function blameCell(r: ComparisonRowLike): string {
  return r.blame.length === 0 ? "-" : r.blame.join(", ");
}

function diffCell(r: ComparisonRowLike, isBaseline: boolean): string {
  if (isBaseline) return "baseline";
  const d = r.flushDiff;
  return d.same ? "same" : `+${d.added} -${d.removed}`;
}

/**
 * The comparison as text, ending with a newline.
 *
 * @example Usage
 * ```ts
 * import { formatComparison } from "@setway/setway/report";
 * const text = formatComparison({
 *   machine: "generic", baseline: "kvm-4.0",
 *   rows: [{
 *     policy: "kvm-4.0", ok: true, violations: 0, blame: [], crashed: null,
 *     exits: 3, flushes: 2, linesFlushed: 128, cycles: 22_000, flushEvents: 7,
 *     flushDiff: { same: true, removed: 0, added: 0, counts: [], first: null },
 *   }],
 * });
 * console.log(text);
 * ```
 * @param comparison the result of `compare()`
 * @returns the table, then what differs from the baseline
 * @throws {ScenarioError} `invalid_value` when `comparison` has no rows array
 */
export function formatComparison(comparison: ComparisonLike): string {
  if (
    comparison === null || typeof comparison !== "object" ||
    !Array.isArray(comparison.rows as unknown)
  ) {
    throw new ScenarioError(
      "invalid_value",
      "formatComparison",
      comparison,
      `formatComparison(${showValue(comparison)}): expected the result of compare()`,
    );
  }
  const head = [
    "policy",
    "verdict",
    "blame",
    "exits",
    "flushes",
    "lines flushed",
    "cycles",
    "flush events",
  ];
  const numeric = [false, false, false, true, true, true, true, false];
  const body = comparison.rows.map((r, i) => [
    r.policy,
    verdictCell(r),
    blameCell(r),
    groupThousands(r.exits),
    groupThousands(r.flushes),
    groupThousands(r.linesFlushed),
    groupThousands(r.cycles),
    diffCell(r, i === 0),
  ]);
  const widths = head.map((h, c) => Math.max(h.length, ...body.map((row) => row[c].length)));
  const line = (cells: readonly string[]) =>
    cells.map((cell, c) => {
      if (c === cells.length - 1) return cell;
      return numeric[c] ? cell.padStart(widths[c]) : cell.padEnd(widths[c]);
    }).join("  ");
  const out = [
    `policies on ${comparison.machine}, baseline ${comparison.baseline}`,
    "",
    line(head),
    ...body.map(line),
  ];
  const notes: string[] = [];
  for (const [i, r] of comparison.rows.entries()) {
    if (r.crashed !== null) {
      notes.push(
        `  ${r.policy}: the guest crashed on vcpu${r.crashed.vcpu} at ${
          hexAddr(r.crashed.pc)
        }: ${r.crashed.reason}`,
      );
    }
    if (i === 0 || r.flushDiff.same) continue;
    const d = r.flushDiff;
    notes.push(
      `  ${r.policy}: ${d.removed} lines only in ${comparison.baseline}, ${d.added} only here`,
    );
    if (d.counts.length > 0) {
      notes.push(
        `    counts: ${d.counts.map((c) => `${c.name} ${c.baseline} -> ${c.here}`).join(", ")}`,
      );
    }
    if (d.first !== null) {
      notes.push(`    first: - ${d.first.baseline ?? "(nothing)"}`);
      notes.push(`           + ${d.first.here ?? "(nothing)"}`);
    }
  }
  if (notes.length > 0) {
    out.push("", `flush events compared with ${comparison.baseline}:`, ...notes);
  }
  return out.join("\n") + "\n";
}
