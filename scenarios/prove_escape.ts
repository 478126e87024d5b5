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
 * its fixpoint: 539 to 3 453 abstract states at depth 9 to 15. On X-Gene 1
 * the default abstraction's fixpoints are far larger (115 170 abstract
 * states at depth 21 for `maintains-by-va` under kvm-4.0 with the L3, 71 s
 * alone; lib/engine/explore/prove.ts says why), so each X-Gene question
 * is asked in two steps. Every guest up to {@linkcode XGENE_DEPTH}
 * operations first: an escape there is one for every length ("Sometimes",
 * the shortest counterexample; the kinds listed are those met up to that
 * length, and the line says no fixpoint was sought). Where none escapes,
 * the question is proved under the `"verdicts"` abstraction (idle caches
 * by the lines they hold; sound for whether a guest escapes, not for the
 * kind of its failure): every `maintains-by-va` row, 25 010 abstract states
 * at depth 16 or 17 with the L3 and 10 876 at depth 14 or 15 without.
 *
 * Run it: `deno run -R scenarios/prove_escape.ts`. The 60 questions are
 * answered two at a time on workers of this module's own
 * (prove_escape_worker.ts), each single-threaded: most take about a
 * second, of which starting an exploration's own workers would cost a good
 * part (before X-Gene 1's proofs, the matrix took 44.6 s of CPU this way
 * against 128.2 s when each question started two exploration workers).
 * With them, `/usr/bin/time deno run -R scenarios/prove_escape.ts` took
 * 29.4 s and 34.2 s wall (56.0 s and 65.4 s of CPU) on an otherwise idle
 * 2-core machine (load average below 1.2); each of the ten X-Gene 1
 * proofs takes 5 to 6.5 s of it. `deno task test:prove` pins it; the generic
 * machine's by-VA classes alone (10 proofs) are what
 * `tests/explore/prove_escape_test.ts` pins by default. The output is the
 * same, byte for byte, on every run and on any number of workers (budgets
 * count runs, not seconds). With `--rates`, each question's wall time,
 * runs/s and abstract states/s go to stderr, after the answers: timing
 * stays out of the story itself.
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

/**
 * A machine asked about: its options, the depth cap, and how a question
 * with no escape up to the cap is proved.
 */
export interface AskedMachine {
  /** How the story names it. */
  readonly label: string;
  /** The machine options. */
  readonly options: Pick<ExploreOptions, "machine" | "systemCache">;
  /** The depth cap: 64 to search for a fixpoint, less for a bounded answer first. */
  readonly maxOps: number;
  /**
   * With a depth cap below 64: when no guest up to it escapes, the
   * question is proved under this abstraction, to a fixpoint.
   */
  readonly proveWith?: "verdicts";
}

/**
 * Program lengths searched first on X-Gene 1, whose default abstract
 * state space is out of reach (see the module doc): an escape found up to
 * this length answers "Sometimes" for every length; otherwise the question
 * is proved under the "verdicts" abstraction.
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
    proveWith: "verdicts",
  },
  {
    label: "X-Gene 1 without its L3",
    options: { machine: "xgene1", systemCache: false },
    maxOps: XGENE_DEPTH,
    proveWith: "verdicts",
  },
];

/**
 * Runs each question may make before the answer falls back to the bounded
 * one: a count, not seconds, so that the answer is the same on a loaded
 * machine (the generic machine's largest question makes about 50 000).
 */
export const EXECUTIONS = 5_000_000;

/**
 * Proves (or refutes) one policy and class on one machine: to a fixpoint,
 * or, on a machine with a depth cap below 64, up to the cap first and,
 * when no guest up to it escapes, to a fixpoint under the machine's
 * `proveWith` abstraction.
 *
 * @param policy the policy
 * @param guestClass the class and its operations
 * @param machine the machine (default: the generic machine)
 * @param workers the exploration's workers (default none: {@linkcode story} runs
 *   questions side by side instead, since most take about a second and a
 *   worker's start costs a good part of that)
 * @returns the report
 */
