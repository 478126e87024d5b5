/**
 * The real zImage: Debian's armmp kernel (Linux 6.1, armhf), unmodified,
 * run from its entry to the kernel's first instruction and through the
 * kernel's head code with the MMU off, on an X-Gene 1 with its L3 system
 * cache, under kvm-3.18, kvm-4.0, kvm-modern and xen; beside the answer of
 * the `zImage32("2015")` model.
 *
 * How it runs (see `lib/binary/trace.ts`): the decompressor runs in bulk
 * mode (only the instructions setway models are hooked; the memory it
 * changed is entered as writes at each of them) up to the kernel's entry,
 * `zreladdr` = RAM + 0x20_8000 for this build (the kernel is placed at
 * RAM + 2 MiB + TEXT_OFFSET); from there every instruction and access is
 * hooked until the kernel turns its MMU on. The bulk phase's writes are
 * thinned before the policies run them ({@linkcode thinWrites}): one word
 * per 64-byte line written (the line's cache state, dirty and where, is a
 * whole line's), plus every word the code reads later (its value is what
 * the oracle and the kernel compare); the other words' values reach no
 * read. The code runs once, with the
 * values the program itself wrote (the run is not fed back): each policy
 * then runs the same steps, and a read whose value the model gives
 * differently is a stale read of the kernel with its MMU off, the question
 * asked. Registers at entry: r1 = 0xffffffff (no machine type), r2 = RAM +
 * 0x100, zeroed (no ATAGs, no DTB: the kernel's head code accepts it and
 * goes on).
 *
 * Run it: `deno task binaries` once, then
 * `deno run --allow-ffi -R -E scenarios/zimage_binary.ts`.
 *
 * @module
 */

import { run, type RunResult, type Step, vm } from "../mod.ts";
import { binarySteps, type BinaryTrace, guestCaches } from "../lib/binary/mod.ts";
import { flushSummary, maintenanceSummary } from "./binary_text.ts";
import { binaryPaths, binaryVersions, missingBinariesMessage } from "./binaries.ts";

/** The policies of the story. */
export const POLICIES = ["kvm-3.18", "kvm-4.0", "kvm-modern", "xen"] as const;

/** Where the zImage is loaded: RAM + 0x1_0000, as QEMU and U-Boot's bootz place it. */
export const LOAD = 0x4001_0000;
/** The kernel's first instruction for this build: RAM + 2 MiB + TEXT_OFFSET (0x8000). */
export const KERNEL_ENTRY = 0x4020_8000;
/** The (zeroed) ATAGs pointer given in r2. */
const ATAGS = 0x4000_0100;

/** The X-Gene 1 the zImage32 scenario uses: four vCPUs, the L3 system cache. */
function machine() {
  return vm().machine("xgene1").cpus(4).systemCache();
}

/**
 * Runs the zImage under the emulator once and returns its steps.
 *
 * @param bytes the zImage
 * @returns the trace
 */
export function zImageTrace(bytes: Uint8Array): BinaryTrace {
  return binarySteps({
    bytes,
    isa: "a32",
    load: LOAD,
    regs: { 1: 0xffff_ffff, 2: ATAGS },
    mode: "bulk",
    exactAt: KERNEL_ENTRY,
    memory: { base: 0x4000_0000, size: 128 << 20 },
    // CLIDR and CCSIDR as X-Gene 1 shows them (kvm-modern normalizes them;
    // the only set/way op here, the kernel's L1 invalidate, does not depend on it).
    ...guestCaches(machine().policy("kvm-4.0")),
    until: { mmuOn: true, instructions: 5_000_000, steps: 16_000_000 },
  });
}

/**
 * The steps with the bulk phase's writes thinned: in each run of writes
 * (between two other steps), the first write to each 64-byte line, and
 * every write to a word some read step reads; every other step kept.
 *
 * @param trace the zImage's trace
 * @returns the steps
 */
