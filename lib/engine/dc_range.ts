/**
 * A guest's DC by VA over a range (`dc_va` steps): one instruction per line
 * of the range, each faulting its page in first when stage 2 does not map
 * it.
 *
 * The slow path ({@linkcode dcRangeByLine}) does exactly that, line by
 * line. The fast path ({@linkcode dcRange}) pays only for what is resident,
 * as the project's costs are modelled: over a run of mapped pages it
 * applies the operation to the lines some cache holds in that run, in
 * ascending address order, and skips the others. It is the same because a
 * DC by VA on a line no cache holds changes nothing (Hardware.dcByVa only
 * looks the line up), and applying it to one line can make no other line
 * resident (it may allocate that line below, and cast out lines that were
 * already resident, which are in the set). Pages that are not mapped take
 * the slow path, since their fault (events, the host's clearing of the
 * page, the policy's hook) must happen at that page's first line, in
 * order. The event of the step still counts every line of the range.
 * tests/engine/dc_range_test.ts compares both on everything observable.
 *
 * @example Usage
 * ```ts
 * import { dcRange } from "./dc_range.ts";
 * import { Hypervisor } from "../hyp/hypervisor.ts";
 * import { Hardware } from "@setway/setway/hw";
 * import { generic } from "../machines/mod.ts";
 * import { kvm40 } from "@setway/setway";
 * import { NULL_SINK } from "../hyp/event_sink.ts";
 * import { NO_METER } from "@setway/setway/hw";
 * const hyp = new Hypervisor({
 *   hardware: new Hardware(generic), policy: kvm40, vcpus: 1,
 *   ramBase: 0x4000_0000, ram: 1 << 30, prefault: true, sink: NULL_SINK,
 * });
 * console.log(dcRange(hyp, hyp.vcpus[0], "civac", 0x4000_0000, 1 << 30, NO_METER)); // 16777216
 * ```
 *
 * @module
 */

import type { Hypervisor } from "../hyp/hypervisor.ts";
import { PAGE_SIZE } from "../hyp/stage2.ts";
import type { Vcpu } from "../hyp/vcpu.ts";
import type { WorkMeter } from "../hw/work_meter.ts";
import { sortLines } from "../hw/sort_lines.ts";

/** The operation a DC by VA performs on the hardware. */
type VaOp = "cvac" | "civac" | "ivac" | "cvau";

/**
 * The range, line by line: the reference the fast path must match.
 *
 * @example Usage
 * ```ts
 * import { dcRangeByLine } from "./dc_range.ts";
 * import { Hypervisor } from "../hyp/hypervisor.ts";
 * import { Hardware } from "@setway/setway/hw";
 * import { generic } from "../machines/mod.ts";
 * import { native } from "@setway/setway";
 * import { NULL_SINK } from "../hyp/event_sink.ts";
 * import { NO_METER } from "@setway/setway/hw";
 * const hyp = new Hypervisor({
 *   hardware: new Hardware(generic), policy: native, vcpus: 1,
 *   ramBase: 0x4000_0000, ram: 1 << 20, prefault: false, sink: NULL_SINK,
 * });
 * console.log(dcRangeByLine(hyp, hyp.vcpus[0], "cvac", 0x4000_0020, 64, NO_METER)); // 2
 * ```
 * @param hyp the hypervisor
 * @param vc the vCPU issuing it
 * @param performed the operation the hardware performs (DC IVAC is performed as CIVAC under stage 2)
 * @param addr the range's first byte
 * @param len its length in bytes
 * @param meter counts each line
 * @returns the lines of the range
 */
export function dcRangeByLine(
  hyp: Hypervisor,
  vc: Vcpu,
  performed: VaOp,
  addr: number,
  len: number,
  meter: WorkMeter,
): number {
  const lineSize = hyp.hardware.lineSize;
  const first = addr - (addr % lineSize);
  byLine(hyp, vc, performed, first, addr + len, lineSize, meter);
  return Math.ceil((addr + len - first) / lineSize);
}

/** Every line from `from` (a line's first byte) up to `to`, each page faulted in first. */
function byLine(
  hyp: Hypervisor,
  vc: Vcpu,
  performed: VaOp,
  from: number,
  to: number,
  lineSize: number,
  meter: WorkMeter,
): void {
  const hardware = hyp.hardware;
  for (let a = from; a < to; a += lineSize) {
    hyp.guestAccess(vc, a, "cmo");
    hardware.dcByVa(performed, vc.pcpu, a);
    meter.work(1);
  }
}

