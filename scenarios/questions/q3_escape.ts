/**
 * Question 3 of the 2015 thread: can a guest turn its MMU and caches off
 * without any set/way operation, so that KVM 4.0 never re-arms TVM and
 * never sees it, and get hurt by that?
 *
 * Three guests turn their caches off without set/way: `vaCorrect` and the
 * 2020 zImage (`zImage32({ era: "by-va" })`) clean by VA first;
 * `noMaintenance` does not clean at all. Each runs under kvm-4.0 on every
 * machine preset.
 *
 * Run it: `deno run scenarios/questions/q3_escape.ts`.
 *
 * @module
 */

import { type GuestBuilder, machines, type RunResult, vm } from "../../mod.ts";
import { list, quote, section, table, traceBody } from "./text.ts";

/**
 * The question, verbatim from the thread, and the answer it got.
 *
 * @example Usage
 * ```ts
 * import { QUESTION } from "./q3_escape.ts";
 * console.log(QUESTION);
 * ```
 */
export const QUESTION: string = quote(
  [
    "So is there any conceivable guest (UEFI or something else) that could",
    "correctly be turning off the MMU without calling invalidate by set/way",
    "and creating a situation that we don't catch now?",
  ],
  "Christoffer Dall, 27 Jan 2015",
) + "\n\n" + quote(
  [
    "If the guest flushes by VA, then we're safe. If it doesn't flush at all,",
    "it is a blatant bug.",
  ],
  "Marc Zyngier, 27 Jan 2015",
);

/**
 * The guests, by name: `clean` says whether the guest cleans by VA before caches off.
 *
 * @example Usage
 * ```ts
 * import { GUESTS } from "./q3_escape.ts";
 * console.log(GUESTS.filter((g) => g.clean).map((g) => g.name)); // ["vaCorrect", "zImage32 by-va"]
 * ```
 */
export const GUESTS: readonly {
  readonly name: string;
  readonly clean: boolean;
  readonly program: (g: GuestBuilder) => GuestBuilder;
}[] = Object.freeze([
  { name: "vaCorrect", clean: true, program: (g: GuestBuilder) => g.vaCorrect() },
  {
    name: "zImage32 by-va",
    clean: true,
    program: (g: GuestBuilder) => g.zImage32({ era: "by-va" }),
  },
  { name: "noMaintenance", clean: false, program: (g: GuestBuilder) => g.noMaintenance() },
]);

/**
 * One guest on one machine under kvm-4.0.
 *
 * @example Usage
 * ```ts
 * import type { EscapeFinding } from "./q3_escape.ts";
 * const bug = (f: EscapeFinding) => !f.clean && f.blame.includes("guest");
 * ```
 */
export interface EscapeFinding {
  /** The guest. */
  readonly guest: string;
  /** Whether it cleans by VA. */
  readonly clean: boolean;
  /** The machine preset. */
  readonly machine: string;
  /** Whether KVM saw the caches go off (a trapped caches-off write). */
  readonly caughtCachesOff: boolean;
  /** `kvm_set_way_flush` events. */
  readonly setWayFlushes: number;
  /** Reads that failed. */
  readonly violations: number;
  /** Who is blamed, deduplicated. */
  readonly blame: readonly string[];
  /** Whether it fails natively on the same machine too. */
  readonly failsNatively: boolean;
}

/**
 * Runs every guest on every machine preset under kvm-4.0.
 *
 * @example Usage
 * ```ts
 * import { findings } from "./q3_escape.ts";
 * const { findings: f } = await findings();
 * console.log(f.length); // 21: three guests on seven machines
 * ```
 * @returns one finding per guest and machine, and the runs in the same order
 */
