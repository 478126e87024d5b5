/**
 * The differential check: one program, run by the model (through the public
 * DSL and `run()`) and by the reference (tests/reference/vm.ts), decision
 * streams compared.
 *
 * A disagreement is either one of the {@linkcode KNOWN_MODEL_GAPS} (the
 * reference, reproducing exactly that model behaviour, agrees with the
 * model) or a finding, reported with the first differing decision and the
 * program as a DSL snippet.
 *
 * @example Usage
 * ```ts
 * import { compareProgram } from "./differential.ts";
 * const c = compareProgram({ machine: "tiny", vcpus: 1, aarch32: [false], ops: [] }, "kvm-4.0");
 * console.log(c.kind); // agree
 * ```
 *
 * @module
 */

import { run, type Scenario, ScenarioError } from "../../mod.ts";
import { firstDifference, modelDecisions } from "./decisions.ts";
import { REFERENCE_POLICIES } from "./policies.ts";
import { type MachineKind, type Program, programScenario, programSnippet } from "./program.ts";
import { type ModelGap, referenceRun } from "./vm.ts";

/** A known way the model differs from the kernel, being fixed elsewhere. */
export interface KnownGap {
  /** Its name. */
  readonly id: ModelGap | "sw-operand-refused";
  /** The issue item that fixes it. */
  readonly item: string;
  /** What the model does instead of what the kernel does. */
  readonly what: string;
}

/**
 * The disagreements expected until the model fixes of issue 15 land: each
 * names its item. Empty this list once they are merged; a class that still
 * differs then is a finding.
 *
 * @example Usage
 * ```ts
 * import { KNOWN_MODEL_GAPS } from "./differential.ts";
 * console.log(KNOWN_MODEL_GAPS.map((g) => g.id));
 * ```
 */
export const KNOWN_MODEL_GAPS: readonly KnownGap[] = Object.freeze([
  {
    id: "last-pcpu-at-migrate",
    item: "issue 15 item 1",
    what: "kvm-3.18 sets last_pcpu at migrate and after a handled trap, so the first S/W op " +
      "after a migration does flush_cache_all; the kernel sets it at every exit, so it is local",
  },
  {
    id: "abort-not-an-exit",
    item: "issue 15 item 2",
    what: "a stage-2 abort records kvm_guest_fault without the kvm_exit (DABT_LOW) before it",
  },
  {
    id: "sw-operand-refused",
    item: "issue 15 item 5",
    what: "the DSL refuses a set/way operand outside the cache geometry; under HCR.TSW the " +
      "kernel traps it like any other",
  },
  {
    id: "walk-fold-reaches-back",
    item: "found by tests/reference; no fix yet (lib/engine/event_log.ts foldWalk)",
    what: "two set/way walks at the same PC (a pc() step between them, as uboot's three " +
      "walks of one routine): the folding of the second walk looks back past its sw_walk " +
      "record and adds its first exit to the first walk's last kvm_exit record, so the " +
      "trace shows that exit before the instruction that took it; repro: " +
      'vm().policy("kvm-3.18").guest((g) => g.pc(0x40001000).sw_clean().pc(0x40001000)' +
      ".sw_clean())",
  },
]);

/**
 * A policy and a machine to run programs on: every built-in policy, and
 * kvm-modern on machines with and without stage-2 FWB.
 *
 * @example Usage
 * ```ts
 * import { CONFIGS } from "./differential.ts";
 * console.log(CONFIGS.length); // 9
 * ```
 */
export const CONFIGS: readonly { readonly policy: string; readonly machine: MachineKind }[] = Object
  .freeze([
    { policy: "kvm-4.0", machine: "tiny" },
    { policy: "kvm-3.18", machine: "tiny" },
    { policy: "kvm-modern", machine: "tiny" },
    { policy: "kvm-modern", machine: "tiny-fwb" },
    { policy: "xen", machine: "tiny" },
    { policy: "xen-iommu", machine: "tiny" },
    { policy: "trap-nothing", machine: "tiny" },
    { policy: "native", machine: "tiny" },
    { policy: "kvm-4.0-sw-only", machine: "tiny" },
  ]);

