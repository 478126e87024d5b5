/**
 * Shrinking: from a failing program and its hardware choices to a minimal
 * one that still fails the same way (same blame, same kind), so that the
 * counterexample a report prints is the story and nothing else.
 *
 * The choices are first turned into perturbations by meaning ("fill the
 * line of 0x40000000 into cpu1's L1 before step 3"), which survive removing
 * steps where a list of indices would not (see `PlanChooser`). Then, until
 * nothing changes: drop each perturbation, drop each step, and, when the
 * alphabet's addresses are interchangeable, rename the addresses in order of
 * first use; keep every change after which the program still fails. The
 * result is 1-minimal: removing any one step or perturbation makes it pass.
 *
 * @module
 */

import type { Step } from "../../guest/ops.ts";
import type { EventSink } from "../../hyp/event_sink.ts";
import { expectedReads } from "../oracle.ts";
import { PlanChooser, type PlannedPerturbation, ScriptChooser } from "../choosers.ts";
import type { ExploreContext } from "./context.ts";

/**
 * What a program's failures are: each failing read (or crash) the guest
 * class accepts, as `"blame/kind"`.
 *
 * @example Usage
 * ```ts
 * import type { Judgement } from "./shrink.ts";
 * const j: Judgement = { groups: ["guest/stale_read"], firstStep: [3] };
 * ```
 */
export interface Judgement {
  /** `"blame/kind"` of each failure, in step order. */
  readonly groups: readonly string[];
  /** The step index of each failure. */
  readonly firstStep: readonly number[];
}

/**
 * Turns a run's picks into perturbations by meaning.
 *
 * @example Usage
 * ```ts
 * import { resolveExploreOptions } from "./options.ts";
 * import { ExploreContext, loadParts } from "./context.ts";
 * import { picksToPlan } from "./shrink.ts";
 * const config = resolveExploreOptions({ ops: ["write", "read"] });
 * const { policy, guestClass } = await loadParts(config);
 * const ctx = new ExploreContext(config, policy, guestClass);
 * console.log(picksToPlan(ctx, [1], [1, 2])); // [{ before: 0, kind: "speculative_fill", cpu: 2, addr: 1073741824 }]
 * ```
 * @param ctx the context
 * @param ops the program (alphabet instance indices)
 * @param picks the run's picks
 * @returns the perturbations
 */
export function picksToPlan(
  ctx: ExploreContext,
  ops: readonly number[],
  picks: readonly number[],
): PlannedPerturbation[] {
  if (picks.length === 0) return [];
  const events: { kind: string; cpu: number; addr: number; cache: string }[] = [];
  // It reads events, so it is enabled: callers skip what a disabled sink drops.
  const sink: EventSink = {
    enabled: true,
    emit(name, _vcpu, pcpu, _pc, fields) {
      if (name === "speculative_fill" || name === "castout") {
        events.push({
          kind: name,
          cpu: pcpu ?? -1,
          addr: Number(fields?.addr),
          cache: String(fields?.cache),
        });
      } else if (name === "migrate" && fields?.reason === "preempt") {
        events.push({ kind: "preempt", cpu: Number(fields.to), addr: -1, cache: "" });
      }
      return -1;
    },
  };
  const script = new ScriptChooser();
  script.load(picks, picks.length);
  ctx.runReal(ctx.steps(ops, ops.length), script, sink);
  const plan: PlannedPerturbation[] = [];
  let e = 0;
  for (let step = 0, i = 0; i < picks.length; step++) {
    if (picks[i] === 1) {
      const ev = events[e++];
      if (ev !== undefined) {
        plan.push(
          ev.kind === "preempt"
            ? { before: step, kind: "preempt", cpu: ev.cpu }
            : ev.kind === "speculative_fill"
            ? { before: step, kind: "speculative_fill", cpu: ev.cpu, addr: ev.addr }
            : { before: step, kind: "castout", cache: ev.cache, addr: ev.addr },
        );
      }
      i += 2;
    } else {
      i += 1;
    }
  }
  return plan;
}

/**
 * Runs a program with planned perturbations and judges every read.
 *
 * @example Usage
 * ```ts
 * import { resolveExploreOptions } from "./options.ts";
 * import { ExploreContext, loadParts } from "./context.ts";
 * import { judge } from "./shrink.ts";
 * const config = resolveExploreOptions({ ops: ["write", "read", "mmuOn", "mmuOff"] });
 * const { policy, guestClass } = await loadParts(config);
 * const ctx = new ExploreContext(config, policy, guestClass);
 * // mmuOn, write, mmuOff, read: the guest never cleaned
 * console.log(judge(ctx, [2, 0, 3, 1], []).groups); // ["guest/stale_read"]
 * ```
 * @param ctx the context
 * @param ops the program
 * @param plan the perturbations
 * @returns the failures the class accepts
 */
