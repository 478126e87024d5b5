/**
 * The cost model: modelled CPU cycles for every event of a run.
 *
 * A {@linkcode CostTable} is plain data: one number per kind of work (a trap
 * round trip, a page walked by a stage-2 flush, a DC instruction by VA, a
 * set/way instruction, a page zeroed...). A run resolves its table from three
 * layers, later ones winning: {@linkcode DEFAULT_COSTS}, the policy's own
 * profile (`Policy.costs`: Xen traps are cheaper than KVM's), and the run's
 * `costs` option (`vm().costs({...})` or `run(scenario, { costs })`). Every
 * event then carries `cycles` ({@linkcode eventCycles}): what one occurrence
 * of it cost; a collapsed record of `count` events costs `count * cycles`.
 * {@linkcode costCategory} groups events for `RunResult.cost.cyclesByCategory`.
 *
 * Sources of the defaults:
 *
 * - **Measured**: `trap` (6,500 cycles, "Hypercall", KVM ARM) and `vcpuLoad`
 *   (10,387 cycles, "VM Switch", KVM ARM) are the microbenchmark figures of
 *   C. Dall, S.-W. Li, J. T. Lim, J. Nieh, G. Koloventzos, "ARM
 *   Virtualization: Performance and Architectural Implications", ISCA 2016,
 *   Table II (an HP Moonshot m400: APM X-Gene, ARMv8). Xen ARM's
 *   figures from the same table (376 and 8,799 cycles) are the Xen policies'
 *   profile. The hypercall benchmark is exactly a trap round trip (exit, a
 *   trivial handler, entry), which is what a trapped set/way or VM-register
 *   access costs before its handler does real work.
 * - **Estimates** (no published per-operation figure; set them from your own
 *   measurements with `.costs({...})`): everything else. `dcLine` and
 *   `swSlot` are a few tens of cycles per cache-maintenance instruction (an
 *   L1 hit is cheaper, a dirty line written to DRAM dearer), `s2PageWalk`
 *   the software walk of one stage-2 page in `stage2_flush_vm`,
 *   `stage2Fault` the host's fault handling (page lookup, locking, mapping)
 *   on top of the trap, `pageZero` a 4 KiB page zeroed with DC ZVA.
 *
 * Simplified: cycles are not time. The model does not time memory (a read
 * costs `access` whether it hits or goes to DRAM), runs nothing in parallel,
 * and charges a collapsed walk as the sum of its instructions.
 *
 * @example Usage
 * ```ts
 * import { DEFAULT_COSTS, eventCycles, resolveCosts } from "@setway/setway/policies";
 * const table = resolveCosts([{ trap: 376 }], "costs");
 * eventCycles("kvm_exit", { reason: "dcsw", ec: 0x18 }, table); // 376
 * eventCycles("stage2_flush_vm", { pages: 2, lines: 128 }, DEFAULT_COSTS); // 2 * 50 + 128 * 20
 * ```
 *
 * @module
 */

import { ScenarioError, showValue } from "../errors.ts";
import { didYouMean } from "../options.ts";
import type { EventFieldValue } from "./events.ts";

/**
 * Modelled cycles per kind of work. Every field is a non-negative number.
 *
 * @example Usage
 * ```ts
 * import { type CostTable, DEFAULT_COSTS } from "@setway/setway/policies";
 * const xenLike: CostTable = { ...DEFAULT_COSTS, trap: 376 };
 * ```
 */
export interface CostTable {
  /** One trap round trip (`kvm_exit`): exit, handler dispatch, entry. Measured (KVM ARM). */
  readonly trap: number;
  /** Handling a stage-2 fault (`kvm_guest_fault`), on top of its exit (the `kvm_exit` before it). Estimate. */
  readonly stage2Fault: number;
  /** One page visited by `stage2_flush_vm` / `p2m_flush_vm` (the stage-2 walk). Estimate. */
  readonly s2PageWalk: number;
  /** One DC instruction by VA (guest `dc_*` lines, flush lines, page cleans). Estimate. */
  readonly dcLine: number;
  /** One set/way instruction performed on the hardware (untrapped guest op, `sw_local`). Estimate. */
  readonly swSlot: number;
  /** One slot of `flush_cache_all` (a local set/way walk). Estimate. */
  readonly flushAllSlot: number;
  /** Zeroing one 4 KiB page (`clear_page`). Estimate. */
  readonly pageZero: number;
  /** One preemption check of Xen's `p2m_flush_vm` loop. Estimate. */
  readonly preemptCheck: number;
  /** Injecting an undefined-instruction exception into the guest. Estimate. */
  readonly undefInject: number;
  /** Loading a vCPU on a physical CPU (`vcpu_load`). Measured ("VM Switch", KVM ARM). */
  readonly vcpuLoad: number;
  /** One guest load or store, or one host write. Estimate (an L1 hit). */
  readonly access: number;
  /** One untrapped write to SCTLR or another VM register. Estimate. */
  readonly sysreg: number;
  /** Unmapping one page from stage 2 with its TLB invalidation (`kvm_unmap_hva`). Estimate. */
  readonly unmap: number;
  /**
   * Cycles of events with no rule of their own (a user-defined policy's), by
   * name; {@linkcode checkCosts} refuses an event the figures above price.
   * Default none.
   */
  readonly events: Readonly<Record<string, number>>;
}