/** The outcome of one comparison. */
export type Comparison =
  | { readonly kind: "agree" }
  | { readonly kind: "known"; readonly gaps: readonly string[] }
  | { readonly kind: "finding"; readonly report: string };

const EMULATED: readonly ModelGap[] = [
  "last-pcpu-at-migrate",
  "abort-not-an-exit",
  "walk-fold-reaches-back",
];

/** Non-empty subsets of the known gaps the reference can reproduce, smallest first. */
function gapSets(known: readonly KnownGap[]): ModelGap[][] {
  const ids = EMULATED.filter((g) => known.some((k) => k.id === g));
  const sets: ModelGap[][] = [];
  for (let mask = 1; mask < 1 << ids.length; mask++) {
    sets.push(ids.filter((_, i) => (mask & (1 << i)) !== 0));
  }
  return sets.sort((x, y) => x.length - y.length);
}

/**
 * Runs `program` under `policy` on the model and on the reference and
 * compares their decisions; `known` lists the gaps to recognise.
 *
 * @example Usage
 * ```ts
 * import { compareProgram } from "./differential.ts";
 * const p = { machine: "tiny" as const, vcpus: 1, aarch32: [false], ops: [{ k: "write" as const, v: 0, addr: 0x40000000, value: 1 }] };
 * console.log(compareProgram(p, "kvm-4.0", []).kind); // finding until stage-2 aborts are exits
 * ```
 * @param program the program
 * @param policy a built-in policy name
 * @param known the known gaps; default {@linkcode KNOWN_MODEL_GAPS}
 * @param from the scenario the program was taken from (programs of the DSL's
 *   presets), run under `policy`; default: the program built with the DSL
 * @returns agreement, a known gap, or a finding with its report
 */
export function compareProgram(
  program: Program,
  policy: string,
  known: readonly KnownGap[] = KNOWN_MODEL_GAPS,
  from?: Scenario,
): Comparison {
  const snippet = from === undefined
    ? programSnippet(program, policy)
    : `the scenario ${JSON.stringify({ ...from, steps: from.steps.length })} under ${policy}`;
  let scenario;
  try {
    scenario = from === undefined ? programScenario(program, policy) : { ...from, policy };
  } catch (e) {
    const refused = e instanceof ScenarioError && /steps\[\d+\]\.(level|set|way)/.test(e.message);
    if (refused && known.some((k) => k.id === "sw-operand-refused")) {
      return { kind: "known", gaps: ["sw-operand-refused"] };
    }
    return { kind: "finding", report: `${policy}: the DSL refused the program: ${e}\n${snippet}` };
  }
  const model = modelDecisions(run(scenario));
  const ref = REFERENCE_POLICIES[policy];
  const diff = firstDifference(referenceRun(ref, program), model);
  if (diff === null) return { kind: "agree" };
  for (const gaps of gapSets(known)) {
    if (firstDifference(referenceRun(ref, program, new Set(gaps)), model) === null) {
      return { kind: "known", gaps };
    }
  }
  // Report the difference that is left once the known gaps are reproduced:
  // that is the finding, not a known gap that happens to come first.
  const all = gapSets(known).at(-1) ?? [];
  const left = all.length === 0
    ? diff
    : firstDifference(referenceRun(ref, program, new Set(all)), model)!;
  const reproduced = all.length === 0 ? "" : ` (known gaps reproduced: ${all.join(", ")})`;
  return {
    kind: "finding",
    report: `${policy} on ${program.machine}: decision ${left.index} differs${reproduced}\n` +
      `  kernel/Xen: ${left.expected}\n  model:      ${left.actual}\n  program:    ${snippet}`,
  };
}
