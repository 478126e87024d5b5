/**
 * The real-program trace of the benchmarks: the data accesses of
 * `gzip -n -c` compressing 32 KiB of deterministic text read from stdin,
 * recorded with valgrind's lackey (bench/data/gzip_trace.bin.gz), and the
 * means to run the same program under cachegrind and compare.
 *
 * Both valgrind tools run `/usr/bin/gzip -n -c` in one pinned environment
 * ({@linkcode valgrindGzipArgs}, {@linkcode VALGRIND_CWD}): the same
 * environment, argument vector, working directory and stdin, so the client's
 * stack, heap and libraries sit at the same addresses in both runs and the
 * trace replays to exactly cachegrind's D1 counts (see bench/data/README.md,
 * and bench/data/regenerate.ts that rebuilds the data).
 *
 * @example Usage
 * ```ts
 * import { loadGzipTrace } from "./gzip_trace.ts";
 * const trace = loadGzipTrace();
 * console.log(trace.length > 1_000_000); // true
 * ```
 *
 * @module
 */

import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { Random } from "../lib/hw/random.ts";
import type { MemoryTrace } from "../lib/sim/access_trace.ts";
import { decodeTrace } from "../lib/sim/access_trace_codec.ts";

export type { MemoryTrace };

/** Where the stored trace and cachegrind's counts live. */
export const DATA_DIR: URL = new URL("./data/", import.meta.url);

/**
 * The traced command: gzip with no file name or timestamp (`-n`), to
 * stdout, started by the dynamic loader with `--inhibit-cache` and the C
 * library's directory as its library path. Started the usual way, the
 * loader reads /etc/ld.so.cache, which changes whenever a package with a
 * shared library is installed: installing Chromium and a cross compiler
 * moved gzip's D1 read misses from 159,011 to 159,015 on one machine.
 * Without the cache, the run depends on the binaries alone.
 *
 * @example Usage
 * ```ts
 * import { GZIP_ARGS } from "./gzip_trace.ts";
 * console.log(GZIP_ARGS.slice(-3).join(" ")); // "/usr/bin/gzip -n -c"
 * ```
 */
export const GZIP_ARGS: readonly string[] = [
  "/lib64/ld-linux-x86-64.so.2",
  "--inhibit-cache",
  "--library-path",
  "/lib/x86_64-linux-gnu",
  "/usr/bin/gzip",
  "-n",
  "-c",
];

/**
 * cachegrind's counts for one D1 geometry, as stored in
 * bench/data/gzip_cachegrind.json.
 *
 * @example Usage
 * ```ts
 * import type { CachegrindCounts } from "./gzip_trace.ts";
 * const c: CachegrindCounts = { size: 32768, ways: 8, lineSize: 64, Dr: 1, D1mr: 0, Dw: 0, D1mw: 0 };
 * ```
 */
export interface CachegrindCounts {
  /** D1 size in bytes. */
  readonly size: number;
  /** D1 associativity. */
  readonly ways: number;
  /** D1 line size in bytes. */
  readonly lineSize: number;
  /** Data reads (lackey's L and M). */
  readonly Dr: number;
  /** D1 read misses. */
  readonly D1mr: number;
  /** Data writes (lackey's S). */
  readonly Dw: number;
  /** D1 write misses. */
  readonly D1mw: number;
}

/**
 * What the addresses of a valgrind run of gzip depend on besides the
 * command: the tools, the C library, and the kernel and the CPU, some of
 * whose answers valgrind hands on to the client (the auxiliary vector on
 * its initial stack, CPUID, by which the C library picks its string
 * functions). A machine with the same valgrind, gzip and C library but
 * another kernel and CPU counted 35 more reads than the recording. Each
 * field is what the machine prints of itself, or null where it cannot be
 * read.
 *
 * @example Usage
 * ```ts
 * import type { RecordingMachine } from "./gzip_trace.ts";
 * const m: RecordingMachine = {
 *   valgrind: "valgrind-3.19.0", gzip: "gzip 1.12", libc: null, kernel: null, cpu: null,
 * };
 * ```
 */
export interface RecordingMachine {
  /** `valgrind --version`. */
  readonly valgrind: string | null;
  /** The first line of `/usr/bin/gzip --version`. */
  readonly gzip: string | null;
  /** The first line of `ldd --version` (glibc names its distribution's build there). */
  readonly libc: string | null;
  /** `uname -r`. */
  readonly kernel: string | null;
  /** The first `model name` of /proc/cpuinfo. */
  readonly cpu: string | null;
}

