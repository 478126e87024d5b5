/**
 * Question 2 of the 2015 thread: KVM 4.0 flushes both at the trapped set/way
 * op and again when the guest turns its caches off. Why both ("belt and
 * braces")? Is there a guest that needs each of them?
 *
 * Two variants of kvm-4.0 answer it, each without one of the flushes:
 *
 * - `kvm-4.0-no-sw-flush`: at a trapped set/way op with TVM clear it still
 *   traces `kvm_set_way_flush` and re-arms TVM, but does not flush;
 * - `kvm-4.0-no-off-flush`: at a trapped VM-register write it flushes only
 *   when the caches come on, not when they go off.
 *
 * A bounded search runs every guest that uses set/way (zImage32 2015, edk2,
 * uboot, smpSecondary) plus the 32-bit kernel's soft restart (below) on
 * every machine preset that can run it (edk2 and uboot are AArch64 code, which
 * TC2's ARMv7 cores cannot run), quiet and with adversarial speculation under a few
 * seeds, under kvm-4.0 and both variants. A counterexample is a run where a
 * variant reads stale data and kvm-4.0, same machine, seed and guest, does
 * not.
 *
 * The soft restart is written with the DSL: arch/arm/kernel/reboot.c
 * `__soft_restart` (kexec, reboot) runs `flush_cache_all()` (a set/way
 * clean+invalidate, caches on), `cpu_proc_fin()` (caches off), then
 * `flush_cache_all()` again "to push out any further dirty data", and jumps
 * to code that runs with the MMU off. The word the model writes between the
 * first flush and caches-off stands for that further dirty data.
 *
 * Run it: `deno run scenarios/questions/q2_belt_and_braces.ts`.
 *
 * @module
 */

import {
  definePolicy,
  type GuestBuilder,
  machines,
  policies,
  type Policy,
  type RunResult,
  type Speculation,
  vm,
} from "../../mod.ts";
import { list, num, quote, section, traceBody } from "./text.ts";

/**
 * The question, verbatim from the thread, and the answer it got.
 *
 * @example Usage
 * ```ts
 * import { QUESTION } from "./q2_belt_and_braces.ts";
 * console.log(QUESTION);
 * ```
 */
export const QUESTION: string = quote(
  [
    "However, when we are turning off caches, we both flush the cache when",
    "doing the actual S/W operation and when the caches are then turned off.",
    "Why?",
  ],
  "Christoffer Dall, 27 Jan 2015",
) + "\n\n" + quote(
  [
    'Think of it as a "belt and braces" measure. The guest tries to do',
    "something *at that point*, and we should respect that.",
  ],
  "Marc Zyngier, 27 Jan 2015",
);

const KVM40 = policies["kvm-4.0"];

/**
 * kvm-4.0 without the flush at the trapped set/way op.
 *
 * @example Usage
 * ```ts
 * import { noSetWayFlush } from "./q2_belt_and_braces.ts";
 * console.log(noSetWayFlush.name); // "kvm-4.0-no-sw-flush"
 * ```
 */
export const noSetWayFlush: Policy = definePolicy({
  name: "kvm-4.0-no-sw-flush",
  description: "kvm-4.0 whose trapped set/way op re-arms TVM without flushing",
  source: `${KVM40.source}; without the stage2_flush_vm of kvm_set_way_flush`,
  onReset: KVM40.onReset,
  onSetWay(hyp) {
    const hcr = hyp.vcpu.hcr;
    if (!hcr.tvm) {
      hyp.emit("kvm_set_way_flush", { cache: hyp.cacheEnabled() });
      hcr.tvm = true;
    }
  },
  onVmRegWrite: KVM40.onVmRegWrite,
  onUnmap: KVM40.onUnmap,
}) as Policy;

/**
 * kvm-4.0 without the flush when the caches go off.
 *
 * @example Usage
 * ```ts
 * import { noCachesOffFlush } from "./q2_belt_and_braces.ts";
 * console.log(noCachesOffFlush.name); // "kvm-4.0-no-off-flush"
 * ```
 */
export const noCachesOffFlush: Policy = definePolicy({
  name: "kvm-4.0-no-off-flush",
  description: "kvm-4.0 whose kvm_toggle_cache flushes only when the caches come on",
  source: `${KVM40.source}; without the stage2_flush_vm of kvm_toggle_cache at caches off`,
  onReset: KVM40.onReset,
  onSetWay: KVM40.onSetWay,
  onVmRegWrite(hyp, write) {
    const now = hyp.cacheEnabled();
    if (now && !write.wasEnabled) hyp.flushVm();
    if (now) hyp.vcpu.hcr.tvm = false;
    hyp.emit("kvm_toggle_cache", { was: write.wasEnabled, now });
  },
  onUnmap: KVM40.onUnmap,
}) as Policy;

