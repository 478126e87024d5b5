/**
 * The report of an exploration: the question, the answer (failure groups by
 * policy, blame and kind, each with a shrunk counterexample), statistics,
 * and its deterministic text form. Nothing in it depends on time: the same
 * options and seed give the same report, byte for byte, on any number of
 * workers (a `seconds` budget aside).
 *
 * @module
 */

import type { Step } from "../../guest/ops.ts";
import type { PlannedPerturbation } from "../choosers.ts";
import type { ProofSummary } from "./prove.ts";

/**
 * What was asked.
 *
 * @example Usage
 * ```ts
 * import type { ExploreQuestion } from "@setway/setway/explore";
 * const q: ExploreQuestion = {
 *   machine: "xgene1", systemCache: "machine", policy: "kvm-4.0", cpus: 1, maxOps: 4,
 *   ops: ["write", "read"], addresses: [0x40000000], guestClass: "any", mode: "exhaustive",
 *   seed: 1, speculation: true, prefault: true, shard: "0/1", fingerprint: "c0ffee0123456789",
 *   executions: null,
 * };
 * ```
 */
export interface ExploreQuestion {
  /** The machine's name. */
  readonly machine: string;
  /** `"machine"`, `"none"` or the system cache's size. */
  readonly systemCache: string;
  /** The policy's name. */
  readonly policy: string;
  /** Number of vCPUs. */
  readonly cpus: number;
  /** The longest program. */
  readonly maxOps: number;
  /** The operations. */
  readonly ops: readonly string[];
  /** The addresses. */
  readonly addresses: readonly number[];
  /** The guest class. */
  readonly guestClass: string;
  /** Exhaustive, random or prove. */
  readonly mode: "exhaustive" | "random" | "prove";
  /** The seed (random mode). */
  readonly seed: number;
  /** Whether hardware choices were explored. */
  readonly speculation: boolean;
  /** Prefaulted RAM. */
  readonly prefault: boolean;
  /** The part explored, `"i/n"` (`"0/1"`: all of it). */
  readonly shard: string;
  /**
   * Present (true) on a part whose parts exchanged each length's results
   * (`exchange`): its states and levels are the whole search's, its counts
   * and failures its own. Absent otherwise.
   */
  readonly exchange?: true;
  /**
   * Present (`"verdicts"`) when prove mode ran under that abstraction:
   * verdicts and blame hold for every length, failure kinds only as met.
   * Absent otherwise.
   */
  readonly abstraction?: "verdicts";
  /**
   * The configuration's fingerprint (16 hex digits, the same for every
   * part; see fingerprint.ts): `mergeReports` merges only equal ones.
   */
  readonly fingerprint: string;
  /** The execution budget, or null for none. */
  readonly executions: number | null;
}

/**
 * A shrunk counterexample, replayed as an ordinary run.
 *
 * @example Usage
 * ```ts
 * import type { Counterexample } from "@setway/setway/explore";
 * const c: Counterexample = {
 *   steps: [{ kind: "read", vcpu: 0, addr: 0x40000000 }], perturbations: [], snippet: "...",
 *   violation: "stale_read at 0x40000000: expected 0x1, got 0x0 (blame guest)",
 *   failsNatively: true, archInvalid: [], trace: "", reproduced: true,
 * };
 * ```
 */
export interface Counterexample {
  /** The program. */
  readonly steps: readonly Step[];
  /** What the hardware did, by meaning. */
  readonly perturbations: readonly PlannedPerturbation[];
  /** TypeScript to paste: the scenario and how to run or replay it. */
  readonly snippet: string;
  /** The replay's first violation of the group, in one line. */
  readonly violation: string;
  /** Whether the guest fails natively on the same machine too (same perturbations). */
  readonly failsNatively: boolean;
  /** Why the guest is architecturally invalid, if it is. */
  readonly archInvalid: readonly string[];
  /** The replay's event trace (without the header). */
  readonly trace: string;
  /** Whether the replay shows a failure of the same group (it always should). */
  readonly reproduced: boolean;
}

/**
 * One failure group.
 *
 * @example Usage
 * ```ts
 * import type { FailureGroup } from "@setway/setway/explore";
 * const g: FailureGroup = {
 *   policy: "kvm-4.0", blame: "guest", kind: "stale_read", count: 12, found: [4, 9, 0, 0], counterexample: null,
 * };
 * ```
 */
