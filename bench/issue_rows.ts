/**
 * The rows of the performance issue's table, measured in one run of
 * `deno task bench:report` (report.ts prints them first):
 *
 * - (a) the cache core's `replay()` against a plain C -O2 true-LRU
 *   simulator (bench/lru_sim.c) on the long gzip trace (long_trace.ts), D1
 *   counts checked equal;
 * - (b) the same replay against cachegrind's simulation alone: cachegrind's
 *   CPU time on the traced command with `--cache-sim=yes` minus with
 *   `--cache-sim=no` (valgrind's start-up, its instrumentation and gzip's
 *   own work cancel; its I1 and LL simulation stay in), with cachegrind's
 *   counts checked equal to replay's (both runs in the pinned environment of
 *   gzip_trace.ts); then against its yardstick, the C reference of row (a)
 *   against the same figure, measured in the same turns;
 * - (c) the engine's cost per guest operation on a 10^5-operation program,
 *   and the process's peak memory (engine_ops.ts); what each operation past
 *   those costs (a program twice as long, less the first); then against its
 *   yardstick, the same reads and writes on the hardware model alone
 *   (hardware_ops.ts, which must read the same values), each run in a fresh
 *   process, the two alternated; and how many functions the program's
 *   process compiles again in every run (lazy_compile.ts);
 * - (d) `deno run scenarios/zimage.ts` against a Deno hello-world, split
 *   into runtime start, module loading and computation, with the count of
 *   functions it compiles again in every run (lazy_compile.ts); then
 *   against its yardstick, the same story with every function in Deno's
 *   code cache;
 * - (e) the bytes an exploration allocates per execution, exhaustive and
 *   random (explore_alloc.ts: what the garbage collectors of two workers
 *   then have to do, on the cores the workers run on); an exploration on 2
 *   workers against 1, executions per second, at
 *   the issue's sizes (exhaustive to 7 operations, 10^6 random programs;
 *   the smaller ones of explore_scaling.ts with `--quick`), each row
 *   followed by the machine's yardstick: two one-thread explorations in
 *   two processes at once against one alone, alternated pair by pair with
 *   ours (explore_scaling.ts `processCeiling`); both sides warm up with the
 *   same untimed explorations before each timed pair (`WARM_EXPLORATIONS`);
 * - (f) 4 shards of an exhaustive search: the largest shard's runs against
 *   the unsharded search's, and the sum of 2 shards' runs against it, with
 *   parts that exchange each length and with independent parts.
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
import { cachegrindArgs, hasValgrind, runCachegrind, runValgrindGzip } from "./gzip_trace.ts";
import { median, spawnJson, spawnMs } from "./measure.ts";
import { OPS } from "./engine_ops.ts";
import { writeEmptyModules } from "./empty_modules.ts";
import { graphModules, runCompiles } from "./lazy_compile.ts";
import {
  processCeiling,
  SCALING_EXHAUSTIVE,
  SCALING_EXHAUSTIVE_LARGE,
  SCALING_RANDOM,
  SCALING_RANDOM_LARGE,
  shardRuns,
  workerScaling,
} from "./explore_scaling.ts";
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
 * random (pairs of runs alternated), with the CPU time per execution; each
 * followed by the machine's yardstick for it (two one-thread processes at
 * once against one alone, a pair of those after each pair of ours).
 *
 * @example Usage
 * ```ts ignore
 * import { scalingRows } from "./issue_rows.ts";
 * for (const r of await scalingRows(3)) console.log(r.row, r.ratio);
 * ```
 * @param n pairs of runs per workload
 * @param exhaustive the exhaustive workload
 * @param random the random workload
 * @param cold whether every 2-worker run starts a new worker (else the first alone)
 * @returns the two rows
 */
