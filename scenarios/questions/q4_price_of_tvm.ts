/**
 * Question 4 of the 2015 thread: what does trapping the VM registers (HCR.TVM)
 * cost? KVM 4.0 keeps TVM set from vCPU reset until the caches come on, and
 * sets it again at every first set/way op, so that it sees the caches go off.
 *
 * Every guest preset runs under kvm-3.18 (the policy the change replaced),
 * kvm-4.0 (the change) and kvm-modern (today's arm64 KVM), on the generic
 * machine (no FWB) and on neoverse-v1 (stage-2 FWB, where kvm-modern stops
 * trapping VM registers and ignores set/way; its cores run AArch32 at EL0
 * only, so the 32-bit guests run on generic alone). For each run: the exits,
 * with the VM-register traps (the price of TVM) and the set/way traps among
 * them (the rest are stage-2 faults and, under kvm-modern, a walk's trapped
 * reads of CLIDR, CSSELR and CCSIDR), the stage-2 flushes, and the modelled
 * cycles of the cost model (lib/hyp/costs.ts).
 *
 * Run it: `deno run scenarios/questions/q4_price_of_tvm.ts`.
 *
 * @module
 */

import { type GuestBuilder, machines, policies, type RunResult, vm } from "../../mod.ts";
import { num, quote, section, table, traceBody } from "./text.ts";

/**
 * The question, verbatim from the thread, and the answer it got.
 *
 * @example Usage
 * ```ts
 * import { QUESTION } from "./q4_price_of_tvm.ts";
 * console.log(QUESTION);
 * ```
 */
export const QUESTION: string = quote(
  [
    "So shouldn't we be detecting the guest MMU state instead? But we found",
    "this to be unstable before (for a still unknown reason), so we instead",
    "rely on always having trapping TVM set when the MMU is off?",
  ],
  "Christoffer Dall, 27 Jan 2015",
) + "\n\n" + quote(
  [
    "Tracking the MMU state would be the ideal thing to do. It is not so much",
    "that it is unreliable, but that detecting the MMU being turned off is",
    "extremely expensive (TVM traps all accessed to the VM regs).",
  ],
  "Marc Zyngier, 27 Jan 2015",
);

/**
 * The policies compared, oldest first.
 *
 * @example Usage
 * ```ts
 * import { POLICIES } from "./q4_price_of_tvm.ts";
 * console.log(POLICIES); // ["kvm-3.18", "kvm-4.0", "kvm-modern"]
 * ```
 */
export const POLICIES: readonly string[] = Object.freeze(["kvm-3.18", "kvm-4.0", "kvm-modern"]);

/**
 * The machines: one without FWB, one with.
 *
 * @example Usage
 * ```ts
 * import { MACHINES } from "./q4_price_of_tvm.ts";
 * console.log(MACHINES); // ["generic", "neoverse-v1"]
 * ```
 */
export const MACHINES: readonly string[] = Object.freeze(["generic", "neoverse-v1"]);

/**
 * Every guest preset, with the vCPUs it needs and whether it is a 32-bit
 * (AArch32) kernel.
 *
 * @example Usage
 * ```ts
 * import { GUESTS } from "./q4_price_of_tvm.ts";
 * console.log(GUESTS.map((g) => g.name).includes("uboot")); // true
 * ```
 */
export const GUESTS: readonly {
  readonly name: string;
  readonly cpus: number;
  readonly aarch32?: boolean;
  readonly program: (machine: string, policy: string) => (g: GuestBuilder) => GuestBuilder;
}[] = Object.freeze([
  {
    name: "zImage32 2015",
    cpus: 1,
    aarch32: true,
    program: () => (g: GuestBuilder) => g.zImage32(),
  },
  {
    name: "zImage32 by-va",
    cpus: 1,
    aarch32: true,
    program: () => (g: GuestBuilder) => g.zImage32({ era: "by-va" }),
  },
  { name: "linuxArm64 x2", cpus: 2, program: () => (g: GuestBuilder) => g.linuxArm64() },
  { name: "edk2", cpus: 1, program: () => (g: GuestBuilder) => g.edk2() },
  { name: "uboot", cpus: 1, program: () => (g: GuestBuilder) => g.uboot() },
  {
    name: "smpSecondary",
    cpus: 2,
    aarch32: true,
    // v7_invalidate_l1 walks what CCSIDR says: kvm-modern's virtual one has 1 set, 1 way.
    program: (machine: string, policy: string) => (g: GuestBuilder) =>
      g.smpSecondary({
        l1: policy === "kvm-modern"
          ? { size: 64, ways: 1, lineSize: 64 }
          : machines[machine].clusters[0].l1d,
      }),
  },
  { name: "vaCorrect", cpus: 1, program: () => (g: GuestBuilder) => g.vaCorrect() },
  { name: "noMaintenance", cpus: 1, program: () => (g: GuestBuilder) => g.noMaintenance() },
]);