/**
 * The two variants, in the order the answer names them.
 *
 * @example Usage
 * ```ts
 * import { VARIANTS } from "./q2_belt_and_braces.ts";
 * console.log(VARIANTS.map((p) => p.name)); // ["kvm-4.0-no-sw-flush", "kvm-4.0-no-off-flush"]
 * ```
 */
export const VARIANTS: readonly Policy[] = Object.freeze([noSetWayFlush, noCachesOffFlush]);

const IMAGE = 0x4000_8000;

/**
 * The soft-restart path of the 32-bit kernel, as a DSL program.
 *
 * @example Usage
 * ```ts
 * import { vm } from "../../mod.ts";
 * import { softRestart } from "./q2_belt_and_braces.ts";
 * const run = await vm().guest(softRestart).run();
 * console.log(run.verdict.ok); // true under kvm-4.0
 * ```
 */
export function softRestart(g: GuestBuilder): GuestBuilder {
  let p = g.mmuOn();
  for (let i = 0; i < 8; i++) p = p.write(IMAGE + 0x1000 * i, 0x5eed_0000 + i);
  p = p.pc(0xc011_a2c0).sw_clean_invalidate() // flush_cache_all
    .pc(0xc011_a300).write(IMAGE + 0x8000, 0xd1c7_da7a) // further dirty data
    .pc(0xc011_b0e4).cachesOff() // cpu_proc_fin
    .pc(0xc011_a2c0).sw_clean_invalidate() // flush_cache_all again
    .pc(0xc011_b120).mmuOff(); // cpu_reset
  for (let i = 0; i < 8; i++) p = p.read(IMAGE + 0x1000 * i);
  return p.read(IMAGE + 0x8000);
}

/**
 * The guests searched, by name.
 *
 * @example Usage
 * ```ts
 * import { GUESTS } from "./q2_belt_and_braces.ts";
 * console.log(Object.keys(GUESTS).length); // 5
 * ```
 */
export const GUESTS: Readonly<
  Record<string, (machine: string) => (g: GuestBuilder) => GuestBuilder>
> = Object.freeze({
  "zImage32 2015": () => (g: GuestBuilder) => g.zImage32({ era: "2015", words: 16, pages: 4 }),
  edk2: () => (g: GuestBuilder) => g.edk2({ words: 16, pages: 4 }),
  uboot: () => (g: GuestBuilder) => g.uboot({ words: 16, pages: 4 }),
  smpSecondary: (machine: string) => (g: GuestBuilder) =>
    g.smpSecondary({ words: 16, pages: 4, l1: machines[machine].clusters[0].l1d }),
  "soft restart": () => softRestart,
});

/** The guests of {@linkcode GUESTS} that are AArch64 code. */
const AARCH64_GUESTS: ReadonlySet<string> = new Set(["edk2", "uboot"]);

/** Whether `machine` can run `guest`: an ARMv7 machine runs AArch32 guests only. */
function runsOn(guest: string, machine: string): boolean {
  return !AARCH64_GUESTS.has(guest) || machines[machine].features?.aarch64 !== false;
}

/**
 * The hardware settings searched: quiet, then adversarial with each seed.
 *
 * @example Usage
 * ```ts
 * import { SETTINGS } from "./q2_belt_and_braces.ts";
 * console.log(SETTINGS[0]); // { speculation: "quiet", seed: 1 }
 * ```
 */
export const SETTINGS: readonly { readonly speculation: Speculation; readonly seed: number }[] =
  Object.freeze([
    { speculation: "quiet", seed: 1 },
    { speculation: "adversarial", seed: 1 },
    { speculation: "adversarial", seed: 2 },
  ]);

/**
 * One configuration of the search where a variant failed and kvm-4.0 did not.
 *
 * @example Usage
 * ```ts
 * import type { Counterexample } from "./q2_belt_and_braces.ts";
 * function where(c: Counterexample): string {
 *   return `${c.guest} on ${c.machine}`;
 * }
 * ```
 */
export interface Counterexample {
  /** The variant's name. */
  readonly policy: string;
  /** The guest. */
  readonly guest: string;
  /** The machine preset. */
  readonly machine: string;
  /** The hardware setting. */
  readonly speculation: Speculation;
  /** The seed. */
  readonly seed: number;
  /** The variant's run. */
  readonly run: RunResult;
}

/**
 * What the search found.
 *
 * @example Usage
 * ```ts
 * import type { Search } from "./q2_belt_and_braces.ts";
 * function total(s: Search): number {
 *   return Object.values(s.found).reduce((n, c) => n + c.length, 0);
 * }
 * ```
 */
export interface Search {
  /** Configurations run (each under kvm-4.0 and both variants). */
  readonly configurations: number;
  /** Configurations where kvm-4.0 itself read stale data. */
  readonly kvm40Failures: number;
  /** Per variant name: every counterexample, in search order. */
  readonly found: Readonly<Record<string, readonly Counterexample[]>>;
}