export interface FailureGroup {
  /** The policy. */
  readonly policy: string;
  /** Whom the oracle blames. */
  readonly blame: "guest" | "hypervisor" | "machine";
  /** `"stale_read"`, `"lost_write"` or `"crash"`. */
  readonly kind: string;
  /** Failing runs met in the group (in exhaustive mode: distinct failing transitions). */
  readonly count: number;
  /** Where the first one was found, to merge parts deterministically (shorter, then earlier, first). */
  readonly found: readonly number[];
  /** The first one, shrunk and replayed; null when shrinking was off. */
  readonly counterexample: Counterexample | null;
  /** The first one as found: program and hardware picks (alphabet instance indices). */
  readonly witness?: { readonly ops: readonly number[]; readonly picks: readonly number[] };
}

/**
 * The statistics of an exploration.
 *
 * @example Usage
 * ```ts
 * import type { ExploreStats } from "@setway/setway/explore";
 * const s: ExploreStats = {
 *   executions: 100, referenceRuns: 20, states: 40, merged: 55, rejected: 0, symmetric: 5,
 *   levels: [1, 6, 33], exact: true,
 * };
 * ```
 */
export interface ExploreStats {
  /** Runs under the policy. */
  readonly executions: number;
  /** Runs on the ideal machine. */
  readonly referenceRuns: number;
  /** Distinct states (exhaustive mode; 0 in random mode). */
  readonly states: number;
  /** Runs that reached a state already seen. */
  readonly merged: number;
  /** Operations skipped because the program would leave the guest class. */
  readonly rejected: number;
  /** Operations skipped by symmetry. */
  readonly symmetric: number;
  /** New states per program length. */
  readonly levels: readonly number[];
  /** Whether every state was hashed exactly. */
  readonly exact: boolean;
}

/**
 * The report of `explore()`.
 *
 * @example Usage
 * ```ts
 * import type { ExploreReport } from "@setway/setway";
 * function escapes(r: ExploreReport): boolean {
 *   return r.failures.some((f) => f.blame === "hypervisor");
 * }
 * ```
 */
export interface ExploreReport {
  /** What was asked. */
  readonly question: ExploreQuestion;
  /** Whether the whole space was explored (exhaustive mode, no budget hit). */
  readonly complete: boolean;
  /** The failure groups, by blame then kind. */
  readonly failures: readonly FailureGroup[];
  /** Statistics. */
  readonly stats: ExploreStats;
  /** Prove mode only: whether the search reached a fixpoint, its size and depth. */
  readonly proof?: ProofSummary;
}

const BLAME_ORDER = ["hypervisor", "machine", "guest"];

/**
 * Sorts failure groups: hypervisor first, then machine, then guest; then by kind.
 *
 * @example Usage
 * ```ts
 * import { compareGroups } from "./report.ts";
 * console.log(compareGroups({ blame: "guest", kind: "stale_read" }, { blame: "hypervisor", kind: "lost_write" }) > 0); // true
 * ```
 * @param a a group
 * @param b another
 * @returns negative when `a` comes first
 */
export function compareGroups(
  a: { readonly blame: string; readonly kind: string },
  b: { readonly blame: string; readonly kind: string },
): number {
  return (BLAME_ORDER.indexOf(a.blame) - BLAME_ORDER.indexOf(b.blame)) ||
    (a.kind < b.kind ? -1 : a.kind > b.kind ? 1 : 0);
}

/**
 * Compares search positions element by element, a prefix first. A
 * position starts with its program's length, so shorter programs come
 * first, then the rest decides in search order.
 *
 * @example Usage
 * ```ts
 * import { compareFound } from "./report.ts";
 * console.log(compareFound([3, 1, 0, 0], [4, 0, 0, 0]) < 0); // true
 * ```
 * @param a a position
 * @param b another
 * @returns negative when `a` comes first
 */
export function compareFound(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}

/**
 * The verdict of an exploration in one line: does any guest of the class
 * fail because of the hypervisor (or, for a native run, the machine)?
 *
 * @example Usage
 * ```ts
 * import { answerLine } from "@setway/setway/explore";
 * import type { ExploreReport } from "@setway/setway";
 * declare const report: ExploreReport;
 * if (report) console.log(answerLine(report));
 * ```
 * @param report the report
 * @returns the answer
 */
export function answerLine(report: ExploreReport): string {
  if (report.proof !== undefined) return proofLine(report, report.proof);
  const q = report.question;
  const bad = report.failures.filter((f) => f.blame !== "guest");
  const scope = `${q.mode === "random" ? "sampled " : ""}guests in class "${q.guestClass}" ` +
    `up to ${q.maxOps} ops`;
  const done = report.complete || q.mode === "random"
    ? ""
    : " (incomplete: a budget stopped the search)";
  if (bad.length === 0) {
    return `no violation blamed on the ${
      q.policy === "native" ? "machine" : "hypervisor"
    }: ${scope}${done}`;
  }
  return `${bad.map((f) => `${f.blame} ${f.kind}`).join(", ")}: ${scope}${done}`;
}

