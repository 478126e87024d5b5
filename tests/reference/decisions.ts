/**
 * The model's decision stream, read from a run's public result (its events
 * and its text trace) into the reference's form (tests/reference/vm.ts), and
 * the comparison of two streams.
 *
 * A decision is a trap (`kvm_exit`: vCPU, CPU, PC, exception class, and the
 * handler for a trapped instruction, with its trace line byte for byte: the
 * exit type a 32-bit host prints, `HVC`, and each host's class names), a stage-2 fault and its fault-path
 * clean, each flush call (`stage2_flush_vm` with the pages it walks,
 * `flush_cache_all`, `p2m_flush_vm`, a local S/W op, an unmap's
 * `flush_page`), an HCR change, Xen's marks of `need_flush_to_ram`, an
 * injected undefined instruction, the start of a guest's set/way walk with
 * the number of levels its CLIDR gives (a hypervisor's normalized CLIDR
 * decides it), and the `kvm_set_way_flush` and
 * `kvm_toggle_cache` trace lines byte for byte (without the timestamp, a
 * place in the run that counts the hardware's events too). What the
 * hardware did (lines cleaned, values read) is no decision.
 *
 * @example Usage
 * ```ts
 * import { canonical } from "./decisions.ts";
 * console.log(canonical([{ text: "a", count: 1 }, { text: "a", count: 2 }])); // [{ text: "a", count: 3 }]
 * ```
 *
 * @module
 */

import type { RunResult } from "../../mod.ts";
import type { Decision } from "./vm.ts";

const hex = (n: number) => `0x${n.toString(16)}`;

/** Events whose trace line is the decision, byte for byte. */
const LINE_EVENTS = new Set(["kvm_set_way_flush", "kvm_toggle_cache"]);
/** Events whose trace line is part of the decision. */
const TRACED = new Set([...LINE_EVENTS, "kvm_exit"]);

type Event = RunResult["events"][number];

function who(e: Event): string {
  return e.vcpu === null ? `host p${e.pcpu}` : `v${e.vcpu} p${e.pcpu}`;
}

function decisionOf(e: Event): string | null {
  switch (e.name) {
    case "kvm_exit": {
      const ec = e.ec as number;
      const what = ec === 0x24 || ec === 0x20 ? "" : ` ${e.reason}`;
      return `exit ${who(e)} pc=${hex(e.pc!)} ec=${hex(ec)}${what}`;
    }
    case "kvm_guest_fault":
      return `kvm_guest_fault ${who(e)} pc=${hex(e.pc!)} ipa=${hex(e.ipa as number)}`;
    case "coherent_cache_guest_page":
    case "clean_dcache_guest_page":
    case "flush_page_to_ram":
      return `${e.name} ${who(e)} ipa=${hex(e.ipa as number)} via=${e.via}`;
    case "stage2_flush_vm":
    case "p2m_flush_vm":
      return `${e.name} ${who(e)} pages=${e.pages}`;
    case "flush_cache_all":
      return `flush_cache_all ${who(e)}`;
    case "sw_local": {
      const slot = e.set === null ? "set=- way=-" : `set=${e.set} way=${e.way}`;
      return `sw_local ${who(e)} ${e.op} level=${e.level} ${slot}`;
    }
    case "flush_page":
      return `flush_page ${who(e)} ipa=${hex(e.ipa as number)} invalidate=${e.invalidate}`;
    case "hcr_write":
      return `hcr_write ${who(e)} tsw=${e.tsw} tvm=${e.tvm}`;
    case "p2m_set_way_flush":
      return `p2m_set_way_flush ${who(e)} pc=${hex(e.pc!)} cache=${e.cache}`;
    case "p2m_toggle_cache":
      return `p2m_toggle_cache ${who(e)} pc=${
        hex(e.pc!)
      } was=${e.was} now=${e.now} flush=${e.flush}`;
    case "undef_injected":
      return `undef_injected ${who(e)} pc=${hex(e.pc!)}`;
    case "sw_walk":
      return `sw_walk ${who(e)} ${e.op} levels=${e.levels}`;
    default:
      return null;
  }
}

