/**
 * The engine's cost per guest operation: one fresh process runs a program
 * of {@linkcode OPS} operations (caches on, then writes and reads over
 * 4096 words in 64 pages, on two vCPUs) with `run()`, and prints
 * `{"ops":..,"ms":..,"cpuMs":..,"peakMiB":..,"faults":..,"warmMs":..,"readsDigest":..,"faultUs":..}`: the
 * wall time of `run()` alone; the process's CPU time over the same span
 * (user + system, every thread: the compiler and the collector included),
 * which a loaded machine disturbs less; the process's peak resident memory
 * (VmHWM, read from /proc/self/status; null where it cannot be read); the
 * minor page faults the process took during `run()` (/proc/self/stat; null
 * where it cannot be read): each is a page of memory written for the first
 * time, which the kernel maps and zeroes then; and the wall time of a second
 * `run()` of the same program in the same process, once V8 has compiled and
 * optimized the engine, which is what the first run pays beyond the work;
 * the digest of the values the guest read ({@linkcode readsDigest}),
 * which bench/hardware_ops.ts, the row's yardstick, must read too; and what
 * one such page fault costs on this machine ({@linkcode firstTouchMicros}),
 * so that the report can say how much of `run()` the faults took.
 *
 * Run: `deno run -A bench/engine_ops.ts [ops]` (report.ts runs it, with
 * {@linkcode OPS} operations and with twice as many; Deno lets a process
 * read /proc/self/status only with every permission). With `--cold` after
 * the count, it runs the program once and prints only `{"ops":..,"ms":..}`:
 * what report.ts profiles (`deno run --cpu-prof`), needing no permission.
 *
 * @module
 */

import process from "node:process";
import { run } from "../lib/engine/run.ts";
import type { Step } from "../lib/guest/ops.ts";
import type { Scenario } from "../lib/engine/scenario.ts";
import type { SetwayEvent } from "../lib/hyp/events.ts";

/** Guest operations of the program. */
export const OPS = 100_000;

const RAM_BASE = 0x4000_0000;

/**
 * The program: caches on for both vCPUs, then `ops - 2` writes and reads.
 *
 * @example Usage
 * ```ts
 * import { opsScenario } from "./engine_ops.ts";
 * console.log(opsScenario(10).steps.length); // 10
 * ```
 * @param ops the number of operations
 * @returns the scenario
 */
export function opsScenario(ops: number): Scenario {
  const steps: Step[] = [
    { kind: "sctlr", vcpu: 0, bits: { m: true, c: true } },
    { kind: "sctlr", vcpu: 1, bits: { m: true, c: true } },
  ];
  for (let i = 0; steps.length < ops; i++) {
    const addr = RAM_BASE + (i * 2654435761 % 4096) * 64 % (64 * 4096) + (i & 15) * 4;
    const vcpu = (i >> 3) & 1;
    steps.push(
      i % 3 === 0 ? { kind: "write", vcpu, addr, value: i + 1 } : { kind: "read", vcpu, addr },
    );
  }
  return {
    version: 1,
    machine: "xgene1",
    cpus: 2,
    systemCache: "machine",
    policy: "kvm-4.0",
    ram: 1 << 20,
    ramBase: RAM_BASE,
    prefault: true,
    seed: 1,
    speculation: "quiet",
    steps,
  };
}

/**
 * Folds one value a program read into the digest of the values it read, in
 * order: bench/hardware_ops.ts's yardstick must read what the engine read.
 *
 * @example Usage
 * ```ts
 * import { foldRead } from "./engine_ops.ts";
 * console.log(foldRead(foldRead(0, 1), 2)); // 33
 * ```
 * @param digest the digest so far (0 before the first read)
 * @param value the value read, unsigned
 * @returns the new digest
 */
export function foldRead(digest: number, value: number): number {
  return (Math.imul(digest, 31) + value) >>> 0;
}

/**
 * The digest ({@linkcode foldRead}) of the values a run's guest read, from
 * its events: each `read` record once per event it stands for.
 *
 * @example Usage
 * ```ts
 * import { opsScenario, readsDigest } from "./engine_ops.ts";
 * import { run } from "../lib/engine/run.ts";
 * console.log(typeof readsDigest(run(opsScenario(10)).events)); // "number"
 * ```
 * @param events the run's events
 * @returns the digest of the values read
 */