/** The first line a command prints, or null when it cannot be run. */
async function firstLine(cmd: string, args: string[]): Promise<string | null> {
  try {
    const out = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "null" }).output();
    return out.success ? new TextDecoder().decode(out.stdout).split("\n")[0].trim() : null;
  } catch {
    return null;
  }
}

/**
 * This machine, as {@linkcode RecordingMachine} describes it.
 *
 * @example Usage
 * ```ts
 * import { recordingMachine } from "./gzip_trace.ts";
 * console.log(Object.keys(await recordingMachine()).length); // 5
 * ```
 * @returns the tools' and the machine's descriptions
 */
export async function recordingMachine(): Promise<RecordingMachine> {
  // Read by a command: Deno lets a process read /proc itself only with every permission.
  const model = await firstLine("grep", ["-m", "1", "^model name", "/proc/cpuinfo"]);
  const cpu = model === null ? null : model.slice(model.indexOf(":") + 1).trim();
  return {
    valgrind: await firstLine("valgrind", ["--version"]),
    gzip: await firstLine("/usr/bin/gzip", ["--version"]),
    libc: await firstLine("ldd", ["--version"]),
    kernel: await firstLine("uname", ["-r"]),
    cpu,
  };
}

/**
 * Where this machine differs from the recording's: the stored counts are
 * what cachegrind counts now only on the machine they were recorded on
 * (tests/perf/gzip_trace_test.ts and the report compare them there alone).
 *
 * @example Usage
 * ```ts
 * import { machineDifferences } from "./gzip_trace.ts";
 * const a = { valgrind: "v", gzip: "g", libc: "l", kernel: "6.1", cpu: "c" };
 * console.log(machineDifferences(a, { ...a, kernel: "6.18" })); // [ "kernel 6.1, here 6.18" ]
 * ```
 * @param recorded the recording's machine
 * @param here this one
 * @returns one phrase per field that differs (none: the same machine)
 */
export function machineDifferences(recorded: RecordingMachine, here: RecordingMachine): string[] {
  const out: string[] = [];
  for (const key of ["valgrind", "gzip", "libc", "kernel", "cpu"] as const) {
    if (recorded[key] !== here[key]) {
      out.push(`${key} ${recorded[key] ?? "unknown"}, here ${here[key] ?? "unknown"}`);
    }
  }
  return out;
}

/**
 * The stored reference: the machine it was recorded on and cachegrind's
 * counts per geometry.
 *
 * @example Usage
 * ```ts
 * import { loadGzipExpected } from "./gzip_trace.ts";
 * console.log(loadGzipExpected().geometries.length >= 3); // true
 * ```
 */
export interface GzipExpected extends RecordingMachine {
  /** Bytes of input compressed. */
  readonly inputBytes: number;
  /** cachegrind's counts. */
  readonly geometries: readonly CachegrindCounts[];
}

const WORDS = [
  "set",
  "way",
  "clean",
  "invalidate",
  "flush",
  "cache",
  "line",
  "dirty",
  "stage2",
  "guest",
  "trap",
  "kvm",
  "system",
  "coherency",
  "point",
  "zImage",
  "decompressor",
  "L3",
  "MMU",
  "off",
];

/**
 * The 32 KiB of text gzip compresses: words drawn from a seeded generator,
 * so the input (and the trace) never depends on files in the repository.
 *
 * @example Usage
 * ```ts
 * import { gzipInput } from "./gzip_trace.ts";
 * console.log(gzipInput().length); // 32768
 * ```
 * @param bytes the input size, default 32 KiB
 * @returns the text's bytes
 */
export function gzipInput(bytes = 32768): Uint8Array {
  const random = new Random(2015);
  const parts: string[] = [];
  let n = 0;
  while (n < bytes) {
    const word = WORDS[random.below(WORDS.length)];
    const sep = random.below(12) === 0 ? "\n" : " ";
    parts.push(word, sep);
    n += word.length + 1;
  }
  return new TextEncoder().encode(parts.join("")).slice(0, bytes);
}

/**
 * Loads the stored lackey trace of the gzip run.
 *
 * @example Usage
 * ```ts
 * import { loadGzipTrace } from "./gzip_trace.ts";
 * console.log(loadGzipTrace().kinds.length === loadGzipTrace().length); // true
 * ```
 * @returns the data accesses
 */
export function loadGzipTrace(): MemoryTrace {
  return decodeTrace(gunzipSync(readFileSync(new URL("gzip_trace.bin.gz", DATA_DIR))));
}