export function thinWrites(trace: BinaryTrace): Step[] {
  const read = new Set<number>();
  for (const s of trace.steps) if (s.kind === "read") read.add(s.addr);
  const out: Step[] = [];
  let lines = new Set<number>();
  trace.steps.forEach((s, i) => {
    if (s.kind !== "write" || i >= trace.bulkSteps) {
      if (s.kind !== "write") lines = new Set();
      out.push(s);
      return;
    }
    const line = Math.floor(s.addr / 64);
    if (read.has(s.addr) || !lines.has(line)) out.push(s);
    lines.add(line);
  });
  return out;
}

/** What one policy did with the real zImage's steps. */
export interface PolicyRun {
  /** The policy. */
  readonly policy: string;
  /** The run. */
  readonly result: RunResult;
  /** Reads, after the kernel's entry, whose value differs from what the code was given. */
  readonly staleReads: number;
  /** The first of them, or null. */
  readonly firstStale: number | null;
}

/**
 * Runs the steps under each policy.
 *
 * @param trace the zImage's trace
 * @returns one run per policy
 */
export function policyRuns(trace: BinaryTrace): PolicyRun[] {
  const out: PolicyRun[] = [];
  const steps = thinWrites(trace);
  for (const policy of POLICIES) {
    const scenario = { ...machine().policy(policy).toJSON(), steps };
    const result = run(scenario, {
      maxSteps: 2 ** 24,
      maxEvents: 1 << 24,
      maxTouchedPages: 1 << 20,
    });
    let i = 0;
    let staleReads = 0;
    let firstStale: number | null = null;
    for (const e of result.events) {
      if (e.name !== "read") continue;
      for (let k = 0; k < e.count; k++, i++) {
        if (Number(e.value) !== trace.readValues[i]) {
          staleReads++;
          if (firstStale === null) firstStale = Number(e.addr);
        }
      }
    }
    out.push({ policy, result, staleReads, firstStale });
  }
  return out;
}

function hex(n: number): string {
  return `0x${n.toString(16)}`;
}

/**
 * The story as text (the runs' flush events, and a table of verdicts).
 *
 * @param trace the zImage's trace
 * @param runs its runs
 * @returns the text
 */
export async function story(trace: BinaryTrace, runs: readonly PolicyRun[]): Promise<string> {
  const out: string[] = [];
  out.push("Debian's armmp zImage on X-Gene 1 (L3 system cache), four vCPUs", "");
  out.push(binaryVersions().split("\n").filter((l) => l.startsWith("linux-image")).join(""));
  const kinds = new Map<string, number>();
  for (const s of trace.steps) kinds.set(s.kind, (kinds.get(s.kind) ?? 0) + 1);
  out.push(
    `thinned to ${thinWrites(trace).length} steps for the policy runs`,
    `steps: ${[...kinds].map(([k, n]) => `${k} ${n}`).join(", ")}; reads after the kernel's ` +
      `entry: ${trace.readValues.length}; stopped at pc ${hex(trace.pc)}`,
    "",
    ...maintenanceSummary(trace),
    `VM registers written: ${
      trace.steps.flatMap((s) => (s.kind === "vm_reg" ? [s.reg] : [])).join(", ")
    }`,
  );
  for (const r of runs) {
    out.push("", `${r.policy}: flush events`, ...flushSummary(r.result));
  }
  out.push("", 'policy       binary: stale reads (first)      zImage32("2015") model: ok');
  for (const r of runs) {
    const model = await machine().policy(r.policy).guest((g) => g.zImage32({ era: "2015" })).run();
    const first = r.firstStale === null ? "" : ` (${hex(r.firstStale)})`;
    out.push(
      `${r.policy.padEnd(12)} ${String(r.staleReads).padStart(6)}${first.padEnd(26)}` +
        ` ${model.verdict.ok}`,
    );
  }
  return out.join("\n") + "\n";
}

if (import.meta.main) {
  const missing = missingBinariesMessage();
  if (missing !== null) {
    console.error(missing);
    Deno.exit(1);
  }
  const t0 = performance.now();
  const trace = zImageTrace(Deno.readFileSync(binaryPaths().zImage));
  const t1 = performance.now();
  const runs = policyRuns(trace);
  const t2 = performance.now();
  console.log(await story(trace, runs));
  console.error(
    `emulation ${Math.round(t1 - t0)} ms, ${POLICIES.length} policy runs ${Math.round(t2 - t1)} ms`,
  );
}