/**
 * Prove mode's verdict, which says which kind of answer it is:
 *
 * - a proof: "Never, for every length" with the fixpoint's size and depth;
 * - a counterexample: "Sometimes" with its length, the depth of the
 *   abstract search where it was found, and the fixpoint if there is one.
 *   Without a fixpoint it is still the shortest: the search runs length
 *   by length (exhaustive.ts) and a budget stops it only inside one
 *   length, so every shorter length was explored completely before it;
 * - neither: "Not proved", what stopped the search, and the bounded answer
 *   up to the last length explored completely.
 *
 * Without a failure no blame is at hand, so whom a violation would blame
 * follows the policy's name, as in the bounded answer. Under the
 * "verdicts" abstraction the fixpoint says so, and a counterexample's
 * kinds are marked as only those met.
 */
function proofLine(report: ExploreReport, p: ProofSummary): string {
  const bad = report.failures.filter((f) => f.blame !== "guest");
  const what = report.question.policy === "native" ? "machine" : "hypervisor";
  if (bad.length > 0) return counterexampleLine(bad, p);
  if (p.fixpoint) {
    return `Never, for every length: no violation blamed on the ${what} ` +
      `(${p.states} abstract states, fixpoint at depth ${p.depth}${
        p.abstraction === "verdicts" ? ", idle caches by the lines they hold" : ""
      })`;
  }
  return `Not proved: ${stoppedBy(p)} (${p.states} states); no guest of up to ` +
    `${operations(p.depth)} escapes: no violation blamed on the ${what} (bounded answer)`;
}

/** "Sometimes", the shortest counterexample and each group's, and the fixpoint if any. */
function counterexampleLine(bad: readonly FailureGroup[], p: ProofSummary): string {
  const depth = Math.min(...bad.map((f) => f.found[0]));
  const first = bad.find((f) => f.found[0] === depth)!;
  const length = first.counterexample?.steps.length ?? depth;
  const list = bad.map((f) => `${f.blame} ${f.kind} (shortest: ${shortest(f)} ops)`).join(", ");
  const head = `Sometimes: shortest counterexample ${operations(length)} ` +
    `(found at depth ${depth} of the abstract search): ${list}`;
  if (p.fixpoint) {
    return `${head}; ${p.states} abstract states, fixpoint at depth ${p.depth}${
      abstractionNote(p)
    }`;
  }
  return `${head}; no fixpoint: ${stoppedBy(p)} (${p.states} states); shortest all the same, ` +
    `the search being breadth first with every shorter length explored completely`;
}

/** How a counterexample under the "verdicts" abstraction says so: kinds are only those met. */
function abstractionNote(p: ProofSummary): string {
  return p.abstraction === "verdicts"
    ? " (idle caches by the lines they hold: kinds only as met)"
    : "";
}

/** A group's shortest counterexample: shrunk, or as found. */
function shortest(f: FailureGroup): number {
  return f.counterexample?.steps.length ?? f.found[0];
}

/** "1 operation", "5 operations". */
function operations(n: number): string {
  return `${n} operation${n === 1 ? "" : "s"}`;
}

/** What stopped a proof search short of a fixpoint. */
function stoppedBy(p: ProofSummary): string {
  return p.stopped === "budget"
    ? `a budget stopped the abstract search after depth ${p.depth}`
    : p.stopped === "inexact"
    ? `some abstract states could not be hashed exactly, so no fixpoint is claimed (searched to depth ${p.depth})`
    : `the depth cap stopped the abstract search at depth ${p.depth}`;
}

const hex = (n: number) => `0x${n.toString(16)}`;

/**
 * The report as text: deterministic, one section per failure group with its
 * counterexample (snippet, perturbations, trace).
 *
 * @example Usage
 * ```ts
 * import { formatExploreReport } from "@setway/setway/explore";
 * import type { ExploreReport } from "@setway/setway";
 * declare const report: ExploreReport;
 * if (report) console.log(formatExploreReport(report));
 * ```
 * @param report the report
 * @param options `trace: false` leaves the counterexamples' traces out
 * @returns the text
 */
