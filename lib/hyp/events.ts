/**
 * The event vocabulary: every effect worth asserting on.
 *
 * An event is a flat, JSON-serializable object: `name`, `seq` (its place in
 * the run), the `vcpu`, `pcpu` and guest `pc` it happened on (null where that
 * makes no sense, e.g. a host write), `count` (more than 1 when a run of
 * identical events was collapsed into one record), and its own fields.
 * Every event of a run also carries `cycles`: the modelled cost of one
 * occurrence (lib/hyp/costs.ts); a record stands for `count * cycles`.
 * Names follow the kernel where setway models the kernel (Xen's where the
 * Xen policies act; the trap and fault events keep KVM's names whatever the
 * hypervisor, and a Xen run's trace prints them under Xen's names:
 * {@linkcode xenEventName}, decided by {@linkcode vocabularyOf}).
 *
 * The named sets of events live here too: {@linkcode FLUSH_EVENTS}, what a
 * golden flush trace asserts on, {@linkcode HW_EVENTS}, what the hardware
 * does on its own, {@linkcode EVENT_NAMES}, every built-in name, and
 * {@linkcode XEN_EVENTS} with Xen's names of the others; the engine, the
 * reports and the goldens all read them from here.
 *
 * @module
 */

/** A field value: events are flat and JSON-serializable. */
export type EventFieldValue = number | string | boolean | null;

/** What every event carries. */
export interface EventBase {
  /** The event's place in the run; a collapsed event takes `count` places. */
  readonly seq: number;
  /** The event's name, e.g. `"kvm_set_way_flush"`. */
  readonly name: string;
  /** The vCPU, or null for host and hardware events not tied to one. */
  readonly vcpu: number | null;
  /** The physical CPU, or null. */
  readonly pcpu: number | null;
  /** The guest PC at the time, or null. */
  readonly pc: number | null;
  /** How many identical events this record stands for (1 unless collapsed). */
  readonly count: number;
  /** Modelled cycles of one occurrence (present on every event of a run). */
  readonly cycles?: number;
}

/**
 * The fields of each built-in event. A user-defined policy may emit other
 * names with fields of its own.
 */
