/**
 * The host side of a scenario: what the VMM and the host kernel do to guest
 * RAM while the guest runs. `host(h => h.write(addr, value))` in a guest
 * program records a write through the host's cacheable linear map of guest
 * RAM (a VMM loading an image, a virtio device filling a buffer);
 * `h.unmap(addr)` records the host unmapping a guest page from stage 2
 * (swap-out, ballooning, migration).
 *
 * Immutable like every builder: each call returns a new `HostBuilder`.
 *
 * @example Usage
 * ```ts
 * import { HostBuilder } from "@setway/setway";
 * const h = HostBuilder.create().write(0x4000_0000, 0xcafe).unmap(0x4000_1000);
 * console.log(h.toSteps().map((s) => s.kind)); // ["host_write", "host_unmap"]
 * ```
 *
 * @module
 */

import type { Step } from "../guest/ops.ts";
import { pageProblem } from "../engine/rules/values.ts";
import { checkPcpu, checkU32, checkWordAddress, defaultContext, throwIf } from "./context.ts";
import { callError } from "./issues.ts";
import { appendSteps, type StepList, stepsOf } from "./step_list.ts";
import type { StepContext } from "../engine/rules/steps.ts";

/** The state of a {@linkcode HostBuilder}. */
export interface HostBuilderProps {
  /** The VM the steps are checked against. */
  readonly ctx: StepContext;
  /** The physical CPU the host runs on; undefined: the first one not running a vCPU. */
  readonly cpu?: number;
  /** The steps recorded so far. */
  readonly steps: StepList | null;
}

/** Options of `GuestBuilder.host()`. */
export interface HostOptions {
  /** The physical CPU the VMM runs on. Default: the first one not running a vCPU. */
  readonly cpu?: number;
}

/**
 * Records host actions on guest RAM.
 *
 * @example Usage
 * ```ts
 * import { HostBuilder } from "@setway/setway";
 * const h = HostBuilder.create(undefined, { cpu: 3 }).write(0x4000_0000, 1);
 * console.log(h.toSteps()[0]); // { kind: "host_write", cpu: 3, addr: 1073741824, value: 1 }
 * ```
 */
export class HostBuilder {
  readonly #props: HostBuilderProps;

  /**
   * A builder holding `props`; use {@linkcode HostBuilder.create} to start one.
   *
   * @param props the builder's state (frozen)
   */
  constructor(props: HostBuilderProps) {
    this.#props = Object.freeze({ ...props });
  }

  /**
   * A builder with no steps.
   *
   * @param ctx the VM to check against; default: 1 GiB at 0x4000_0000, 4 CPUs
   * @param options the physical CPU the host runs on
   * @returns an empty builder
   * @throws {ScenarioError} when `options` is not an object or `cpu` is not a
   *   physical CPU of the machine
   */
  static create(ctx: StepContext = defaultContext(), options: HostOptions = {}): HostBuilder {
    if (typeof options !== "object" || options === null) {
      throw callError("invalid_value", "host", options, "options { cpu? }", "options");
    }
    if (options.cpu !== undefined) checkPcpu(ctx, "host", options.cpu, "cpu");
    return new HostBuilder({ ctx, cpu: options.cpu, steps: null });
  }

  #with(step: Step): HostBuilder {
    return new HostBuilder({ ...this.#props, steps: appendSteps(this.#props.steps, [step]) });
  }

  /**
   * The VMM stores a 32-bit word into guest RAM through its cacheable mapping.
   *
   * @param addr a 4-byte aligned guest physical address inside RAM
   * @param value a 32-bit value (negative 32-bit integers are taken as unsigned)
   * @returns a new builder with the step recorded
   * @throws {ScenarioError} `bad_address` or `invalid_value`
   */
  write(addr: number, value: number): HostBuilder {
    const a = checkWordAddress(this.#props.ctx, "host.write", "addr", addr);
    const v = checkU32("host.write", "value", value);
    const cpu = this.#props.cpu;
    return this.#with(
      cpu === undefined
        ? { kind: "host_write", addr: a, value: v }
        : { kind: "host_write", cpu, addr: a, value: v },
    );
  }

  /**
   * The host unmaps a guest page from stage 2.
   *
   * @param addr a 4 KiB-aligned guest physical address inside RAM
   * @returns a new builder with the step recorded
   * @throws {ScenarioError} `bad_address`
   */
  unmap(addr: number): HostBuilder {
    const ctx = this.#props.ctx;
    throwIf(pageProblem(addr, ctx), "host.unmap", undefined, addr);
    const cpu = this.#props.cpu;
    return this.#with(
      cpu === undefined ? { kind: "host_unmap", addr } : { kind: "host_unmap", cpu, addr },
    );
  }

  /**
   * The steps recorded, in order.
   *
   * @returns a new array of frozen steps
   */
  toSteps(): Step[] {
    return stepsOf(this.#props.steps);
  }

  /**
   * The recorded steps as a persistent list (for the guest builder).
   *
   * @returns the list, or null when empty
   */
  stepList(): StepList | null {
    return this.#props.steps;
  }
}