export async function ask(
  policy: string,
  guestClass: AskedClass,
  machine: AskedMachine = MACHINES[0],
  workers = 0,
): Promise<ExploreReport> {
  const options: ExploreOptions = {
    mode: "prove",
    ...machine.options,
    maxOps: machine.maxOps,
    policy,
    guestClass: guestClass.name,
    ops: [...guestClass.ops],
    executions: EXECUTIONS,
    workers,
    progress: false,
  };
  const first = await explore(options);
  // An escape met is one for every length; without one, only a fixpoint answers.
  if (machine.proveWith === undefined || shortestEscape(first) !== null) return first;
  return explore({ ...options, maxOps: 64, abstraction: machine.proveWith });
}

/**
 * One question of the story: a machine, a class and a policy.
 *
 * @example Usage
 * ```ts ignore
 * import { CLASSES, MACHINES, type Question } from "./prove_escape.ts";
 * const q: Question = { machine: MACHINES[0], guestClass: CLASSES[2], policy: "xen" };
 * ```
 */
export interface Question {
  /** The machine. */
  readonly machine: AskedMachine;
  /** The class. */
  readonly guestClass: AskedClass;
  /** The policy. */
  readonly policy: string;
}

/**
 * What the story prints for one question: its answer line and, for an escape, the details.
 *
 * @example Usage
 * ```ts ignore
 * import type { Answer } from "./prove_escape.ts";
 * const a: Answer = { line: "    xen           Never, for every length (...)", details: [] };
 * ```
 */
export interface Answer {
  /** The answer line, indented. */
  readonly line: string;
  /** The shortest counterexamples blamed on the hypervisor (generic machine only). */
  readonly details: readonly string[];
  /** What the proof established, as the cross-check compares it with bounded searches. */
  readonly proof?: ProofFacts;
  /** How long the question took (wall time, this thread's) and what it met. */
  readonly timing?: { readonly seconds: number; readonly runs: number; readonly states: number };
}

/**
 * What a proof established, as the cross-check compares it.
 *
 * @example Usage
 * ```ts ignore
 * import type { ProofFacts } from "./prove_escape.ts";
 * const p: ProofFacts = { fixpoint: true, depth: 9, shortest: null };
 * ```
 */
export interface ProofFacts {
  /** Whether the proof reached its fixpoint. */
  readonly fixpoint: boolean;
  /** The proof's depth. */
  readonly depth: number;
  /** The proof's shortest escape (operations), or null. */
  readonly shortest: number | null;
}

/** The facts of a prove-mode report. */
function proofFacts(r: ExploreReport): ProofFacts {
  return {
    fixpoint: r.proof?.fixpoint === true,
    depth: r.proof?.depth ?? 0,
    shortest: shortestEscape(r),
  };
}

/**
 * Answers one question as the story prints it.
 *
 * @example Usage
 * ```ts ignore
 * import { answer, CLASSES, MACHINES } from "./prove_escape.ts";
 * const a = await answer({ machine: MACHINES[0], guestClass: CLASSES[2], policy: "xen" });
 * console.log(a.line); // "    xen           Never, for every length (...)"
 * ```
 *
 * @param q the question
 * @returns its line and details
 */
export async function answer(q: Question): Promise<Answer> {
  const started = performance.now();
  const report = await ask(q.policy, q.guestClass, q.machine);
  const timing = {
    seconds: (performance.now() - started) / 1000,
    runs: report.stats.executions,
    states: report.stats.states,
  };
  const line = `    ${q.policy.padEnd(13)} ${answerLine(report)}`;
  const details: string[] = [];
  if (q.machine.maxOps >= 64) {
    for (const g of report.failures.filter((f) => f.blame === "hypervisor")) {
      details.push(
        "",
        `Shortest counterexample, ${q.machine.label}, class ${q.guestClass.name}, ${q.policy}:`,
      );
      details.push(...counterexample(g));
    }
  }
  return { line, details, proof: proofFacts(report), timing };
}

const WORKER_URL = new URL("./prove_escape_worker.ts", import.meta.url);

/** Whether this process may start the story's workers (they need read permission). */
function canStartWorkers(): boolean {
  const deno = (globalThis as { Deno?: typeof Deno }).Deno;
  if (deno?.permissions?.querySync === undefined || WORKER_URL.protocol !== "file:") return false;
  const path = decodeURIComponent(WORKER_URL.pathname);
  return deno.permissions.querySync({ name: "read", path }).state === "granted";
}

