/**
 * The alphabet of an exploration: the operations a generated guest program
 * is made of, each instantiated for every vCPU, address and target CPU it
 * can take.
 *
 * An operation is named after the DSL call that records it, so a program
 * prints as a snippet a user can paste (`g.write(0x40000000, 1)`,
 * `g.sw_clean()`, `g.migrate(0, 2)`...):
 *
 * | name                                           | parameters      | step                      |
 * | ---------------------------------------------- | --------------- | ------------------------- |
 * | `write`, `read`                                | vCPU, address   | one 32-bit access         |
 * | `dc_cvac`, `dc_civac`, `dc_ivac`, `dc_cvau`    | vCPU, address   | one line by VA            |
 * | `sw_clean`, `sw_clean_invalidate`, `sw_invalidate` | vCPU        | a whole set/way walk      |
 * | `mmuOn`, `mmuOff`, `cachesOn`, `cachesOff`     | vCPU            | one SCTLR write           |
 * | `vmReg`                                        | vCPU            | a TTBR0 write (TVM traps it) |
 * | `migrate`                                      | vCPU, pCPU      | the host moves the vCPU   |
 * | `host_write`, `host_unmap`                     | address         | the VMM on its own CPU    |
 *
 * The execution state (an `exec_state` step, `g.aarch32()`) is not an
 * operation: it only picks the exception class a trap reports, never what a
 * read returns or what a policy does, so every generated program runs in
 * AArch64, the state a vCPU starts in.
 *
 * Values are not a parameter: every write (guest or host) stores a fresh
 * value, 1, 2, 3... in program order. This loses nothing: the hardware and
 * the hypervisor never look at data, so a read returns the value of some
 * write, and with distinct values it differs from the expected one exactly
 * when that write is not the last one. Programs that write the same value
 * twice can only hide a violation, never add one.
 *
 * @example Usage
 * ```ts
 * import { Alphabet } from "./alphabet.ts";
 * const a = new Alphabet({
 *   ops: ["write", "read", "mmuOff"], cpus: 1, addresses: [0x40000000], migrateTo: [], hostCpu: 1,
 * });
 * console.log(a.size, a.label(0)); // 3 "write(0x40000000)"
 * ```
 *
 * @module
 */

import { ScenarioError, showValue } from "../../errors.ts";
import type { Step } from "../../guest/ops.ts";
import { PAGE_SIZE } from "../../hw/memory.ts";

/** The name of an operation of the alphabet (see the module doc). */
export type ExploreOpName =
  | "write"
  | "read"
  | "dc_cvac"
  | "dc_civac"
  | "dc_ivac"
  | "dc_cvau"
  | "sw_clean"
  | "sw_clean_invalidate"
  | "sw_invalidate"
  | "mmuOn"
  | "mmuOff"
  | "cachesOn"
  | "cachesOff"
  | "vmReg"
  | "migrate"
  | "host_write"
  | "host_unmap";

/**
 * Every operation name, in the order instances are enumerated.
 *
 * @example Usage
 * ```ts
 * import { EXPLORE_OPS } from "@setway/setway/explore";
 * console.log(EXPLORE_OPS.includes("sw_clean")); // true
 * ```
 */
export const EXPLORE_OPS: readonly ExploreOpName[] = Object.freeze([
  "write",
  "read",
  "dc_cvac",
  "dc_civac",
  "dc_ivac",
  "dc_cvau",
  "sw_clean",
  "sw_clean_invalidate",
  "sw_invalidate",
  "mmuOn",
  "mmuOff",
  "cachesOn",
  "cachesOff",
  "vmReg",
  "migrate",
  "host_write",
  "host_unmap",
]);

const ADDRESS_OPS = new Set<ExploreOpName>([
  "write",
  "read",
  "dc_cvac",
  "dc_civac",
  "dc_ivac",
  "dc_cvau",
  "host_write",
  "host_unmap",
]);
const HOST_OPS = new Set<ExploreOpName>(["host_write", "host_unmap"]);
const SW_OPS = new Set<ExploreOpName>(["sw_clean", "sw_clean_invalidate", "sw_invalidate"]);

/**
 * One instance of an operation: the name with its vCPU, address and target.
 *
 * @example Usage
 * ```ts
 * import type { OpInstance } from "./alphabet.ts";
 * const op: OpInstance = { name: "read", vcpu: 0, addr: 0x40000000, addrIndex: 0, pcpu: -1 };
 * ```
 */
export interface OpInstance {
  /** The operation. */
  readonly name: ExploreOpName;
  /** The vCPU that performs it; -1 for a host operation. */
  readonly vcpu: number;
  /** The address, for an address operation; else -1. */
  readonly addr: number;
  /** The address's index in the alphabet's address list; else -1. */
  readonly addrIndex: number;
  /** The target physical CPU of a `migrate`; else -1. */
  readonly pcpu: number;
}

