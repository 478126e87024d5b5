/**
 * Event categories: how reports group and colour events.
 *
 * Every built-in event name belongs to one category; a name setway does not
 * know (one a user-defined policy emits) is `"other"`. The HTML timeline
 * draws each category in its own colour and explains them in its legend.
 *
 * | category    | events                                                             |
 * | ----------- | ------------------------------------------------------------------ |
 * | `access`    | `read`, `write`                                                    |
 * | `va`        | `dc_cvac`, `dc_civac`, `dc_ivac`, `dc_cvau`                        |
 * | `setway`    | `dc_csw`, `dc_cisw`, `dc_isw`, `sw_walk`                           |
 * | `sysreg`    | `sctlr_write`, `vm_reg_write`                                      |
 * | `trap`      | `kvm_exit`, `kvm_guest_fault`                                      |
 * | `policy`    | `kvm_set_way_flush`, `kvm_toggle_cache`, `p2m_set_way_flush`, `p2m_toggle_cache`, `hcr_write`, `undef_injected` |
 * | `flush`     | `stage2_flush_vm`, `flush_cache_all`, `sw_local`, `p2m_flush_vm`, `coherent_cache_guest_page`, `clean_dcache_guest_page`, `flush_page_to_ram`, `flush_page` |
 * | `sched`     | `vcpu_load`, `migrate`                                             |
 * | `hw`        | `speculative_fill`, `castout`                                      |
 * | `host`      | `host_write`, `clear_page`, `kvm_unmap_hva`                        |
 * | `violation` | `stale_read`, `lost_write`                                         |
 *
 * @example Usage
 * ```ts
 * import { categoryOf } from "./event_category.ts";
 * categoryOf("stage2_flush_vm"); // "flush"
 * categoryOf("my_policy_event"); // "other"
 * ```
 *
 * @module
 */

/**
 * A group of events drawn alike.
 *
 * @example Usage
 * ```ts
 * import type { EventCategory } from "./event_category.ts";
 * const c: EventCategory = "trap";
 * ```
 */
export type EventCategory =
  | "access"
  | "va"
  | "setway"
  | "sysreg"
  | "trap"
  | "policy"
  | "flush"
  | "sched"
  | "hw"
  | "host"
  | "violation"
  | "other";

/**
 * How a category is shown: a legend label, a fill colour and a text colour
 * that reads on it.
 *
 * @example Usage
 * ```ts
 * import type { CategoryStyle } from "./event_category.ts";
 * const s: CategoryStyle = { label: "trap", fill: "#f1ce63", ink: "#222222" };
 * ```
 */
export interface CategoryStyle {
  /** What the legend says. */
  readonly label: string;
  /** The block colour, `#rrggbb`. */
  readonly fill: string;
  /** The text colour on that fill, `#rrggbb`. */
  readonly ink: string;
}

const NAMES: Readonly<Record<string, EventCategory>> = Object.freeze({
  read: "access",
  write: "access",
  dc_cvac: "va",
  dc_civac: "va",
  dc_ivac: "va",
  dc_cvau: "va",
  dc_csw: "setway",
  dc_cisw: "setway",
  dc_isw: "setway",
  sw_walk: "setway",
  sctlr_write: "sysreg",
  vm_reg_write: "sysreg",
  kvm_exit: "trap",
  kvm_guest_fault: "trap",
  kvm_set_way_flush: "policy",
  kvm_toggle_cache: "policy",
  p2m_set_way_flush: "policy",
  p2m_toggle_cache: "policy",
  hcr_write: "policy",
  undef_injected: "policy",
  stage2_flush_vm: "flush",
  flush_cache_all: "flush",
  sw_local: "flush",
  p2m_flush_vm: "flush",
  coherent_cache_guest_page: "flush",
  clean_dcache_guest_page: "flush",
  flush_page_to_ram: "flush",
  flush_page: "flush",
  vcpu_load: "sched",
  migrate: "sched",
  speculative_fill: "hw",
  castout: "hw",
  host_write: "host",
  clear_page: "host",
  kvm_unmap_hva: "host",
  stale_read: "violation",
  lost_write: "violation",
});

/**
 * Every category with its style, in legend order.
 *
 * @example Usage
 * ```ts
 * import { CATEGORY_STYLES } from "./event_category.ts";
 * CATEGORY_STYLES.flush.label; // "flush (stage 2 by VA, or local set/way)"
 * ```
 */
export const CATEGORY_STYLES: Readonly<Record<EventCategory, CategoryStyle>> = Object.freeze({
  access: { label: "guest read / write", fill: "#8fb8de", ink: "#10233a" },
  va: { label: "guest DC by VA (to PoC/PoU)", fill: "#9fd39a", ink: "#14320f" },
  setway: { label: "guest set/way op or walk", fill: "#c6a3d9", ink: "#2b1238" },
  sysreg: { label: "guest SCTLR / VM register write", fill: "#f7b267", ink: "#3b2100" },
  trap: { label: "trap to the hypervisor (kvm_exit)", fill: "#f1ce63", ink: "#3a2e00" },
  policy: {
    label: "policy decision (set_way_flush, toggle_cache, HCR)",
    fill: "#f4a6c0",
    ink: "#3d0a1c",
  },
  flush: { label: "flush (stage 2 by VA, or local set/way)", fill: "#8c4a2f", ink: "#ffffff" },
  sched: { label: "scheduler (vcpu_load, migrate)", fill: "#b8b8b8", ink: "#1e1e1e" },
  hw: { label: "hardware (speculative fill, castout)", fill: "#d9d4cf", ink: "#2a2a2a" },
  host: { label: "host (clear_page, host write)", fill: "#7fc8c0", ink: "#062a26" },
  violation: { label: "violation (stale read, lost write)", fill: "#d62728", ink: "#ffffff" },
  other: { label: "other event (user-defined policy)", fill: "#e8e3a0", ink: "#2d2a00" },
});

/**
 * The category of an event name.
 *
 * @example Usage
 * ```ts
 * import { categoryOf } from "./event_category.ts";
 * categoryOf("kvm_exit"); // "trap"
 * ```
 * @param name an event name
 * @returns its category, `"other"` for a name setway does not know
 */
export function categoryOf(name: string): EventCategory {
  return Object.hasOwn(NAMES, name) ? NAMES[name] : "other";
}