/**
 * What a worker is asked: a question to answer as the story prints it, or to cross-check.
 *
 * @example Usage
 * ```ts ignore
 * import { CLASSES, MACHINES, type Task } from "./prove_escape.ts";
 * const t: Task = {
 *   kind: "answer", question: { machine: MACHINES[0], guestClass: CLASSES[0], policy: "kvm-4.0" },
 * };
 * ```
 */
export interface Task {
  /**
   * `"answer"`: {@linkcode answer}; `"cross-check"`: {@linkcode crossCheck};
   * `"bounded"`: {@linkcode boundedRuns} up to `depth` + 1.
   */
  readonly kind: "answer" | "cross-check" | "bounded";
  /** The question. */
  readonly question: Question;
  /** With `"bounded"`: the proof's depth. */
  readonly depth?: number;
}

/**
 * Runs one task on this thread.
 *
 * @example Usage
 * ```ts ignore
 * import { CLASSES, MACHINES, runTask } from "./prove_escape.ts";
 * const question = { machine: MACHINES[0], guestClass: CLASSES[2], policy: "xen" };
 * console.log(await runTask({ kind: "answer", question }));
 * ```
 * @param task the task
 * @returns its result
 */
export function runTask(task: Task): Promise<Answer | CrossCheck | BoundedRuns> {
  return task.kind === "answer"
    ? answer(task.question)
    : task.kind === "bounded"
    ? boundedRuns(task.question, task.depth ?? 0)
    : crossCheck(task.question);
}

/**
 * Runs tasks on `threads` workers side by side when this process may
 * start them (each result is a pure function of its task, so it is the
 * same however they are spread), else one after another.
 *
 * @example Usage
 * ```ts ignore
 * import { CLASSES, MACHINES, runTasks, type Answer } from "./prove_escape.ts";
 * const tasks = ["kvm-4.0", "xen"].map((policy) => ({
 *   kind: "answer" as const, question: { machine: MACHINES[0], guestClass: CLASSES[2], policy },
 * }));
 * const answers = await runTasks<Answer>(tasks, 2);
 * ```
 * @param tasks the tasks
 * @param threads how many workers
 * @returns the results, in the tasks' order
 */
export async function runTasks<T extends Answer | CrossCheck | BoundedRuns>(
  tasks: readonly Task[],
  threads: number,
): Promise<T[]> {
  const out: T[] = new Array(tasks.length);
  if (threads < 2 || tasks.length < 2 || !canStartWorkers()) {
    for (let i = 0; i < tasks.length; i++) out[i] = await runTask(tasks[i]) as T;
    return out;
  }
  let next = 0;
  const workers: Worker[] = [];
  try {
    const lanes = Array.from({ length: Math.min(threads, tasks.length) }, () => {
      const w = new Worker(WORKER_URL, { type: "module" });
      workers.push(w);
      return new Promise<void>((resolve, reject) => {
        const send = () => {
          if (next >= tasks.length) return resolve();
          const i = next++;
          w.onmessage = (e: MessageEvent<{ result?: T; error?: string }>) => {
            if (e.data.error !== undefined) return reject(new Error(e.data.error));
            out[i] = e.data.result!;
            send();
          };
          w.postMessage(tasks[i]);
        };
        w.onerror = (e: ErrorEvent) => {
          e.preventDefault();
          reject(new Error(e.message));
        };
        send();
      });
    });
    await Promise.all(lanes);
  } finally {
    for (const w of workers) w.terminate();
  }
  return out;
}

/**
 * A proof and the bounded searches it must agree with (issue 19's
 * cross-check): the proof's shortest escape blamed on the hypervisor, and
 * the bounded search's at every depth up to the proof's depth + 1 (at most 6).
 *
 * @example Usage
 * ```ts ignore
 * import type { CrossCheck } from "./prove_escape.ts";
 * const c: CrossCheck = { fixpoint: true, depth: 9, shortest: null, bounded: [] };
 * ```
 */
export interface CrossCheck extends ProofFacts {
  /** Per depth searched, from 1: whether the bounded search completed, and its shortest escape. */
  readonly bounded: BoundedRuns;
}

/**
 * Per depth searched, from 1: whether the bounded search completed, and its shortest escape.
 *
 * @example Usage
 * ```ts ignore
 * import type { BoundedRuns } from "./prove_escape.ts";
 * const b: BoundedRuns = [{ complete: true, shortest: null }];
 * ```
 */