export function formatExploreReport(
  report: ExploreReport,
  options: { readonly trace?: boolean } = {},
): string {
  const q = report.question;
  const s = report.stats;
  const out: string[] = [];
  out.push(
    `explore: ${q.policy} on ${q.machine} (system cache: ${q.systemCache}), ${q.cpus} vCPU${
      q.cpus === 1 ? "" : "s"
    }`,
    `  class: ${q.guestClass}; ${q.mode}, ${
      q.mode === "prove" ? `any length (depth cap ${q.maxOps})` : `up to ${q.maxOps} ops`
    } over ${q.ops.join(", ")}`,
    `  addresses: ${q.addresses.map(hex).join(", ")}; hardware choices: ${
      q.speculation ? "all" : "none"
    }; RAM ${q.prefault ? "prefaulted" : "faulted in"}${
      q.mode === "random" ? `; seed ${q.seed}` : ""
    }${q.shard === "0/1" ? "" : `; part ${q.shard}${q.exchange ? " (lengths exchanged)" : ""}`}`,
    `  answer: ${answerLine(report)}`,
    `  ${s.executions} runs, ${s.referenceRuns} ideal-machine runs` +
      (q.mode !== "random"
        ? `, ${s.states} distinct ${q.mode === "prove" ? "abstract " : ""}states (${
          s.levels.join(" + ")
        }), ${s.merged} merged, ` +
          `${s.symmetric} symmetric, ${s.rejected} outside the class` +
          (s.exact ? "" : "; some states not merged (inexact hashing)")
        : ""),
  );
  for (const g of report.failures) {
    out.push(
      "",
      `${g.policy} / ${g.blame} / ${g.kind}: ${g.count} failing run${g.count === 1 ? "" : "s"}`,
    );
    const c = g.counterexample;
    if (c === null) continue;
    out.push(
      `  minimal counterexample (${c.steps.length} ops, ${c.perturbations.length} hardware choices):`,
    );
    c.steps.forEach((step, i) => {
      for (const p of c.perturbations.filter((p) => p.before === i)) {
        out.push(
          p.kind === "preempt"
            ? `    [sched] preempted at its exit, handler on cpu${p.cpu}`
            : p.kind === "speculative_fill"
            ? `    [hw] speculative fill of ${hex(p.addr)} into cpu${p.cpu}.L1`
            : `    [hw] castout of ${hex(p.addr)} from ${p.cache}`,
        );
      }
      out.push(`    ${i + 1}. ${describeStep(step)}`);
    });
    out.push(`  ${c.violation}`);
    out.push(
      `  natively on this machine: ${c.failsNatively ? "fails too" : "passes"}${
        c.archInvalid.length > 0 ? `; architecturally invalid: ${c.archInvalid.join("; ")}` : ""
      }${c.reproduced ? "" : "; WARNING: the replay did not reproduce it"}`,
    );
    out.push("  snippet:");
    for (const line of c.snippet.split("\n")) out.push(`    ${line}`);
    if (options.trace !== false && c.trace !== "") {
      out.push("  trace:");
      for (const line of c.trace.split("\n")) if (line !== "") out.push(`  ${line}`);
    }
  }
  return out.join("\n") + "\n";
}

/**
 * One step in words, for the report.
 *
 * @example Usage
 * ```ts
 * import { describeStep } from "./report.ts";
 * console.log(describeStep({ kind: "read", vcpu: 1, addr: 0x40000000 })); // "vcpu1: read 0x40000000"
 * ```
 * @param step the step
 * @returns a short description
 */
export function describeStep(step: Step): string {
  switch (step.kind) {
    case "write":
      return `vcpu${step.vcpu}: write ${hex(step.addr)} = ${step.value}`;
    case "read":
      return `vcpu${step.vcpu}: read ${hex(step.addr)}`;
    case "dc_va":
      return `vcpu${step.vcpu}: DC ${step.op.toUpperCase()} ${hex(step.addr)}`;
    case "sw_walk":
      return `vcpu${step.vcpu}: set/way ${step.op} walk`;
    case "sw":
      return `vcpu${step.vcpu}: DC ${step.op.toUpperCase()} L${step.level} set ${step.set} way ${step.way}`;
    case "sctlr":
      return `vcpu${step.vcpu}: SCTLR ${
        Object.entries(step.bits).map(([k, v]) => `${k.toUpperCase()}=${v ? 1 : 0}`).join(" ")
      }`;
    case "vm_reg":
      return `vcpu${step.vcpu}: write ${step.reg}`;
    case "pc":
      return `vcpu${step.vcpu}: pc ${hex(step.addr)}`;
    case "migrate":
      return `host: migrate vcpu${step.vcpu} to cpu${step.pcpu}`;
    case "host_write":
      return `host: write ${hex(step.addr)} = ${step.value} on cpu${step.cpu ?? "?"}`;
    case "host_unmap":
      return `host: unmap ${hex(step.addr)} on cpu${step.cpu ?? "?"}`;
    case "exec_state":
      return `vcpu${step.vcpu}: ${step.aarch32 ? "AArch32" : "AArch64"}`;
  }
}