/**
 * What an {@linkcode Alphabet} is built from.
 *
 * @example Usage
 * ```ts
 * import type { AlphabetSpec } from "./alphabet.ts";
 * const spec: AlphabetSpec = {
 *   ops: ["write", "read"], cpus: 2, addresses: [0x40000000], migrateTo: [0, 1, 2], hostCpu: 3,
 * };
 * ```
 */
export interface AlphabetSpec {
  /** The operations, each once. */
  readonly ops: readonly ExploreOpName[];
  /** Number of vCPUs. */
  readonly cpus: number;
  /** Word addresses the address operations take. */
  readonly addresses: readonly number[];
  /** Physical CPUs a `migrate` may move a vCPU to. */
  readonly migrateTo: readonly number[];
  /** The physical CPU host operations run on. */
  readonly hostCpu: number;
}

/**
 * The instantiated alphabet: every operation for every vCPU, address and
 * target, in a fixed order (operation-major, then vCPU, then address or
 * target), which is the order exploration tries them in.
 *
 * @example Usage
 * ```ts
 * import { Alphabet } from "./alphabet.ts";
 * const a = new Alphabet({
 *   ops: ["write", "sw_clean"], cpus: 2, addresses: [0x40000000], migrateTo: [], hostCpu: 2,
 * });
 * console.log(a.size); // 4: write on vCPU 0 and 1, sw_clean on vCPU 0 and 1
 * ```
 */
export class Alphabet {
  /** The spec it was built from. */
  readonly spec: AlphabetSpec;
  /** The instances, in exploration order. */
  readonly instances: readonly OpInstance[];
  /** The steps {@linkcode Alphabet.step} built, by instance, then value. */
  readonly #memo: Step[][] = [];

  /**
   * Instantiates the operations.
   *
   * @param spec the operations, vCPUs, addresses, migration targets and host CPU
   * @throws {ScenarioError} `invalid_value` for an unknown or repeated operation, or an empty list
   */
  constructor(spec: AlphabetSpec) {
    if (!Array.isArray(spec.ops) || spec.ops.length === 0) {
      throw new ScenarioError(
        "invalid_value",
        "explore.ops",
        spec.ops,
        `explore.ops(${showValue(spec.ops)}): expected a non-empty list of ${
          EXPLORE_OPS.join(", ")
        }`,
      );
    }
    const seen = new Set<string>();
    for (const op of spec.ops) {
      if (!EXPLORE_OPS.includes(op) || seen.has(op)) {
        throw new ScenarioError(
          "invalid_value",
          "explore.ops",
          op,
          `explore.ops: ${showValue(op)} is ${
            seen.has(op) ? "listed twice" : "not an operation"
          }; expected each of ${EXPLORE_OPS.join(", ")} at most once`,
        );
      }
      seen.add(op);
    }
    this.spec = spec;
    const out: OpInstance[] = [];
    for (const name of EXPLORE_OPS) {
      if (!seen.has(name)) continue;
      if (HOST_OPS.has(name)) {
        spec.addresses.forEach((addr, addrIndex) =>
          out.push(Object.freeze({ name, vcpu: -1, addr, addrIndex, pcpu: -1 }))
        );
        continue;
      }
      for (let vcpu = 0; vcpu < spec.cpus; vcpu++) {
        if (name === "migrate") {
          for (const pcpu of spec.migrateTo) {
            out.push(Object.freeze({ name, vcpu, addr: -1, addrIndex: -1, pcpu }));
          }
        } else if (ADDRESS_OPS.has(name)) {
          spec.addresses.forEach((addr, addrIndex) =>
            out.push(Object.freeze({ name, vcpu, addr, addrIndex, pcpu: -1 }))
          );
        } else {
          out.push(Object.freeze({ name, vcpu, addr: -1, addrIndex: -1, pcpu: -1 }));
        }
      }
    }
    this.instances = Object.freeze(out);
  }

  /** Number of instances. */
  get size(): number {
    return this.instances.length;
  }

  /**
   * Whether the alphabet can write data (a read can only fail after a write).
   *
   * @returns true when `write` or `host_write` is in it
   */
  writes(): boolean {
    return this.instances.some((op) => op.name === "write" || op.name === "host_write");
  }

  /**
   * Whether the alphabet has any set/way operation.
   *
   * @returns true when a S/W walk is in it
   */
  hasSetWay(): boolean {
    return this.instances.some((op) => SW_OPS.has(op.name));
  }

