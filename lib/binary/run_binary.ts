/**
 * Runs guest machine code on a VM with setway as its memory system: the
 * code's reads return what setway's caches and DRAM hold (a stale value
 * included), and the code runs on with them.
 *
 * The emulator and the model are coupled by replay, so the engine stays the
 * one a DSL step goes through: the code is run under the emulator and its
 * steps recorded (`binarySteps`); the scenario of the VM with those steps is
 * run; when a read of the code returned something other than what the
 * emulator gave the code, the code is run again from the start with the
 * model's values for its reads up to that one (written into the emulator's
 * memory before each load), and so on. As the model is deterministic and a
 * read depends only on the steps before it, each round fixes at least one
 * more read, and the result is the run in which every read of the code
 * returned what the model returned: the same as feeding each value as it
 * is read. It usually takes one or two rounds: one more per read whose
 * stale value changes what the code does next.
 *
 * The reference executions of the verdict (natively on the machine, and on
 * the ideal machine for blame) replay the steps of the final round: they
 * judge the instruction stream the code executed under the policy, not one
 * it would have executed elsewhere.
 *
 * @example Usage
 * ```ts ignore
 * import { vm } from "../../mod.ts";
 * import { runBinary } from "./run_binary.ts";
 * const bytes = Deno.readFileSync("boot.bin");
 * const { result, rounds } = await runBinary(vm().machine("xgene1").policy("kvm-3.18"), {
 *   bytes, isa: "a32", load: 0x4000_8000, until: { pc: 0x4000_8100 },
 * });
 * console.log(result.verdict.ok, rounds);
 * ```
 *
 * @module
 */

import type { VmBuilder } from "../dsl/vm.ts";
import type { RunResult } from "../engine/result.ts";
import { type BinaryOptions, binarySteps, type BinaryTrace } from "./trace.ts";

/** What {@linkcode runBinary} produced. */
export interface BinaryRun {
  /** The run of the final round. */
  readonly result: RunResult;
  /** The code's trace in the final round. */
  readonly trace: BinaryTrace;
  /** How many times the code was run. */
  readonly rounds: number;
}

/**
 * Runs the code on vCPU `options.vcpu` (default 0) after the steps the VM
 * builder already has, until every read of the code returned the model's
 * value (see the module documentation).
 *
 * @example Usage
 * ```ts ignore
 * import { vm } from "../../mod.ts";
 * import { runBinary } from "./run_binary.ts";
 * const bytes = Deno.readFileSync("clean.bin");
 * const { result } = await runBinary(vm().policy("kvm-4.0"), { bytes, isa: "a64", load: 0x4000_0000 });
 * console.log(result.trace({ filter: "flush" }));
 * ```
 * @param builder the VM (machine, policy, CPUs, and any steps before the code)
 * @param options the code, where it runs, when to stop
 * @returns the final round's run and trace
 * @throws {ScenarioError} for bad options, a program the emulator cannot run, or a bad VM
 * @throws {UnicornMissingError} when libunicorn2 is not installed or FFI is not allowed
 */
export async function runBinary(builder: VmBuilder, options: BinaryOptions): Promise<BinaryRun> {
  const before = builder.toJSON().steps.filter((s) => s.kind === "read").length;
  let forced: number[] = [];
  for (let rounds = 1;; rounds++) {
    const trace = binarySteps({ ...options, reads: forced });
    const result = await builder.guest((g) => g.append(trace.steps)).run();
    const got = readValues(result).slice(before);
    const k = firstDifference(trace.readValues, got);
    if (k < 0) return { result, trace, rounds };
    forced = got.slice(0, k + 1);
  }
}

/** What every performed read returned, in order. */
function readValues(result: RunResult): number[] {
  const out: number[] = [];
  for (const e of result.events) {
    if (e.name !== "read") continue;
    for (let i = 0; i < e.count; i++) out.push(Number(e.value));
  }
  return out;
}

/**
 * The first read where the code was given something other than what the
 * model returned; -1 when none (reads the model did not perform, after a
 * crash, are not compared).
 */
function firstDifference(gave: readonly number[], got: readonly number[]): number {
  const n = Math.min(gave.length, got.length);
  for (let i = 0; i < n; i++) if (gave[i] !== got[i]) return i;
  return -1;
}