/**
 * One guest under one policy on one machine.
 *
 * @example Usage
 * ```ts
 * import type { PriceRow } from "./q4_price_of_tvm.ts";
 * const tvmShare = (r: PriceRow) => r.vmRegTraps / Math.max(r.exits, 1);
 * ```
 */
export interface PriceRow {
  /** The guest. */
  readonly guest: string;
  /** The machine preset. */
  readonly machine: string;
  /** The policy. */
  readonly policy: string;
  /** Every trap. */
  readonly exits: number;
  /** Traps of VM-register writes: what HCR.TVM costs. */
  readonly vmRegTraps: number;
  /** Traps of set/way instructions (HCR.TSW). */
  readonly setWayTraps: number;
  /** `stage2_flush_vm` and `flush_cache_all` events. */
  readonly flushes: number;
  /** Modelled cycles of the run, or null when the cost model is not there. */
  readonly cycles: number | null;
  /** Modelled cycles of the VM-register traps alone, or null without the cost model. */
  readonly vmRegCycles: number | null;
  /** Whether every read was correct. */
  readonly ok: boolean;
}

/** Whether a machine's cores run AArch32 at EL0 only, so that no 32-bit guest kernel runs there. */
function only64Bit(machine: string): boolean {
  return machines[machine].features?.aarch32El1 === false;
}

function exitsOf(run: RunResult, reason: string): number {
  let n = 0;
  for (const e of run.events) if (e.name === "kvm_exit" && e.reason === reason) n += e.count;
  return n;
}

function exitCycles(run: RunResult, reason: string): number | null {
  let n = 0;
  for (const e of run.events) {
    if (e.name !== "kvm_exit" || e.reason !== reason) continue;
    if (typeof e.cycles !== "number") return null;
    n += e.count * e.cycles;
  }
  return n;
}

/**
 * The policies of {@linkcode POLICIES} this build has.
 *
 * @example Usage
 * ```ts
 * import { availablePolicies } from "./q4_price_of_tvm.ts";
 * console.log(availablePolicies().includes("kvm-4.0")); // true
 * ```
 * @returns the names, in order
 */
export function availablePolicies(): string[] {
  return POLICIES.filter((p) => Object.hasOwn(policies, p));
}

/**
 * Runs every guest under every available policy on both machines.
 *
 * @example Usage
 * ```ts
 * import { findings } from "./q4_price_of_tvm.ts";
 * const rows = await findings();
 * console.log(rows.filter((r) => !r.ok).map((r) => r.guest));
 * ```
 * @returns one row per run
 */
export async function findings(): Promise<PriceRow[]> {
  const rows: PriceRow[] = [];
  for (const machine of MACHINES) {
    for (const g of GUESTS) {
      // KVM creates no AArch32 vCPU on cores that run AArch32 at EL0 only.
      if (g.aarch32 && only64Bit(machine)) continue;
      for (const policy of availablePolicies()) {
        const run = await vm().machine(machine).cpus(g.cpus).policy(policy)
          .guest(g.program(machine, policy)).run();
        const cost = run.cost as { readonly cycles?: number };
        rows.push({
          guest: g.name,
          machine,
          policy,
          exits: run.cost.exits,
          vmRegTraps: exitsOf(run, "vm_reg"),
          setWayTraps: exitsOf(run, "dcsw"),
          flushes: run.cost.flushes,
          cycles: typeof cost.cycles === "number" ? cost.cycles : null,
          vmRegCycles: exitCycles(run, "vm_reg"),
          ok: run.verdict.ok,
        });
      }
    }
  }
  return rows;
}

function total(rows: readonly PriceRow[], key: "exits" | "vmRegTraps" | "setWayTraps"): number {
  return rows.reduce((n, r) => n + r[key], 0);
}

function cyclesOf(rows: readonly PriceRow[], key: "cycles" | "vmRegCycles"): number | null {
  if (rows.some((r) => r[key] === null)) return null;
  return rows.reduce((n, r) => n + (r[key] as number), 0);
}