export async function scalingRows(
  n: number,
  exhaustive: ExploreOptions = SCALING_EXHAUSTIVE,
  random: ExploreOptions = SCALING_RANDOM,
  cold = false,
): Promise<Timed[]> {
  // The machine's own figure, alternated pair by pair with ours.
  const yardstick = (options: ExploreOptions, into: ReturnType<typeof ceilingRuns>) => async () => {
    const c = await processCeiling(options, 1);
    into.ratios.push(...c.ratios);
    into.cpuOne.push(...c.cpuOne);
    into.cpuTwo.push(...c.cpuTwo);
  };
  const exCeiling = ceilingRuns(), rndCeiling = ceilingRuns();
  const ex = await workerScaling(exhaustive, n, cold, yardstick(exhaustive, exCeiling));
  const rnd = await workerScaling(random, n, cold, yardstick(random, rndCeiling));
  return [
    timed(
      `(e) explorer executions/s, 2 workers / 1, exhaustive ${exhaustive.maxOps} ops` +
        (cold ? ", new worker each run" : ""),
      ex.ratios,
      scalingDetail(ex),
    ),
    timed(
      `(e) yardstick: two 1-thread processes at once / one alone, exhaustive ${exhaustive.maxOps} ops`,
      exCeiling.ratios,
      ceilingDetail(exCeiling),
    ),
    timed(
      `(e) explorer executions/s, 2 workers / 1, random ${random.executions} programs` +
        (cold ? ", new worker each run" : ""),
      rnd.ratios,
      scalingDetail(rnd),
    ),
    timed(
      `(e) yardstick: two 1-thread processes at once / one alone, random ${random.executions} programs`,
      rndCeiling.ratios,
      ceilingDetail(rndCeiling),
    ),
  ];
}

function ceilingRuns(): { ratios: number[]; cpuOne: number[]; cpuTwo: number[] } {
  return { ratios: [], cpuOne: [], cpuTwo: [] };
}

