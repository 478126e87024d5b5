/**
 * Fuzz properties for the limits of a run and of an exploration, shared by
 * the CI test (limits_fuzz_cases.ts, which limits_fuzz_test.ts runs in a
 * child with a time limit) and `deno task fuzz` (fuzz_main.ts):
 *
 * - budgets inside single steps: one expensive step (a DC range of up to
 *   2^40 bytes, long set/way walks, a walk over a policy's huge cache view,
 *   a policy hook that emits without end or loops on every trapped op)
 *   under a random budget either completes or stops with a ScenarioError
 *   `budget_exceeded` naming the step, within the wall budget plus a
 *   generous margin and without growing the process by gigabytes;
 * - shard sets: random multisets of exploration parts (duplicates, gaps,
 *   parts of another configuration or another number of parts, tampered
 *   parts, exhaustive parts that exchanged each length mixed with
 *   independent ones) merge into exactly the unsharded report when they
 *   are one of each part of one configuration, all of one kind, and are
 *   refused with a ScenarioError naming a part otherwise.
 *
 * @module
 */

import assert from "node:assert/strict";
import fc from "fast-check";
import { vm } from "../../lib/dsl/mod.ts";
import type { Budget } from "../../lib/engine/budget.ts";
import { explore } from "../../lib/engine/explore/explore.ts";
import { mergeReports } from "../../lib/engine/explore/merge.ts";
import type { ExploreOptions } from "../../lib/engine/explore/options.ts";
import { memoryExchange } from "../support/memory_exchange.ts";
import { definePolicy } from "../../lib/hyp/policies/define.ts";
import type { Policy } from "../../lib/hyp/policy.ts";
import { BASE } from "./helpers.ts";
import { type FuzzProperty, onlyScenarioErrors } from "./user_fuzz.ts";

/**
 * How far past its wall budget a run may end. This is not a speed check
 * (the budget's error names what stopped the run); it only tells a run that
 * stopped from one that did not, so it is far above what a loaded machine
 * adds (a run stops within milliseconds of its budget) and far below the
 * tens of seconds an unchecked step takes.
 */
export const WALL_MARGIN_MS = 10_000;

/** How much a case may grow the process (an unchecked 2^40 range reached 3.7 GB). */
const RSS_GROWTH_LIMIT = 1024 * 1024 * 1024;

/** One expensive step, and what surrounds it. */
export type ExpensiveStep =
  | {
    readonly kind: "dc-range";
    readonly op: "civac" | "cvac";
    /** The range is 2^log2 bytes (less a page at 2^40, to stay inside 1 TiB of RAM). */
    readonly log2: number;
    readonly prefault: boolean;
  }
  | {
    readonly kind: "walks";
    readonly count: number;
    readonly machine: "generic" | "xgene1";
    readonly policy: "kvm-3.18" | "kvm-4.0" | "native";
  }
  | {
    readonly kind: "chatty";
    /** Each event differs from the last (so none collapses), or all are alike. */
    readonly distinct: boolean;
    /** How many events per trapped op; null: without end. */
    readonly emits: number | null;
  }
  | {
    readonly kind: "spin";
    /** Iterations of a busy loop per trapped op (each call returns). */
    readonly iterations: number;
  }
  | { readonly kind: "huge-view"; readonly log2Slots: number };

/** A case: the step and the budget it runs under (always a finite wall budget). */
export interface BudgetCase {
  readonly step: ExpensiveStep;
  readonly budget: Budget & { readonly wallMs: number };
}

const expensiveStep: fc.Arbitrary<ExpensiveStep> = fc.oneof(
  fc.record({
    kind: fc.constant("dc-range" as const),
    op: fc.constantFrom("civac" as const, "cvac" as const),
    log2: fc.integer({ min: 12, max: 40 }),
    prefault: fc.boolean(),
  }),
  fc.record({
    kind: fc.constant("walks" as const),
    count: fc.integer({ min: 1, max: 60 }),
    machine: fc.constantFrom("generic" as const, "xgene1" as const),
    policy: fc.constantFrom("kvm-3.18" as const, "kvm-4.0" as const, "native" as const),
  }),
  fc.record({
    kind: fc.constant("chatty" as const),
    distinct: fc.boolean(),
    emits: fc.option(fc.integer({ min: 1, max: 200_000 }), { nil: null }),
  }),
  fc.record({
    kind: fc.constant("spin" as const),
    iterations: fc.integer({ min: 1, max: 20_000 }),
  }),
  fc.record({
    kind: fc.constant("huge-view" as const),
    log2Slots: fc.integer({ min: 4, max: 30 }),
  }),
);

