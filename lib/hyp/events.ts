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
 * hypervisor).
 *
 * The named sets of events live here too: {@linkcode FLUSH_EVENTS}, what a
 * golden flush trace asserts on, and {@linkcode HW_EVENTS}, what the hardware
 * does on its own; the engine, the reports and the goldens all read them from
 * here.
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
   * `reason` names the handler (`dcsw`, `vm_reg`, `dabt`, `iabt`); `ec` is
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
