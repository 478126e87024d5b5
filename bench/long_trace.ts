/**
 * The long trace of `deno task bench:report` and its C reference: the data
 * accesses of `gzip -n -c` on {@linkcode LONG_INPUT_BYTES} bytes of the
 * seeded text of bench/gzip_trace.ts, recorded by valgrind's lackey and
 * kept in a cache directory (too large for bench/data), and a plain
 * true-LRU simulator in C (bench/lru_sim.c) that the bench builds with
 * `gcc -O2` into the same directory.
 *
 * The cache directory is `$SETWAY_BENCH_CACHE`, else
 * `$XDG_CACHE_HOME/setway-bench`, else `~/.cache/setway-bench`. The first
 * run records the trace (lackey is slow: a minute or two); later runs
 * reuse it.
 *
 * @example Usage
 * ```ts ignore
 * import { benchCacheDir, buildReference, recordLongTrace } from "./long_trace.ts";
 * const dir = await benchCacheDir();
 * const sim = await buildReference(dir);
 * if (sim !== null) console.log(await recordLongTrace(dir, sim));
 * ```
 *
 * @module
 */

import { type MemoryTrace, MODIFY, STORE } from "../lib/sim/access_trace.ts";
import { gzipInput, VALGRIND_CWD, valgrindGzipArgs } from "./gzip_trace.ts";
import { spawnJson } from "./measure.ts";

/**
 * Bytes of text gzip compresses in the long trace.
 *
 * @example Usage
 * ```ts
 * import { LONG_INPUT_BYTES } from "./long_trace.ts";
 * console.log(LONG_INPUT_BYTES); // 262144
 * ```
 */
export const LONG_INPUT_BYTES = 256 * 1024;

const SOURCE = new URL("./lru_sim.c", import.meta.url);

