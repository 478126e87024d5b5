/**
 * The thread's question, answered by exploration: "is there any conceivable
 * guest that could correctly be turning off the MMU without calling
 * invalidate by set/way and creating a situation that we don't catch now?"
 *
 * For each policy, every guest of up to 5 operations over writes, reads,
 * DC CIVAC, MMU on and MMU off (one vCPU, one address) runs with every
 * speculative fill and castout the hardware could make before each
 * operation, on APM X-Gene 1 with its L3 system cache and on the same
 * machine without it. Two classes of guests that never use set/way:
 *
 * - `cleans-by-va`: cleans by VA every line it wrote before turning its
 *   caches off (the thread's "if the guest flushes by VA, then we're safe");
 * - `maintains-by-va`: also invalidates by VA every line it wrote with its
 *   caches off before turning them back on.
 *
 * Run it: `deno run scenarios/explore_escape.ts` (about 10 s). The output is
 * the same, byte for byte, on every run.
 *
 * @module
 */

import { explore, type ExploreReport } from "../mod.ts";
import { answerLine } from "../lib/api/explore.ts";
import { counterexample } from "./explore_text.ts";

/** The policies compared. */
export const POLICIES = ["kvm-4.0", "kvm-3.18", "kvm-modern", "xen", "trap-nothing"] as const;

/** The guest classes asked about. */
export const CLASSES = ["cleans-by-va", "maintains-by-va"] as const;

/** The machines: X-Gene 1 as it is, and without its L3 system cache. */
export const MACHINES = [
  { label: "xgene1 (8 MiB L3 system cache)", systemCache: "machine" as const },
  { label: "xgene1 without a system cache", systemCache: false as const },
];

/**
 * Explores one policy, class and machine.
 *
 * @param policy the policy
 * @param guestClass the class
 * @param systemCache `"machine"` (with the L3) or `false`
 * @returns the report
 */
export function ask(
  policy: string,
  guestClass: string,
  systemCache: "machine" | false,
): Promise<ExploreReport> {
  return explore({
    machine: "xgene1",
    systemCache,
    policy,
    guestClass,
    maxOps: 5,
    ops: ["write", "read", "dc_civac", "mmuOn", "mmuOff"],
  });
}

/**
 * The answer on one machine, as text.
 *
 * @param machine which machine
 * @returns the summary table, then each policy's minimal counterexample
 */
export async function answer(machine: (typeof MACHINES)[number]): Promise<string> {
  const out: string[] = [`On ${machine.label}:`];
  const details: string[] = [];
  for (const guestClass of CLASSES) {
    out.push("", `  class ${guestClass}:`);
    for (const policy of POLICIES) {
      const report = await ask(policy, guestClass, machine.systemCache);
      out.push(`    ${policy.padEnd(13)} ${answerLine(report)}`);
      const escapes = report.failures.filter((f) => f.blame === "hypervisor");
      if (escapes.length > 0) {
        details.push("", `Minimal counterexample, class ${guestClass}, ${policy}:`);
        for (const g of escapes) details.push(...counterexample(g));
      }
    }
  }
  return [...out, ...details].join("\n") + "\n";
}

/**
 * The whole story: the question, then the answer on each machine.
 *
 * @returns the text
 */
export async function story(): Promise<string> {
  const parts = [
    "Can a guest that never uses set/way turn its MMU off and read stale data",
    "that the hypervisor could have prevented? Every guest of up to 5 operations",
    "(write, read, DC CIVAC, MMU on, MMU off), every speculative fill and castout.",
    "",
  ];
  for (const m of MACHINES) parts.push(await answer(m));
  parts.push(
    "A guest that cleans by VA before turning its caches off is safe at that",
    "moment under every policy. What none of them catches is a line the hardware",
    "filled while the guest's caches were off, which the guest then overwrote in",
    "memory: kvm-4.0, kvm-3.18 and kvm-modern (X-Gene 1 has no FWB) flush when the",
    "caches first come on, but then stop trapping VM registers, so a guest that",
    "turns its caches off and on again reads the stale line; Xen and trap-nothing",
    "do not trap even the first caches-on. A guest that also invalidates by VA",
    "what it wrote with its caches off, before turning them on (as the arm64 Linux",
    "boot code does for the page tables it builds with the MMU off), escapes under",
    "no policy, with or without a system cache.",
  );
  return parts.join("\n") + "\n";
}

if (import.meta.main) {
  console.log(await story());
}
