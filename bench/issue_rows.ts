/**
 * The rows of the performance issue's table, measured in one run of
 * `deno task bench:report` (report.ts prints them first):
 *
 * - (a) the cache core's `replay()` against a plain C -O2 true-LRU
 *   simulator (bench/lru_sim.c) on the long gzip trace (long_trace.ts), D1
 *   counts checked equal;
 * - (b) the same replay against cachegrind's simulation alone: cachegrind's
 *   wall time on the traced command with `--cache-sim=yes` minus with
 *   `--cache-sim=no` (valgrind's start-up, its instrumentation and gzip's
 *   own work cancel), with cachegrind's counts checked equal to replay's;
 * - (c) the engine's cost per guest operation on a 10^5-operation program,
 *   and the process's peak memory (engine_ops.ts);
 * - (d) `deno run scenarios/zimage.ts` against a Deno hello-world, split
 *   into runtime start, module loading and computation;
 * - (e) an exploration on 2 workers against 1, executions per second;
 * - (f) 4 shards of an exhaustive search: the largest shard's runs against
 *   the unsharded search's, and the sum of 2 shards' runs against it.
 *
 * Machine-independent figures (counts, and ratios of counts) come first;
 * then each timed row's ratio (median of `n` pairs measured alternately),
 * its spread (lowest to highest pair) and `n`.
 *
 * @module
 */

import process from "node:process";
import { TraceCache } from "../lib/sim/replay.ts";
import type { MemoryTrace } from "../lib/sim/access_trace.ts";
import {
  benchCacheDir,
  buildReference,
  loadRecords,
  LONG_INPUT_BYTES,
  recordLongTrace,
  runReference,
} from "./long_trace.ts";
import { hasValgrind, runCachegrind, runValgrindGzip } from "./gzip_trace.ts";
import { median, spawnMs } from "./measure.ts";
import { OPS } from "./engine_ops.ts";
import { SCALING_EXHAUSTIVE, SCALING_RANDOM, shardRuns, workerScaling } from "./explore_scaling.ts";
import type { ExploreOptions } from "../mod.ts";

/** The D1 of rows (a) and (b): 32 KiB, 8 ways, 64-byte lines. */
const D1 = { size: 32768, ways: 8, lineSize: 64 };

const fmt = (n: number, d = 2) => n.toFixed(d);

/** A measured row: its ratio, spread and n, and what it compares. */
export interface Timed {
  readonly row: string;
  readonly ratio: number;
  readonly low: number;
  readonly high: number;
  readonly n: number;
  readonly detail: string;
}

function timed(row: string, ratios: readonly number[], detail: string): Timed {
  return {
    row,
    ratio: median(ratios),
    low: Math.min(...ratios),
    high: Math.max(...ratios),
    n: ratios.length,
    detail,
  };
}

/**
 * Row (e): executions per second on 2 workers against 1, exhaustive and
 * random (pairs of runs alternated), with the CPU time per execution.
 *
 * @example Usage
 * ```ts ignore
 * import { scalingRows } from "./issue_rows.ts";
 * for (const r of await scalingRows(3)) console.log(r.row, r.ratio);
 * ```
 * @param n pairs of runs per workload
 * @param exhaustive the exhaustive workload
 * @param random the random workload
 * @returns the two rows
 */
export async function scalingRows(
  n: number,
  exhaustive: ExploreOptions = SCALING_EXHAUSTIVE,
  random: ExploreOptions = SCALING_RANDOM,
): Promise<Timed[]> {
  const ex = await workerScaling(exhaustive, n);
  const rnd = await workerScaling(random, n);
  return [
    timed(
      `(e) explorer executions/s, 2 workers / 1, exhaustive ${exhaustive.maxOps} ops`,
      ex.ratios,
      scalingDetail(ex),
    ),
    timed(
      `(e) explorer executions/s, 2 workers / 1, random ${random.executions} programs`,
      rnd.ratios,
      scalingDetail(rnd),
    ),
  ];
}