/** A budget with a small wall budget and, maybe, small other limits. */
const smallBudget = fc.record({
  steps: fc.option(
    fc.oneof(fc.constant(Infinity), fc.integer({ min: 1, max: 10_000_000 })),
    { nil: undefined },
  ),
  events: fc.option(fc.integer({ min: 1, max: 5_000 }), { nil: undefined }),
  touchedPages: fc.option(fc.integer({ min: 1, max: 64 }), { nil: undefined }),
  wallMs: fc.integer({ min: 5, max: 150 }),
}).map((b) => {
  const out: Record<string, number> & { wallMs: number } = { wallMs: b.wallMs };
  for (const [k, v] of Object.entries(b)) if (v !== undefined) out[k] = v;
  return out;
});

/** A policy that traps set/way ops and, on each, emits or spins as the case says. */
function busyPolicy(step: ExpensiveStep): Policy {
  return definePolicy({
    name: `busy-${step.kind}`,
    description: "does a lot of work in its set/way hook",
    source: "the limits fuzz",
    onReset(hyp) {
      hyp.vcpu.hcr.tsw = true;
    },
    onSetWay(hyp) {
      if (step.kind === "chatty") {
        const n = step.emits ?? Infinity;
        for (let i = 0; i < n; i++) hyp.emit("chatter", { i: step.distinct ? i : 0 });
      } else if (step.kind === "spin") {
        let x = 0;
        for (let i = 0; i < step.iterations; i++) x = (x * 31 + i) | 0;
        if (x === 0.5) hyp.emit("never", {});
      }
    },
  }) as Policy;
}

/** A policy whose guest sees one cache level of 2^log2 slots. */
function hugeView(log2Slots: number): Policy {
  const ways = 2 ** Math.min(4, log2Slots);
  return definePolicy({
    name: "huge-view",
    description: "a virtual cache of many slots",
    source: "the limits fuzz",
    guestCacheView(_hyp, physical) {
      return {
        clidr: physical.clidr,
        levels: [{ sets: 2 ** log2Slots / ways, ways, lineSize: 64 }],
      };
    },
  }) as Policy;
}

/** The builder of a case: the step is step 1 (after caches on), or step 0 for a walk's first. */
function builderOf({ step, budget }: BudgetCase) {
  const withBudget = (b: ReturnType<typeof vm>) => b.budget(budget);
  switch (step.kind) {
    case "dc-range": {
      const base = vm().machine("generic").ram("1TiB");
      const len = step.log2 === 40 ? 2 ** 40 - 4096 : 2 ** step.log2;
      return withBudget(step.prefault ? base.prefault() : base).guest((g) =>
        step.op === "civac" ? g.mmuOn().dc_civac(BASE, len) : g.mmuOn().dc_cvac(BASE, len)
      );
    }
    case "walks":
      return withBudget(vm().machine(step.machine).policy(step.policy)).guest((g) => {
        let out = g.mmuOn().write(BASE, 1);
        for (let i = 0; i < step.count; i++) out = out.sw_clean();
        return out;
      });
    case "chatty":
    case "spin":
      return withBudget(vm().policy(busyPolicy(step))).guest((g) => g.sw_clean().sw_clean());
    case "huge-view":
      return withBudget(vm().policy(hugeView(step.log2Slots))).guest((g) => g.sw_clean());
  }
}

/** The budget a `budget_exceeded` message names, and its figures. */
const EXCEEDED =
  /^(steps(?:\[\d+\])?|reset)(?: \(([^)]+)\))?: .*?(maxSteps|maxEvents|maxTouchedPages|maxWallMs) = (\d+) .*?\((\d+) with this step\)|^steps: the program has (\d+) steps, more than maxSteps = (\d+)/;

/**
 * A single expensive step under a random budget completes, or stops with
 * `budget_exceeded` naming the step and the figure: the event and page
 * budgets at the first record or page over the limit, and all within the
 * wall budget plus {@linkcode WALL_MARGIN_MS}, without growing the process
 * by a gigabyte.
 */
