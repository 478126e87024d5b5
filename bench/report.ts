/**
 * `deno task bench:report`: measures every performance target of the
 * project. First the rows of the performance issue (issue_rows.ts: the
 * cache core against C and cachegrind on a long trace, the engine's cost
 * per operation, zimage against a hello-world, workers and shards), then
 * tables of figure, target, measured, ratio (measured / target), pass or
 * fail.
 *
 * Machine-independent figures come first (counts, and modelled costs that
 * are ratios by construction), then ratios timed in this one run (two
 * workloads measured alternately, so machine load affects both alike),
 * then absolute rates, which depend on this machine. Timings are medians
 * of repeated runs. Last, where the time of the two cold rows goes
 * (`scenarios/zimage.ts`, and row (c)'s program run once): CPU profiles of
 * five fresh processes each, averaged (one in `--quick`).
 *
 * Run: `deno task bench:report` (add `--quick` for fewer repetitions).
 *
 * @module
 */

import { run } from "../lib/engine/run.ts";
import { TraceCache } from "../lib/sim/replay.ts";
import { benchArgsOrExit } from "./task_args.ts";
import { type MemoryTrace, STORE } from "../lib/sim/access_trace.ts";
import {
  GZIP_INPUT,
  loadGzipExpected,
  loadGzipTrace,
  machineDifferences,
  recordingMachine,
  runCachegrind,
} from "./gzip_trace.ts";
import {
  L1_GEOMETRY,
  loadTestProgramExpected,
  randomTrace,
  sequentialTrace,
  testProgramTrace,
} from "./cache_workloads.ts";
import { alternate, median, timeMs } from "./measure.ts";
import { GIB, stage2Scenario } from "./stage2_scenario.ts";
import { type CpuProfile, meanSummary, summarizeProfile } from "./cpu_profile.ts";
import { OPS } from "./engine_ops.ts";
import { rate, WORKLOADS } from "./explore_workloads.ts";
import { printIssueRows } from "./issue_rows.ts";

/** One line of the table. */
interface Row {
  readonly figure: string;
  readonly target: string;
  readonly measured: string;
  /** measured / target, or null when there is no number to compare. */
  readonly ratio: number | null;
  /** null: not measured here (with the reason in `measured`). */
  readonly pass: boolean | null;
}

const quick = Deno.args.includes("--quick");
const reps = (n: number) => (quick ? Math.max(3, Math.ceil(n / 3)) : n);

function fmt(n: number, digits = 2): string {
  return n.toFixed(digits);
}

function mega(perSecond: number): string {
  return `${fmt(perSecond / 1e6, 1)} M/s`;
}

function kilo(perSecond: number): string {
  return `${fmt(perSecond / 1e3, 1)}k/s`;
}

// ------------------------------------------------------------- counts

function cacheCounts(trace: MemoryTrace, g: { size: number; ways: number; lineSize: number }) {
  const c = new TraceCache(g, { name: "D1" });
  c.replay(trace);
  const s = c.stats;
  return { Dr: s.reads, D1mr: s.readMisses, Dw: s.writes, D1mw: s.writeMisses };
}

function sameCounts(
  a: { Dr: number; D1mr: number; Dw: number; D1mw: number },
  b: { Dr: number; D1mr: number; Dw: number; D1mw: number },
): boolean {
  return a.Dr === b.Dr && a.D1mr === b.D1mr && a.Dw === b.Dw && a.D1mw === b.D1mw;
}

function countRow(figure: string, equal: number, total: number): Row {
  return {
    figure,
    target: `${total}/${total} equal`,
    measured: `${equal}/${total} equal`,
    ratio: equal / total,
    pass: equal === total,
  };
}

interface FlushTotals {
  pages: number;
  lines: number;
  cycles: number;
  cleaned: number;
  invalidated: number;
  flushes: number;
}

function flushTotals(ram: number): FlushTotals {
  const t = { pages: 0, lines: 0, cycles: 0, cleaned: 0, invalidated: 0, flushes: 0 };
  for (const e of run(stage2Scenario(ram)).events) {
    if (e.name !== "stage2_flush_vm") continue;
    const f = e as unknown as Record<string, number>;
    t.pages += f.pages * e.count;
    t.lines += f.lines * e.count;
    t.cycles += (e.cycles ?? 0) * e.count;
    t.cleaned += f.cleaned * e.count;
    t.invalidated += f.invalidated * e.count;
    t.flushes += e.count;
  }
  return t;
}

