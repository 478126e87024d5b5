/**
 * The thread's question for guests of every length: does any guest of a
 * class escape the hypervisor's notice, however long it runs? Answered by
 * `explore({ mode: "prove" })`: a breadth-first search over abstract states
 * (values abstracted to newest / not newest) to a fixpoint.
 *
 * For each policy (kvm-4.0, kvm-3.18, kvm-modern, xen, trap-nothing) and
 * guest class (`no-sw`; `cleans-by-va`; `maintains-by-va`; `cleans-by-sw`,
 * which cleans by a set/way walk then turns its caches off), every guest
 * over writes, reads, MMU on and MMU off, plus DC CIVAC or a set/way clean
 * walk as the class needs, one vCPU, one address, with every speculative
 * fill and castout before each operation, is run until a program length
 * adds no new abstract state. The answer is "Never, for every length" with
 * the fixpoint's size (K abstract states) and depth (D), or "Sometimes"
 * with the shortest counterexample.
 *
 * On the generic machine (4 CPUs, no system cache) every question reaches
 * its fixpoint: 539 to 3 453 abstract states at depth 9 to 15. On X-Gene 1,
 * with or without its L3, none is in reach (lib/engine/explore/prove.ts
 * says why, with the sizes measured: 80 282 abstract states in 300 s for
 * one question, still growing), so its rows are the bounded answer, every
 * guest up to {@linkcode XGENE_DEPTH} operations: "Sometimes" with no fixpoint,
 * or "Not proved" and the bounded answer.
 *
 * Run it: `deno run -R scenarios/prove_escape.ts`. The whole matrix took
 * 5 min 22 s of wall time and 2 min 2 s of CPU on a 2-core machine shared
 * with other work (load average about 20): `deno task test:prove`, which
 * pins it; the generic machine's by-VA classes alone (10 proofs) are what
 * `tests/explore/prove_escape_test.ts` pins by default. The output is the
 * same, byte for byte, on every run (budgets count runs, not seconds).
 *
 * @module
 */

import { explore, type ExploreOptions, type ExploreReport } from "../mod.ts";
import { answerLine, type ExploreOpName } from "../lib/api/explore.ts";
import { counterexample } from "./explore_text.ts";

/** The policies compared. */
export const POLICIES = ["kvm-4.0", "kvm-3.18", "kvm-modern", "xen", "trap-nothing"] as const;

/** A guest class asked about, with the operations its guests are made of. */
export interface AskedClass {
  /** The class's name (classes.ts). */
  readonly name: string;
  /** Its alphabet. */
  readonly ops: readonly ExploreOpName[];
}

/** The guest classes asked about. */
export const CLASSES: readonly AskedClass[] = [
  { name: "no-sw", ops: ["write", "read", "mmuOn", "mmuOff"] },
  { name: "cleans-by-va", ops: ["write", "read", "dc_civac", "mmuOn", "mmuOff"] },
  { name: "maintains-by-va", ops: ["write", "read", "dc_civac", "mmuOn", "mmuOff"] },
  // Cleans by set/way, then turns its caches off (the 32-bit boot path of the thread).
  { name: "cleans-by-sw", ops: ["write", "read", "sw_clean", "mmuOn", "mmuOff"] },
];

/** A machine asked about: its options, and the depth cap when no fixpoint is in reach. */
export interface AskedMachine {
  /** How the story names it. */
  readonly label: string;
  /** The machine options. */
  readonly options: Pick<ExploreOptions, "machine" | "systemCache">;
  /** The depth cap: 64 to search for a fixpoint, less for a bounded answer only. */
  readonly maxOps: number;
}

/**
 * Program lengths searched on X-Gene 1, where no fixpoint is in reach (see
 * the module doc): every program up to this length, a bounded answer.
 */
export const XGENE_DEPTH = 5;

/** The machines asked about. */
export const MACHINES: readonly AskedMachine[] = [
  {
    label: "generic machine (4 CPUs, no system cache)",
    options: { machine: "generic" },
    maxOps: 64,
  },
  {
    label: "X-Gene 1 with its L3 system cache",
    options: { machine: "xgene1" },
    maxOps: XGENE_DEPTH,
  },
  {
    label: "X-Gene 1 without its L3",
    options: { machine: "xgene1", systemCache: false },
    maxOps: XGENE_DEPTH,
  },
];

/**
 * Runs each question may make before the answer falls back to the bounded
 * one: a count, not seconds, so that the answer is the same on a loaded
 * machine (the generic machine's largest question makes about 50 000).
 */
export const EXECUTIONS = 5_000_000;

/**
 * Proves (or refutes) one policy and class on one machine.
 *
 * @param policy the policy
 * @param guestClass the class and its operations
 * @param machine the machine (default: the generic machine)
 * @returns the report
 */
export function ask(
  policy: string,
  guestClass: AskedClass,
  machine: AskedMachine = MACHINES[0],
): Promise<ExploreReport> {
  return explore({
    mode: "prove",
    ...machine.options,
    maxOps: machine.maxOps,
    policy,
    guestClass: guestClass.name,
    ops: [...guestClass.ops],
    executions: EXECUTIONS,
    workers: 2,
  });
}

/**
 * The whole story, or a part of it: the question, each answer, then each
 * escape's shortest counterexample on the generic machine.
 *
 * @param machines the machines asked about (default: all)
 * @param classes the classes asked about (default: all)
 * @returns the text
 */
export async function story(
  machines: readonly AskedMachine[] = MACHINES,
  classes: readonly AskedClass[] = CLASSES,
): Promise<string> {
  const out = [
    "Does any guest of the class, of any length, read stale data the hypervisor",
    "could have prevented? One vCPU, one address, every speculative fill and",
    "castout, to a fixpoint (or, where none is in reach, every guest up to a length).",
  ];
  const details: string[] = [];
  for (const m of machines) {
    out.push("", `${m.label}:`);
    for (const c of classes) {
      out.push("", `  class ${c.name} (${c.ops.join(", ")}):`);
      for (const policy of POLICIES) {
        const report = await ask(policy, c, m);
        out.push(`    ${policy.padEnd(13)} ${answerLine(report)}`);
        if (m.maxOps < 64) continue;
        for (const g of report.failures.filter((f) => f.blame === "hypervisor")) {
          details.push("", `Shortest counterexample, ${m.label}, class ${c.name}, ${policy}:`);
          details.push(...counterexample(g));
        }
      }
    }
  }
  return [...out, ...details].join("\n") + "\n";
}

if (import.meta.main) {
  console.log(await story());
}