/** The yardstick's CPU time per execution, one process alone and two at once. */
function ceilingDetail(c: { cpuOne: number[]; cpuTwo: number[] }): string {
  return `(the machine's ceiling for 2 workers, no code of ours shared; measured alternately ` +
    `with the row before it) CPU ${fmt(median(c.cpuOne), 1)} -> ${
      fmt(median(c.cpuTwo), 1)
    } us per execution (each process, warm)`;
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
    `${sameCounts(ours, c) ? "equal" : "MISMATCH"} (${showCounts(ours)}` +
    `${sameCounts(ours, c) ? "" : ` vs ${showCounts(c)}`})`;
  // Alternate: C's simulations (one process, several) then ours, per pair.
  // The ratio is of CPU time, which other processes on a shared machine
  // disturb far less than wall-clock time; the wall-clock ratio is shown too.
  const ratiosC: number[] = [];
  const wallRatios: number[] = [];
  const oursMs: number[] = [];
  const cMsAll: number[] = [];
  replayTimes(trace); // V8 compiles replay() on the first pass
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
 * Row (b): cachegrind live on the command lackey recorded, its D1 counts
 * checked equal to replay()'s, and its simulation's CPU time against
 * replay()'s; then its yardstick, the same against the C reference's
 * simulation of the same trace, measured in the same turns: what a plain
 * C -O2 true-LRU simulator of D1 alone gets against cachegrind's figure.
 */
async function measureCachegrindRow(
  sim: string,
  a: ReplayRow,
  pairs: number,
): Promise<{ counts: string; row: Timed; yardstick: Timed }> {
  const { trace, input, ours, file } = a;
  // cachegrind runs the command lackey recorded, in the same pinned
  // environment (gzip_trace.ts): its counts must be replay()'s exactly.
  const inputUrl = new URL(`file://${input}`);
  const cachegrind = await runCachegrind(D1, inputUrl);
  const equal = sameCounts(ours, cachegrind.counts);
  const line = equal
    ? `(b) D1 counts, cachegrind live on the same command vs replay(): equal`
    : `(b) MISMATCH: cachegrind live on the same command counts ${
      showCounts(cachegrind.counts)
    }, replay() of the recorded trace ${showCounts(ours)}: the two runs saw different ` +
      "addresses (a changed binary or library, or an environment that is not the pinned one)";
  if (!equal) console.error(line);
  // CPU time (user + system, from wait4 through the C reference's `time`
  // mode), which other processes on a shared machine disturb far less than
  // wall-clock time; runs alternate: with, without, replay, the C reference.
  const ratiosCg: number[] = [];
  const wallRatios: number[] = [];
  const simMs: number[] = [];
  const jsAll: number[] = [];
  const ratiosC: number[] = [];
  const cAll: number[] = [];
  for (let i = 0; i < pairs; i++) {
    const yes = await runValgrindGzip("cachegrind", cachegrindArgs(D1, true), inputUrl, sim);
    const no = await runValgrindGzip("cachegrind", cachegrindArgs(D1, false), inputUrl, sim);
    const js = replayTimes(trace);
    const c = median((await runReference(sim, file, D1, 1)).cpuMs);
    simMs.push(yes.cpuMs! - no.cpuMs!);
    jsAll.push(js.cpuMs);
    cAll.push(c);
    ratiosCg.push((yes.cpuMs! - no.cpuMs!) / js.cpuMs);
    ratiosC.push((yes.cpuMs! - no.cpuMs!) / c);
    wallRatios.push((yes.wallMs - no.wallMs) / js.ms);
  }
  const accesses = (trace.length / 1e6).toFixed(1);
  const row = timed(
    "(b) replay() speed / cachegrind's simulation alone, same trace",
    ratiosCg,
    `CPU time: cachegrind simulates in ${fmt(median(simMs), 0)} ms (--cache-sim=yes minus ` +
      `--cache-sim=no on the same command: start-up, instrumentation, instruction counting ` +
      `and gzip cancel), replay() in ${fmt(median(jsAll), 0)} ms. cachegrind's figure covers ` +
      `the calls that hand each access to its simulator and the lookups of I1 ` +
      `(${fmt(cachegrind.instructions / 1e6, 1)} M fetches), D1 (${accesses} M accesses) and ` +
      `LL; replay()'s covers D1 alone (wall-clock ratio ${fmt(median(wallRatios))} [${
        fmt(Math.min(...wallRatios))
      }-${fmt(Math.max(...wallRatios))}])`,
  );
  const yardstick = timed(
    "(b) yardstick: the C -O2 reference's speed / cachegrind's simulation alone",
    ratiosC,
    `CPU time: the C true-LRU simulator of row (a) simulates the same trace's D1 in ${
      fmt(median(cAll), 0)
    } ms, in the same turns as the row before it: what a plain C simulator of D1 alone gets ` +
      `against the same figure of cachegrind's`,
  );
  return { counts: line, row, yardstick };
}

/**
 * Rows (a) and (b) alone (bench/replay_vs_c.ts): replay() against the C
 * reference and against cachegrind's simulation on the long trace,
 * recording the trace and building the reference if needed.
 *
 * @example Usage
 * ```ts ignore
 * import { replayRow } from "./issue_rows.ts";
 * console.log(await replayRow(3, 3));
 * ```
 * @param pairs timed pairs of row (a)
 * @param cachegrindPairs timed triples of row (b) (with, without, replay); 0 skips it
 * @returns the counts lines and the timed rows, or null without gcc or valgrind
 */
export async function replayRow(
  pairs: number,
  cachegrindPairs = 0,
): Promise<{ counts: string[]; rows: Timed[] } | null> {
  const dir = await benchCacheDir();
  const sim = await buildReference(dir);
  if (sim === null || !(await hasValgrind())) return null;
  const a = await measureReplayRow(dir, sim, pairs);
  const counts = [a.counts], rows = [a.row];
  if (cachegrindPairs > 0) {
    const b = await measureCachegrindRow(sim, a, cachegrindPairs);
    counts.push(b.counts);
    rows.push(b.row, b.yardstick);
  }
  return { counts, rows };
}

/** Medians of `deno run bench/zimage_phases.ts`'s in-process phases, wall and CPU. */
async function zimagePhases(deno: string, script: string, n: number) {
  const load: number[] = [], loadCpu: number[] = [];
  const build: number[] = [], buildCpu: number[] = [];
  const story: number[] = [], storyCpu: number[] = [];
  for (let i = 0; i < n; i++) {
    const p = await spawnJson(deno, ["run", script]);
    load.push(p.loadMs);
    loadCpu.push(p.loadCpuMs);
    build.push(p.buildMs);
    buildCpu.push(p.buildCpuMs);
    story.push(p.storyMs);
    storyCpu.push(p.storyCpuMs);
  }
  return { load, loadCpu, build, buildCpu, story, storyCpu };
}

/** What a failed command said: the first line of its standard error (spawnMs's message). */
const firstLine = (e: unknown) => {
  const lines = String(e instanceof Error ? e.message : e).split("\n").filter((l) => l !== "");
  return lines[1] ?? lines[0] ?? "";
};

/** `median [lowest-highest]` of some milliseconds. */
const spread = (ms: readonly number[]) =>
  `${fmt(median(ms), 1)} [${fmt(Math.min(...ms), 1)}-${fmt(Math.max(...ms), 1)}]`;

/**
 * Row (d): `deno run scenarios/zimage.ts` against a Deno hello-world, each a
 * fresh process, timed alternately, split into runtime start (the
 * hello-world), module loading (a process that only imports the modules the
 * scenario imports, minus the hello-world; and in-process, wall and CPU) and
 * computation (in-process, cold: building the guest program, which the
 * scenario does at import, then the story; wall and CPU), each as median
 * [lowest-highest]; and, of the module loading, what Deno charges for as
 * many modules whatever their code (empty_modules.ts), where V8 can count
 * the modules the story's imports load. Then its yardstick, timed in the same pairs: the story
 * as it would run if the code cache held its functions (lazy_compile.ts
 * says why it does not), which V8 gives when it compiles every function
 * with its module (`--v8-flags=--no-lazy`) and the run has a cache of its
 * own, in a temporary DENO_DIR: a bound, since that cache also holds the
 * functions the story never calls.
 *
 * @example Usage
 * ```ts ignore
 * import { zimageRows } from "./issue_rows.ts";
 * console.log((await zimageRows(5, 5)).rows[0].detail);
 * ```
 * @param pairs hello-world / zimage pairs timed alternately
 * @param phaseRuns fresh processes of bench/zimage_phases.ts
 * @returns the timed row and its yardstick, or the row and why the yardstick was skipped
 */
export async function zimageRows(
  pairs: number,
  phaseRuns: number,
): Promise<{ rows: Timed[]; note: string | null }> {
  const deno = Deno.execPath();
  const path = (p: string) => new URL(p, import.meta.url).pathname;
  const story = path("../scenarios/zimage.ts");
  const hello: number[] = [], zimage: number[] = [], loading: number[] = [];
  const zr: number[] = [], eager: number[] = [], er: number[] = [];
  // As many one-line modules as the story's imports load, in a directory of their own.
  const importer = path("./import_story_modules.ts");
  const modules = (await runCompiles(deno, importer).catch(() => null))?.modules ?? 0;
  const emptyDir = await Deno.makeTempDir({ prefix: "setway-empty-modules-" });
  const empty = modules > 0 ? await writeEmptyModules(emptyDir, modules) : null;
  const emptyMs: number[] = [];
  const eagerDir = await Deno.makeTempDir({ prefix: "setway-eager-" });
  const eagerEnv = { DENO_DIR: eagerDir };
  const eagerArgs = ["run", "--v8-flags=--no-lazy", story];
  let eagerFailed = "";
  try {
    await spawnMs(deno, ["run", story]); // warm the module cache
    await spawnMs(deno, ["run", importer]);
    if (empty !== null) await spawnMs(deno, ["run", empty.root]);
    // And the yardstick's own, unless this Deno's V8 refuses the flag.
    await spawnMs(deno, eagerArgs, eagerEnv).catch((e) => eagerFailed = firstLine(e));
    for (let i = 0; i < pairs; i++) {
      const h = await spawnMs(deno, ["run", path("./hello.ts")]);
      const z = await spawnMs(deno, ["run", story]);
      hello.push(h);
      zimage.push(z);
      zr.push(z / h);
      if (eagerFailed === "") {
        const e = await spawnMs(deno, eagerArgs, eagerEnv);
        eager.push(e);
        er.push(e / h);
      }
      loading.push((await spawnMs(deno, ["run", importer])) - h);
      if (empty !== null) {
        const h2 = await spawnMs(deno, ["run", empty.hello]);
        emptyMs.push((await spawnMs(deno, ["run", empty.root])) - h2);
      }
    }
  } finally {
    await Deno.remove(eagerDir, { recursive: true });
    await Deno.remove(emptyDir, { recursive: true });
  }
  const p = await zimagePhases(deno, path("./zimage_phases.ts"), phaseRuns);
  const row = timed(
    "(d) deno run scenarios/zimage.ts wall / Deno hello-world",
    zr,
    `${spread(zimage)} ms: runtime start ${spread(hello)} ms (hello-world); ` +
      `module loading ${spread(loading)} ms (import the scenario's modules minus hello; ` +
      `in-process ${spread(p.load)} ms wall, ${spread(p.loadCpu)} ms CPU${
        empty === null ? "" : `; of which Deno charges ${spread(emptyMs)} ms for ${modules} ` +
          `modules whatever their code: as many one-line modules, minus a hello-world beside them`
      }); ` +
      `computation (in-process, cold, n=${phaseRuns}): building the guest at import ` +
      `${spread(p.build)} ms wall, ${spread(p.buildCpu)} ms CPU; the story ` +
      `${spread(p.story)} ms wall, ${spread(p.storyCpu)} ms CPU`,
  );
  if (eagerFailed !== "") {
    return {
      rows: [row],
      note:
        `(d) yardstick skipped: the story did not run with --v8-flags=--no-lazy: ${eagerFailed}`,
    };
  }
  const yardstick = timed(
    "(d) yardstick: the same, every function in the code cache / hello-world",
    er,
    `${spread(eager)} ms (--v8-flags=--no-lazy with a DENO_DIR of its own, alternated with ` +
      `the row before it: V8 compiles every function with its module, so Deno's code cache ` +
      `holds them all, those the story never calls too)`,
  );
  return { rows: [row, yardstick], note: null };
}

/** How many functions a run compiled on their first call, and how long that took. */
const compiledAgain = (c: { lazy: number; lazyMs: number }) =>
  `${c.lazy} of their functions compiled on their first call in every run, since Deno's ` +
  `code cache holds none (${fmt(c.lazyMs, 1)} ms of parsing and bytecode in a run with ` +
  `V8's function events logged)`;

/**
 * The machine-independent line of row (c): what the 10^5-op program's
 * process compiles again in every run (lazy_compile.ts), or why it was
 * skipped (a Deno whose V8 refuses the flags).
 *
 * @example Usage
 * ```ts ignore
 * import { opsCompilesLine } from "./issue_rows.ts";
 * console.log(await opsCompilesLine());
 * ```
 * @returns the line
 */
export async function opsCompilesLine(): Promise<string> {
  const script = new URL("./engine_ops.ts", import.meta.url).pathname;
  try {
    const c = await runCompiles(Deno.execPath(), script, ["-A"]);
    return `(c) engine_ops.ts: ${c.modules} of the project's modules compiled; ${compiledAgain(c)}`;
  } catch (e) {
    return `(c) compile counts: skipped, ${firstLine(e)}`;
  }
}

/**
 * The machine-independent line of row (d): what the story compiles again in
 * every run (lazy_compile.ts), or why it was skipped.
 *
 * @example Usage
 * ```ts ignore
 * import { storyCompilesLine } from "./issue_rows.ts";
 * console.log(await storyCompilesLine());
 * ```
 * @returns the line
 */
export async function storyCompilesLine(): Promise<string> {
  const deno = Deno.execPath();
  const script = new URL("../scenarios/zimage.ts", import.meta.url).pathname;
  try {
    const c = await runCompiles(deno, script);
    return `(d) deno run scenarios/zimage.ts: ${await graphModules(deno, script)} of the ` +
      `project's modules in its module graph, ${c.modules} compiled; ${compiledAgain(c)}`;
  } catch (e) {
    return `(d) compile counts: skipped, ${firstLine(e)}`;
  }
}

/** Row (e)'s count: the bytes V8 allocates per execution (explore_alloc.ts), in a fresh process. */
async function allocationLine(options: ExploreOptions): Promise<string> {
  const script = new URL("./explore_alloc.ts", import.meta.url).pathname;
  try {
    const r = await spawnJson(Deno.execPath(), ["run", script, JSON.stringify(options)]);
    const workload = options.mode === "random"
      ? `random ${options.executions} programs`
      : `exhaustive ${options.maxOps} ops`;
    return `(e) bytes V8 allocates per execution, ${workload}, one thread, ` +
      `warm: ${fmt(r.bytesPerExecution, 0)} (${r.executions} executions; node:v8 ` +
      `total_allocated_bytes over the third of three explorations in one process)`;
  } catch (e) {
    return `(e) allocation per execution: skipped, ${firstLine(e)}`;
  }
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
    counts.push(a.counts);
    rows.push(a.row);
    if (a.note !== null) notes.push(a.note);
    // cachegrind's figure is the difference of two runs of a whole process,
    // which varies far more from run to run than replay's: more pairs.
    const b = await measureCachegrindRow(sim, a, n(9));
    counts.push(b.counts);
    rows.push(b.row, b.yardstick);
  }

  // (f) shard balance: runs counted, the same on any machine.
  // One length shorter than row (e): the ratios are counts, and this keeps the report short.
  const sharded = { ...SCALING_EXHAUSTIVE, maxOps: SCALING_EXHAUSTIVE.maxOps! - 1 };
  for (const exchange of [true, false]) {
    const four = await shardRuns(sharded, 4, exchange);
    const two = await shardRuns(sharded, 2, exchange);
    const largest = Math.max(...four.parts) / four.whole;
    const sum2 = two.parts.reduce((a, b) => a + b, 0) / two.whole;
    const how = exchange ? "exchanging each length (--exchange)" : "independent parts";
    counts.push(
      `(f) 4 shards, ${how}, exhaustive ${sharded.maxOps} ops: largest shard's runs / ` +
        `unsharded = ${fmt(100 * largest, 1)} % (${four.parts.join(", ")} of ${four.whole})`,
    );
    counts.push(
      `(f) 2 shards, ${how}: sum of the shards' runs / unsharded = ${fmt(sum2)}x ` +
        `(${two.parts.join(" + ")} of ${two.whole})`,
    );
  }

  // (c) engine cost per guest operation, each run followed by its yardstick:
  // the same accesses on the hardware model alone, in a fresh process too.
  const perOp: number[] = [], peak: number[] = [], faults: number[] = [], warmPerOp: number[] = [];
  const hwFaults: number[] = [], faultUs: number[] = [], faultMs: number[] = [];
  const overHardware: number[] = [], hwPerAccess: number[] = [], hwWarmPerAccess: number[] = [];
  const digestMismatches: string[] = [];
  // What one more op costs once the run is under way: a program twice as
  // long, in a fresh process too, less the row's program, per extra op.
  const marginal: number[] = [];
  for (let i = 0; i < n(3); i++) {
    // Deno reads /proc/self/status (the peak memory) only with every permission.
    const r = await spawnJson(deno, ["run", "-A", path("./engine_ops.ts")]);
    const h = await spawnJson(deno, ["run", "-A", path("./hardware_ops.ts")]);
    const twice = await spawnJson(deno, ["run", "-A", path("./engine_ops.ts"), String(2 * OPS)]);
    marginal.push(((twice.ms - r.ms) * 1000) / (twice.ops - r.ops));
    perOp.push((r.ms * 1000) / r.ops);
    warmPerOp.push((r.warmMs * 1000) / r.ops);
    if (r.peakMiB !== null) peak.push(r.peakMiB);
    if (r.faults !== null) {
      faults.push(r.faults);
      faultUs.push(r.faultUs);
      faultMs.push((r.faults * r.faultUs) / 1000);
    }
    if (h.faults !== null) hwFaults.push(h.faults);
    overHardware.push(r.ms / h.ms);
    hwPerAccess.push((h.ms * 1000) / h.accesses);
    hwWarmPerAccess.push((h.warmMs * 1000) / h.accesses);
    if (r.readsDigest !== h.readsDigest) {
      digestMismatches.push(`run() ${r.readsDigest}, hardware alone ${h.readsDigest}`);
    }
  }
  counts.push(
    `(c) the yardstick's accesses on the hardware model alone read what run() read: ` +
      (digestMismatches.length === 0 ? "equal" : `MISMATCH (${digestMismatches.join("; ")})`),
  );
  if (faults.length > 0 && hwFaults.length > 0) {
    counts.push(
      `(c) pages written for the first time (minor page faults) in the cold run: ` +
        `run() ${fmt(median(faults), 0)}, the hardware model alone ${fmt(median(hwFaults), 0)}`,
    );
  }
  rows.push({
    ...timed(`(c) engine µs per guest op, ${OPS}-op program (absolute)`, perOp, ""),
    detail: `peak RSS of the process ${peak.length ? `${fmt(median(peak), 0)} MiB` : "unknown"}; ` +
      (faults.length
        ? `${fmt(median(faults), 0)} minor page faults during run(), at ` +
          `${fmt(median(faultUs))} µs each here (a first write to a fresh page, timed in ` +
          `the same process): about ${fmt(median(faultMs), 1)} ms of run(); `
        : "") +
      `a second run() in the same process, compiled: ${fmt(median(warmPerOp))} µs per op`,
  });
  rows.push(
    timed(
      `(c) engine µs per guest op beyond the first ${OPS} (absolute)`,
      marginal,
      `(a ${2 * OPS}-op program in a fresh process, less the row's, per extra op): what an op ` +
        `costs once V8 has compiled the engine and the caches are full; the row's figure less ` +
        `this one, times ${OPS}, is the start every run pays`,
    ),
    timed(
      `(c) yardstick: run() / the same accesses on the hardware model alone (wall, cold)`,
      overHardware,
      `(hardware_ops.ts, each after a run of the row before it) the hardware model alone: ` +
        `${fmt(median(hwPerAccess))} µs per access cold, ${fmt(median(hwWarmPerAccess))} ` +
        `compiled; what the engine adds (validation, hypervisor and stage 2, events, oracle) ` +
        `is the rest`,
    ),
  );

  // (d) zimage against hello-world, and the split.
  counts.push(await opsCompilesLine(), await storyCompilesLine());
  const d = await zimageRows(n(9), n(5));
  rows.push(...d.rows);
  if (d.note !== null) notes.push(d.note);

  // (e) what an execution leaves for the garbage collectors, then the workers:
  // at the issue's sizes, or the smaller ones when quick.
  counts.push(
    await allocationLine(quick ? SCALING_EXHAUSTIVE : SCALING_EXHAUSTIVE_LARGE),
    await allocationLine(quick ? SCALING_RANDOM : SCALING_RANDOM_LARGE),
  );
  // Three pairs: the median of two is their mean, which one pair the
  // machine disturbed moves as far as it likes.
  rows.push(
    ...(quick
      ? await scalingRows(n(3))
      : await scalingRows(n(3), SCALING_EXHAUSTIVE_LARGE, SCALING_RANDOM_LARGE)),
  );

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
