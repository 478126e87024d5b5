/**
 * Question 1 of the 2015 thread: a guest that cleans its caches by set/way
 * at boot, with caches off, before turning them on: does KVM 4.0 really
 * defer that until the caches come on?
 *
 * Two firmware guests do exactly that: U-Boot (`invalidate_dcache_all` in
 * `dcache_enable`) and EDK2 (`ArmCleanInvalidateDataCache` in
 * `ArmConfigureMmu`). Each runs on the generic machine under kvm-4.0, and
 * under kvm-3.18 for contrast; the trace is cut at the write that turns the
 * caches on.
 *
 * Run it: `deno run scenarios/questions/q1_deferred.ts`.
 *
 * @module
 */

import { type GuestBuilder, type RunResult, type SetwayEvent, vm } from "../../mod.ts";
import { list, num, quote, section, traceBody } from "./text.ts";

/**
 * The question, verbatim from the thread.
 *
 * @example Usage
 * ```ts
 * import { QUESTION } from "./q1_deferred.ts";
 * console.log(QUESTION);
 * ```
 */
export const QUESTION: string = quote(
  [
    "what about when the guest boots, wouldn't it be using S/W operations to",
    "flush the whole cache before turning it on?  But we ignore this case now",
    "because we're already trapping VM regs so this is deferred until caches",
    "are turned on.",
  ],
  "Christoffer Dall, 27 Jan 2015",
);

/**
 * The guests that clean by set/way with caches off at boot.
 *
 * @example Usage
 * ```ts
 * import { GUESTS } from "./q1_deferred.ts";
 * console.log(Object.keys(GUESTS)); // ["uboot", "edk2"]
 * ```
 */
export const GUESTS: Readonly<Record<string, (g: GuestBuilder) => GuestBuilder>> = Object.freeze({
  uboot: (g: GuestBuilder) => g.uboot(),
  edk2: (g: GuestBuilder) => g.edk2(),
});

/**
 * What one guest's kvm-4.0 run shows up to the moment its caches come on.
 *
 * @example Usage
 * ```ts
 * import type { BootFinding } from "./q1_deferred.ts";
 * const f: BootFinding = {
 *   guest: "uboot", trappedSetWay: 16896, setWayFlushes: 0, flushesBeforeOn: 1,
 *   flushAtCachesOn: true, legacyLocalOps: 16896, ok: true,
 * };
 * ```
 */
export interface BootFinding {
  /** The guest preset. */
  readonly guest: string;
  /** Set/way instructions trapped before the caches came on. */
  readonly trappedSetWay: number;
  /** `kvm_set_way_flush` events before the caches came on. */
  readonly setWayFlushes: number;
  /** `stage2_flush_vm` events before the caches came on, the one at that write included. */
  readonly flushesBeforeOn: number;
  /** Whether a `stage2_flush_vm` ran at the very write that turned the caches on. */
  readonly flushAtCachesOn: boolean;
  /** Set/way instructions kvm-3.18 performed on the physical CPU in the same window. */
  readonly legacyLocalOps: number;
  /** Whether both runs read correctly. */
  readonly ok: boolean;
}

/** The events of a run up to and including the `kvm_toggle_cache` that turned caches on. */
function untilCachesOn(run: RunResult): SetwayEvent[] {
  const out: SetwayEvent[] = [];
  for (const e of run.events) {
    out.push(e);
    if (e.name === "kvm_toggle_cache" && e.now === true && e.was === false) break;
    // kvm-3.18 emits no kvm_toggle_cache: its caches-on flush ends the window.
    if (e.name === "stage2_flush_vm" && run.policy === "kvm-3.18") break;
  }
  return out;
}

function count(events: readonly SetwayEvent[], pred: (e: SetwayEvent) => boolean): number {
  let n = 0;
  for (const e of events) if (pred(e)) n += e.count;
  return n;
}

