/**
 * The thread's question for guests of every length: does any guest of a
 * class escape the hypervisor's notice, however long it runs? Answered by
 * `explore({ mode: "prove" })`: a breadth-first search over abstract states
 * (values abstracted to newest / older / never written) to a fixpoint.
 *
 * For each policy and guest class, every guest over writes, reads,
 * DC CIVAC, MMU on and MMU off (`cleans-by-sw`: a set/way clean and
 * invalidate walk instead of DC CIVAC), one vCPU, one address, with every
 * speculative fill and castout before each operation, is run until a
 * program length adds no new abstract state. The answer is "Never, for
 * every length" with the fixpoint's size (K abstract states) and depth (D),
 * or "Sometimes" with the shortest counterexample, or, when the budget stops
 * the search first, the bounded answer, which proves nothing beyond it.
 *
 * Limits, measured (2 cores, `workers: 2`): on the generic machine (4 CPUs,
 * one cluster, no system cache), one vCPU and one address, fixpoints have
 * 1 169 to 2 726 abstract states at depth 11 to 13 and take 2 to 13 s each
 * (4 408 at depth 15 with a set/way walk in the alphabet, 17 s). On X-Gene 1 (8 CPUs in
 * 4 clusters, with or without its L3) there is no fixpoint in reach: the
 * idle CPUs' caches, which speculation may fill, multiply the states (over
 * 28 000 after 8 operations, still growing 2.5 times per length, in 60 s),
 * so X-Gene 1 is answered by the bounded search of
 * `scenarios/explore_escape.ts`, and this scenario asks the generic machine,
 * on which set/way maintenance works. With two addresses or two vCPUs the
 * generic machine's fixpoints are also out of reach (kvm-4.0,
 * `maintains-by-va`, 60 s: two addresses, 27 699 abstract states and
 * lengths up to 5 complete; two vCPUs with `migrate`, 31 399 states and
 * lengths up to 4; about 500 abstract states per second either way).
 *
 * Run it: `deno run -R scenarios/prove_escape.ts` (about a minute). The
 * output is the same, byte for byte, on every run.
 *
 * @module
 */

import { explore, type ExploreReport } from "../mod.ts";
import { answerLine, type ExploreOpName } from "../lib/api/explore.ts";
import { counterexample } from "./explore_text.ts";

/** The policies compared. */
export const POLICIES = ["kvm-4.0", "kvm-3.18", "kvm-modern", "xen", "trap-nothing"] as const;

/** The guest classes asked about, with the operations their guests are made of. */
export const CLASSES: readonly { readonly name: string; readonly ops: readonly ExploreOpName[] }[] =
  [
    { name: "cleans-by-va", ops: ["write", "read", "dc_civac", "mmuOn", "mmuOff"] },
    { name: "maintains-by-va", ops: ["write", "read", "dc_civac", "mmuOn", "mmuOff"] },
  ];

/** Seconds each question may take before the answer falls back to the bounded one. */
export const SECONDS = 30;

/**
 * Proves (or refutes) one policy and class.
 *
 * @param policy the policy
 * @param guestClass the class and its operations
 * @returns the report
 */
export function ask(
  policy: string,
  guestClass: (typeof CLASSES)[number],
): Promise<ExploreReport> {
  return explore({
    mode: "prove",
    machine: "generic",
    policy,
    guestClass: guestClass.name,
    ops: [...guestClass.ops],
    seconds: SECONDS,
    workers: 2,
  });
}

/**
 * The whole story: the question, each answer, then each escape's shortest
 * counterexample.
 *
 * @returns the text
 */
export async function story(): Promise<string> {
  const out = [
    "Does any guest of the class, of any length, read stale data the hypervisor",
    "could have prevented? One vCPU, one address, every speculative fill and",
    "castout, on the generic machine (4 CPUs, no system cache), to a fixpoint.",
  ];
  const details: string[] = [];
  for (const c of CLASSES) {
    out.push("", `  class ${c.name} (${c.ops.join(", ")}):`);
    for (const policy of POLICIES) {
      const report = await ask(policy, c);
      out.push(`    ${policy.padEnd(13)} ${answerLine(report)}`);
      for (const g of report.failures.filter((f) => f.blame === "hypervisor")) {
        details.push("", `Shortest counterexample, class ${c.name}, ${policy}:`);
        details.push(...counterexample(g));
      }
    }
  }
  return [...out, ...details].join("\n") + "\n";
}

if (import.meta.main) {
  console.log(await story());
}