export const budgetsInsideSteps: FuzzProperty<BudgetCase> = {
  name: "budgets inside single steps: complete, or budget_exceeded naming the step, in time",
  arbitrary: fc.record({ step: expensiveStep, budget: smallBudget }),
  async check(c) {
    const builder = builderOf(c);
    const rss = Deno.memoryUsage().rss;
    const started = performance.now();
    const error = await onlyScenarioErrors(
      `${c.step.kind} under ${JSON.stringify(c.budget)}`,
      () => builder.run(),
    );
    const took = performance.now() - started;
    assert.ok(
      took <= c.budget.wallMs + WALL_MARGIN_MS,
      `ran ${Math.round(took)} ms under wallMs = ${c.budget.wallMs}`,
    );
    assert.ok(
      Deno.memoryUsage().rss - rss < RSS_GROWTH_LIMIT,
      `grew by ${Math.round((Deno.memoryUsage().rss - rss) / 2 ** 20)} MiB`,
    );
    if (error === undefined) return;
    assert.equal(error.code, "budget_exceeded", error.message);
    const m = EXCEEDED.exec(error.message);
    assert.ok(m, `a budget message naming the step and figure: ${error.message}`);
    if (m[6] !== undefined) {
      // Refused before anything ran: more steps than the step budget.
      assert.equal(error.call, "steps");
      assert.equal(Number(m[7]), c.budget.steps);
      return;
    }
    const [, at, kind, option, limit, used] = m;
    assert.equal(error.call, at);
    assert.equal(error.value, Number(limit));
    if (at !== "reset") {
      assert.ok(kind !== undefined, `the step's kind is named: ${error.message}`);
    }
    const field = { maxSteps: "steps", maxEvents: "events", maxTouchedPages: "touchedPages" }[
      option as "maxSteps"
    ] ?? "wallMs";
    assert.equal(Number(limit), c.budget[field as keyof Budget] ?? Number(limit), error.message);
    if (option === "maxEvents" || option === "maxTouchedPages") {
      // Checked as each record is kept and each page first written: one over, no more.
      assert.equal(Number(used), Number(limit) + 1, error.message);
    } else if (option === "maxSteps") {
      assert.ok(Number(used) > Number(limit), error.message);
    }
  },
};

/** The exploration configurations the shard sets are drawn from: tiny, so parts are cheap. */
export const SHARD_CONFIGS: readonly ExploreOptions[] = (() => {
  const out: ExploreOptions[] = [];
  const ops = [["write", "read", "dc_civac", "mmuOn", "mmuOff"], [
    "write",
    "read",
    "mmuOn",
  ]] as const;
  for (const policy of ["trap-nothing", "kvm-3.18", "kvm-4.0"]) {
    for (const maxOps of [2, 3]) {
      out.push({ policy, maxOps, ops: ops[0] });
      out.push({ policy, maxOps, ops: ops[1] });
      for (const [seed, executions] of [[1, 40], [2, 23]]) {
        out.push({ policy, maxOps, ops: ops[0], mode: "random", seed, executions, shrink: false });
      }
    }
  }
  return out;
})();

/** The JSON text of each configuration's unsharded report, and of its parts for each n. */
const reportCache = new Map<string, Promise<string>>();

/** Whether a part of configuration `config` can have exchanged its lengths (exhaustive ones). */
const canExchange = (config: number) => (SHARD_CONFIGS[config].mode ?? "exhaustive") !== "random";

/**
 * The JSON report of configuration `config` as part `index` of `count`,
 * computed once; `exchanged`: all the parts ran at once and exchanged each
 * length (exhaustive configurations only; otherwise ignored).
 */
function reportOf(
  config: number,
  index: number,
  count: number,
  exchanged = false,
): Promise<string> {
  const kind = exchanged && canExchange(config) ? "exchanged" : "independent";
  const key = `${config} ${index}/${count} ${kind}`;
  if (!reportCache.has(key) && kind === "exchanged") {
    const exchange = memoryExchange();
    for (let i = 0; i < count; i++) {
      const shard = `${i}/${count}`;
      reportCache.set(
        `${config} ${shard} ${kind}`,
        explore({ ...SHARD_CONFIGS[config], progress: false, shard, exchange }).then((r) =>
          JSON.stringify(r)
        ),
      );
    }
  }
  let text = reportCache.get(key);
  if (text === undefined) {
    const shard = `${index}/${count}`;
    text = explore({ ...SHARD_CONFIGS[config], progress: false, shard }).then((r) =>
      JSON.stringify(r)
    );
    reportCache.set(key, text);
  }
  return text;
}