/**
 * The answer in one sentence, derived from the rows.
 *
 * @example Usage
 * ```ts
 * import { answer, findings } from "./q4_price_of_tvm.ts";
 * console.log(answer(await findings()));
 * ```
 * @param rows one row per guest, policy and machine
 * @returns the sentence
 */
export function answer(rows: readonly PriceRow[]): string {
  const on = (machine: string, policy: string) =>
    rows.filter((r) => r.machine === machine && r.policy === policy);
  const k40 = on("generic", "kvm-4.0");
  const k318 = on("generic", "kvm-3.18");
  const tvm40 = total(k40, "vmRegTraps"), exits40 = total(k40, "exits");
  const tvm318 = total(k318, "vmRegTraps");
  const share = exits40 === 0 ? 0 : (100 * tvm40) / exits40;
  const cycles40 = cyclesOf(k40, "cycles"), cycles318 = cyclesOf(k318, "cycles");
  const tvmCycles40 = cyclesOf(k40, "vmRegCycles");
  const cheaper = share < 1 ? "a small price" : "a real price";
  let s = `TVM is ${cheaper} next to set/way trapping: across the ${GUESTS.length} guests on ` +
    `generic, kvm-4.0 trapped ${num(tvm40)} VM-register writes (kvm-3.18: ${num(tvm318)}), ` +
    `${share.toFixed(2)}% of its ${num(exits40)} exits, the rest being the set/way ops ` +
    "TSW traps one by one";
  if (cycles40 !== null && cycles318 !== null && tvmCycles40 !== null) {
    const trapShare = cycles40 === 0 ? 0 : (100 * tvmCycles40) / cycles40;
    s += `; in modelled cycles kvm-4.0 spent ${num(cycles40)} against ${num(cycles318)} for ` +
      `kvm-3.18, ${num(tvmCycles40)} of them (${trapShare.toFixed(2)}%) in VM-register traps`;
  }
  const modern = on("neoverse-v1", "kvm-modern");
  if (modern.length > 0) {
    s += `; with FWB (neoverse-v1, the ${modern.length} 64-bit guests) kvm-modern trapped ` +
      `${num(total(modern, "vmRegTraps"))} ` +
      `VM-register writes and ${num(total(modern, "setWayTraps"))} set/way ops`;
  }
  return s + ".";
}

/**
 * Runs the question and returns the text: the question, the events, the answer.
 *
 * @example Usage
 * ```ts
 * import { story } from "./q4_price_of_tvm.ts";
 * console.log(await story());
 * ```
 * @param data the rows, when already computed; default: run them
 * @returns the report
 */
export async function story(data?: PriceRow[]): Promise<string> {
  const rows = data ?? await findings();
  const out: string[] = ["Question 4: the price of TVM", "", QUESTION];
  const missing = POLICIES.filter((p) => !availablePolicies().includes(p));
  if (missing.length > 0) out.push("", `Not in this build: ${missing.join(", ")}.`);
  for (const policy of ["kvm-3.18", "kvm-4.0"]) {
    const run = await vm().policy(policy).guest((g) => g.zImage32()).run();
    out.push(section(`zImage32 2015 on generic, ${policy}: when TVM is armed`));
    out.push(traceBody(run.trace({
      only: (e) =>
        e.name === "hcr_write" || (e.name === "kvm_exit" && e.reason === "vm_reg") ||
        e.name === "kvm_set_way_flush",
    })));
  }
  for (const machine of MACHINES) {
    out.push(
      section(
        only64Bit(machine)
          ? `Every 64-bit guest on ${machine} (its cores run AArch32 at EL0 only)`
          : `Every guest on ${machine}`,
      ),
    );
    out.push(table(
      ["guest", "policy", "exits", "VM-reg traps", "S/W traps", "flushes", "cycles", "ok"],
      rows.filter((r) => r.machine === machine).map((r) => [
        r.guest,
        r.policy,
        num(r.exits),
        num(r.vmRegTraps),
        num(r.setWayTraps),
        num(r.flushes),
        r.cycles === null ? "-" : num(r.cycles),
        r.ok ? "yes" : "no",
      ]),
    ));
  }
  out.push(section("Answer"), answer(rows));
  return out.join("\n") + "\n";
}

if (import.meta.main) {
  console.log(await story());
}
