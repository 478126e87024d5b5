/**
 * Question 5 of the 2015 thread: the 32-bit decompressor cleans its caches
 * by set/way with the caches still on, which the architecture does not
 * guarantee; does it only work by luck, and what does the luck depend on?
 *
 * The 2015 zImage and the 2020 by-VA zImage run natively (policy
 * `"native"`: no hypervisor) on tc2 (Cortex-A15/A7, no system cache) and on
 * xgene1 (an L3 system cache that set/way never reaches).
 *
 * Run it: `deno run scenarios/questions/q5_arch_invalid.ts`.
 *
 * @module
 */

import { type RunResult, vm } from "../../mod.ts";
import { type ZImageEra } from "../../lib/api/guest.ts";
import { list, quote, section, traceBody } from "./text.ts";

/**
 * The question, verbatim from the thread, and the answer it got.
 *
 * @example Usage
 * ```ts
 * import { QUESTION } from "./q5_arch_invalid.ts";
 * console.log(QUESTION);
 * ```
 */
export const QUESTION: string = quote(
  ["ok, so Linux is basically doing something architecturally invalid?"],
  "Christoffer Dall, 27 Jan 2015",
) + "\n\n" + quote(
  [
    "Indeed. That area of the code is fairly old and covers all versions of",
    "the architecture, without much distinctions as to what is valid where...",
  ],
  "Marc Zyngier, 27 Jan 2015",
) + "\n\n" + quote(
  [
    "[...] legacy code that has hardly evolved since ARMv4 (and",
    "basically works by luck, and the lack of a system cache).",
  ],
  "Marc Zyngier, 27 Jan 2015",
);

/**
 * The machines compared: without and with a system cache.
 *
 * @example Usage
 * ```ts
 * import { MACHINES } from "./q5_arch_invalid.ts";
 * console.log(MACHINES); // ["tc2", "xgene1"]
 * ```
 */
export const MACHINES: readonly string[] = Object.freeze(["tc2", "xgene1"]);

/**
 * The decompressor eras compared.
 *
 * @example Usage
 * ```ts
 * import { ERAS } from "./q5_arch_invalid.ts";
 * console.log(ERAS); // ["2015", "by-va"]
 * ```
 */
export const ERAS: readonly ZImageEra[] = Object.freeze(["2015", "by-va"]);

/**
 * One native run.
 *
 * @example Usage
 * ```ts
 * import type { NativeFinding } from "./q5_arch_invalid.ts";
 * const lucky = (f: NativeFinding) => f.archInvalid.length > 0 && f.violations === 0;
 * ```
 */
export interface NativeFinding {
  /** The machine preset. */
  readonly machine: string;
  /** The decompressor era. */
  readonly era: ZImageEra;
  /** Whether the machine has a system cache. */
  readonly systemCache: boolean;
  /** Why the guest is architecturally invalid (empty when it is not). */
  readonly archInvalid: readonly string[];
  /** Reads that failed. */
  readonly violations: number;
  /** Who is blamed, deduplicated. */
  readonly blame: readonly string[];
}

/**
 * Runs both eras natively on both machines.
 *
 * @example Usage
 * ```ts
 * import { findings } from "./q5_arch_invalid.ts";
 * const { findings: f } = await findings();
 * console.log(f.map((x) => `${x.machine} ${x.era}: ${x.violations}`));
 * ```
 * @returns one finding per machine and era, and the runs in the same order
 */
export async function findings(): Promise<{ findings: NativeFinding[]; runs: RunResult[] }> {
  const out: NativeFinding[] = [];
  const runs: RunResult[] = [];
  for (const machine of MACHINES) {
    for (const era of ERAS) {
      const run = await vm().machine(machine).policy("native").guest((g) => g.zImage32({ era }))
        .run();
      runs.push(run);
      out.push({
        machine,
        era,
        systemCache: run.machine.systemCache != null,
        archInvalid: run.verdict.archInvalid,
        violations: run.verdict.violations.length,
        blame: [...new Set(run.verdict.violations.map((v) => v.blame))],
      });
    }
  }
  return { findings: out, runs };
}

/**
 * The answer in one sentence, derived from the findings.
 *
 * @example Usage
 * ```ts
 * import { answer, findings } from "./q5_arch_invalid.ts";
 * console.log(answer((await findings()).findings));
 * ```
 * @param f one finding per machine and era
 * @returns the sentence
 */
export function answer(f: readonly NativeFinding[]): string {
  const old = f.filter((x) => x.era === "2015");
  const invalidOn = old.filter((x) => x.archInvalid.length > 0).map((x) => x.machine);
  const worksOn = old.filter((x) => x.violations === 0).map((x) => x.machine);
  const failsOn = old.filter((x) => x.violations > 0);
  const withCache = (names: readonly string[]) =>
    names.filter((m) => f.find((x) => x.machine === m)?.systemCache).length;
  const luck = worksOn.length > 0 && withCache(worksOn) === 0 &&
      failsOn.every((x) => x.systemCache)
    ? "so the luck is the lack of a system cache"
    : "so a system cache alone does not decide it";
  const fails = failsOn.length === 0
    ? "and works on every machine"
    : `and reads ${failsOn.map((x) => `${x.violations} stale words on ${x.machine}`).join(", ")}` +
      ` (blamed on ${list([...new Set(failsOn.flatMap((x) => x.blame))].map((b) => `the ${b}`))})`;
  const byVa = f.filter((x) => x.era === "by-va");
  const byVaFine = byVa.every((x) => x.archInvalid.length === 0 && x.violations === 0);
  const reason = old.find((x) => x.archInvalid.length > 0)?.archInvalid[0] ?? "none";
  return `The 2015 decompressor is architecturally invalid on ${list(invalidOn)} (${reason}), ` +
    `yet works natively on ${list(worksOn)} ${fails}, ${luck}; the by-VA decompressor is ` +
    (byVaFine ? "valid and correct on both." : "not clean everywhere either.");
}

/**
 * Runs the question and returns the text: the question, the events, the answer.
 *
 * @example Usage
 * ```ts
 * import { story } from "./q5_arch_invalid.ts";
 * console.log(await story());
 * ```
 * @param data the findings and runs, when already computed; default: run them
 * @returns the report
 */
export async function story(
  data?: { findings: NativeFinding[]; runs: RunResult[] },
): Promise<string> {
  const { findings: f, runs } = data ?? await findings();
  const out: string[] = ["Question 5: architecturally invalid, natively", "", QUESTION];
  runs.forEach((run, i) => {
    const x = f[i];
    let stale = 0;
    out.push(section(`zImage32 ${x.era} on ${x.machine}, native`));
    out.push(
      `architecturally invalid: ${x.archInvalid.length > 0 ? x.archInvalid.join("; ") : "no"}`,
    );
    out.push(
      `stale reads: ${x.violations}${x.blame.length > 0 ? ` (blame ${x.blame.join(", ")})` : ""}`,
    );
    const body = traceBody(run.trace({
      only: (e) =>
        e.name === "sw_walk" || e.name === "dc_civac" || e.name === "sctlr_write" ||
        (e.name === "stale_read" && stale++ < 2),
    }));
    if (body !== "") out.push("", body);
  });
  out.push(section("Answer"), answer(f));
  return out.join("\n") + "\n";
}

if (import.meta.main) {
  console.log(await story());
}