/** How a report in a shard set is spoilt, if it is. */
export type Tamper =
  | "none"
  | "fingerprint-changed"
  | "fingerprint-removed"
  | "shard-junk"
  | "incomplete"
  | "executions";

/** One report of a shard set: part `index` of `count` of configuration `config`, maybe spoilt. */
export interface PartRef {
  readonly config: number;
  readonly count: number;
  readonly index: number;
  readonly tamper: Tamper;
  /** Whether the parts exchanged each length (ignored for random configurations). */
  readonly exchanged: boolean;
}

/** A shard set: the configuration and number of parts it is meant to be, and the parts given. */
export interface ShardSet {
  readonly config: number;
  readonly count: number;
  readonly parts: readonly PartRef[];
}

/** What may be done to an exact set of parts. */
type Edit =
  | { readonly kind: "drop"; readonly at: number }
  | { readonly kind: "duplicate"; readonly at: number }
  | { readonly kind: "foreign"; readonly at: number; readonly config: number }
  | { readonly kind: "other-count"; readonly at: number; readonly count: number }
  | { readonly kind: "tamper"; readonly at: number; readonly tamper: Tamper }
  | { readonly kind: "other-kind"; readonly at: number };

const edit: fc.Arbitrary<Edit> = fc.oneof(
  fc.record({ kind: fc.constant("drop" as const), at: fc.nat() }),
  fc.record({ kind: fc.constant("duplicate" as const), at: fc.nat() }),
  fc.record({
    kind: fc.constant("foreign" as const),
    at: fc.nat(),
    config: fc.nat({ max: SHARD_CONFIGS.length - 1 }),
  }),
  fc.record({
    kind: fc.constant("other-count" as const),
    at: fc.nat(),
    count: fc.integer({ min: 1, max: 4 }),
  }),
  // Weighted up: a set is mixed but otherwise exact only when this is its one edit.
  {
    arbitrary: fc.record({ kind: fc.constant("other-kind" as const), at: fc.nat() }),
    weight: 5,
  },
  fc.record({
    kind: fc.constant("tamper" as const),
    at: fc.nat(),
    tamper: fc.constantFrom<Tamper>(
      "fingerprint-changed",
      "fingerprint-removed",
      "shard-junk",
      "incomplete",
      "executions",
    ),
  }),
);

/** Applies `edits` to the parts, in order (positions are taken modulo the length). */
function applyEdits(parts: PartRef[], edits: readonly Edit[]): PartRef[] {
  for (const e of edits) {
    if (parts.length === 0) break;
    const at = e.at % parts.length;
    const p = parts[at];
    switch (e.kind) {
      case "drop":
        parts.splice(at, 1);
        break;
      case "duplicate":
        parts.splice(e.at % (parts.length + 1), 0, p);
        break;
      case "foreign":
        parts[at] = { ...p, config: e.config };
        break;
      case "other-count":
        parts[at] = { ...p, count: e.count, index: p.index % e.count };
        break;
      case "tamper":
        parts[at] = { ...p, tamper: e.tamper };
        break;
      case "other-kind":
        parts[at] = { ...p, exchanged: !p.exchanged };
        break;
    }
  }
  return parts;
}

const shardSet: fc.Arbitrary<ShardSet> = fc.record({
  config: fc.nat({ max: SHARD_CONFIGS.length - 1 }),
  count: fc.integer({ min: 1, max: 4 }),
  edits: fc.array(edit, { maxLength: 3 }),
  order: fc.array(fc.nat(), { maxLength: 4 }),
  exchanged: fc.boolean(),
}).map(({ config, count, edits, order, exchanged }) => {
  const parts = Array.from({ length: count }, (_, index) => ({
    config,
    count,
    index,
    tamper: "none" as Tamper,
    exchanged,
  }));
  // Shuffle: the merge takes the parts in any order.
  for (const [k, j] of order.entries()) {
    const a = k % count, b = j % count;
    [parts[a], parts[b]] = [parts[b], parts[a]];
  }
  return { config, count, parts: applyEdits(parts, edits) };
});