export function judge(
  ctx: ExploreContext,
  ops: readonly number[],
  plan: readonly PlannedPerturbation[],
): Judgement {
  const steps = ctx.steps(ops, ops.length);
  const notGuest = ctx.judge.notGuest;
  const chooser = (n: number) => {
    if (plan.length === 0 || !ctx.config.speculation || ctx.candidates.length === 0) return null;
    const c = new PlanChooser(ctx.hw, ctx.candidates);
    c.load(plan.filter((p) => p.before < n));
    return c;
  };
  const accepted: boolean[] = [];
  let monitor: unknown[] | null = ctx.guestClass.start();
  for (const s of steps) {
    monitor = monitor && ctx.guestClass.next(monitor, s);
    accepted.push(monitor !== null && (ctx.guestClass.accepts?.(monitor) ?? true));
  }
  const groups: string[] = [];
  const at: number[] = [];
  const out = ctx.runReal(steps, chooser(steps.length));
  const choices = ctx.lastChoices;
  let limit = steps.length;
  if (out.crashed) {
    for (let n = 1; n <= steps.length; n++) {
      if (ctx.runReal(steps.slice(0, n), chooser(n)).crashed) {
        limit = n;
        break;
      }
    }
    if (accepted[limit - 1]) {
      groups.push(`${notGuest}/crash`);
      at.push(limit - 1);
    }
  }
  const expected = expectedReads(steps);
  let ideal: Float64Array | null = null;
  let r = -1;
  for (let s = 0; s < limit; s++) {
    const step = steps[s];
    if (step.kind !== "read") continue;
    r++;
    if (out.got[r] === expected[r] || !accepted[s]) continue;
    ideal ??= ctx.runIdeal(steps, choices);
    const blame = ctx.judge.blame(ideal[r], expected[r]);
    ctx.runReal(steps.slice(0, s + 1), chooser(s + 1));
    const kind = ctx.judge.kind(ctx.hw, step.addr, expected[r]);
    groups.push(`${blame}/${kind}`);
    at.push(s);
  }
  return { groups, firstStep: at };
}

/**
 * A shrunk counterexample.
 *
 * @example Usage
 * ```ts
 * import type { Shrunk } from "./shrink.ts";
 * const s: Shrunk = { ops: [2, 0, 3, 1], plan: [], steps: [], attempts: 12 };
 * ```
 */
export interface Shrunk {
  /** The program (alphabet instance indices). */
  readonly ops: readonly number[];
  /** The perturbations. */
  readonly plan: readonly PlannedPerturbation[];
  /** The program's steps. */
  readonly steps: readonly Step[];
  /** How many candidate programs were run. */
  readonly attempts: number;
}

/**
 * Shrinks a failing program (see the module doc).
 *
 * @example Usage
 * ```ts
 * import { resolveExploreOptions } from "./options.ts";
 * import { ExploreContext, loadParts } from "./context.ts";
 * import { shrink } from "./shrink.ts";
 * const config = resolveExploreOptions({ ops: ["write", "read", "mmuOn", "mmuOff"] });
 * const { policy, guestClass } = await loadParts(config);
 * const ctx = new ExploreContext(config, policy, guestClass);
 * // read, mmuOn, write, read, mmuOff, read: only four steps matter
 * const s = shrink(ctx, [1, 2, 0, 1, 3, 1], [], "guest/stale_read");
 * console.log(s.ops); // [2, 0, 3, 1]
 * ```
 * @param ctx the context
 * @param ops the failing program
 * @param picks its hardware picks
 * @param group the failure to keep, `"blame/kind"`
 * @param deadline a `performance.now()` time after which no shorter candidate is tried (the
 *   shortest failing program found so far is returned); default none
 * @returns the shrunk program and perturbations
 */
