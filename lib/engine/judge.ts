/**
 * The judge: the reference executions of a program and the blame of a
 * failed read, the one place `run()`, `check()` and `explore()` take them
 * from.
 *
 * A failed read (oracle.ts) is judged twice:
 *
 * - its **kind**: `lost_write` when no cache and not DRAM holds the expected
 *   value any more, else `stale_read`, asked of the hardware right after the
 *   read;
 * - its **blame**: `"guest"` when the same read fails on the ideal machine
 *   (resolve.ts `idealMachine`: no system cache, the native policy, no
 *   migration, quiet hardware making the counterparts of the run's own
 *   hardware choices, ideal_choices.ts), else whoever stands between the
 *   guest and the ideal machine: the hypervisor, or under a native policy
 *   the machine itself.
 *
 * The judge also runs the program natively on the run's own machine (the
 * verdict's `failsNatively`). Each driver decides how often to run the
 * references (once per scenario, once per failing execution, on a reused
 * hardware model or a fresh one); what a reference run is, and what blame
 * follows from it, is decided here.
 *
 * @example Usage
 * ```ts
 * import { Judge } from "./judge.ts";
 * import { kvm318 } from "../hyp/policies/mod.ts";
 * import { generic } from "../machines/mod.ts";
 * import type { Scenario } from "@setway/setway";
 * const scenario: Scenario = {
 *   version: 1, machine: "generic", cpus: 1, systemCache: "machine", policy: "kvm-3.18",
 *   ram: 1 << 20, ramBase: 0x40000000, prefault: true, seed: 1, speculation: "quiet",
 *   steps: [
 *     { kind: "write", vcpu: 0, addr: 0x40000000, value: 7 },
 *     { kind: "read", vcpu: 0, addr: 0x40000000 },
 *   ],
 * };
 * const judge = new Judge(generic, kvm318, new Float64Array(0));
 * const ideal = judge.idealReads(scenario, undefined);
 * console.log(judge.blame(ideal[0], 7), judge.blame(0, 7)); // hypervisor guest
 * ```
 *
 * @module
 */

import type { Chooser } from "../hw/chooser.ts";
import type { Hardware } from "../hw/hardware.ts";
import type { Machine } from "../hw/machine.ts";
import { NULL_SINK } from "../hyp/event_sink.ts";
import type { Hypervisor } from "../hyp/hypervisor.ts";
import { native } from "../hyp/policies/native.ts";
import type { Policy } from "../hyp/policy.ts";
import type { BudgetMeter } from "./budget.ts";
import { execute, type ExecuteInput } from "./execute.ts";
import type { IdealChoices } from "./ideal_choices.ts";
import { type Blame, type ViolationKind, violationKind } from "./oracle.ts";
import { idealMachine } from "./resolve.ts";
import { PAGE_SIZE } from "../hw/memory.ts";
import type { Scenario } from "./scenario.ts";

/**
 * How a driver runs one reference execution.
 *
 * @example Usage
 * ```ts
 * import type { ReferenceRun } from "./judge.ts";
 * const once: ReferenceRun = { maxSteps: 1000 };
 * ```
 */
export interface ReferenceRun {
  /** A reused hardware model of the reference's machine, handed over with every cache empty. */
  readonly hardware?: Hardware;
  /** The run's budgets (events, touched pages, wall time). Default none. */
  readonly meter?: BudgetMeter;
  /** The instruction budget. Default none (`Infinity`). */
  readonly maxSteps?: number;
  /** Called with the hypervisor in its final state (exploration hashes it). */
  readonly onEnd?: (hypervisor: Hypervisor) => void;
  /** A VM an earlier reference run of the same program settings built on `hardware`, to restart. */
  readonly hypervisor?: Hypervisor;
  /**
   * The first step to run: the run resumes `hypervisor` on `hardware` as
   * they are (execute.ts `from`). Default 0.
   */
  readonly from?: number;
  /** The array the reads go in, zeroed (execute.ts `got`). Default a new one. */
  readonly got?: Float64Array;
}

/** The reference runs, as a budget exceeded inside one names it. */
const NATIVE_RUN = "the native reference run (the same program on bare metal)";
const IDEAL_RUN = "the ideal machine's run (the same program without a system cache, for blame)";

/** `reads()`, a budget it exceeds reported as `execution`'s when `how` meters the run. */
function metered(how: ReferenceRun, execution: string, reads: () => Float64Array): Float64Array {
  return how.meter === undefined ? reads() : how.meter.during(execution, reads);
}

