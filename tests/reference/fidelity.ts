/**
 * `deno task fidelity`: the differential check of tests/reference at scale.
 * Runs `--programs` random programs (default 100,000) under every built-in
 * policy (split between the machines a policy runs on), and prints, per
 * policy and machine, how many agree with the reference and how many are
 * findings, with the first finding's report. Exits 1 when there is a
 * finding; `--help` prints the usage, and a bad option is one line and
 * status 2.
 *
 * ```sh
 * deno task fidelity --programs 2000 --seed 7
 * ```
 *
 * @example Usage
 * ```ts
 * import { fidelity } from "./fidelity.ts";
 * const rows = fidelity({ programs: 10, seed: 1 });
 * console.log(rows.length); // 11: one row per policy and machine
 * ```
 *
 * @module
 */

import fc from "fast-check";
import { compareProgram, CONFIGS } from "./differential.ts";
import { programArb } from "./program.ts";
import { taskOptions } from "../support/task_options.ts";

/** One policy's agreement. */
export interface FidelityRow {
  /** The built-in policy. */
  readonly policy: string;
  /** The machine. */
  readonly machine: string;
  /** Programs run. */
  readonly programs: number;
  /** Programs whose decisions agree with the reference. */
  readonly agree: number;
  /** Programs that differ otherwise. */
  readonly findings: number;
  /** The first finding's report, or null. */
  readonly firstFinding: string | null;
}

/**
 * Runs the comparison over `programs` random programs per policy.
 *
 * @example Usage
 * ```ts
 * import { fidelity } from "./fidelity.ts";
 * console.log(fidelity({ programs: 5, seed: 3 })[0].programs); // 5
 * ```
 * @param options programs per policy, the seed, and a callback per finished row
 * @returns one row per policy and machine
 */
export function fidelity(
  options: { programs: number; seed: number; onRow?: (row: FidelityRow) => void },
): FidelityRow[] {
  const rows: FidelityRow[] = [];
  for (const { policy, machine } of CONFIGS) {
    const shared = CONFIGS.filter((c) => c.policy === policy).length;
    const n = Math.ceil(options.programs / shared);
    let agree = 0, findings = 0;
    let firstFinding: string | null = null;
    const arb = programArb({ machine });
    // In chunks, so that 10^5 programs are never all in memory at once.
    for (let done = 0, chunk = 0; done < n; chunk++) {
      const size = Math.min(5_000, n - done);
      for (const p of fc.sample(arb, { seed: options.seed + chunk, numRuns: size })) {
        const c = compareProgram(p, policy);
        if (c.kind === "agree") agree++;
        else {
          findings++;
          firstFinding ??= c.report;
        }
      }
      done += size;
    }
    const row = { policy, machine, programs: n, agree, findings, firstFinding };
    options.onRow?.(row);
    rows.push(row);
  }
  return rows;
}

function percent(n: number, of: number): string {
  return `${(100 * n / of).toFixed(2)}%`;
}

if (import.meta.main) {
  const options = taskOptions("fidelity", Deno.args, {
    programs: { default: 100_000, min: 1, value: "N" },
    seed: { default: 0x1507, min: 1, value: "S" },
  });
  if ("exit" in options) {
    (options.exit === 0 ? console.log : console.error)(options.line);
    Deno.exit(options.exit);
  }
  const { programs, seed } = options.values;
  console.log(`fidelity: ${programs} programs per policy, seed ${seed}`);
  let findings = 0;
  fidelity({
    programs,
    seed,
    onRow(r) {
      console.log(
        `${`${r.policy} (${r.machine})`.padEnd(28)} ${String(r.programs).padStart(7)} programs: ` +
          `agree ${percent(r.agree, r.programs)}, findings ${r.findings}`,
      );
      if (r.firstFinding !== null) console.log(r.firstFinding);
      findings += r.findings;
    },
  });
  if (findings > 0) Deno.exit(1);
}
