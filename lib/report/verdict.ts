/**
 * The oracle's verdict as text: ok or each violation, why the guest is
 * architecturally invalid, and whether it would fail natively too.
 *
 * The verdict type here is structural (only the fields printed), so any
 * verdict object with these fields can be printed without this module
 * depending on the engine.
 *
 * @example Usage
 * ```ts
 * import { formatVerdict } from "@setway/setway/report";
 * console.log(formatVerdict({ ok: true, violations: [], archInvalid: [], failsNatively: false }));
 * ```
 *
 * @module
 */

import { ScenarioError, showValue } from "../errors.ts";
import { hex32, hexAddr } from "./hex.ts";
import { plural } from "./plural.ts";

/**
 * One read that returned the wrong value.
 *
 * @example Usage
 * ```ts
 * import type { VerdictViolation } from "@setway/setway/report";
 * const v: VerdictViolation = {
 *   kind: "stale_read", addr: 0x4000_1000, expected: 2, got: 1, vcpu: 0, pc: 0x4000_8234,
 *   blame: "hypervisor",
 * };
 * ```
 */
export interface VerdictViolation {
  /** `"stale_read"` or `"lost_write"`. */
  readonly kind: string;
  /** The guest physical address read. */
  readonly addr: number;
  /** What the guest program says the read should return. */
  readonly expected: number;
  /** What it returned. */
  readonly got: number;
  /** The vCPU that read, or null. */
  readonly vcpu: number | null;
  /** The guest PC of the read, or null. */
  readonly pc: number | null;
  /** `"guest"` or `"hypervisor"`. */
  readonly blame: string;
}

/**
 * What {@linkcode formatVerdict} prints.
 *
 * @example Usage
 * ```ts
 * import type { VerdictLike } from "@setway/setway/report";
 * const ok: VerdictLike = { ok: true, violations: [], archInvalid: [], failsNatively: false };
 * ```
 */
export interface VerdictLike {
  /** No violation. */
  readonly ok: boolean;
  /** Each wrong read, in run order. */
  readonly violations: readonly VerdictViolation[];
  /** Why the guest is architecturally invalid (empty when it is valid). */
  readonly archInvalid: readonly string[];
  /** Whether the guest would fail on the same machine without a hypervisor. */
  readonly failsNatively: boolean;
  /** The guest crash (an undefined instruction the hypervisor injected), if any. */
  readonly crashed?: {
    readonly reason: string;
    readonly pc: number;
    readonly vcpu: number;
  } | null;
}

function formatViolation(v: VerdictViolation, i: number): string {
  if (v === null || typeof v !== "object") {
    throw new ScenarioError(
      "invalid_value",
      `formatVerdict.violations[${i}]`,
      v,
      `formatVerdict.violations[${i}] = ${showValue(v)}: expected a violation object`,
    );
  }
  const where = [
    v.vcpu === null ? "no vcpu" : `vcpu${v.vcpu}`,
    v.pc === null ? "no pc" : `pc ${hexAddr(v.pc)}`,
    `blame ${v.blame}`,
  ].join(", ");
  return `  ${i + 1}. ${v.kind} at ${hexAddr(v.addr)}: expected ${hex32(v.expected)}, got ${
    hex32(v.got)
  } (${where})`;
}

/**
 * The verdict as text, one fact a line, ending with a newline.
 *
 * @example Usage
 * ```ts
 * import { formatVerdict } from "@setway/setway/report";
 * formatVerdict({
 *   ok: false,
 *   violations: [{
 *     kind: "stale_read", addr: 0x4000_1000, expected: 2, got: 1, vcpu: 0, pc: 0x4000_8234,
 *     blame: "hypervisor",
 *   }],
 *   archInvalid: ["S/W op with caches on"],
 *   failsNatively: false,
 * });
 * // verdict: FAIL, 1 violation
 * //   1. stale_read at 0x40001000: expected 0x00000002, got 0x00000001 (vcpu0, pc 0x40008234, blame hypervisor)
 * // architecturally invalid: 1 reason
 * //   - S/W op with caches on
 * // natively on this machine: passes
 * ```
 * @param verdict the oracle's verdict
 * @returns the text
 */
export function formatVerdict(verdict: VerdictLike): string {
  if (
    verdict === null || typeof verdict !== "object" || !Array.isArray(verdict.violations) ||
    !Array.isArray(verdict.archInvalid)
  ) {
    throw new ScenarioError(
      "invalid_value",
      "formatVerdict",
      verdict,
      `formatVerdict(${
        showValue(verdict)
      }): expected { ok, violations: [], archInvalid: [], failsNatively }`,
    );
  }
  const crash = verdict.crashed ?? null;
  const lines = [
    verdict.ok
      ? "verdict: ok"
      : `verdict: FAIL, ${plural(verdict.violations.length, "violation")}${
        crash === null ? "" : ", guest crashed"
      }`,
    ...(crash === null ? [] : [
      `  guest crashed on vcpu${crash.vcpu} at ${hexAddr(crash.pc)}: ${crash.reason}`,
    ]),
    ...verdict.violations.map(formatViolation),
    verdict.archInvalid.length === 0
      ? "architecturally valid: yes"
      : `architecturally invalid: ${plural(verdict.archInvalid.length, "reason")}`,
    ...verdict.archInvalid.map((reason) => `  - ${reason}`),
    `natively on this machine: ${verdict.failsNatively ? "fails" : "passes"}`,
  ];
  return lines.join("\n") + "\n";
}