/**
 * A trace line without its SEQ and TIMESTAMP columns and leading padding:
 * `TASK [CPU] FLAGS: EVENT: MESSAGE`.
 *
 * @example Usage
 * ```ts
 * import { withoutTimestamp } from "./decisions.ts";
 * console.log(withoutTimestamp("  vcpu0-0 [000] .... 000042     0.000017: kvm_toggle_cache: VM op"));
 * // "vcpu0-0 [000] ....: kvm_toggle_cache: VM op"
 * ```
 * @param line a line of a run's trace
 * @returns the line, its SEQ and timestamp removed
 */
export function withoutTimestamp(line: string): string {
  return line.trim().replace(/^(\S+ \[\S+\] \S{4}) \d+ +\d+\.\d{6}: /, "$1: ");
}

/**
 * The model's decisions in a run, in order, in the reference's form.
 *
 * @example Usage
 * ```ts
 * import { run } from "../../mod.ts";
 * import { modelDecisions } from "./decisions.ts";
 * import { programScenario } from "./program.ts";
 * const r = run(programScenario({ machine: "tiny", vcpus: 1, aarch32: [false], ops: [] }, "kvm-4.0"));
 * console.log(modelDecisions(r)[0].text); // "hcr_write v0 p0 tsw=true tvm=true"
 * ```
 * @param result a run of the model
 * @returns its decisions
 */
export function modelDecisions(result: RunResult): Decision[] {
  // KVM's names whatever the policy: the reference compares decisions, not a trace's vocabulary.
  const lines = result.trace({ only: (e) => TRACED.has(e.name), header: [], vocabulary: "kvm" })
    .split("\n").filter((l) => l !== "" && !l.startsWith("#"));
  let next = 0;
  const out: Decision[] = [];
  for (const e of result.events) {
    // On bare metal the guest's walk reads the hardware's CLIDR: nobody decides it, and the
    // reference has no decision there.
    if (e.name === "sw_walk" && result.policy === "native") continue;
    // A record's count is compared as such, not as the line's "(xN)" or "(N ops, ...)".
    const line = () => withoutTimestamp(lines[next++]).replace(/ \((x\d+|\d+ ops[^)]*)\)$/, "");
    const text = LINE_EVENTS.has(e.name)
      ? line()
      : e.name === "kvm_exit"
      ? `${decisionOf(e)} | ${line()}`
      : decisionOf(e);
    if (text !== null) out.push({ text, count: e.count });
  }
  return out;
}

/**
 * A stream with adjacent identical decisions merged: two streams that say the same thing
 * compare equal however the trace grouped repeats.
 *
 * @example Usage
 * ```ts
 * import { canonical } from "./decisions.ts";
 * console.log(canonical([{ text: "x", count: 2 }, { text: "y", count: 1 }]).length); // 2
 * ```
 * @param stream decisions
 * @returns the merged decisions (new records)
 */
export function canonical(stream: readonly Decision[]): Decision[] {
  const out: Decision[] = [];
  for (const d of stream) {
    const last = out[out.length - 1];
    if (last !== undefined && last.text === d.text) last.count += d.count;
    else out.push({ text: d.text, count: d.count });
  }
  return out;
}

/**
 * Where two streams first differ, or null when they agree.
 *
 * @example Usage
 * ```ts
 * import { firstDifference } from "./decisions.ts";
 * const d = firstDifference([{ text: "a", count: 1 }], [{ text: "b", count: 1 }]);
 * console.log(d?.index); // 0
 * ```
 * @param expected the reference's stream
 * @param actual the model's stream
 * @returns the index and both sides (`(x N)` for repeats, `(end)` past the end), or null
 */
export function firstDifference(
  expected: readonly Decision[],
  actual: readonly Decision[],
): { index: number; expected: string; actual: string } | null {
  const a = canonical(expected), b = canonical(actual);
  const show = (d: Decision | undefined) =>
    d === undefined ? "(end)" : d.count > 1 ? `${d.text} (x${d.count})` : d.text;
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (a[i]?.text !== b[i]?.text || a[i]?.count !== b[i]?.count) {
      return { index: i, expected: show(a[i]), actual: show(b[i]) };
    }
  }
  return null;
}
