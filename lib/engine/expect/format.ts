/**
 * A check's result as text: what was explored, one line per expectation
 * (PASS or FAIL, the answer, the counts), and the witnesses with their
 * traces. Deterministic (no timings), so it can be pinned by a golden.
 * Witnesses are numbered; one that is the same execution as an earlier one
 * refers to it instead of repeating its trace.
 *
 * ```text
 * check: kvm-3.18 on xgene1, 21 steps, 21 choice points
 * explored: 193 executions (1 with no perturbation, 192 with 1); complete up to 1 perturbation
 *
 * PASS exists(staleAnywhere({ blame: "hypervisor" })): Always (193 positive, 0 negative)
 *
 * FAIL never(staleAnywhere()): Always (193 positive, 0 negative)
 *   counterexample [witness 1]: no perturbation
 *     # tracer: setway
 *     ...
 *       vcpu0-0 [000] .... 009239: stale_read: at 0x40008000: expected 0x6db3d698, ...
 * ```
 *
 * @module
 */

import type { CheckResult, ExpectationResult } from "./check.ts";
import type { Witness } from "./witness.ts";
import { plural } from "../../report/plural.ts";

/**
 * Options of {@linkcode formatCheck}.
 *
 * @example Usage
 * ```ts
 * import type { FormatCheckOptions } from "@setway/setway/expect";
 * const everything: FormatCheckOptions = { witnesses: "all" };
 * ```
 */
export interface FormatCheckOptions {
  /**
   * Which witnesses to print, each with its summary and trace:
   * `"failures"` the counterexample of each failing expectation (default),
   * `"all"` both witnesses of every expectation, `"none"` none.
   */
  readonly witnesses?: "failures" | "all" | "none";
}

function indent(text: string, by: string): string {
  return text.trimEnd().split("\n").map((l) => (l === "" ? l : by + l)).join("\n");
}

/** A witness's summary, and its trace unless an earlier witness was the same execution. */
function witnessText(label: string, w: Witness, shown: Map<unknown, number>): string {
  const summary = w.summary.split("\n").join("\n    ");
  const earlier = shown.get(w.run);
  const lines: string[] = [];
  if (earlier !== undefined) {
    lines.push(`  ${label}: ${summary}`, `    (the same execution as witness ${earlier} above)`);
  } else {
    shown.set(w.run, shown.size + 1);
    lines.push(`  ${label} [witness ${shown.size}]: ${summary}`);
  }
  if (!w.replayAgrees) {
    lines.push("    (the replayed run disagrees with the check: a bug in setway)");
  }
  if (earlier === undefined) lines.push(indent(w.trace, "    "));
  return lines.join("\n");
}

/**
 * The witness that shows why an expectation fails, or null when it holds.
 *
 * @example Usage
 * ```ts
 * import { counterexample } from "@setway/setway/expect";
 * import type { ExpectationResult } from "@setway/setway";
 * const why = (r: ExpectationResult) => counterexample(r)?.summary ?? "holds";
 * ```
 * @param r the expectation's result
 * @returns the negative witness of a failing `exists` or `forall`, the positive one of a failing `never`
 */
export function counterexample(r: ExpectationResult): Witness | null {
  if (r.holds) return null;
  return r.expectation.kind === "never" ? r.witnesses.positive : r.witnesses.negative;
}

function explored(result: CheckResult): string {
  const s = result.stats;
  const parts = s.byPerturbations.map((n, c) =>
    c === 0 ? `${n} with no perturbation` : `${n} with ${c}`
  );
  const max = result.bounds.maxPerturbations;
  // A search cut by its budget of executions runs every execution it queued, that budget
  // in all (search.ts): one that ran fewer was cut by its time budget.
  const scope = s.complete
    ? `complete up to ${plural(max, "perturbation")}`
    : s.executions < result.bounds.maxExecutions
    ? `incomplete: the time budget of ${result.bounds.seconds} s ran out`
    : `incomplete: the budget of ${result.bounds.maxExecutions} executions ran out`;
  const migrations = result.bounds.migrations ? ", migrations included" : "";
  return `explored: ${plural(s.executions, "execution")} (${
    parts.join(", ")
  }); ${scope}${migrations}`;
}

/**
 * Formats a check's result (see the module doc).
 *
 * @example Usage
 * ```ts
 * import { formatCheck } from "@setway/setway/expect";
 * import { checkExpectations } from "@setway/setway/expect";
 * const r = await checkExpectations({
 *   version: 1, machine: "generic", cpus: 1, systemCache: "machine", policy: "kvm-4.0",
 *   ram: 1 << 20, ramBase: 0x40000000, prefault: false, seed: 1, speculation: "quiet",
 *   steps: [{ kind: "read", vcpu: 0, addr: 0x40000000 }],
 *   expect: [{ kind: "never", what: { kind: "stale" } }],
 * });
 * console.log(formatCheck(r));
 * ```
 * @param result the check's result
 * @param options which witnesses to print
 * @returns the text, ending with a newline
 */
export function formatCheck(result: CheckResult, options: FormatCheckOptions = {}): string {
  const mode = options.witnesses ?? "failures";
  const shown = new Map<unknown, number>();
  const out: string[] = [];
  out.push(
    `check: ${result.policy} on ${result.machine}, ${
      plural(result.scenario.steps.length, "step")
    }, ` +
      `${plural(result.stats.choicePoints, "choice point")}`,
  );
  out.push(explored(result));
  for (const r of result.expectations) {
    out.push("");
    out.push(
      `${r.holds ? "PASS" : "FAIL"} ${r.text}: ${r.answer} ` +
        `(${r.positive} positive, ${r.negative} negative)`,
    );
    if (mode === "all") {
      const { positive, negative } = r.witnesses;
      if (positive) out.push(witnessText("positive witness", positive, shown));
      if (negative) out.push(witnessText("negative witness", negative, shown));
    } else if (mode === "failures") {
      const w = counterexample(r);
      if (w !== null) out.push(witnessText("counterexample", w, shown));
    }
  }
  return out.join("\n") + "\n";
}