export function shrink(
  ctx: ExploreContext,
  ops: readonly number[],
  picks: readonly number[],
  group: string,
  deadline = Infinity,
): Shrunk {
  let bestOps = [...ops];
  let bestPlan = picksToPlan(ctx, ops, picks);
  let attempts = 0;
  // After the deadline no candidate is tried: the loops below end at once.
  const fails = (o: readonly number[], p: readonly PlannedPerturbation[]) => {
    if (attempts > 0 && performance.now() >= deadline) return false;
    attempts++;
    return judge(ctx, o, p).groups.includes(group);
  };
  if (!fails(bestOps, bestPlan)) {
    return { ops: bestOps, plan: bestPlan, steps: ctx.steps(bestOps, bestOps.length), attempts };
  }
  for (let changed = true; changed;) {
    changed = false;
    for (let i = bestPlan.length - 1; i >= 0; i--) {
      const plan = bestPlan.filter((_, k) => k !== i);
      if (fails(bestOps, plan)) {
        bestPlan = plan;
        changed = true;
      }
    }
    for (let s = bestOps.length - 1; s >= 0; s--) {
      const o = bestOps.filter((_, k) => k !== s);
      const plan = bestPlan.filter((p) => p.before !== s).map((p) =>
        p.before > s ? { ...p, before: p.before - 1 } : p
      );
      if (o.length > 0 && fails(o, plan)) {
        bestOps = o;
        bestPlan = plan;
        changed = true;
      }
    }
    if (ctx.addressSymmetric) {
      const renamed = renameAddresses(ctx, bestOps, bestPlan);
      if (renamed !== null && fails(renamed.ops, renamed.plan)) {
        bestOps = renamed.ops;
        bestPlan = renamed.plan;
      }
    }
    const renamed = renameVcpus(ctx, bestOps, bestPlan);
    if (renamed !== null && fails(renamed.ops, renamed.plan)) {
      bestOps = renamed.ops;
      bestPlan = renamed.plan;
    }
  }
  return { ops: bestOps, plan: bestPlan, steps: ctx.steps(bestOps, bestOps.length), attempts };
}

/** The program with its addresses renamed in order of first use, or null when already so. */
function renameAddresses(
  ctx: ExploreContext,
  ops: readonly number[],
  plan: readonly PlannedPerturbation[],
): { ops: number[]; plan: PlannedPerturbation[] } | null {
  const inst = ctx.alphabet.instances;
  const order: number[] = [];
  for (const o of ops) {
    const a = inst[o].addrIndex;
    if (a >= 0 && !order.includes(a)) order.push(a);
  }
  if (order.every((a, i) => a === i)) return null;
  const map = new Map(order.map((a, i) => [a, i]));
  const renamedOps = ops.map((o) => {
    const op = inst[o];
    if (op.addrIndex < 0) return o;
    const to = map.get(op.addrIndex)!;
    return inst.findIndex((x) =>
      x.name === op.name && x.vcpu === op.vcpu && x.pcpu === op.pcpu && x.addrIndex === to
    );
  });
  const lineSize = ctx.hw.lineSize;
  const addrs = ctx.config.addresses;
  const lineMap = new Map<number, number>();
  for (const [from, to] of map) {
    lineMap.set(addrs[from] - (addrs[from] % lineSize), addrs[to] - (addrs[to] % lineSize));
  }
  const renamedPlan = plan.map((p) =>
    p.kind === "preempt" ? p : { ...p, addr: lineMap.get(p.addr) ?? p.addr }
  );
  return renamedOps.includes(-1) ? null : { ops: renamedOps, plan: renamedPlan };
}

/**
 * The program with the vCPUs of each symmetry class renamed in order of
 * first use (their home CPUs swapped with them), or null when already so.
 */
function renameVcpus(
  ctx: ExploreContext,
  ops: readonly number[],
  plan: readonly PlannedPerturbation[],
): { ops: number[]; plan: PlannedPerturbation[] } | null {
  const inst = ctx.alphabet.instances;
  const classes = ctx.vcpuClass;
  const cpus = classes.length;
  const map = Array.from({ length: cpus }, (_, v) => v);
  const firstUse: number[] = [];
  for (const o of ops) {
    const v = inst[o].vcpu;
    if (v >= 0 && !firstUse.includes(v)) firstUse.push(v);
  }
  for (const c of new Set(classes)) {
    if (c < 0) continue;
    const members = [...map.keys()].filter((v) => classes[v] === c);
    const order = [
      ...firstUse.filter((v) => classes[v] === c),
      ...members.filter((v) => !firstUse.includes(v)),
    ];
    order.forEach((v, i) => map[v] = members[i]);
  }
  if (map.every((w, v) => w === v)) return null;
  const pcpu = (p: number) => (p < cpus ? map[p] : p);
  const renamedOps = ops.map((o) => {
    const op = inst[o];
    const vcpu = op.vcpu < 0 ? op.vcpu : map[op.vcpu];
    const target = op.pcpu < 0 ? op.pcpu : pcpu(op.pcpu);
    return inst.findIndex((x) =>
      x.name === op.name && x.vcpu === vcpu && x.pcpu === target && x.addrIndex === op.addrIndex
    );
  });
  if (renamedOps.includes(-1)) return null;
  const renamedPlan = plan.map((p): PlannedPerturbation => {
    if (p.kind === "speculative_fill" || p.kind === "preempt") return { ...p, cpu: pcpu(p.cpu) };
    const m = /^cpu(\d+)\.L1$/.exec(p.cache);
    return m ? { ...p, cache: `cpu${pcpu(Number(m[1]))}.L1` } : p;
  });
  return { ops: renamedOps, plan: renamedPlan };
}
