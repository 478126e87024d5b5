/**
 * The checks a builder call makes against the VM being built: addresses
 * aligned and inside RAM, vCPU and physical-CPU indices in range, 32-bit
 * values. Each throws a {@linkcode ScenarioError} naming the call, the
 * argument and the value.
 *
 * The VM may still change after the call (`.ram()`, `.cpus()` or
 * `.machine()` later in the chain), so `toJSON()` and `run()` check every
 * step again.
 *
 * @example Usage
 * ```ts
 * import { checkWordAddress, defaultContext } from "./context.ts";
 * checkWordAddress(defaultContext(), "read", "addr", 0x4000_0000); // ok
 * ```
 *
 * @module
 */

import { DEFAULT_RAM_BASE } from "../engine/scenario.ts";
import {
  addressProblem,
  indexProblem,
  integerProblem,
  type Problem,
  ramProblem,
  toU32,
  u32Problem,
} from "../engine/rules/values.ts";
import { callError } from "./issues.ts";
import type { StepContext } from "../engine/rules/steps.ts";

/**
 * The context of a builder used on its own: one vCPU on the generic
 * machine's four CPUs, 1 GiB of RAM at 0x4000_0000.
 *
 * @example Usage
 * ```ts
 * import { defaultContext } from "./context.ts";
 * console.log(defaultContext().ram); // 1073741824
 * ```
 * @returns the default context
 */
export function defaultContext(): StepContext {
  return { cpus: 1, pcpus: 4, ramBase: DEFAULT_RAM_BASE, ram: 2 ** 30 };
}

/**
 * Throws when a problem was found.
 *
 * @example Usage
 * ```ts
 * import { throwIf } from "./context.ts";
 * throwIf(null, "seed", "n", 1); // nothing happens
 * ```
 * @param problem the problem, or null
 * @param call the builder call
 * @param arg the argument's name, or undefined for one-argument calls
 * @param value the value
 * @throws {ScenarioError} when `problem` is not null
 */
export function throwIf(
  problem: Problem | null,
  call: string,
  arg: string | undefined,
  value: unknown,
): void {
  if (problem) throw callError(problem.code, call, value, problem.expected, arg);
}

/**
 * Checks the address of `len` bytes starting at `addr` (4-byte aligned, inside RAM).
 *
 * @example Usage
 * ```ts
 * import { checkWordAddress, defaultContext } from "./context.ts";
 * try { checkWordAddress(defaultContext(), "write", "addr", 0x8000_0000); } catch (e) { console.log((e as Error).message); }
 * ```
 * @param ctx the VM
 * @param call the builder call
 * @param arg the argument's name, or undefined for one-argument calls
 * @param addr the address
 * @param len the number of bytes it covers; default 4
 * @returns the address
 * @throws {ScenarioError} `bad_address`
 */
export function checkWordAddress(
  ctx: StepContext,
  call: string,
  arg: string | undefined,
  addr: unknown,
  len = 4,
): number {
  throwIf(addressProblem(addr), call, arg, addr);
  throwIf(ramProblem(addr as number, len, ctx), call, arg, addr);
  return addr as number;
}

/**
 * Checks and normalizes a 32-bit value (negative 32-bit integers become unsigned).
 *
 * @example Usage
 * ```ts
 * import { checkU32 } from "./context.ts";
 * console.log(checkU32("write", "value", -1)); // 4294967295
 * ```
 * @param call the builder call
 * @param arg the argument's name
 * @param value the value
 * @returns the unsigned 32-bit value
 * @throws {ScenarioError} `invalid_value`
 */
export function checkU32(call: string, arg: string, value: unknown): number {
  const v = toU32(value);
  throwIf(u32Problem(v), call, arg, value);
  return v as number;
}

/**
 * Checks a vCPU index against the VM's vCPU count.
 *
 * @example Usage
 * ```ts
 * import { checkVcpu, defaultContext } from "./context.ts";
 * console.log(checkVcpu(defaultContext(), "on", 0)); // 0
 * ```
 * @param ctx the VM
 * @param call the builder call
 * @param value the index
 * @param arg the argument's name, for calls with several
 * @returns the index
 * @throws {ScenarioError} `out_of_range` (set `.cpus()` before `.guest()`) or `invalid_value`
 */
export function checkVcpu(ctx: StepContext, call: string, value: unknown, arg?: string): number {
  const p = indexProblem(value, ctx.cpus, "vCPU");
  throwIf(
    p && p.code === "out_of_range"
      ? { ...p, expected: `${p.expected}; call .cpus() before .guest() for more` }
      : p,
    call,
    arg,
    value,
  );
  return value as number;
}

/**
 * Checks a physical CPU index against the machine's CPU count.
 *
 * @example Usage
 * ```ts
 * import { checkPcpu, defaultContext } from "./context.ts";
 * console.log(checkPcpu(defaultContext(), "migrate", 3, "pcpu")); // 3
 * ```
 * @param ctx the VM
 * @param call the builder call
 * @param value the index
 * @param arg the argument's name
 * @returns the index
 * @throws {ScenarioError} `out_of_range` or `invalid_value`
 */
export function checkPcpu(ctx: StepContext, call: string, value: unknown, arg?: string): number {
  throwIf(indexProblem(value, ctx.pcpus, "physical CPU"), call, arg, value);
  return value as number;
}

/**
 * Checks a non-negative integer (a set or way index, a length).
 *
 * @example Usage
 * ```ts
 * import { checkInteger } from "./context.ts";
 * console.log(checkInteger("dc_csw", "set", 3, 0)); // 3
 * ```
 * @param call the builder call
 * @param arg the argument's name
 * @param value the value
 * @param min the smallest accepted value
 * @param max the largest accepted value; default `Number.MAX_SAFE_INTEGER`
 * @returns the value
 * @throws {ScenarioError} `invalid_value` or `out_of_range`
 */
export function checkInteger(
  call: string,
  arg: string,
  value: unknown,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
): number {
  throwIf(integerProblem(value, min, max), call, arg, value);
  return value as number;
}