/** The rates of a scaling row, and the CPU time per execution on 1 and 2 workers. */
function scalingDetail(
  s: { one: number[]; two: number[]; cpuOne: number[]; cpuTwo: number[] },
): string {
  return `1 worker ${fmt(median(s.one) / 1e3, 1)}k/s, 2 workers ${
    fmt(median(s.two) / 1e3, 1)
  }k/s; ` +
    `CPU ${fmt(median(s.cpuOne), 1)} -> ${
      fmt(median(s.cpuTwo), 1)
    } us per execution (every thread)`;
}

function replayMs(trace: MemoryTrace): number {
  return replayTimes(trace).ms;
}

/** One replay's wall-clock and CPU milliseconds (the process's, as the C side's). */
function replayTimes(trace: MemoryTrace): { ms: number; cpuMs: number } {
  const c = new TraceCache(D1, { name: "D1" });
  const cpu = process.cpuUsage();
  const start = performance.now();
  c.replay(trace);
  const ms = performance.now() - start;
  const used = process.cpuUsage(cpu);
  return { ms, cpuMs: (used.user + used.system) / 1000 };
}

function replayCounts(trace: MemoryTrace) {
  const c = new TraceCache(D1, { name: "D1" });
  c.replay(trace);
  const s = c.stats;
  return { Dr: s.reads, D1mr: s.readMisses, Dw: s.writes, D1mw: s.writeMisses };
}

const sameCounts = (
  a: { Dr: number; D1mr: number; Dw: number; D1mw: number },
  b: { Dr: number; D1mr: number; Dw: number; D1mw: number },
) => a.Dr === b.Dr && a.D1mr === b.D1mr && a.Dw === b.Dw && a.D1mw === b.D1mw;

const showCounts = (c: { Dr: number; D1mr: number; Dw: number; D1mw: number }) =>
  `Dr ${c.Dr} D1mr ${c.D1mr} Dw ${c.Dw} D1mw ${c.D1mw}`;

/** Row (a)'s figures: the counts line, the timed row and the trace. */
interface ReplayRow {
  readonly counts: string;
  readonly row: Timed;
  readonly note: string | null;
  readonly trace: MemoryTrace;
  readonly file: string;
  readonly input: string;
  readonly ours: { Dr: number; D1mr: number; Dw: number; D1mw: number };
}

async function measureReplayRow(dir: string, sim: string, pairs: number): Promise<ReplayRow> {
  const recordStart = performance.now();
  const { trace: file, input } = await recordLongTrace(dir, sim);
  const recordMs = performance.now() - recordStart;
  const note = recordMs > 5000
    ? `the long trace was recorded now (${fmt(recordMs / 1000, 1)} s), into ${dir}`
    : null;
  const trace = loadRecords(file);
  const ours = replayCounts(trace);
  const c = await runReference(sim, file, D1, 1);
  const counts = `(a) D1 counts, replay() vs C LRU on the long trace (${trace.length} accesses): ` +
    `${sameCounts(ours, c) ? "equal" : "DIFFER"} (${showCounts(ours)}` +
    `${sameCounts(ours, c) ? "" : ` vs ${showCounts(c)}`})`;
  // Alternate: C's simulations (one process, several) then ours, per pair.
  // The ratio is of CPU time, which other processes on a shared machine
  // disturb far less than wall-clock time; the wall-clock ratio is shown too.
  const ratiosC: number[] = [];
  const wallRatios: number[] = [];
  const oursMs: number[] = [];
  const cMsAll: number[] = [];
  replayMs(trace); // V8 compiles replay() on the first pass
  for (let i = 0; i < pairs; i++) {
    const ref = await runReference(sim, file, D1, 3);
    const ours = replayTimes(trace);
    oursMs.push(ours.cpuMs);
    cMsAll.push(median(ref.cpuMs));
    ratiosC.push(median(ref.cpuMs) / ours.cpuMs);
    wallRatios.push(median(ref.ms) / ours.ms);
  }
  const row = timed(
    "(a) replay() speed / C -O2 true-LRU speed, long gzip trace",
    ratiosC,
    `CPU time: replay ${fmt(trace.length / median(oursMs) / 1e3, 1)} M/s, C ${
      fmt(trace.length / median(cMsAll) / 1e3, 1)
    } M/s (wall-clock ratio ${fmt(median(wallRatios))} [${fmt(Math.min(...wallRatios))}-${
      fmt(Math.max(...wallRatios))
    }]); both time the simulation of the in-memory trace only`,
  );
  return { counts, row, note, trace, file, input, ours };
}