export type BoundedRuns = readonly {
  readonly complete: boolean;
  readonly shortest: number | null;
}[];

/**
 * The first length at which a failure group blamed on the hypervisor
 * appears, or null: what the cross-check compares between a proof and the
 * bounded searches.
 *
 * @example Usage
 * ```ts ignore
 * import { ask, CLASSES, shortestEscape } from "./prove_escape.ts";
 * console.log(shortestEscape(await ask("xen", CLASSES[0]))); // 3
 * ```
 * @param r a report
 * @returns the length, or null when no failure is the hypervisor's
 */
export function shortestEscape(r: ExploreReport): number | null {
  const lengths = r.failures.filter((f) => f.blame === "hypervisor").map((f) => f.found[0]);
  return lengths.length === 0 ? null : Math.min(...lengths);
}

/**
 * Proves one question, then runs the bounded search at every depth up to
 * the proof's depth + 1 (at most 6), as the cross-check compares them.
 *
 * @example Usage
 * ```ts ignore
 * import { CLASSES, crossCheck, MACHINES } from "./prove_escape.ts";
 * const c = await crossCheck({ machine: MACHINES[0], guestClass: CLASSES[2], policy: "xen" });
 * console.log(c.fixpoint, c.shortest); // true null
 * ```
 *
 * @param q the question (its machine's `options` are used for both)
 * @returns the proof's and the bounded searches' shortest escapes
 */
export async function crossCheck(q: Question): Promise<CrossCheck> {
  const proof = proofFacts(await ask(q.policy, q.guestClass, q.machine));
  return { ...proof, bounded: await boundedRuns(q, proof.depth) };
}

/**
 * The bounded searches a proof of depth `depth` is compared with: every
 * depth up to `depth` + 1 (at most 6).
 *
 * @example Usage
 * ```ts ignore
 * import { boundedRuns, CLASSES, MACHINES } from "./prove_escape.ts";
 * const b = await boundedRuns({ machine: MACHINES[0], guestClass: CLASSES[2], policy: "xen" }, 9);
 * console.log(b.length); // 6
 * ```
 *
 * @param q the question (its machine's `options` are used)
 * @param depth the proof's depth
 * @returns per depth, from 1, whether the search completed and its shortest escape
 */
export async function boundedRuns(q: Question, depth: number): Promise<BoundedRuns> {
  const bounded: { complete: boolean; shortest: number | null }[] = [];
  for (let d = 1; d <= Math.min(depth + 1, 6); d++) {
    const r = await explore({
      ...q.machine.options,
      policy: q.policy,
      guestClass: q.guestClass.name,
      ops: [...q.guestClass.ops],
      maxOps: d,
      shrink: false,
      progress: false,
      // Each search is short: a worker's start would cost more than it saves.
      workers: 0,
    });
    bounded.push({ complete: r.complete, shortest: shortestEscape(r) });
  }
  return bounded;
}

/**
 * The whole story, or a part of it: the question, each answer, then each
 * escape's shortest counterexample on the generic machine.
 *
 * @param machines the machines asked about (default: all)
 * @param classes the classes asked about (default: all)
 * @param threads how many questions are answered side by side (default 2)
 * @returns the text
 */
export async function story(
  machines: readonly AskedMachine[] = MACHINES,
  classes: readonly AskedClass[] = CLASSES,
  threads = 2,
): Promise<string> {
  const answers = await answerAll(questionsOf(machines, classes), threads);
  return storyText(machines, classes, answers);
}

/**
 * The questions of the story, in its order: machine, then class, then policy.
 *
 * @example Usage
 * ```ts ignore
 * import { MACHINES, questionsOf } from "./prove_escape.ts";
 * console.log(questionsOf([MACHINES[0]]).length); // 20
 * ```
 * @param machines the machines asked about (default: all)
 * @param classes the classes asked about (default: all)
 * @returns the questions
 */
export function questionsOf(
  machines: readonly AskedMachine[] = MACHINES,
  classes: readonly AskedClass[] = CLASSES,
): Question[] {
  const questions: Question[] = [];
  for (const machine of machines) {
    for (const guestClass of classes) {
      for (const policy of POLICIES) questions.push({ machine, guestClass, policy });
    }
  }
  return questions;
}