export function readsDigest(events: readonly SetwayEvent[]): number {
  let digest = 0;
  for (const e of events) {
    if (e.name !== "read") continue;
    for (let i = 0; i < e.count; i++) digest = foldRead(digest, e.value as number);
  }
  return digest;
}

function peakMiB(): number | null {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(Deno.readTextFileSync("/proc/self/status"));
    return m ? Number(m[1]) / 1024 : null;
  } catch {
    return null;
  }
}

/**
 * The process's minor page faults so far (field 10 of /proc/self/stat), or
 * null where it cannot be read.
 *
 * @example Usage
 * ```ts
 * import { minorFaults } from "./engine_ops.ts";
 * const faults = minorFaults();
 * console.log(faults === null || faults > 0); // true
 * ```
 * @returns the count, or null
 */
export function minorFaults(): number | null {
  try {
    const stat = Deno.readTextFileSync("/proc/self/stat");
    // The fields after the command name, which may hold spaces, in parentheses.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return Number(fields[7]);
  } catch {
    return null;
  }
}

/**
 * The minor page faults the process took since `before` (a
 * {@linkcode minorFaults} reading), or null when either reading is.
 *
 * @example Usage
 * ```ts
 * import { faultsSince, minorFaults } from "./engine_ops.ts";
 * const faults = faultsSince(minorFaults());
 * console.log(faults === null || faults >= 0); // true
 * ```
 * @param before the count read earlier, or null
 * @returns the faults since then, or null
 */
export function faultsSince(before: number | null): number | null {
  const now = minorFaults();
  return before === null || now === null ? null : now - before;
}

/**
 * What a first write to a page costs here, in microseconds: `pages` pages
 * of a fresh WebAssembly memory (mapped anew by the kernel, as a large
 * cache's or a log's memory is) written once each, timed, the median of
 * three such memories. It is the kernel's fault path and the zeroing of a
 * page, which a virtual machine makes several times dearer than bare metal.
 *
 * @example Usage
 * ```ts
 * import { firstTouchMicros } from "./engine_ops.ts";
 * console.log(firstTouchMicros(16) > 0); // true
 * ```
 * @param pages how many pages to touch in each memory
 * @returns microseconds per page
 */
export function firstTouchMicros(pages = 4096): number {
  const PAGE = 4096;
  const times: number[] = [];
  for (let k = 0; k < 3; k++) {
    const memory = new WebAssembly.Memory({ initial: Math.ceil((pages * PAGE) / 65536) });
    const words = new Int32Array(memory.buffer);
    const start = performance.now();
    for (let i = 0; i < pages; i++) words[(i * PAGE) / 4] = 1;
    times.push(((performance.now() - start) * 1000) / pages);
  }
  return times.sort((a, b) => a - b)[1];
}

if (import.meta.main) {
  // Another length of program (the report's marginal cost per op runs two).
  const ops = Number(Deno.args[0] ?? OPS);
  const scenario = opsScenario(ops);
  if (Deno.args[1] === "--cold") {
    const start = performance.now();
    run(scenario);
    console.log(JSON.stringify({ ops, ms: performance.now() - start }));
    Deno.exit(0);
  }
  const faultsBefore = minorFaults();
  const cpu = process.cpuUsage();
  const start = performance.now();
  const result = run(scenario);
  const ms = performance.now() - start;
  const used = process.cpuUsage(cpu);
  const faults = faultsSince(faultsBefore);
  const cpuMs = (used.user + used.system) / 1000;
  // Read before the second run, which must not raise the peak reported.
  const peak = peakMiB();
  const warmStart = performance.now();
  run(scenario);
  const warmMs = performance.now() - warmStart;
  // Last: reading the events builds them.
  const digest = readsDigest(result.events);
  console.log(
    JSON.stringify({
      ops,
      ms,
      cpuMs,
      peakMiB: peak,
      faults,
      warmMs,
      readsDigest: digest,
      faultUs: firstTouchMicros(),
    }),
  );
}