/**
 * Row (a) alone (bench/replay_vs_c.ts): replay() against the C reference on
 * the long trace, recording the trace and building the reference if needed.
 *
 * @example Usage
 * ```ts ignore
 * import { replayRow } from "./issue_rows.ts";
 * console.log(await replayRow(3));
 * ```
 * @param pairs timed pairs
 * @returns the counts line and the timed row, or null without gcc or valgrind
 */
export async function replayRow(pairs: number): Promise<{ counts: string; row: Timed } | null> {
  const dir = await benchCacheDir();
  const sim = await buildReference(dir);
  if (sim === null || !(await hasValgrind())) return null;
  const { counts, row } = await measureReplayRow(dir, sim, pairs);
  return { counts, row };
}

/** Medians of `deno run bench/zimage_phases.ts`'s in-process phases. */
async function zimagePhases(deno: string, script: string, n: number) {
  const load: number[] = [], story: number[] = [];
  for (let i = 0; i < n; i++) {
    const out = await new Deno.Command(deno, { args: ["run", script], stdout: "piped" }).output();
    const p = JSON.parse(new TextDecoder().decode(out.stdout));
    load.push(p.loadMs);
    story.push(p.storyMs);
  }
  return { loadMs: median(load), storyMs: median(story) };
}

/**
 * Measures and prints the issue's rows.
 *
 * @example Usage
 * ```ts ignore
 * import { printIssueRows } from "./issue_rows.ts";
 * await printIssueRows(false);
 * ```
 * @param quick fewer repetitions
 */