/**
 * The reference runs and the blame rule of one machine and policy (see the
 * module doc).
 *
 * @example Usage
 * ```ts
 * import { Judge } from "./judge.ts";
 * import { native } from "@setway/setway";
 * import { xgene1 } from "../machines/mod.ts";
 * const judge = new Judge(xgene1, native, new Float64Array(0));
 * console.log(judge.ideal.systemCache, judge.notGuest); // null machine
 * ```
 */
export class Judge {
  /** The run's machine (system cache applied). */
  readonly machine: Machine;
  /** The ideal machine the blame is decided on. */
  readonly ideal: Machine;
  /** The run's policy. */
  readonly policy: Policy;
  /** The candidate lines of hardware choice points, as the run has them. */
  readonly candidates: Float64Array;
  /**
   * Who is blamed for a read that fails only in the run: `"machine"` under a
   * native policy (no hypervisor ran), else `"hypervisor"`.
   */
  readonly notGuest: Blame;

  /**
   * A judge of runs of one policy on one machine.
   *
   * @param machine the run's machine, system cache applied
   * @param policy the run's policy
   * @param candidates the run's candidate lines
   */
  constructor(machine: Machine, policy: Policy, candidates: Float64Array) {
    this.machine = machine;
    this.ideal = idealMachine(machine);
    this.policy = policy;
    this.candidates = candidates;
    this.notGuest = policy.native === true ? "machine" : "hypervisor";
  }

  /**
   * The kind of a failed read, asked of the hardware right after the read.
   *
   * @param hardware the run's hardware
   * @param addr the address read
   * @param expected the value the program last wrote there
   * @returns `"lost_write"` when the value is nowhere any more, else `"stale_read"`
   */
  kind(hardware: Hardware, addr: number, expected: number): ViolationKind {
    return violationKind(hardware.holds(addr, expected));
  }

  /**
   * The blame of a failed read, from what the same read returned on the ideal machine.
   *
   * @param idealRead what the read returned on the ideal machine
   * @param expected the value the program last wrote there
   * @returns `"guest"` when the ideal machine fails it too, else {@linkcode Judge.notGuest}
   */
  blame(idealRead: number, expected: number): Blame {
    return idealRead !== expected ? "guest" : this.notGuest;
  }

  /**
   * The program on the ideal machine: native, quiet, without migrations,
   * making the counterparts of the run's hardware choices when given.
   *
   * @param scenario the program (its steps, seed and memory)
   * @param choices the run's hardware choices, or undefined for a run that made none
   * @param how the hardware, budgets and end hook
   * @returns what each read returned
   */
  idealReads(
    scenario: Scenario,
    choices: IdealChoices | undefined,
    how: ReferenceRun = {},
  ): Float64Array {
    const reads = () => execute(this.idealInput(scenario, choices, how)).got;
    return metered(how, IDEAL_RUN, reads);
  }

  /**
   * What {@linkcode Judge.idealReads} hands to `execute()`: for a caller
   * that runs the ideal machine many times with one input object, changing
   * only its steps, choices and first step (exploration's children).
   *
   * @example Usage
   * ```ts
   * import { Judge } from "./judge.ts";
   * import { kvm318 } from "../hyp/policies/mod.ts";
   * import { generic } from "../machines/mod.ts";
   * const judge = new Judge(generic, kvm318, new Float64Array(0));
   * const scenario = {
   *   version: 1, machine: "generic", cpus: 1, systemCache: "machine", policy: "kvm-3.18",
   *   ram: 1 << 20, ramBase: 0x40000000, prefault: true, seed: 1, speculation: "quiet", steps: [],
   * } as const;
   * console.log(judge.idealInput(scenario, undefined).migrate); // false
   * ```
   * @param scenario the program (its steps, seed and memory)
   * @param choices the run's hardware choices, or undefined for a run that made none
   * @param how the hardware, budgets and end hook
   * @returns the execution's input
   */
  idealInput(
    scenario: Scenario,
    choices: IdealChoices | undefined,
    how: ReferenceRun = {},
  ): ExecuteInput {
    return {
      scenario,
      machine: this.ideal,
      policy: native,
      speculation: "quiet",
      migrate: false,
      sink: NULL_SINK,
      maxSteps: how.maxSteps ?? Infinity,
      candidates: this.candidates,
      meter: how.meter,
      hardware: how.hardware,
      hypervisor: how.hypervisor,
      from: how.from,
      got: how.got,
      idealChoices: choices,
      onEnd: how.onEnd,
    };
  }