/**
 * The range, paying only for resident lines over mapped pages (see the
 * module doc); the same as {@linkcode dcRangeByLine} in everything
 * observable.
 *
 * @example Usage
 * ```ts
 * import { dcRange } from "./dc_range.ts";
 * import { Hypervisor } from "../hyp/hypervisor.ts";
 * import { Hardware } from "@setway/setway/hw";
 * import { generic } from "../machines/mod.ts";
 * import { native } from "@setway/setway";
 * import { NULL_SINK } from "../hyp/event_sink.ts";
 * import { NO_METER } from "@setway/setway/hw";
 * const hyp = new Hypervisor({
 *   hardware: new Hardware(generic), policy: native, vcpus: 1,
 *   ramBase: 0x4000_0000, ram: 1 << 20, prefault: false, sink: NULL_SINK,
 * });
 * console.log(dcRange(hyp, hyp.vcpus[0], "cvac", 0x4000_0000, 1 << 20, NO_METER)); // 16384
 * ```
 * @param hyp the hypervisor
 * @param vc the vCPU issuing it
 * @param performed the operation the hardware performs
 * @param addr the range's first byte
 * @param len its length in bytes
 * @param meter counts each line operated on and each mapped page looked at
 * @returns the lines of the range
 */
export function dcRange(
  hyp: Hypervisor,
  vc: Vcpu,
  performed: VaOp,
  addr: number,
  len: number,
  meter: WorkMeter,
): number {
  const hardware = hyp.hardware;
  const lineSize = hardware.lineSize;
  const first = addr - (addr % lineSize);
  const end = addr + len;
  const lines = Math.ceil((end - first) / lineSize);
  if (lineSize !== hardware.lineSize || lines <= residentLines(hyp)) {
    byLine(hyp, vc, performed, first, end, lineSize, meter);
    return lines;
  }
  const stage2 = hyp.stage2;
  for (let a = first; a < end;) {
    const pageEnd = Math.min(end, stage2.pageBase(a) + PAGE_SIZE);
    if (!stage2.isMapped(a)) {
      byLine(hyp, vc, performed, a, pageEnd, lineSize, meter);
      a = pageEnd;
      continue;
    }
    let runEnd = pageEnd;
    if (stage2.mappedPages === stage2.pages) {
      runEnd = end;
    } else {
      while (runEnd < end && stage2.isMapped(runEnd)) {
        runEnd = Math.min(end, runEnd + PAGE_SIZE);
        meter.work(1);
      }
    }
    residentOnly(hyp, vc, performed, a, runEnd, lineSize, meter);
    a = runEnd;
  }
  return lines;
}

/** Lines held by any cache, counting a line once per cache. */
function residentLines(hyp: Hypervisor): number {
  let n = 0;
  for (const cache of hyp.hardware.caches) n += cache.residentCount;
  return n;
}

/** The lines {@linkcode residentOnly} sorts, kept from one range to the next. */
let rangeLines = new Float64Array(64);

/** The operation on every line in [from, to) that some cache holds, ascending; the pages are mapped. */
function residentOnly(
  hyp: Hypervisor,
  vc: Vcpu,
  performed: VaOp,
  from: number,
  to: number,
  lineSize: number,
  meter: WorkMeter,
): void {
  const hardware = hyp.hardware;
  const lo = from / lineSize, hi = Math.ceil(to / lineSize);
  const resident = residentLines(hyp);
  if (rangeLines.length < resident) rangeLines = new Float64Array(2 * resident);
  const sorted = rangeLines;
  let found = 0;
  for (const cache of hardware.caches) {
    for (let i = 0, n = cache.residentCount; i < n; i++) {
      const line = cache.tags[cache.residentSlot(i)];
      if (line >= lo && line < hi) sorted[found++] = line;
    }
  }
  sortLines(sorted, found);
  for (let i = 0; i < found; i++) {
    if (i > 0 && sorted[i] === sorted[i - 1]) continue;
    hardware.dcByVa(performed, vc.pcpu, sorted[i] * lineSize);
    meter.work(1);
  }
}