/**
 * What a cost layer may give: any subset of a {@linkcode CostTable}.
 *
 * @example Usage
 * ```ts
 * import type { CostOverrides } from "@setway/setway/policies";
 * const cheapTraps: CostOverrides = { trap: 1_000, events: { my_flush: 300 } };
 * ```
 */
export type CostOverrides = Partial<CostTable>;

/**
 * The default table: KVM/ARM as measured by Dall et al. (ISCA 2016) where a
 * figure exists, estimates elsewhere (see the module documentation).
 *
 * @example Usage
 * ```ts
 * import { DEFAULT_COSTS } from "@setway/setway/policies";
 * console.log(DEFAULT_COSTS.trap); // 6500
 * ```
 */
export const DEFAULT_COSTS: CostTable = Object.freeze({
  trap: 6_500,
  stage2Fault: 3_000,
  s2PageWalk: 50,
  dcLine: 20,
  swSlot: 10,
  flushAllSlot: 10,
  pageZero: 500,
  preemptCheck: 20,
  undefInject: 200,
  vcpuLoad: 10_387,
  access: 4,
  sysreg: 20,
  unmap: 1_000,
  events: Object.freeze({}),
});

/**
 * Xen ARM's measured figures from the same table of Dall et al. (ISCA 2016):
 * a hypercall round trip of 376 cycles (Xen handles traps in EL2 without a
 * switch to a host kernel) and a VM switch of 8,799 cycles.
 *
 * @example Usage
 * ```ts
 * import { XEN_COSTS } from "@setway/setway/policies";
 * console.log(XEN_COSTS.trap); // 376
 * ```
 */
export const XEN_COSTS: CostOverrides = Object.freeze({ trap: 376, vcpuLoad: 8_799 });

/**
 * The groups of `RunResult.cost.cyclesByCategory`.
 *
 * @example Usage
 * ```ts
 * import type { CostCategory } from "@setway/setway/policies";
 * const c: CostCategory = "flush";
 * ```
 */
export type CostCategory =
  | "trap"
  | "fault"
  | "flush"
  | "sw"
  | "guest"
  | "sched"
  | "host"
  | "other";

/**
 * Every cost category, in report order.
 *
 * @example Usage
 * ```ts
 * import { COST_CATEGORIES } from "@setway/setway/policies";
 * console.log(COST_CATEGORIES[0]); // "trap"
 * ```
 */
export const COST_CATEGORIES: readonly CostCategory[] = Object.freeze([
  "trap",
  "fault",
  "flush",
  "sw",
  "guest",
  "sched",
  "host",
  "other",
]);

const CATEGORY: Readonly<Record<string, CostCategory>> = Object.freeze({
  kvm_exit: "trap",
  undef_injected: "trap",
  kvm_guest_fault: "fault",
  clear_page: "fault",
  stage2_flush_vm: "flush",
  p2m_flush_vm: "flush",
  flush_cache_all: "flush",
  flush_page: "flush",
  coherent_cache_guest_page: "flush",
  clean_dcache_guest_page: "flush",
  flush_page_to_ram: "flush",
  sw_local: "sw",
  dc_csw: "sw",
  dc_cisw: "sw",
  dc_isw: "sw",
  sw_walk: "sw",
  read: "guest",
  write: "guest",
  dc_cvac: "guest",
  dc_civac: "guest",
  dc_ivac: "guest",
  dc_cvau: "guest",
  sctlr_write: "guest",
  vm_reg_write: "guest",
  vcpu_load: "sched",
  migrate: "sched",
  host_write: "host",
  kvm_unmap_hva: "host",
});

