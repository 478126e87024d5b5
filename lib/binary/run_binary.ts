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
 * model's values for its reads (written into the emulator's memory before
 * each load), and so on. As the model is deterministic and a read depends
 * only on the steps before it, the reads up to the first that differed
 * keep their values in the next round and that one gets the model's, so
 * each round fixes at least one more read; the result is the run in which
 * every read of the code returned what the model returned: the same as
 * feeding each value as it is read. The later reads are given this
 * round's values too, so it usually takes one or two rounds: one more per
 * stale read that changes what the code does next.
 *
 * Whether the code fails natively on the machine (`verdict.failsNatively`)
 * comes from running the code again without a hypervisor, the same way:
 * natively it reads the machine's own CLIDR and CCSIDR, which a policy may
 * present differently (modern KVM's normalized view), so its set/way loops
 * may walk other slots. Simplified: blame (the ideal machine's reference)
 * replays the steps of the final round, judging the instruction stream the
 * code executed under the policy.
 *
 * @example Usage
 * ```ts ignore
 * import { vm } from "@setway/setway";
 * import { runBinary } from "@setway/setway/binary";
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
import { scenarioMachine } from "../engine/resolve.ts";
import { RunResult } from "../engine/result.ts";
import type { Scenario } from "../engine/scenario.ts";
import { Hardware } from "../hw/hardware.ts";
import { NULL_SINK } from "../hyp/event_sink.ts";
import { Hypervisor } from "../hyp/hypervisor.ts";
import { policies } from "../hyp/policies/mod.ts";
import { native } from "../hyp/policies/native.ts";
import { sanitisedCtr } from "../hyp/normalized_cache.ts";
import type { GuestCacheView } from "../hyp/policy.ts";
import { type BinaryOptions, binarySteps, type BinaryTrace, ctrOf } from "./trace.ts";

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
 * value (see the module documentation). Unless `options.caches` is given,
 * the code's reads of CLIDR, CCSIDR and CTR return what the vCPU sees on
 * the VM's machine under its policy (its physical CPU's caches, or modern
 * KVM's normalized view), as the engine's set/way walks do; a policy that
 * is not built in is taken to show the physical caches.
 *
 * @example Usage
 * ```ts ignore
 * import { vm } from "@setway/setway";
 * import { runBinary } from "@setway/setway/binary";
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
  const scenario = builder.toJSON();
  const before = scenario.steps.filter((s) => s.kind === "read").length;
  const view = options.caches === undefined ? guestView(scenario, options.vcpu ?? 0) : null;
  // The view replaces a `caches` left undefined (not given) in the options;
  // a `clidr` or `ctr` the caller gave is kept.
  const seen = view === null
    ? {}
    : { caches: view.caches, clidr: options.clidr ?? view.clidr, ctr: options.ctr ?? view.ctr };
  let forced: number[] = [];
  for (let rounds = 1;; rounds++) {
    const trace = binarySteps({ ...options, ...seen, reads: forced });
    const result = await builder.guest((g) => g.append(trace.steps)).run();
    const got = readValues(result).slice(before);
    const k = firstDifference(trace.readValues, got);
    if (k < 0) return { result: await nativeVerdict(builder, options, result), trace, rounds };
    // Reads up to k now get the model's values; the later ones its values of
    // this round, a guess the next round checks.
    forced = got;
  }
}

/**
 * The run with `failsNatively` judged on the code run natively (see the
 * module documentation); unchanged when the VM has no hypervisor, or when
 * the code's caches were given (the same code then runs natively).
 */
async function nativeVerdict(
  builder: VmBuilder,
  options: BinaryOptions,
  result: RunResult,
): Promise<RunResult> {
  if (result.policy === "native" || options.caches !== undefined) return result;
  const native = await runBinary(builder.policy("native"), options);
  const failsNatively = !native.result.verdict.ok;
  if (failsNatively === result.verdict.failsNatively) return result;
  return new RunResult({
    scenario: result.scenario,
    policy: result.policy,
    machine: result.machine,
    events: result.events,
    verdict: Object.freeze({ ...result.verdict, failsNatively }),
  });
}

/**
 * The `caches`, `clidr` and `ctr` options that make a code's reads of
 * CLIDR, CCSIDR and CTR return what vCPU `vcpu` sees on the VM's machine
 * under its policy, as {@linkcode runBinary} gives them: for `binarySteps`
 * runs of the VM's code.
 *
 * @example Usage
 * ```ts ignore
 * import { vm } from "@setway/setway";
 * import { guestCaches } from "@setway/setway/binary";
 * const { caches, clidr, ctr } = guestCaches(vm().machine("xgene1").policy("kvm-4.0"));
 * console.log(caches.length, clidr.toString(16), ctr.toString(16));
 * ```
 * @param builder the VM
 * @param vcpu the vCPU; default 0
 * @returns the options
 */
export function guestCaches(
  builder: VmBuilder,
  vcpu = 0,
): { caches: GuestCacheView["levels"]; clidr: number; ctr: number } {
  return guestView(builder.toJSON(), vcpu);
}

/**
 * The caches the vCPU reads from CLIDR and CCSIDR on the scenario's machine
 * under its policy: its physical CPU's, or the policy's view of them
 * (modern KVM's normalized one), as `Hypervisor.guestCacheView` gives the
 * engine's set/way walks. A policy that is not built in (a scenario holds
 * only its name) is taken to show the physical caches: give `caches` for
 * one with its own view. CTR from those caches with the IDC and DIC of the
 * vCPU's core, or, when the policy sets HCR.TID2 (kvm-modern), of the
 * host's sanitised CTR_EL0, which `access_ctr` answers the trapped read
 * with (its IDC may be set from the CLIDR where the core's is clear, as on
 * Neoverse N1). Simplified: a host with FEAT_EVT, where today's KVM sets
 * TID4 instead and the read is not trapped, is taken as trapping it too.
 */
function guestView(
  scenario: Scenario,
  vcpu: number,
): { caches: GuestCacheView["levels"]; clidr: number; ctr: number } {
  const hardware = new Hardware(scenarioMachine(scenario), { seed: scenario.seed });
  try {
    const hyp = new Hypervisor({
      hardware,
      policy: Object.hasOwn(policies, scenario.policy) ? policies[scenario.policy] : native,
      vcpus: scenario.cpus,
      ramBase: scenario.ramBase,
      ram: scenario.ram,
      prefault: scenario.prefault,
      sink: NULL_SINK,
    });
    hyp.reset();
    const v = hyp.vcpus[Math.min(vcpu, hyp.vcpus.length - 1)];
    const view = hyp.guestCacheView(v);
    const bits = v.hcr.tid2
      ? sanitisedCtr(hardware)
      : hardware.machine.clusters[hardware.clusterOf(v.pcpu)].ctr;
    return { caches: view.levels, clidr: view.clidr, ctr: ctrOf(view.levels, bits) };
  } finally {
    hardware.release();
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