function ratioRow(figure: string, small: number, large: number, want: number): Row {
  const r = large / small;
  return {
    figure,
    target: `${want}x`,
    measured: `${large} / ${small} = ${fmt(r)}x`,
    ratio: r / want,
    pass: r === want,
  };
}

// ------------------------------------------------------------- timing

/** Accesses per second of `replay` over fresh caches (median of `n`, after 2 warm-up runs). */
function replayRate(
  trace: MemoryTrace,
  g: { size: number; ways: number; lineSize: number },
  n: number,
): number {
  const once = () => new TraceCache(g, { name: "D1" }).replay(trace);
  once();
  once();
  const ms = median(Array.from({ length: n }, () => timeMs(once)));
  return trace.length / (ms / 1000);
}

/** Accesses per second of one `access` call each, on a warm cache (median of `n`). */
function accessRate(trace: MemoryTrace, n: number): number {
  const c = new TraceCache(L1_GEOMETRY, { name: "L1" });
  const { addrs, kinds, sizes } = trace;
  const once = () => {
    for (let i = 0; i < trace.length; i++) c.access(addrs[i], kinds[i] === STORE, sizes[i]);
  };
  once();
  once();
  const ms = median(Array.from({ length: n }, () => timeMs(once)));
  return trace.length / (ms / 1000);
}

/** Accesses per second of `replay` on one warm cache (median of `n`). */
function warmReplayRate(trace: MemoryTrace, n: number): number {
  const c = new TraceCache(L1_GEOMETRY, { name: "L1" });
  const once = () => c.replay(trace);
  once();
  once();
  const ms = median(Array.from({ length: n }, () => timeMs(once)));
  return trace.length / (ms / 1000);
}

function atLeastRow(
  figure: string,
  perSecond: number,
  targetPerSecond: number,
  show: (perSecond: number) => string = mega,
): Row {
  return {
    figure,
    target: `>= ${show(targetPerSecond)}`,
    measured: show(perSecond),
    ratio: perSecond / targetPerSecond,
    pass: perSecond >= targetPerSecond,
  };
}

// -------------------------------------------------------------- table