/**
 * Loads cachegrind's stored counts for the gzip run.
 *
 * @example Usage
 * ```ts
 * import { loadGzipExpected } from "./gzip_trace.ts";
 * console.log(loadGzipExpected().valgrind?.startsWith("valgrind")); // true
 * ```
 * @returns versions and counts
 */
export function loadGzipExpected(): GzipExpected {
  return JSON.parse(readFileSync(new URL("gzip_cachegrind.json", DATA_DIR), "utf8"));
}

/**
 * Whether `valgrind` can be run here.
 *
 * @example Usage
 * ```ts
 * import { hasValgrind } from "./gzip_trace.ts";
 * console.log(typeof (await hasValgrind())); // "boolean"
 * ```
 * @returns true when `valgrind --version` succeeds
 */
export async function hasValgrind(): Promise<boolean> {
  try {
    const out = await new Deno.Command("valgrind", { args: ["--version"], stdout: "null" })
      .output();
    return out.success;
  } catch {
    return false;
  }
}

/**
 * The committed input of the traced run (written by bench/data/regenerate.ts
 * from {@linkcode gzipInput}).
 *
 * @example Usage
 * ```ts
 * import { GZIP_INPUT } from "./gzip_trace.ts";
 * console.log(GZIP_INPUT.pathname.endsWith("gzip_input.txt")); // true
 * ```
 */
export const GZIP_INPUT: URL = new URL("gzip_input.txt", DATA_DIR);

/**
 * The working directory of every valgrind run of gzip. Debian's `valgrind`
 * is a `/bin/sh` script that execs `valgrind.bin`, and the shell exports
 * `PWD`, so the client's environment holds the working directory even
 * under `env -i`: its length moves the client's initial stack, and with it
 * the counts (on the stored input, `Dr` by 5 between `/` and `/work/main`).
 * One fixed directory keeps the stack where the recording had it.
 *
 * @example Usage
 * ```ts
 * import { VALGRIND_CWD } from "./gzip_trace.ts";
 * console.log(VALGRIND_CWD); // "/"
 * ```
 */
export const VALGRIND_CWD = "/";

/**
 * The command line of a valgrind run of gzip, the same for every tool but
 * the tool's options: `env -i valgrind --tool=<tool> <toolArgs>` then
 * {@linkcode GZIP_ARGS}. Run it from {@linkcode VALGRIND_CWD}, with stdin
 * redirected from the input file (a file, so every `read` returns the same
 * bytes whatever the timing; its path never reaches the client). Valgrind's
 * own options do not reach the client: its argument vector is
 * {@linkcode GZIP_ARGS}'s, its environment
 * `env -i`'s empty one plus what the wrapper and valgrind add
 * (`LD_LIBRARY_PATH`, `GLIBCPP_FORCE_NEW`, `GLIBCXX_FORCE_NEW`, `PWD`,
 * `LD_PRELOAD`).
 *
 * @example Usage
 * ```ts
 * import { valgrindGzipArgs } from "./gzip_trace.ts";
 * console.log(valgrindGzipArgs("none", []).slice(0, 4).join(" ")); // "env -i valgrind --tool=none"
 * ```
 * @param tool the valgrind tool
 * @param toolArgs its options
 * @returns the words of the command
 */
export function valgrindGzipArgs(tool: string, toolArgs: readonly string[]): string[] {
  return ["env", "-i", "valgrind", `--tool=${tool}`, ...toolArgs, ...GZIP_ARGS];
}

/**
 * Runs {@linkcode valgrindGzipArgs} from {@linkcode VALGRIND_CWD} with stdin
 * redirected from `input` and stdout to /dev/null; returns stderr and the
 * wall time. With `timer` (bench/lru_sim.c built, whose `time` mode runs the
 * command), the run's CPU time (user + system of valgrind and its client,
 * from `wait4`) is measured too.
 *
 * @example Usage
 * ```ts
 * import { GZIP_INPUT, runValgrindGzip } from "./gzip_trace.ts";
 * const r = await runValgrindGzip("none", [], GZIP_INPUT);
 * console.log(r.wallMs > 0, r.cpuMs); // true null
 * ```
 * @param tool the valgrind tool
 * @param toolArgs its options
 * @param input the file gzip reads on stdin
 * @param timer the path of the built bench/lru_sim.c, to measure CPU time
 * @returns wall-clock milliseconds from spawn to exit, CPU milliseconds (null
 *   without `timer`), and stderr as text
 * @throws {Error} when valgrind fails
 */