/**
 * Runs the bounded search: guests × machines × settings, under kvm-4.0 and the variants.
 *
 * @example Usage
 * ```ts
 * import { search } from "./q2_belt_and_braces.ts";
 * const s = await search();
 * console.log(s.configurations, s.kvm40Failures);
 * ```
 * @returns the counts and the counterexamples
 */
export async function search(): Promise<Search> {
  const found: Record<string, Counterexample[]> = {};
  for (const v of VARIANTS) found[v.name] = [];
  let configurations = 0, kvm40Failures = 0;
  for (const [guest, program] of Object.entries(GUESTS)) {
    for (const machine of Object.keys(machines)) {
      if (!runsOn(guest, machine)) continue;
      const cpus = guest === "smpSecondary" ? 2 : 1;
      const base = vm().machine(machine).cpus(cpus).guest(program(machine));
      for (const { speculation, seed } of SETTINGS) {
        configurations++;
        const setting = base.speculation(speculation).seed(seed);
        const reference = await setting.policy(KVM40).run();
        if (!reference.verdict.ok) kvm40Failures++;
        for (const v of VARIANTS) {
          const run = await setting.policy(v).run();
          if (!run.verdict.ok && reference.verdict.ok) {
            found[v.name].push({ policy: v.name, guest, machine, speculation, seed, run });
          }
        }
      }
    }
  }
  return { configurations, kvm40Failures, found };
}

function where(c: Counterexample): string {
  return `${c.guest} on ${c.machine} (${c.speculation}, seed ${c.seed})`;
}

/**
 * The answer in one sentence, derived from the search.
 *
 * @example Usage
 * ```ts
 * import { answer, search } from "./q2_belt_and_braces.ts";
 * console.log(answer(await search()));
 * ```
 * @param s what the search found
 * @returns the sentence
 */
export function answer(s: Search): string {
  const parts = VARIANTS.map((v) => {
    const all = s.found[v.name];
    const flush = v === noSetWayFlush ? "the flush at the S/W op" : "the flush at caches-off";
    if (all.length === 0) {
      return `skipping ${flush} never gave a stale read that kvm-4.0 avoids (none exists in ` +
        "what this search reaches)";
    }
    const guests = [...new Set(all.map((c) => c.guest))];
    return `skipping ${flush} gives stale reads that kvm-4.0 avoids in ${all.length} of ` +
      `${s.configurations} configurations (${list(guests)}; first: ${where(all[0])})`;
  });
  const both = VARIANTS.every((v) => s.found[v.name].length > 0);
  const head = both ? "Both flushes are needed" : "Not both flushes are needed here";
  const reference = s.kvm40Failures === 0
    ? "kvm-4.0 itself read correctly in all of them"
    : `kvm-4.0 itself failed in ${s.kvm40Failures}`;
  return `${head}: ${parts.join("; ")}; ${reference}.`;
}

/**
 * Runs the question and returns the text: the question, the counterexamples' events, the answer.
 *
 * @example Usage
 * ```ts
 * import { story } from "./q2_belt_and_braces.ts";
 * console.log(await story());
 * ```
 * @param done the search, when already run; default: run it
 * @returns the report
 */
export async function story(done?: Search): Promise<string> {
  const s = done ?? await search();
  const out: string[] = ["Question 2: belt and braces", "", QUESTION];
  out.push(
    section("The search"),
    `${Object.keys(GUESTS).length} guests x ${Object.keys(machines).length} machines x ` +
      `${SETTINGS.length} hardware settings, less the AArch64 guests (${
        list([...AARCH64_GUESTS])
      }) on ARMv7 machines = ${num(s.configurations)} configurations, each ` +
      `under kvm-4.0, ${list(VARIANTS.map((v) => v.name))}.`,
  );
  for (const v of VARIANTS) {
    const all = s.found[v.name];
    out.push(section(`${v.name}: ${all.length} counterexample(s)`));
    if (all.length === 0) {
      out.push("None: in every configuration this variant read what kvm-4.0 read.");
      continue;
    }
    const first = all[0];
    out.push(`First: ${where(first)}. Its flush events, stale reads cut short:`, "");
    let stale = 0;
    out.push(traceBody(first.run.trace({
      filter: "flush",
      only: (e) => e.name !== "stale_read" || stale++ < 2,
    })));
    const guests = [...new Set(all.map((c) => c.guest))];
    const onMachines = [...new Set(all.map((c) => c.machine))];
    const quiet = all.filter((c) => c.speculation === "quiet").length;
    out.push(
      "",
      `All ${all.length}: ${list(guests)}, on ${list(onMachines)}; ${quiet} quiet, ` +
        `${all.length - quiet} with adversarial speculation.`,
    );
  }
  out.push(section("Answer"), answer(s));
  return out.join("\n") + "\n";
}

if (import.meta.main) {
  console.log(await story());
}