export interface EventFields {
  /** A guest load; `cacheable` says whether it went through the caches. */
  read: { addr: number; value: number; cacheable: boolean };
  /** A guest store. */
  write: { addr: number; value: number; cacheable: boolean };
  /** DC CVAC over a range: `lines` instructions. */
  dc_cvac: { addr: number; len: number; lines: number };
  /** DC CIVAC over a range. */
  dc_civac: { addr: number; len: number; lines: number };
  /** DC IVAC over a range; `performedAs` is `"civac"` when stage 2 upgrades it. */
  dc_ivac: { addr: number; len: number; lines: number; performedAs: string };
  /** DC CVAU over a range. */
  dc_cvau: { addr: number; len: number; lines: number };
  /** One DC CSW instruction (level is 1-based). */
  dc_csw: { level: number; set: number; way: number };
  /** One DC CISW instruction. */
  dc_cisw: { level: number; set: number; way: number };
  /** One DC ISW instruction. */
  dc_isw: { level: number; set: number; way: number };
  /** A whole set/way walk: `instructions` S/W instructions over `levels` levels. */
  sw_walk: { op: string; levels: number; instructions: number };
  /** A guest write to SCTLR and the bits it leaves. */
  sctlr_write: { m: boolean; c: boolean; i: boolean };
  /** A guest write to another VM register. */
  vm_reg_write: { reg: string; value: number };
  /**
   * An exit to the hypervisor: a trapped instruction or a stage-2 abort.
   * `reason` names the handler (`dcsw`, `vm_reg`, `cache_id`, `dabt`, `iabt`); `ec` is
   * the ESR/HSR exception class; `type`, on a 32-bit arch/arm host only, is
   * the exception type its `kvm_exit` prints (`HVC`; arm64's is `TRAP`).
   */
  kvm_exit: { reason: string; ec: number; type?: string };
  /**
   * A stage-2 fault: `ipa` is the faulting page, `hsr` the syndrome and
   * `hxfar` the faulting address the hypervisor reads (lib/hyp/abort_syndrome.ts).
   */
  kvm_guest_fault: { ipa: number; hsr: number; hxfar: number };
  /** The host zeroes a freshly allocated page through its cacheable mapping. */
  clear_page: { ipa: number };
  /**
   * The fault path cleans+invalidates the page to PoC (KVM 4.0: because the
   * guest's caches are off), through the kernel's mapping or the user one.
   */
  coherent_cache_guest_page: {
    ipa: number;
    lines: number;
    cleaned: number;
    invalidated: number;
    via: string;
  };
  /** Modern KVM's fault-path clean+invalidate of every new mapping (no FWB). */
  clean_dcache_guest_page: {
    ipa: number;
    lines: number;
    cleaned: number;
    invalidated: number;
    via: string;
  };
  /** Xen cleans+invalidates each page it allocates for a domain. */
  flush_page_to_ram: {
    ipa: number;
    lines: number;
    cleaned: number;
    invalidated: number;
    via: string;
  };
  /** The host unmaps a page from stage 2 (`mapped`: whether it was mapped). */
  kvm_unmap_hva: { ipa: number; mapped: boolean };
  /** A policy cleans (and invalidates) one page by VA, e.g. on unmap. */
  flush_page: {
    ipa: number;
    invalidate: boolean;
    lines: number;
    cleaned: number;
    invalidated: number;
  };
  /** KVM 4.0: a trapped S/W op with TVM clear. */
  kvm_set_way_flush: { cache: boolean };
  /** KVM 4.0: a trapped VM-register write. */
  kvm_toggle_cache: { was: boolean; now: boolean };
  /** Clean+invalidate by VA of every mapped page: `pages` walked, `lines` DC ops issued. */
  stage2_flush_vm: { pages: number; lines: number; cleaned: number; invalidated: number };
  /** Xen: a trapped S/W op with TVM clear marks `need_flush_to_ram` and sets TVM. */
  p2m_set_way_flush: { cache: boolean };
  /** Xen: a trapped VM-register write; `flush` when it marked `need_flush_to_ram`. */
  p2m_toggle_cache: { was: boolean; now: boolean; flush: boolean };
  /** Xen's deferred `p2m_flush_vm` on the way back to the guest. */
  p2m_flush_vm: {
    pages: number;
    lines: number;
    cleaned: number;
    invalidated: number;
    preemptChecks: number;
  };
  /** The hypervisor injects an undefined-instruction exception: the guest crashes. */
  undef_injected: { reason: string };
  /** Local clean+invalidate by set/way of every level up to LoC. */
  flush_cache_all: { slots: number; cleaned: number; invalidated: number };
  /** A trapped S/W op executed on the current physical CPU. */
  sw_local: {
    op: string;
    level: number;
    set: number;
    way: number;
    cleaned: number;
    invalidated: number;
  };
  /** The hypervisor changes HCR trap bits. */
  hcr_write: { tsw: boolean; tvm: boolean };
  /** A vCPU is loaded on a physical CPU. */
  vcpu_load: { pcpu: number };
  /**
   * The scheduler moves a vCPU. `reason` is `"preempt"` when it was
   * preempted between an exit and the exit's handler (the handler then runs
   * on `to`); absent for a move between two instructions.
   */
  migrate: { from: number; to: number; reason?: string };
  /** The hardware fills a line speculatively into `cache`. */
  speculative_fill: { addr: number; cache: string };
  /** The hardware evicts a line from `cache` to the next level. */
  castout: { addr: number; cache: string; dirty: boolean };
  /** The VMM writes guest RAM through its cacheable mapping. */
  host_write: { addr: number; value: number };
  /** A read returned an older value than the guest's last write. */
  stale_read: { addr: number; expected: number; got: number; blame: string };
  /** A write was lost: its value is nowhere in the system any more. */
  lost_write: { addr: number; expected: number; got: number; blame: string };
}

/** The name of a built-in event. */
export type EventName = keyof EventFields;

/**
 * One event as recorded in a run.
 *
 * @example Usage
 * ```ts
 * import type { SetwayEvent } from "@setway/setway";
 * const e: SetwayEvent = {
 *   seq: 4, name: "kvm_set_way_flush", vcpu: 0, pcpu: 0, pc: 0x40008234, count: 1, cache: true,
 * };
 * ```
 */
export type SetwayEvent = EventBase & { readonly [field: string]: EventFieldValue };

/**
 * The flush events a golden trace asserts on: traps, what the policy did
 * about them, and the oracle's findings.
 *
 * @example Usage
 * ```ts
 * import { FLUSH_EVENTS } from "@setway/setway/report";
 * FLUSH_EVENTS.includes("stage2_flush_vm"); // true
 * ```
 */