/**
 * Runs each guest under kvm-4.0 and kvm-3.18 and measures the window before caches on.
 *
 * @example Usage
 * ```ts
 * import { findings } from "./q1_deferred.ts";
 * const { findings: f } = await findings();
 * console.log(f.map((x) => x.setWayFlushes)); // [0, 0]
 * ```
 * @returns one finding per guest, and the runs (kvm-4.0 then kvm-3.18 for each guest)
 */
export async function findings(): Promise<{ findings: BootFinding[]; runs: RunResult[] }> {
  const out: BootFinding[] = [];
  const runs: RunResult[] = [];
  for (const [guest, program] of Object.entries(GUESTS)) {
    const modern = await vm().policy("kvm-4.0").guest(program).run();
    const legacy = await vm().policy("kvm-3.18").guest(program).run();
    runs.push(modern, legacy);
    const w = untilCachesOn(modern);
    const last = w[w.length - 1];
    const before = w[w.length - 2];
    out.push({
      guest,
      trappedSetWay: count(w, (e) => e.name === "kvm_exit" && e.reason === "dcsw"),
      setWayFlushes: count(w, (e) => e.name === "kvm_set_way_flush"),
      flushesBeforeOn: count(w, (e) => e.name === "stage2_flush_vm"),
      flushAtCachesOn: last?.name === "kvm_toggle_cache" && before?.name === "stage2_flush_vm" &&
        before.pc === last.pc,
      legacyLocalOps: count(untilCachesOn(legacy), (e) => e.name === "sw_local"),
      ok: modern.verdict.ok && legacy.verdict.ok,
    });
  }
  return { findings: out, runs };
}

/**
 * The answer in one sentence, derived from the findings.
 *
 * @example Usage
 * ```ts
 * import { answer, findings } from "./q1_deferred.ts";
 * console.log(answer((await findings()).findings));
 * ```
 * @param f one finding per guest
 * @returns the sentence
 */
export function answer(f: readonly BootFinding[]): string {
  const deferred = f.filter((x) =>
    x.trappedSetWay > 0 && x.setWayFlushes === 0 && x.flushesBeforeOn === 1 && x.flushAtCachesOn
  );
  const names = list(f.map((x) => x.guest));
  const traps = num(f.reduce((n, x) => n + x.trappedSetWay, 0));
  const local = num(f.reduce((n, x) => n + x.legacyLocalOps, 0));
  const verdict = f.every((x) => x.ok) ? "and every read was correct" : "yet some read failed";
  if (deferred.length === f.length) {
    return `Yes: under kvm-4.0 the ${traps} set/way instructions ${names} trapped with caches ` +
      "off caused no kvm_set_way_flush and no flush, the only stage2_flush_vm ran at the " +
      `SCTLR write that turned the caches on (where kvm-3.18 had performed all ${local} ` +
      `instructions on the CPU), ${verdict}.`;
  }
  const eager = f.filter((x) => !deferred.includes(x)).map((x) => x.guest);
  return `No: under kvm-4.0 ${list(eager)} flushed before the caches came on ` +
    `(${num(f.reduce((n, x) => n + x.setWayFlushes, 0))} kvm_set_way_flush), ${verdict}.`;
}

/**
 * Runs the question and returns the text: the question, the events, the answer.
 *
 * @example Usage
 * ```ts
 * import { story } from "./q1_deferred.ts";
 * console.log(await story());
 * ```
 * @param data the findings and runs, when already computed; default: run them
 * @returns the report
 */
export async function story(
  data?: { findings: BootFinding[]; runs: RunResult[] },
): Promise<string> {
  const { findings: f, runs } = data ?? await findings();
  const out: string[] = ["Question 1: set/way at boot with caches off", "", QUESTION];
  for (const run of runs) {
    const window = new Set(untilCachesOn(run).map((e) => e.seq));
    const guest = Object.keys(GUESTS)[Math.floor(runs.indexOf(run) / 2)];
    out.push(section(`${guest} on ${run.machine.name}, ${run.policy}: until the caches come on`));
    out.push(traceBody(run.trace({ filter: "flush", only: (e) => window.has(e.seq) })));
  }
  out.push(section("Answer"), answer(f));
  return out.join("\n") + "\n";
}

if (import.meta.main) {
  console.log(await story());
}