/** The report of a part, spoilt as it says. */
async function partReport(p: PartRef): Promise<unknown> {
  const r = JSON.parse(await reportOf(p.config, p.index, p.count, p.exchanged));
  switch (p.tamper) {
    case "fingerprint-changed":
      r.question.fingerprint = `0${r.question.fingerprint.slice(1)}` === r.question.fingerprint
        ? `1${r.question.fingerprint.slice(1)}`
        : `0${r.question.fingerprint.slice(1)}`;
      break;
    case "fingerprint-removed":
      delete r.question.fingerprint;
      break;
    case "shard-junk":
      r.question.shard = `${p.count}/${p.count}`;
      break;
    case "incomplete":
      if (r.question.mode === "exhaustive") r.complete = false;
      else r.stats.executions -= 1;
      break;
    case "executions":
      if (r.question.mode === "exhaustive") r.complete = false;
      else r.stats.executions += 1;
      break;
  }
  return r;
}

/**
 * Whether the parts are exactly one of each part 0 to n-1 of one
 * configuration, as the fingerprints they carry say, all of one kind
 * (exchanged or independent), none otherwise spoilt.
 * A changed fingerprint makes a part one of another configuration: when
 * every part carries the same changed fingerprint, nothing tells them apart
 * from the parts of that configuration. Returns the configuration and the
 * fingerprint, or null.
 */
function exactSet(
  parts: readonly PartRef[],
  reports: readonly unknown[],
): { config: number; fingerprint: string } | null {
  const ok: Tamper[] = ["none", "fingerprint-changed"];
  if (parts.length === 0 || parts.some((p) => !ok.includes(p.tamper))) return null;
  const fingerprints = reports.map((r) =>
    (r as { question: { fingerprint: string } }).question.fingerprint
  );
  const { config, count } = parts[0];
  if (parts.some((p, k) => p.count !== count || fingerprints[k] !== fingerprints[0])) return null;
  const kind = (k: number) =>
    (reports[k] as { question: { exchange?: true } }).question.exchange === true;
  if (parts.some((_, k) => kind(k) !== kind(0))) return null;
  const indices = parts.map((p) => p.index).sort((a, b) => a - b);
  if (indices.length !== count || indices.some((i, k) => i !== k)) return null;
  return { config, fingerprint: fingerprints[0] };
}

/**
 * A set of exploration parts merges into exactly the unsharded report
 * (byte-identical JSON) when it is one of each part of one configuration,
 * and is refused otherwise with a one-line ScenarioError that names a part
 * given (by its name) or the parts missing or given twice. The reports
 * given are not changed by the merge.
 */
export const shardSets: FuzzProperty<ShardSet> = {
  name: "shard sets with duplicates, gaps, strangers and tampering: the single run or a refusal",
  arbitrary: shardSet,
  async check(set) {
    const reports = await Promise.all(set.parts.map(partReport));
    const before = JSON.stringify(reports);
    const names = set.parts.map((_, k) => `r${k}.json`);
    let merged: unknown;
    const error = await onlyScenarioErrors("mergeReports", () => {
      merged = mergeReports(reports as never, { names });
    });
    assert.equal(JSON.stringify(reports), before, "the merge changed its input");
    const exact = exactSet(set.parts, reports);
    if (exact !== null) {
      assert.equal(error, undefined, `refused an exact set: ${error?.message}`);
      const single = JSON.parse(await reportOf(exact.config, 0, 1));
      single.question.fingerprint = exact.fingerprint;
      assert.equal(JSON.stringify(merged), JSON.stringify(single));
      return;
    }
    assert.ok(error, `merged a set that is not one of each part: ${JSON.stringify(set.parts)}`);
    assert.deepEqual([error.code, error.call], ["invalid_value", "mergeReports"]);
    assert.ok(!error.message.includes("\n"), "one line");
    assert.match(
      error.message,
      /^mergeReports: (?:no reports$|.*\(r\d+\.json\)|.*\br\d+\.json is not|parts? [\d/, ]+(?: and \d+ more)? (?:is|are) missing)/,
      "names a part",
    );
    if (set.parts.length === 0) assert.match(error.message, /no reports/);
  },
};

/**
 * The properties of this module with their number of cases in CI; `deno
 * task fuzz` scales them up with the others.
 *
 * @example Usage
 * ```ts ignore
 * import { LIMIT_PROPERTIES } from "./limits_fuzz.ts";
 * console.log(LIMIT_PROPERTIES.map((p) => p.runs));
 * ```
 */
export const LIMIT_PROPERTIES: readonly { property: FuzzProperty<unknown>; runs: number }[] = [
  { property: budgetsInsideSteps as unknown as FuzzProperty<unknown>, runs: 40 },
  { property: shardSets as unknown as FuzzProperty<unknown>, runs: 300 },
];