/**
 * The cost category of an event name; `"other"` for names setway does not know.
 *
 * @example Usage
 * ```ts
 * import { costCategory } from "@setway/setway/policies";
 * costCategory("stage2_flush_vm"); // "flush"
 * costCategory("my_event"); // "other"
 * ```
 * @param name an event name
 * @returns its category
 */
export function costCategory(name: string): CostCategory {
  return Object.hasOwn(CATEGORY, name) ? CATEGORY[name] : "other";
}

/** Reads a numeric field, 0 when absent or not a number. */
function num(fields: Readonly<Record<string, EventFieldValue>> | undefined, key: string): number {
  const v = fields?.[key];
  return typeof v === "number" && Number.isFinite(v) ? v : 0;
}

/**
 * The modelled cycles of one occurrence of an event. The rule never looks at
 * `cleaned` or `invalidated` (what the hardware happened to hold), only at
 * instructions issued, so the events of a folded set/way walk all cost the
 * same. The guest's set/way events (`dc_csw`, `sw_walk`...) cost 0 here:
 * the engine knows whether they trapped and gives their cycles itself.
 *
 * @example Usage
 * ```ts
 * import { DEFAULT_COSTS, eventCycles } from "@setway/setway/policies";
 * eventCycles("flush_cache_all", { slots: 16896 }, DEFAULT_COSTS); // 168960
 * eventCycles("kvm_set_way_flush", { cache: true }, DEFAULT_COSTS); // 0: part of the trap
 * ```
 * @param name the event name
 * @param fields the event's fields
 * @param table the resolved cost table
 * @returns cycles, a non-negative number
 */
export function eventCycles(
  name: string,
  fields: Readonly<Record<string, EventFieldValue>> | undefined,
  table: CostTable,
): number {
  switch (name) {
    case "kvm_exit":
      return table.trap;
    case "undef_injected":
      return table.undefInject;
    case "kvm_guest_fault":
      // The exit itself is the `kvm_exit` before it.
      return table.stage2Fault;
    case "clear_page":
      return table.pageZero;
    case "stage2_flush_vm":
      return num(fields, "pages") * table.s2PageWalk + num(fields, "lines") * table.dcLine;
    case "p2m_flush_vm":
      return num(fields, "pages") * table.s2PageWalk + num(fields, "lines") * table.dcLine +
        num(fields, "preemptChecks") * table.preemptCheck;
    case "flush_cache_all":
      return num(fields, "slots") * table.flushAllSlot;
    case "flush_page":
    case "coherent_cache_guest_page":
    case "clean_dcache_guest_page":
    case "flush_page_to_ram":
    case "dc_cvac":
    case "dc_civac":
    case "dc_ivac":
    case "dc_cvau":
      return num(fields, "lines") * table.dcLine;
    case "sw_local":
      return table.swSlot;
    case "read":
    case "write":
    case "host_write":
      return table.access;
    case "sctlr_write":
    case "vm_reg_write":
      return table.sysreg;
    case "vcpu_load":
      return table.vcpuLoad;
    case "kvm_unmap_hva":
      return table.unmap;
    default:
      return Object.hasOwn(table.events, name) ? table.events[name] : 0;
  }
}

/**
 * The figures of the table that price each event with a rule of its own
 * ({@linkcode eventCycles}), and the guest's set/way instructions, which the
 * engine prices with `swSlot` itself. A per-event figure for one of these
 * would never be read, so {@linkcode checkCosts} refuses it.
 */
const PRICED_BY: Readonly<Record<string, string>> = Object.freeze({
  kvm_exit: "trap",
  undef_injected: "undefInject",
  kvm_guest_fault: "stage2Fault",
  clear_page: "pageZero",
  stage2_flush_vm: "s2PageWalk and dcLine",
  p2m_flush_vm: "s2PageWalk, dcLine and preemptCheck",
  flush_cache_all: "flushAllSlot",
  flush_page: "dcLine",
  coherent_cache_guest_page: "dcLine",
  clean_dcache_guest_page: "dcLine",
  flush_page_to_ram: "dcLine",
  dc_cvac: "dcLine",
  dc_civac: "dcLine",
  dc_ivac: "dcLine",
  dc_cvau: "dcLine",
  sw_local: "swSlot",
  dc_csw: "swSlot",
  dc_cisw: "swSlot",
  dc_isw: "swSlot",
  sw_walk: "swSlot",
  read: "access",
  write: "access",
  host_write: "access",
  sctlr_write: "sysreg",
  vm_reg_write: "sysreg",
  vcpu_load: "vcpuLoad",
  kvm_unmap_hva: "unmap",
});