function printTable(title: string, rows: readonly Row[]): void {
  const head = ["figure", "target", "measured", "ratio", "result"];
  const cells = rows.map((r) => [
    r.figure,
    r.target,
    r.measured,
    r.ratio === null ? "-" : fmt(r.ratio),
    r.pass === null ? "n/a" : r.pass ? "pass" : "FAIL",
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (c: string[]) => c.map((x, i) => x.padEnd(widths[i])).join(" | ");
  console.log(`\n${title}`);
  console.log(line(head));
  console.log(widths.map((w) => "-".repeat(w)).join("-|-"));
  for (const c of cells) console.log(line(c));
}

async function machineLine(): Promise<string> {
  // Deno asks for --allow-all to read /proc directly; a shell may read it.
  let cpu = "unknown CPU", load = "unknown";
  try {
    const out = await new Deno.Command("/bin/sh", {
      args: ["-c", "grep -m1 'model name' /proc/cpuinfo; cat /proc/loadavg"],
      stdout: "piped",
      stderr: "null",
    }).output();
    const [model, avg] = new TextDecoder().decode(out.stdout).split("\n");
    cpu = /:\s*(.*)/.exec(model ?? "")?.[1] ?? cpu;
    load = avg?.split(" ").slice(0, 3).join(" ") || load;
  } catch { /* no shell: leave it unknown */ }
  return `${cpu}, ${navigator.hardwareConcurrency} cores, load average ${load}, ` +
    `Deno ${Deno.version.deno}`;
}

/** Microseconds between two samples of the profiles: a quarter of V8's default. */
const PROFILE_INTERVAL_US = 250;

/**
 * Profiles `runs` fresh runs of `deno run <args>` (`--cpu-prof`, a sample
 * every {@linkcode PROFILE_INTERVAL_US} µs) and prints where the mean run's
 * time goes: by area, then the functions with the most self time.
 */
async function printColdProfile(
  heading: string,
  deno: string,
  args: readonly string[],
  runs: number,
): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "setway-prof-" });
  try {
    for (let i = 0; i < runs; i++) {
      await new Deno.Command(deno, {
        args: [
          "run",
          "--cpu-prof",
          `--cpu-prof-dir=${dir}`,
          `--cpu-prof-interval=${PROFILE_INTERVAL_US}`,
          ...args,
        ],
        stdout: "null",
      }).output();
    }
    const files = [...Deno.readDirSync(dir)].filter((e) => e.name.endsWith(".cpuprofile"));
    if (files.length === 0) {
      console.log(`\n${heading}: no profile was written`);
      return;
    }
    const s = meanSummary(
      files.map((f) =>
        summarizeProfile(JSON.parse(Deno.readTextFileSync(`${dir}/${f.name}`)) as CpuProfile)
      ),
    );
    const pct = (ms: number) => `${fmt((100 * ms) / s.totalMs, 1)}%`;
    console.log(
      `\n${heading} (deno run --cpu-prof ${args.map((a) => a.replace(/.*\//, "")).join(" ")}, ` +
        `the mean of ${files.length} fresh run${files.length === 1 ? "" : "s"} sampled every ` +
        `${PROFILE_INTERVAL_US} µs: ${fmt(s.totalMs, 1)} ms sampled per run)`,
    );
    console.log(
      '   by area ("(program)": parsing and compiling; "(idle)": the module loader waiting)',
    );
    for (const a of s.byArea.slice(0, 10)) {
      console.log(`     ${a.name.padEnd(22)} ${fmt(a.ms, 1).padStart(7)} ms  ${pct(a.ms)}`);
    }
    console.log("   functions with the most self time");
    for (const f of s.byFunction.slice(0, 10)) {
      console.log(`     ${f.name.padEnd(44)} ${fmt(f.ms, 1).padStart(7)} ms  ${pct(f.ms)}`);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

// ---------------------------------------------------------------- main

if (import.meta.main) {
  benchArgsOrExit("bench:report", [], ["--quick"]);
  console.log(`setway performance report (${quick ? "quick" : "full"}): ${await machineLine()}`);
  await printIssueRows(quick);
  const gzip = loadGzipTrace();
  const expected = loadGzipExpected();
  const program = testProgramTrace();
  const programExpected = loadTestProgramExpected();
  // The machine the stored gzip counts are compared on; valgrind runs here when it names one.
  const here = await recordingMachine();
  const valgrind = here.valgrind !== null;

  // 1. Counts and modelled costs: the same on any machine.
  const counts: Row[] = [];
  const gzipEqual = expected.geometries.filter((g) => sameCounts(cacheCounts(gzip, g), g)).length;
  counts.push(
    countRow(
      `gzip lackey trace (${gzip.length} accesses): D1 counts = cachegrind's, per geometry`,
      gzipEqual,
      expected.geometries.length,
    ),
  );
  const progEqual = programExpected.geometries.filter((g) =>
    sameCounts(cacheCounts(program, g), g)
  ).length;
  counts.push(
    countRow(
      `test-program trace (${program.length} accesses): D1 counts = cachegrind's`,
      progEqual,
      programExpected.geometries.length,
    ),
  );
  let liveCachegrind: { counts: typeof expected.geometries[0]; wallMs: number } | null = null;
  // The stored counts are what cachegrind counts now only on the recording's machine.
  const elsewhere = machineDifferences(expected, here);
  if (valgrind && elsewhere.length > 0) {
    counts.push({
      figure: "gzip run under cachegrind now: counts = setway's replay of the stored trace",
      target: "1/1 equal",
      measured: `not compared: recorded on another machine (${elsewhere.join("; ")})`,
      ratio: null,
      pass: null,
    });
  } else if (valgrind) {
    liveCachegrind = await runCachegrind(expected.geometries[0], GZIP_INPUT);
    const ours = cacheCounts(gzip, expected.geometries[0]);
    if (!sameCounts(ours, liveCachegrind.counts)) {
      const show = (c: typeof ours) => `Dr ${c.Dr} D1mr ${c.D1mr} Dw ${c.Dw} D1mw ${c.D1mw}`;
      console.error(
        `MISMATCH: gzip under cachegrind now counts ${show(liveCachegrind.counts)}, the stored ` +
          `trace replays to ${show(ours)}, on the machine it was recorded on (see ` +
          "bench/data/README.md)",
      );
    }
    counts.push(
      countRow(
        "gzip run under cachegrind now: counts = setway's replay of the stored trace",
        sameCounts(ours, liveCachegrind.counts) ? 1 : 0,
        1,
      ),
    );
  } else {
    counts.push({
      figure: "gzip run under cachegrind now: counts = setway's replay",
      target: "1/1 equal",
      measured: "valgrind not installed",
      ratio: null,
      pass: null,
    });
  }
  const small = flushTotals(GIB);
  const large = flushTotals(64 * GIB);
  counts.push(
    ratioRow("stage-2 flush, modelled pages walked: 64 GiB / 1 GiB", small.pages, large.pages, 64),
  );
  counts.push(
    ratioRow(
      "stage-2 flush, modelled DC CIVAC lines: 64 GiB / 1 GiB",
      small.lines,
      large.lines,
      64,
    ),
  );
  counts.push(
    ratioRow("stage-2 flush, modelled cycles: 64 GiB / 1 GiB", small.cycles, large.cycles, 64),
  );
  const sameWork = small.cleaned === large.cleaned && small.invalidated === large.invalidated &&
    small.flushes === large.flushes;
  counts.push({
    figure: "stage-2 flush, simulated lines cleaned+invalidated: 64 GiB vs 1 GiB",
    target: "equal (O(resident))",
    measured: `${large.cleaned}+${large.invalidated} vs ${small.cleaned}+${small.invalidated}`,
    ratio: (large.cleaned + large.invalidated) / (small.cleaned + small.invalidated),
    pass: sameWork,
  });
  printTable("1. Counts and modelled costs (machine-independent)", counts);

  // 2. Ratios timed in this run.
  const ratios: Row[] = [];
  const smallScenario = stage2Scenario(GIB), largeScenario = stage2Scenario(64 * GIB);
  const s2 = alternate(() => run(smallScenario), () => run(largeScenario), reps(61), 5);
  ratios.push({
    figure: "stage-2 flush, simulated time: 64 GiB / 1 GiB (prefaulted, same lines)",
    target: "<= 1.20x",
    measured: `${fmt(s2.medianB, 3)} / ${fmt(s2.medianA, 3)} ms = ${fmt(s2.ratio)}x`,
    ratio: s2.ratio / 1.2,
    pass: s2.ratio <= 1.2,
  });

  const g0 = expected.geometries[0];
  const oursRate = replayRate(gzip, g0, reps(15));
  printTable("2. Ratios timed in this run (medians)", ratios);

  // 3. Absolute rates on this machine.
  const rates: Row[] = [];
  const random = randomTrace(1_000_000);
  const target = 50e6;
  rates.push(
    atLeastRow(
      "cache core: random, ~50% misses, access() per access",
      accessRate(random, reps(15)),
      target,
    ),
  );
  rates.push(
    atLeastRow(
      "cache core: random, ~50% misses, replay()",
      warmReplayRate(random, reps(15)),
      target,
    ),
  );
  rates.push(
    atLeastRow(
      "cache core: sequential, access() per access",
      accessRate(sequentialTrace(1_000_000), reps(15)),
      target,
    ),
  );
  rates.push(atLeastRow("cache core: gzip trace, replay() on a new D1", oursRate, target));
  rates.push(
    atLeastRow(
      "cache core: test-program trace, replay() on a new D1",
      replayRate(program, g0, reps(15)),
      target,
    ),
  );
  for (const w of WORKLOADS) {
    const { perSecond } = await rate(w.options, quick ? 1 : 3);
    if (w.short) {
      rates.push(atLeastRow(`exploration: ${w.name}`, perSecond, 50_000, kilo));
    } else {
      rates.push({
        figure: `exploration: ${w.name}`,
        target: "(not a short program)",
        measured: kilo(perSecond),
        ratio: null,
        pass: null,
      });
    }
  }
  printTable("3. Absolute rates on this machine (medians)", rates);

  const deno = Deno.execPath();
  const profiled = quick ? 1 : 5;
  await printColdProfile(
    "4. Where the zimage time goes",
    deno,
    [new URL("../scenarios/zimage.ts", import.meta.url).pathname],
    profiled,
  );
  await printColdProfile(
    `5. Where the time of row (c)'s ${OPS}-op program goes, one cold run()`,
    deno,
    [new URL("./engine_ops.ts", import.meta.url).pathname, String(OPS), "--cold"],
    profiled,
  );

  const all = [...counts, ...ratios, ...rates].filter((r) => r.pass !== null);
  const failed = all.filter((r) => r.pass === false).length;
  console.log(`\n${all.length - failed}/${all.length} measured targets met.`);
}