/**
 * Answers questions, `threads` at a time. Questions that may need a proof
 * under their machine's `proveWith` abstraction (the longest: X-Gene 1's
 * by-VA maintenance, 10 to 30 s each) are started first, so that the
 * threads do not wait at the end on one of them.
 *
 * @example Usage
 * ```ts ignore
 * import { answerAll, MACHINES, questionsOf } from "./prove_escape.ts";
 * const answers = await answerAll(questionsOf([MACHINES[0]]), 2);
 * ```
 * @param questions the questions
 * @param threads how many are answered side by side
 * @returns the answers, in the questions' order
 */
export async function answerAll(
  questions: readonly Question[],
  threads = 2,
): Promise<Answer[]> {
  const order = questions.map((_, i) => i);
  const long = (q: Question) => q.machine.proveWith !== undefined ? 0 : 1;
  order.sort((a, b) => long(questions[a]) - long(questions[b]) || a - b);
  const answers = await runTasks<Answer>(
    order.map((i) => ({ kind: "answer", question: questions[i] })),
    threads,
  );
  const out: Answer[] = new Array(questions.length);
  order.forEach((i, k) => out[i] = answers[k]);
  return out;
}

/**
 * The story's text from its answers, given in {@linkcode questionsOf}'s
 * order for the same machines and classes.
 *
 * @example Usage
 * ```ts ignore
 * import { answerAll, MACHINES, questionsOf, storyText } from "./prove_escape.ts";
 * const m = [MACHINES[0]];
 * console.log(storyText(m, undefined, await answerAll(questionsOf(m))));
 * ```
 * @param machines the machines asked about (default: all)
 * @param classes the classes asked about (default: all)
 * @param answers the answers
 * @returns the text
 */
export function storyText(
  machines: readonly AskedMachine[] = MACHINES,
  classes: readonly AskedClass[] = CLASSES,
  answers: readonly Answer[],
): string {
  const out = [
    "Does any guest of the class, of any length, read stale data the hypervisor",
    "could have prevented? One vCPU, one address, every speculative fill and",
    `castout, to a fixpoint (on X-Gene 1, every guest up to ${XGENE_DEPTH} operations first, and`,
    "a fixpoint where none of them escapes).",
  ];
  const details: string[] = [];
  let i = 0;
  for (const m of machines) {
    out.push("", `${m.label}:`);
    for (const c of classes) {
      out.push("", `  class ${c.name} (${c.ops.join(", ")}):`);
      for (const _ of POLICIES) {
        const a = answers[i++];
        out.push(a.line);
        details.push(...a.details);
      }
    }
  }
  return [...out, ...details].join("\n") + "\n";
}

/**
 * One line per question, for stderr: its wall time, runs/s and abstract states/s.
 *
 * @example Usage
 * ```ts ignore
 * import { answerAll, MACHINES, questionsOf, rateLines } from "./prove_escape.ts";
 * const questions = questionsOf([MACHINES[0]]);
 * console.error(rateLines(questions, await answerAll(questions)).join("\n"));
 * ```
 * @param questions the questions
 * @param answers their answers, in the same order
 * @returns the lines
 */
export function rateLines(questions: readonly Question[], answers: readonly Answer[]): string[] {
  return questions.map((q, i) => {
    const t = answers[i].timing;
    const per = (n: number) => Math.round(n / Math.max(t?.seconds ?? 0, 1e-3));
    const where =
      `${q.machine.options.machine}${q.machine.options.systemCache === false ? " (no L3)" : ""} ` +
      `${q.guestClass.name} ${q.policy}`;
    return t === undefined
      ? `${where}: not timed`
      : `${where}: ${t.seconds.toFixed(2)} s, ${per(t.runs)} runs/s, ${
        per(t.states)
      } abstract states/s`;
  });
}

if (import.meta.main) {
  const unknown = Deno.args.find((a) => a !== "--rates");
  if (unknown !== undefined) {
    console.error(
      `prove_escape: unknown argument ${unknown}; usage: deno run -R scenarios/prove_escape.ts [--rates]`,
    );
    Deno.exit(2);
  }
  const questions = questionsOf();
  const answers = await answerAll(questions);
  console.log(storyText(MACHINES, CLASSES, answers));
  if (Deno.args.includes("--rates")) console.error(rateLines(questions, answers).join("\n"));
}
