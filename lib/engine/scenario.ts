/**
 * The scenario: everything a run needs, as plain, JSON-serializable data.
 *
 * The DSL builds it; `run()` consumes it; `toJSON()` prints it. Nothing in
 * it is a function or a class instance, so a scenario survives a JSON round
 * trip unchanged.
 *
 * @module
 */

import type { Machine, SystemCacheSpec } from "../hw/machine.ts";
import type { Step } from "../guest/ops.ts";
import type { Expectation } from "./expect/expectation.ts";

/** Whether the hardware perturbs the caches behind the guest's back. */
export type Speculation = "quiet" | "adversarial";

/** The version of the scenario schema. */
export const SCENARIO_VERSION = 1;

/** Guest RAM starts here, as on QEMU's `virt` machine. */
export const DEFAULT_RAM_BASE = 0x4000_0000;

/**
 * A complete scenario.
 *
 * @example Usage
 * ```ts
 * import type { Scenario } from "@setway/setway";
 * const s: Scenario = {
 *   version: 1, machine: "generic", cpus: 1, systemCache: "machine",
 *   policy: "kvm-4.0", ram: 1 << 30, ramBase: 0x4000_0000, prefault: false,
 *   seed: 1, speculation: "quiet",
 *   steps: [{ kind: "write", vcpu: 0, addr: 0x4000_0000, value: 1 }],
 * };
 * ```
 */
export interface Scenario {
  /** The schema version, {@linkcode SCENARIO_VERSION}. */
  readonly version: typeof SCENARIO_VERSION;
  /** A preset name or a full machine description. */
  readonly machine: string | Machine;
  /** Number of vCPUs; vCPU i starts on physical CPU i. */
  readonly cpus: number;
  /** `"machine"`: as the machine has it; `false`: none; a spec: this one. */
  readonly systemCache: "machine" | false | SystemCacheSpec;
  /** A policy name (see `policies`). */
  readonly policy: string;
  /** Guest RAM size in bytes, a multiple of 4 KiB. */
  readonly ram: number;
  /** Guest physical address where RAM starts. */
  readonly ramBase: number;
  /** Map all RAM at stage 2 before the guest starts. */
  readonly prefault: boolean;
  /** The seed of every random choice. */
  readonly seed: number;
  /** Hardware nondeterminism. */
  readonly speculation: Speculation;
  /** The guest program, in run order. */
  readonly steps: readonly Step[];
  /**
   * What must hold over every execution the hardware may choose (see
   * lib/engine/expect): checked by `check()`, ignored by `run()`. Optional;
   * absent when the scenario states none.
   */
  readonly expect?: readonly Expectation[];
}