export async function findings(): Promise<{ findings: EscapeFinding[]; runs: RunResult[] }> {
  const out: EscapeFinding[] = [];
  const runs: RunResult[] = [];
  for (const g of GUESTS) {
    for (const machine of Object.keys(machines)) {
      const run = await vm().machine(machine).policy("kvm-4.0").guest(g.program).run();
      runs.push(run);
      out.push({
        guest: g.name,
        clean: g.clean,
        machine,
        caughtCachesOff: run.events.some((e) =>
          e.name === "kvm_toggle_cache" && e.was === true && e.now === false
        ),
        setWayFlushes: run.events.filter((e) => e.name === "kvm_set_way_flush").length,
        violations: run.verdict.violations.length,
        blame: [...new Set(run.verdict.violations.map((v) => v.blame))],
        failsNatively: run.verdict.failsNatively,
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
 * import { answer, findings } from "./q3_escape.ts";
 * console.log(answer((await findings()).findings));
 * ```
 * @param f one finding per guest and machine
 * @returns the sentence
 */
export function answer(f: readonly EscapeFinding[]): string {
  const machineCount = new Set(f.map((x) => x.machine)).size;
  const escaped = f.filter((x) => !x.caughtCachesOff && x.setWayFlushes === 0);
  const cleaners = f.filter((x) => x.clean);
  const buggy = f.filter((x) => !x.clean);
  const cleanFails = [...new Set(cleaners.filter((x) => x.violations > 0).map((x) => x.machine))];
  const buggyFails = buggy.filter((x) => x.violations > 0);
  const guestBlamed = buggyFails.every((x) => x.blame.length === 1 && x.blame[0] === "guest");
  const nativeToo = buggyFails.every((x) => x.failsNatively);
  const head = escaped.length === f.length
    ? `Yes, every one escapes: in all ${f.length} runs KVM never trapped the caches-off write ` +
      "nor flushed at a set/way op"
    : `${escaped.length} of ${f.length} runs escaped KVM's notice`;
  const safe = cleanFails.length === 0
    ? `the guests that clean by VA (${list([...new Set(cleaners.map((x) => x.guest))])}) read ` +
      `correctly on all ${machineCount} machines`
    : `the guests that clean by VA still failed on ${list(cleanFails)}`;
  const bug = buggyFails.length === 0
    ? "the guest that never cleans read correctly everywhere"
    : `the guest that never cleans read stale data on ${buggyFails.length} of ` +
      `${buggy.length} machines, ` +
      (guestBlamed ? "every violation blamed on the guest" : "not always blamed on the guest") +
      (nativeToo ? " and failing natively as well" : ", though not failing natively everywhere");
  return `${head}; ${safe}, while ${bug}.`;
}

/**
 * Runs the question and returns the text: the question, the events, the answer.
 *
 * @example Usage
 * ```ts
 * import { story } from "./q3_escape.ts";
 * console.log(await story());
 * ```
 * @param data the findings and runs, when already computed; default: run them
 * @returns the report
 */
export async function story(
  data?: { findings: EscapeFinding[]; runs: RunResult[] },
): Promise<string> {
  const { findings: f, runs } = data ?? await findings();
  const out: string[] = ["Question 3: caches off without set/way", "", QUESTION];
  for (const run of runs.filter((r) => r.machine.name === "xgene1")) {
    const g = GUESTS[Math.floor(runs.indexOf(run) / Object.keys(machines).length)];
    let stale = 0;
    out.push(section(`${g.name} on xgene1, kvm-4.0: flush events`));
    out.push(traceBody(run.trace({
      filter: "flush",
      only: (e) => e.name !== "stale_read" || stale++ < 2,
    })));
  }
  out.push(section("Every machine preset, kvm-4.0"));
  out.push(table(
    ["guest", "machine", "caches-off trapped", "stale reads", "blame", "fails natively"],
    f.map((x) => [
      x.guest,
      x.machine,
      x.caughtCachesOff ? "yes" : "no",
      String(x.violations),
      x.blame.length > 0 ? x.blame.join(",") : "-",
      x.failsNatively ? "yes" : "no",
    ]),
  ));
  out.push(section("Answer"), answer(f));
  return out.join("\n") + "\n";
}

if (import.meta.main) {
  console.log(await story());
}
