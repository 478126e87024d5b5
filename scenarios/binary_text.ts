/**
 * Text helpers the binary scenarios share (`zimage_binary.ts`,
 * `firmware_binary.ts`): a trace's maintenance in a few lines, and a run's
 * flush events with the per-page ones counted rather than listed.
 *
 * @module
 */

import type { RunResult } from "../mod.ts";
import type { BinaryTrace } from "../lib/binary/mod.ts";

/**
 * What maintenance a trace holds: set/way ops by op and level, by-VA ops
 * in lines, and the SCTLR writes (M and C bits) in order.
 *
 * @example Usage
 * ```ts ignore
 * import { maintenanceSummary } from "./binary_text.ts";
 * console.log(maintenanceSummary(trace).join("\n"));
 * ```
 * @param trace the trace
 * @returns one line each
 */
export function maintenanceSummary(trace: BinaryTrace): string[] {
  const sw = new Map<string, number>();
  const va = new Map<string, number>();
  const sctlr: string[] = [];
  for (const s of trace.steps) {
    if (s.kind === "sw") sw.set(`${s.op} L${s.level}`, (sw.get(`${s.op} L${s.level}`) ?? 0) + 1);
    if (s.kind === "dc_va") va.set(s.op, (va.get(s.op) ?? 0) + Math.ceil(s.len / 64));
    if (s.kind === "sctlr") sctlr.push(`M${s.bits.m ? 1 : 0}C${s.bits.c ? 1 : 0}`);
  }
  const show = (m: Map<string, number>) =>
    m.size === 0 ? "none" : [...m].map(([k, n]) => `${k} x${n}`).join(", ");
  return [
    `set/way: ${show(sw)}`,
    `by VA (lines): ${show(va)}`,
    `SCTLR writes: ${sctlr.length === 0 ? "none" : sctlr.join(" -> ")}`,
  ];
}

/**
 * A run's flush events (`trace({ filter: "flush" })`) without the header:
 * the events repeated per page or per instruction (stage-2 data aborts
 * and the page cleans they cause, trapped CP15 or system-register
 * writes, KVM's `kvm_exit` or Xen's `trap_*`, set/way ops performed
 * locally) counted by kind, every other event listed without its sequence
 * number.
 *
 * @example Usage
 * ```ts ignore
 * import { flushSummary } from "./binary_text.ts";
 * console.log(flushSummary(result).join("\n"));
 * ```
 * @param result the run
 * @returns the lines
 */
export function flushSummary(result: RunResult): string[] {
  const counted = new Map<string, number>();
  const listed: string[] = [];
  for (const line of result.trace({ filter: "flush" }).split("\n")) {
    if (line.startsWith("#") || line.trim() === "") continue;
    const m = /^\s*(\S+)\s+\[\d+\]\s+\S+\s+\d+(?:\s+\d+\.\d+)?:\s+(.*)$/.exec(line);
    if (m === null) continue;
    const [, task, event] = m;
    const exit = /^kvm_exit: TRAP: HSR_EC: (0x[0-9a-f]+ \([A-Z0-9_]+\))/.exec(event);
    const perPage =
      /^(coherent_cache_guest_page|clean_dcache_guest_page|p2m_flush_page|flush_page|sw_local)\S*:/
        .exec(event);
    // Xen runs name a trap after the counter Xen's do_trap_guest_sync bumps.
    const xenTrap = /^(trap_\w+): EC=(0x[0-9a-f]+ \([A-Z0-9_]+\))/.exec(event);
    const key = exit !== null
      ? `kvm_exit ${exit[1]}`
      : xenTrap !== null
      ? `${xenTrap[1]} ${xenTrap[2]}`
      : perPage !== null
      ? perPage[1]
      : null;
    if (key !== null) counted.set(key, (counted.get(key) ?? 0) + 1);
    else listed.push(`  ${task} ${event}`);
  }
  return [
    ...[...counted].sort().map(([k, n]) => `  ${k}: ${n}`),
    ...listed,
  ];
}