  /**
   * Whether the alphabet has host operations.
   *
   * @returns true when `host_write` or `host_unmap` is in it
   */
  hasHost(): boolean {
    return this.instances.some((op) => HOST_OPS.has(op.name));
  }

  /**
   * The step an instance records, with the value a write stores.
   *
   * @param index the instance index
   * @param value the value of a write or host write (ignored otherwise)
   * @returns the step
   */
  step(index: number, value: number): Step {
    // Steps are immutable: each (instance, value) is built once, not once per program
    // expanded. Values are counters of writes, a few per program.
    if (value >= MEMO_VALUES) return opStep(this.instances[index], value, this.spec.hostCpu);
    const byValue = this.#memo[index] ??= [];
    return byValue[value] ??= opStep(this.instances[index], value, this.spec.hostCpu);
  }

  /**
   * A short label for an instance, e.g. `"write(0x40000000)"` or `"vcpu1:mmuOff"`.
   *
   * @param index the instance index
   * @returns the label
   */
  label(index: number): string {
    const op = this.instances[index];
    const who = op.vcpu > 0 ? `vcpu${op.vcpu}:` : "";
    if (op.name === "migrate") return `migrate(${op.vcpu}, ${op.pcpu})`;
    if (op.addr >= 0) return `${who}${op.name}(0x${op.addr.toString(16)})`;
    return `${who}${op.name}`;
  }
}

/** Values up to which {@linkcode Alphabet.step} keeps the steps it built. */
const MEMO_VALUES = 256;

/**
 * The step of one operation instance.
 *
 * @example Usage
 * ```ts
 * import { opStep } from "./alphabet.ts";
 * const s = opStep({ name: "write", vcpu: 0, addr: 0x40000000, addrIndex: 0, pcpu: -1 }, 1, 1);
 * console.log(s); // { kind: "write", vcpu: 0, addr: 1073741824, value: 1 }
 * ```
 * @param op the instance
 * @param value the value a write stores
 * @param hostCpu the physical CPU of host operations
 * @returns the step
 */
export function opStep(op: OpInstance, value: number, hostCpu: number): Step {
  const vcpu = op.vcpu;
  switch (op.name) {
    case "write":
      return { kind: "write", vcpu, addr: op.addr, value };
    case "read":
      return { kind: "read", vcpu, addr: op.addr };
    case "dc_cvac":
    case "dc_civac":
    case "dc_ivac":
    case "dc_cvau":
      return { kind: "dc_va", vcpu, op: VA_OP[op.name], addr: op.addr, len: 4 };
    case "sw_clean":
      return { kind: "sw_walk", vcpu, op: "csw" };
    case "sw_clean_invalidate":
      return { kind: "sw_walk", vcpu, op: "cisw" };
    case "sw_invalidate":
      return { kind: "sw_walk", vcpu, op: "isw" };
    case "mmuOn":
      return { kind: "sctlr", vcpu, bits: { m: true, c: true, i: true } };
    case "mmuOff":
      return { kind: "sctlr", vcpu, bits: { m: false, c: false } };
    case "cachesOn":
      return { kind: "sctlr", vcpu, bits: { c: true, i: true } };
    case "cachesOff":
      return { kind: "sctlr", vcpu, bits: { c: false, i: false } };
    case "vmReg":
      return { kind: "vm_reg", vcpu, reg: "TTBR0", value: 0 };
    case "migrate":
      return { kind: "migrate", vcpu, pcpu: op.pcpu };
    case "host_write":
      return { kind: "host_write", cpu: hostCpu, addr: op.addr, value };
    case "host_unmap":
      return { kind: "host_unmap", cpu: hostCpu, addr: op.addr - (op.addr % PAGE_SIZE) };
  }
}

const VA_OP = {
  dc_cvac: "cvac",
  dc_civac: "civac",
  dc_ivac: "ivac",
  dc_cvau: "cvau",
} as const;

/**
 * Whether an operation name takes an address.
 *
 * @example Usage
 * ```ts
 * import { takesAddress } from "./alphabet.ts";
 * console.log(takesAddress("dc_cvac"), takesAddress("mmuOff")); // true false
 * ```
 * @param name the operation
 * @returns true for the address operations
 */
export function takesAddress(name: ExploreOpName): boolean {
  return ADDRESS_OPS.has(name);
}

/**
 * Whether an operation name is a set/way walk.
 *
 * @example Usage
 * ```ts
 * import { isSetWay } from "./alphabet.ts";
 * console.log(isSetWay("sw_clean"), isSetWay("dc_civac")); // true false
 * ```
 * @param name the operation
 * @returns true for the S/W walks
 */
export function isSetWay(name: ExploreOpName): boolean {
  return SW_OPS.has(name);
}