export async function runValgrindGzip(
  tool: string,
  toolArgs: readonly string[],
  input: URL,
  timer?: string,
): Promise<{ wallMs: number; cpuMs: number | null; stderr: string }> {
  const command = valgrindGzipArgs(tool, toolArgs);
  const start = performance.now();
  const out = await new Deno.Command("/bin/sh", {
    args: [
      "-c",
      'exec "$@" < "$0"',
      input.pathname,
      ...(timer === undefined ? command : [timer, "time", ...command]),
    ],
    cwd: VALGRIND_CWD,
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).output();
  const wallMs = performance.now() - start;
  let stderr = new TextDecoder().decode(out.stderr);
  if (!out.success) throw new Error(`valgrind --tool=${tool} failed:\n${stderr}`);
  let cpuMs: number | null = null;
  if (timer !== undefined) {
    // The timer's line of JSON is the last of stderr.
    const lines = stderr.trimEnd().split("\n");
    cpuMs = JSON.parse(lines.pop()!).cpu_ns / 1e6;
    stderr = lines.join("\n") + "\n";
  }
  return { wallMs, cpuMs, stderr };
}

/**
 * Runs the gzip program under cachegrind with one D1 geometry (I1 32 KiB
 * 8-way, LL 8 MiB 16-way, which do not change D1's counts) and returns
 * cachegrind's data counts, its instruction count (I1's accesses) and the
 * time of the whole valgrind run.
 *
 * @example Usage
 * ```ts
 * import { GZIP_INPUT, runCachegrind } from "./gzip_trace.ts";
 * const r = await runCachegrind({ size: 32768, ways: 8, lineSize: 64 }, GZIP_INPUT);
 * console.log(r.counts.Dr > 0, r.instructions > r.counts.Dr, r.wallMs > 0); // true true true
 * ```
 * @param geometry the D1 cache
 * @param input the file gzip reads on stdin
 * @param timer as {@linkcode runValgrindGzip}: measure CPU time too
 * @returns the counts, the instructions and the milliseconds
 */
export async function runCachegrind(
  geometry: { size: number; ways: number; lineSize: number },
  input: URL = GZIP_INPUT,
  timer?: string,
): Promise<
  { counts: CachegrindCounts; instructions: number; wallMs: number; cpuMs: number | null }
> {
  const { size, ways, lineSize } = geometry;
  const out = await runValgrindGzip("cachegrind", cachegrindArgs(geometry, true), input, timer);
  // "==pid== D   refs:      1,454,895  (1,133,368 rd   + 321,527 wr)"
  const num = (s: string) => Number(s.replaceAll(",", ""));
  const refs = /D\s+refs:\s+[\d,]+\s+\(\s*([\d,]+) rd\s+\+\s+([\d,]+) wr\)/.exec(out.stderr);
  const misses = /D1\s+misses:\s+[\d,]+\s+\(\s*([\d,]+) rd\s+\+\s+([\d,]+) wr\)/.exec(out.stderr);
  const instructions = /I\s+refs:\s+([\d,]+)/.exec(out.stderr);
  if (!refs || !misses || !instructions) {
    throw new Error(`unexpected cachegrind output:\n${out.stderr}`);
  }
  return {
    counts: {
      size,
      ways,
      lineSize,
      Dr: num(refs[1]),
      D1mr: num(misses[1]),
      Dw: num(refs[2]),
      D1mw: num(misses[2]),
    },
    instructions: num(instructions[1]),
    wallMs: out.wallMs,
    cpuMs: out.cpuMs,
  };
}

/**
 * cachegrind's options for a D1 geometry, with or without the cache
 * simulation (I1 32 KiB 8-way and LL 8 MiB 16-way either way).
 *
 * @example Usage
 * ```ts
 * import { cachegrindArgs } from "./gzip_trace.ts";
 * console.log(cachegrindArgs({ size: 32768, ways: 8, lineSize: 64 }, false)[0]); // "--cache-sim=no"
 * ```
 * @param geometry the D1 cache
 * @param simulate whether cachegrind simulates the caches
 * @returns the options
 */
export function cachegrindArgs(
  geometry: { size: number; ways: number; lineSize: number },
  simulate: boolean,
): string[] {
  return [
    `--cache-sim=${simulate ? "yes" : "no"}`,
    `--D1=${geometry.size},${geometry.ways},${geometry.lineSize}`,
    "--I1=32768,8,64",
    "--LL=8388608,16,64",
    "--cachegrind-out-file=/dev/null",
  ];
}