/** The first 12 hex digits of the SHA-256 of some bytes or text. */
async function digest(data: Uint8Array<ArrayBuffer> | string): Promise<string> {
  const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
  const d = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return Array.from(d.subarray(0, 6), (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * The cache directory (created if missing).
 *
 * @example Usage
 * ```ts ignore
 * import { benchCacheDir } from "./long_trace.ts";
 * console.log(await benchCacheDir());
 * ```
 * @returns its path
 */
export async function benchCacheDir(): Promise<string> {
  const env = (k: string) => Deno.env.get(k);
  const dir = env("SETWAY_BENCH_CACHE") ??
    `${env("XDG_CACHE_HOME") ?? `${env("HOME") ?? "/tmp"}/.cache`}/setway-bench`;
  await Deno.mkdir(dir, { recursive: true });
  return dir;
}

async function sh(
  script: string,
  args: readonly string[],
  cwd?: string,
): Promise<{ ok: boolean; err: string }> {
  const out = await new Deno.Command("/bin/sh", {
    args: ["-c", script, "sh", ...args],
    cwd,
    stdout: "null",
    stderr: "piped",
  }).output();
  return { ok: out.success, err: new TextDecoder().decode(out.stderr) };
}

/**
 * Builds bench/lru_sim.c with `gcc -O2` into `dir` (again when the source
 * changed).
 *
 * @example Usage
 * ```ts ignore
 * import { benchCacheDir, buildReference } from "./long_trace.ts";
 * console.log(await buildReference(await benchCacheDir()));
 * ```
 * @param dir the cache directory
 * @returns the executable's path, or null when gcc is missing or fails
 */
export async function buildReference(dir: string): Promise<string | null> {
  const exe = `${dir}/lru_sim-${await digest(await Deno.readFile(SOURCE))}`;
  try {
    await Deno.stat(exe);
    return exe;
  } catch { /* not built yet */ }
  const r = await sh('command -v gcc >/dev/null && gcc -O2 -o "$1" "$2"', [exe, SOURCE.pathname]);
  return r.ok ? exe : null;
}

/**
 * Records the long trace into `dir` unless it is there: lackey's output
 * goes straight through `lru_sim convert` (10-byte records), never to disk
 * as text.
 *
 * @example Usage
 * ```ts ignore
 * import { benchCacheDir, buildReference, recordLongTrace } from "./long_trace.ts";
 * const dir = await benchCacheDir();
 * console.log(await recordLongTrace(dir, (await buildReference(dir))!));
 * ```
 * @param dir the cache directory
 * @param sim the reference simulator (its `convert` mode)
 * @returns the trace file and gzip's input file
 * @throws {Error} when valgrind fails
 */
export async function recordLongTrace(
  dir: string,
  sim: string,
): Promise<{ trace: string; input: string }> {
  const input = `${dir}/gzip_input_${LONG_INPUT_BYTES}.txt`;
  const command = valgrindGzipArgs("lackey", ["--trace-mem=yes", "--log-fd=3"]);
  // The file's name holds a digest of the command and its directory: a
  // trace recorded another way is recorded again, never compared.
  const trace = `${dir}/gzip_trace_${LONG_INPUT_BYTES}-${await digest(
    [VALGRIND_CWD, ...command].join("\0"),
  )}.bin`;
  try {
    await Deno.stat(trace);
    return { trace, input };
  } catch { /* record it */ }
  await Deno.writeFile(input, gzipInput(LONG_INPUT_BYTES));
  const partial = `${trace}.partial`;
  // As runValgrindGzip, from the same directory with the same command but
  // for lackey's options, so that cachegrind's run sees the same addresses.
  const r = await sh(
    'in=$1 sim=$2 out=$3; shift 3; "$@" < "$in" 3>&1 >/dev/null 2>/dev/null | "$sim" convert "$out"',
    [input, sim, partial, ...command],
    VALGRIND_CWD,
  );
  if (!r.ok) throw new Error(`lackey or lru_sim convert failed:\n${r.err}`);
  await Deno.rename(partial, trace);
  return { trace, input };
}

/**
 * Loads a trace file of 10-byte records (see bench/lru_sim.c).
 *
 * @example Usage
 * ```ts ignore
 * import { loadRecords } from "./long_trace.ts";
 * console.log(loadRecords("/tmp/t.bin").length);
 * ```
 * @param path the file
 * @returns the accesses
 */
export function loadRecords(path: string): MemoryTrace {
  const bytes = Deno.readFileSync(path);
  const length = Math.floor(bytes.length / 10);
  const addrs = new Float64Array(length);
  const kinds = new Uint8Array(length);
  const sizes = new Uint8Array(length);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < length; i++) {
    const o = i * 10;
    addrs[i] = view.getUint32(o, true) + view.getUint32(o + 4, true) * 2 ** 32;
    const k = bytes[o + 8];
    kinds[i] = k === 1 ? STORE : k === 2 ? MODIFY : 0;
    sizes[i] = bytes[o + 9];
  }
  return { length, addrs, kinds, sizes };
}

/**
 * Runs the C reference on a trace file.
 *
 * @example Usage
 * ```ts ignore
 * import { runReference } from "./long_trace.ts";
 * console.log(await runReference("lru_sim", "t.bin", { size: 32768, ways: 8, lineSize: 64 }, 3));
 * ```
 * @param sim the executable
 * @param trace the trace file
 * @param g the D1 geometry
 * @param reps simulations (each on a new D1)
 * @returns the counts and the milliseconds of each simulation, wall-clock and CPU time
 */
export async function runReference(
  sim: string,
  trace: string,
  g: { size: number; ways: number; lineSize: number },
  reps: number,
): Promise<
  { Dr: number; D1mr: number; Dw: number; D1mw: number; ms: number[]; cpuMs: number[] }
> {
  const r = await spawnJson(sim, [
    "sim",
    trace,
    String(g.size),
    String(g.ways),
    String(g.lineSize),
    String(reps),
  ]);
  return {
    Dr: r.Dr,
    D1mr: r.D1mr,
    Dw: r.Dw,
    D1mw: r.D1mw,
    ms: r.ns.map((n: number) => n / 1e6),
    cpuMs: r.cpu_ns.map((n: number) => n / 1e6),
  };
}
