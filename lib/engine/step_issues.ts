/**
 * The path under which the public API (mod.ts) still names
 * {@linkcode StepContext}; the step checks live in the rulebook,
 * lib/engine/rules/steps.ts.
 *
 * @example Usage
 * ```ts
 * import type { StepContext } from "./step_issues.ts";
 * const ctx: StepContext = { cpus: 1, pcpus: 4, ramBase: 0x4000_0000, ram: 1 << 30 };
 * ```
 *
 * @module
 */

export type { StepContext } from "./rules/steps.ts";