  /**
   * Whether the program, run natively on the run's own machine, provably
   * reads what the oracle expects, so that the run need not execute it to
   * know that it does not fail natively: every guest read and write is made
   * with the vCPU's MMU and data cache on (SCTLR.M and C, `sctlr` steps
   * followed from reset, where both are off), the other steps are `sctlr`,
   * `vm_reg`, `pc`, `exec_state` or `migrate` (no maintenance, no host
   * access), and the hardware is quiet. Natively nothing traps, RAM starts
   * zeroed in DRAM (hypervisor.ts `#prefault`) and every access is a
   * cacheable access of the coherent hierarchy (coherence.ts), which
   * returns the last value written, by any CPU, or the zero below: what
   * oracle.ts expects. The page budget must also allow all of RAM (only its
   * pages can be written, by castouts), so that the execution skipped could
   * not have stopped on it; nothing is logged natively, and no instruction
   * budget applies there. tests/engine/native_shortcut_test.ts runs the
   * program natively ({@linkcode Judge.nativeReads}) wherever this says
   * true.
   *
   * @example Usage
   * ```ts
   * import { Judge } from "./judge.ts";
   * import { kvm40 } from "../hyp/policies/mod.ts";
   * import { generic } from "../machines/mod.ts";
   * const judge = new Judge(generic, kvm40, new Float64Array(0));
   * const scenario = {
   *   version: 1, machine: "generic", cpus: 1, systemCache: "machine", policy: "kvm-4.0",
   *   ram: 1 << 20, ramBase: 0x40000000, prefault: true, seed: 1, speculation: "quiet",
   *   steps: [
   *     { kind: "sctlr", vcpu: 0, bits: { m: true, c: true } },
   *     { kind: "write", vcpu: 0, addr: 0x40000000, value: 7 },
   *   ],
   * } as const;
   * console.log(judge.passesNatively(scenario, 65536)); // true
   * ```
   * @param scenario the program, validated
   * @param touchedPages the run's budget of DRAM pages written
   * @returns true when the native execution cannot fail; false says nothing
   */
  passesNatively(scenario: Scenario, touchedPages: number): boolean {
    if (scenario.speculation !== "quiet" || scenario.ram / PAGE_SIZE > touchedPages) return false;
    // Per vCPU: its SCTLR.M and SCTLR.C, 1 when set.
    const m = new Uint8Array(scenario.cpus), c = new Uint8Array(scenario.cpus);
    const steps = scenario.steps;
    // An index, not for-of: before V8 optimises the loop, each for-of step allocates.
    for (let i = 0; i < steps.length; i++) {
      const step = steps[i];
      switch (step.kind) {
        case "read":
        case "write":
          if (m[step.vcpu] === 0 || c[step.vcpu] === 0) return false;
          break;
        case "sctlr":
          if (step.bits.m !== undefined) m[step.vcpu] = step.bits.m ? 1 : 0;
          if (step.bits.c !== undefined) c[step.vcpu] = step.bits.c ? 1 : 0;
          break;
        case "vm_reg":
        case "pc":
        case "exec_state":
        case "migrate":
          break;
        default:
          return false;
      }
    }
    return true;
  }

  /**
   * The program natively on the run's own machine (system cache and
   * speculation kept), with the run's hardware chooser when it has one.
   *
   * @param scenario the program
   * @param chooser makes the chooser from the hardware, or undefined for the seeded one
   * @param how the hardware, budgets and end hook
   * @returns what each read returned
   */
  nativeReads(
    scenario: Scenario,
    chooser: ((hardware: Hardware) => Chooser) | undefined,
    how: ReferenceRun = {},
  ): Float64Array {
    const reads = () =>
      execute({
        scenario,
        machine: this.machine,
        policy: native,
        speculation: scenario.speculation,
        chooser,
        sink: NULL_SINK,
        maxSteps: how.maxSteps ?? Infinity,
        candidates: this.candidates,
        meter: how.meter,
        hardware: how.hardware,
        got: how.got,
        onEnd: how.onEnd,
      }).got;
    return metered(how, NATIVE_RUN, reads);
  }
}