export const FLUSH_EVENTS: readonly string[] = Object.freeze([
  "kvm_exit",
  "kvm_set_way_flush",
  "kvm_toggle_cache",
  "stage2_flush_vm",
  "flush_cache_all",
  "sw_local",
  "p2m_set_way_flush",
  "p2m_toggle_cache",
  "p2m_flush_vm",
  "undef_injected",
  "coherent_cache_guest_page",
  "clean_dcache_guest_page",
  "flush_page_to_ram",
  "flush_page",
  "stale_read",
  "lost_write",
]);

/**
 * The events the hardware does on its own, with no vCPU behind them (the
 * text trace gives them the task `hw`).
 *
 * @example Usage
 * ```ts
 * import { HW_EVENTS } from "./events.ts";
 * HW_EVENTS.includes("castout"); // true
 * ```
 */
export const HW_EVENTS: readonly string[] = Object.freeze(["speculative_fill", "castout"]);

/**
 * The event without its modelled `cycles` field (the same object when it has none).
 *
 * @example Usage
 * ```ts
 * import { withoutCycles } from "./events.ts";
 * const e = withoutCycles({ seq: 0, name: "kvm_exit", vcpu: 0, pcpu: 0, pc: 0, count: 1, cycles: 6500 });
 * console.log("cycles" in e); // false
 * ```
 * @param event an event
 * @returns the event without `cycles`
 */
export function withoutCycles(event: SetwayEvent): SetwayEvent {
  if (!Object.hasOwn(event, "cycles")) return event;
  const { cycles: _cycles, ...rest } = event;
  return rest as SetwayEvent;
}

/** Every built-in event name, once: a missing or unknown key fails type checking. */
const BUILT_IN: Readonly<Record<EventName, true>> = {
  read: true,
  write: true,
  dc_cvac: true,
  dc_civac: true,
  dc_ivac: true,
  dc_cvau: true,
  dc_csw: true,
  dc_cisw: true,
  dc_isw: true,
  sw_walk: true,
  sctlr_write: true,
  vm_reg_write: true,
  kvm_exit: true,
  kvm_guest_fault: true,
  clear_page: true,
  coherent_cache_guest_page: true,
  clean_dcache_guest_page: true,
  flush_page_to_ram: true,
  kvm_unmap_hva: true,
  flush_page: true,
  kvm_set_way_flush: true,
  kvm_toggle_cache: true,
  stage2_flush_vm: true,
  p2m_set_way_flush: true,
  p2m_toggle_cache: true,
  p2m_flush_vm: true,
  undef_injected: true,
  flush_cache_all: true,
  sw_local: true,
  hcr_write: true,
  vcpu_load: true,
  migrate: true,
  speculative_fill: true,
  castout: true,
  host_write: true,
  stale_read: true,
  lost_write: true,
};

/**
 * The names of the built-in events, in the order of {@linkcode EventFields}.
 *
 * @example Usage
 * ```ts
 * import { EVENT_NAMES } from "./events.ts";
 * EVENT_NAMES.includes("kvm_exit"); // true
 * ```
 */
export const EVENT_NAMES: readonly EventName[] = Object.freeze(
  Object.keys(BUILT_IN) as EventName[],
);

/**
 * Which hypervisor's names a trace prints: KVM's (the vocabulary's own) or
 * Xen's ({@linkcode xenEventName}).
 *
 * @example Usage
 * ```ts
 * import type { TraceVocabulary } from "@setway/setway/report";
 * const v: TraceVocabulary = "xen";
 * ```
 */
export type TraceVocabulary = "kvm" | "xen";

/**
 * The events only Xen's policies emit: a run with one of them is a Xen run
 * ({@linkcode vocabularyOf}).
 *
 * @example Usage
 * ```ts
 * import { XEN_EVENTS } from "./events.ts";
 * XEN_EVENTS.includes("p2m_flush_vm"); // true
 * ```
 */
export const XEN_EVENTS: readonly string[] = Object.freeze([
  "p2m_set_way_flush",
  "p2m_toggle_cache",
  "p2m_flush_vm",
  "flush_page_to_ram",
]);