const NUMBER_KEYS: readonly (keyof Omit<CostTable, "events">)[] = Object.freeze([
  "trap",
  "stage2Fault",
  "s2PageWalk",
  "dcLine",
  "swSlot",
  "flushAllSlot",
  "pageZero",
  "preemptCheck",
  "undefInject",
  "vcpuLoad",
  "access",
  "sysreg",
  "unmap",
]);

function badCost(call: string, value: unknown, expected: string): ScenarioError {
  return new ScenarioError(
    "invalid_value",
    call,
    value,
    `${call} = ${showValue(value)}: expected ${expected}`,
  );
}

function isCost(v: unknown): v is number {
  return typeof v === "number" && Number.isFinite(v) && v >= 0;
}

/**
 * Checks one cost layer and returns a frozen copy of it.
 *
 * @example Usage
 * ```ts
 * import { checkCosts } from "@setway/setway/policies";
 * checkCosts({ trap: 376 }, "costs"); // { trap: 376 }
 * ```
 * @param layer the overrides, as a user gave them
 * @param call the call to name in errors, e.g. `"costs"`
 * @returns the layer, checked and frozen
 * @throws {ScenarioError} `invalid_value` for a value that is not a non-negative finite
 *   number or a per-event figure for an event the table's own figures price,
 *   `unknown_name` for a key that is not a cost
 */
export function checkCosts(layer: unknown, call: string): CostOverrides {
  if (layer === null || typeof layer !== "object" || Array.isArray(layer)) {
    throw badCost(call, layer, "an object of cost overrides, e.g. { trap: 376 }");
  }
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(layer)) {
    const path = `${call}.${key}`;
    if (key === "events") {
      if (value === null || typeof value !== "object" || Array.isArray(value)) {
        throw badCost(path, value, "an object of event name -> cycles");
      }
      const events: Record<string, number> = {};
      for (const [name, cycles] of Object.entries(value)) {
        if (!isCost(cycles)) {
          throw badCost(`${path}.${name}`, cycles, "a non-negative finite number of cycles");
        }
        if (Object.hasOwn(PRICED_BY, name)) {
          throw new ScenarioError(
            "invalid_value",
            `${path}.${name}`,
            cycles,
            `${path}.${name} = ${showValue(cycles)}: ${name} is priced by the table's ${
              PRICED_BY[name]
            }, which a per-event figure does not replace; set ${PRICED_BY[name]} instead`,
          );
        }
        events[name] = cycles;
      }
      out.events = Object.freeze(events);
    } else if ((NUMBER_KEYS as readonly string[]).includes(key)) {
      if (!isCost(value)) throw badCost(path, value, "a non-negative finite number of cycles");
      out[key] = value;
    } else {
      throw new ScenarioError(
        "unknown_name",
        path,
        key,
        `${call}: unknown cost ${showValue(key)}${
          didYouMean(key, [...NUMBER_KEYS, "events"])
        }; valid: ${[...NUMBER_KEYS, "events"].join(", ")}`,
      );
    }
  }
  return Object.freeze(out) as CostOverrides;
}

/**
 * The table of a run: {@linkcode DEFAULT_COSTS} overridden by each layer in
 * turn (later layers win; `events` records merge by name).
 *
 * @example Usage
 * ```ts
 * import { resolveCosts, XEN_COSTS } from "@setway/setway/policies";
 * const t = resolveCosts([XEN_COSTS, { dcLine: 30 }], "costs");
 * console.log(t.trap, t.dcLine); // 376 30
 * ```
 * @param layers the overrides, lowest precedence first; undefined layers are skipped
 * @param call the call to name in errors
 * @returns the resolved, frozen table
 * @throws {ScenarioError} for a layer that {@linkcode checkCosts} refuses
 */
export function resolveCosts(
  layers: readonly (CostOverrides | undefined)[],
  call: string,
): CostTable {
  let table: CostTable = DEFAULT_COSTS;
  for (const layer of layers) {
    if (layer === undefined) continue;
    const checked = checkCosts(layer, call);
    table = {
      ...table,
      ...checked,
      events: { ...table.events, ...(checked.events ?? {}) },
    };
  }
  if (table === DEFAULT_COSTS) return table;
  return Object.freeze({ ...table, events: Object.freeze({ ...table.events }) });
}