export async function printIssueRows(quick: boolean): Promise<void> {
  const n = (full: number) => (quick ? Math.max(2, Math.ceil(full / 2)) : full);
  const counts: string[] = [];
  const rows: Timed[] = [];
  const notes: string[] = [];
  const deno = Deno.execPath();
  const path = (p: string) => new URL(p, import.meta.url).pathname;

  // (a) and (b): the long trace, the C reference and cachegrind.
  const dir = await benchCacheDir();
  const sim = await buildReference(dir);
  const valgrind = await hasValgrind();
  if (sim === null) {
    counts.push("(a) C reference: skipped, gcc is not installed (or failed on bench/lru_sim.c)");
  }
  if (!valgrind) counts.push("(a)(b) long trace: skipped, valgrind is not installed");
  if (sim !== null && valgrind) {
    const a = await measureReplayRow(dir, sim, n(5));
    const { trace, file: _file, input } = a;
    counts.push(a.counts);
    rows.push(a.row);
    if (a.note !== null) notes.push(a.note);
    const ours = a.ours;

    const cachegrind = await runCachegrind(D1, new URL(`file://${input}`));
    counts.push(
      `(b) D1 counts, cachegrind live on the same command vs replay(): ${
        sameCounts(ours, cachegrind.counts) ? "equal" : "DIFFER"
      }${sameCounts(ours, cachegrind.counts) ? "" : ` (${showCounts(cachegrind.counts)})`}`,
    );
    const ratiosCg: number[] = [];
    const inputUrl = new URL(`file://${input}`);
    const cgArgs = (simulate: boolean) => [
      `--cache-sim=${simulate ? "yes" : "no"}`,
      `--D1=${D1.size},${D1.ways},${D1.lineSize}`,
      "--I1=32768,8,64",
      "--LL=8388608,16,64",
      "--cachegrind-out-file=/dev/null",
    ];
    const simMs: number[] = [];
    for (let i = 0; i < n(3); i++) {
      const yes = (await runValgrindGzip("cachegrind", cgArgs(true), inputUrl)).wallMs;
      const no = (await runValgrindGzip("cachegrind", cgArgs(false), inputUrl)).wallMs;
      const jsMs = replayMs(trace);
      simMs.push(yes - no);
      ratiosCg.push((yes - no) / jsMs);
    }
    rows.push(timed(
      "(b) replay() speed / cachegrind's simulation alone, same trace",
      ratiosCg,
      `cachegrind simulates in ${fmt(median(simMs), 0)} ms: its wall time with --cache-sim=yes ` +
        "minus with --cache-sim=no on the traced command (start-up, instrumentation and " +
        "gzip cancel; I1 and LL simulation stay in); replay() times the D1 alone",
    ));
  }

  // (f) shard balance: runs counted, the same on any machine.
  // One length shorter than row (e): the ratios are counts, and this keeps the report short.
  const sharded = { ...SCALING_EXHAUSTIVE, maxOps: SCALING_EXHAUSTIVE.maxOps! - 1 };
  const four = await shardRuns(sharded, 4);
  const two = await shardRuns(sharded, 2);
  const largest = Math.max(...four.parts) / four.whole;
  const sum2 = two.parts.reduce((a, b) => a + b, 0) / two.whole;
  counts.push(
    `(f) 4 shards, exhaustive ${sharded.maxOps} ops: largest shard's runs / ` +
      `unsharded = ${fmt(100 * largest, 1)} % (${four.parts.join(", ")} of ${four.whole})`,
  );
  counts.push(
    `(f) 2 shards: sum of the shards' runs / unsharded = ${fmt(sum2)}x ` +
      `(${two.parts.join(" + ")} of ${two.whole})`,
  );

  // (c) engine cost per guest operation.
  const perOp: number[] = [], peak: number[] = [];
  for (let i = 0; i < n(3); i++) {
    const out = await new Deno.Command(deno, {
      // Deno reads /proc/self/status (the peak memory) only with every permission.
      args: ["run", "-A", path("./engine_ops.ts")],
      stdout: "piped",
    }).output();
    const r = JSON.parse(new TextDecoder().decode(out.stdout));
    perOp.push((r.ms * 1000) / r.ops);
    if (r.peakMiB !== null) peak.push(r.peakMiB);
  }
  rows.push({
    ...timed(`(c) engine µs per guest op, ${OPS}-op program (absolute)`, perOp, ""),
    detail: `peak RSS of the process ${peak.length ? `${fmt(median(peak), 0)} MiB` : "unknown"}`,
  });

  // (d) zimage against hello-world, and the split.
  const hello: number[] = [], zimage: number[] = [], importOnly: number[] = [];
  const zr: number[] = [];
  await spawnMs(deno, ["run", path("../scenarios/zimage.ts")]); // warm the module cache
  for (let i = 0; i < n(9); i++) {
    const h = await spawnMs(deno, ["run", path("./hello.ts")]);
    const z = await spawnMs(deno, ["run", path("../scenarios/zimage.ts")]);
    hello.push(h);
    zimage.push(z);
    importOnly.push(await spawnMs(deno, ["run", path("./import_mod.ts")]));
    zr.push(z / h);
  }
  const phases = await zimagePhases(deno, path("./zimage_phases.ts"), n(5));
  rows.push(timed(
    "(d) deno run scenarios/zimage.ts wall / Deno hello-world",
    zr,
    `${fmt(median(zimage), 1)} ms: runtime start ${fmt(median(hello), 1)} ms (hello-world), ` +
      `module loading ${fmt(median(importOnly) - median(hello), 1)} ms (import mod.ts minus ` +
      `hello; in-process ${fmt(phases.loadMs, 1)} ms), computation ${
        fmt(phases.storyMs, 1)
      } ms (in-process, cold)`,
  ));

  // (e) workers.
  rows.push(...await scalingRows(n(2)));

  console.log(
    `\n0. The issue's rows (long trace: gzip of ${LONG_INPUT_BYTES / 1024} KiB, lackey)`,
  );
  console.log("   machine-independent:");
  for (const c of counts) console.log(`   ${c}`);
  console.log("   timed in this run (ratio: median of n pairs; spread: lowest-highest pair):");
  const w = Math.max(...rows.map((r) => r.row.length));
  for (const r of rows) {
    console.log(
      `   ${r.row.padEnd(w)}  ${fmt(r.ratio).padStart(6)}  ` +
        `[${fmt(r.low)}-${fmt(r.high)}]  n=${r.n}  ${r.detail}`,
    );
  }
  for (const note of notes) console.log(`   note: ${note}`);
}