/**
 * Xen's name of a trap, by exception class: the performance counter
 * xen/arch/arm/traps.c `do_trap_guest_sync` increments for it
 * (`perfc_incr(trap_sysreg)`, ...; the counters are declared in
 * xen/arch/arm/include/asm/perfc_defn.h, Xen 4.17). Xen on ARM has no
 * xentrace point per trap; these counters are how it names them.
 * Simplified: EC 0x01 is WFI or WFE, which Xen tells apart by the ISS
 * (`trap_wfe` for a WFE); knowing only the class, it is named as a WFI.
 */
const XEN_TRAPS: ReadonlyMap<number, string> = new Map([
  [0x01, "trap_wfi"],
  [0x03, "trap_cp15_32"],
  [0x04, "trap_cp15_64"],
  [0x05, "trap_cp14_32"],
  [0x06, "trap_cp14_dbg"],
  [0x07, "trap_cp"],
  [0x08, "trap_cp10"],
  [0x0c, "trap_cp14_64"],
  [0x12, "trap_hvc32"],
  [0x13, "trap_smc32"],
  [0x16, "trap_hvc64"],
  [0x17, "trap_smc64"],
  [0x18, "trap_sysreg"],
  [0x20, "trap_iabt"],
  [0x24, "trap_dabt"],
]);

/**
 * Xen's names of the KVM-named events a Xen run emits: a stage-2 fault is
 * resolved by xen/arch/arm/p2m.c `p2m_resolve_translation_fault` (called
 * from traps.c `do_trap_stage2_abort_guest`), and a page leaves the guest's
 * p2m through `guest_physmap_remove_page` (Xen 4.17).
 */
const XEN_RENAMED: ReadonlyMap<string, string> = new Map([
  ["kvm_guest_fault", "p2m_resolve_translation_fault"],
  ["kvm_unmap_hva", "guest_physmap_remove_page"],
]);

/**
 * Every name a Xen trace may print in place of a KVM one.
 *
 * @example Usage
 * ```ts
 * import { XEN_EVENT_NAMES } from "./events.ts";
 * XEN_EVENT_NAMES.includes("trap_sysreg"); // true
 * ```
 */
export const XEN_EVENT_NAMES: readonly string[] = Object.freeze([
  ...new Set([...XEN_TRAPS.values()]),
  "trap",
  ...XEN_RENAMED.values(),
]);

/**
 * The name an event goes by in a Xen trace: `kvm_exit` becomes the trap
 * counter of its exception class (`trap_sysreg`, `trap_dabt`, ...; `trap`
 * for a class Xen does not count), `kvm_guest_fault` and `kvm_unmap_hva`
 * the Xen functions that do that work; every other name is already the
 * one Xen uses (its own `p2m_*` events) or hypervisor-neutral.
 *
 * @example Usage
 * ```ts
 * import { xenEventName } from "./events.ts";
 * xenEventName({ seq: 0, name: "kvm_exit", vcpu: 0, pcpu: 0, pc: 0, count: 1, reason: "dcsw", ec: 0x18 }); // "trap_sysreg"
 * xenEventName({ seq: 1, name: "read", vcpu: 0, pcpu: 0, pc: 0, count: 1 }); // "read"
 * ```
 * @param event the event
 * @returns its name in a Xen trace
 */
export function xenEventName(event: SetwayEvent): string {
  if (event.name === "kvm_exit") {
    return (typeof event.ec === "number" ? XEN_TRAPS.get(event.ec) : undefined) ?? "trap";
  }
  return XEN_RENAMED.get(event.name) ?? event.name;
}

/**
 * The vocabulary a run's trace prints: Xen's when any of its events is one
 * only Xen's policies emit ({@linkcode XEN_EVENTS}), KVM's otherwise.
 * Simplified: a Xen run with none of them (no stage-2 fault, no set/way or
 * VM-register trap) prints KVM's names, which it has no use for anyway.
 *
 * @example Usage
 * ```ts
 * import { vocabularyOf } from "./events.ts";
 * vocabularyOf([{ seq: 0, name: "p2m_flush_vm", vcpu: 0, pcpu: 0, pc: 0, count: 1 }]); // "xen"
 * ```
 * @param events the run's events
 * @returns `"xen"` or `"kvm"`
 */
export function vocabularyOf(events: readonly SetwayEvent[]): TraceVocabulary {
  const xen = new Set(XEN_EVENTS);
  return events.some((e) => xen.has(e.name)) ? "xen" : "kvm";
}
