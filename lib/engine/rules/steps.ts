/**
 * Validation of guest steps as data: the schema of each {@linkcode Step}
 * kind (fields and their types) and its meaning in a VM (vCPU and physical
 * CPU indices in range, addresses aligned and inside RAM, 32-bit values,
 * set/way operands that an instruction can encode: a slot outside the
 * caches is the run's `archInvalid`, not an issue).
 *
 * The one step checker of setway: `toJSON()`, `scenarioFrom()`,
 * `GuestBuilder.append()` and `run()` all call it.
 *
 * A field of the wrong type, a missing field or an unknown field is a
 * `bad_schema` issue; a field of the right type with a refused value gets
 * the specific code (`bad_address`, `out_of_range`, `unknown_name`,
 * `invalid_value`).
 *
 * @example Usage
 * ```ts
 * import { stepIssues } from "./steps.ts";
 * const ctx = { cpus: 1, pcpus: 4, ramBase: 0x4000_0000, ram: 1 << 30 };
 * const issues = stepIssues({ kind: "read", vcpu: 0, addr: 0x3 }, "steps[0]", ctx);
 * console.log(issues[0].path, issues[0].code); // "steps[0].addr" "bad_address"
 * ```
 *
 * @module
 */

import type { DcSwOp, DcVaOp, StepKind } from "../../guest/ops.ts";
import type { Machine } from "../../hw/machine.ts";
import { VM_REG_NAMES } from "../../guest/ops.ts";
import {
  addressProblem,
  indexProblem,
  integerProblem,
  MAX_PHYS,
  MAX_SW_INDEX,
  MAX_SW_LEVEL,
  nameProblem,
  pageProblem,
  pcProblem,
  type Problem,
  ramProblem,
  type RamRange,
  u32Problem,
} from "./values.ts";
import { makeIssue, type ScenarioIssue } from "./issues.ts";
import { didYouMean } from "../../options.ts";
import { MAX_PROGRAM_STEPS } from "../../limits.ts";

export { MAX_PROGRAM_STEPS } from "../../limits.ts";

/**
 * What a step is checked against; `NaN` in a number skips the checks that
 * need it.
 */
export interface StepContext extends RamRange {
  /** Number of vCPUs. */
  readonly cpus: number;
  /** Number of physical CPUs of the machine. */
  readonly pcpus: number;
  /** The machine, when known: its features decide which execution states it runs. */
  readonly machine?: Machine | null;
  /**
   * The name of the machine when it has no AArch64 (an ARMv7-A machine such
   * as TC2), known even where `machine` is not given: an `exec_state` step
   * asking for AArch64 is then refused. Default: taken from `machine`.
   */
  readonly aarch32Only?: string | null;
}

/**
 * The name of the machine a step list runs on when that machine has no
 * AArch64, else null.
 *
 * @example Usage
 * ```ts
 * import { aarch32OnlyMachine } from "./steps.ts";
 * import { tc2 } from "../../machines/tc2.ts";
 * const ctx = { cpus: 1, pcpus: 5, ramBase: 0x4000_0000, ram: 1 << 30, machine: tc2 };
 * console.log(aarch32OnlyMachine(ctx)); // "tc2"
 * ```
 * @param ctx the VM
 * @returns the machine's name, or null
 */
export function aarch32OnlyMachine(ctx: StepContext): string | null {
  if (ctx.aarch32Only !== undefined && ctx.aarch32Only !== null) return ctx.aarch32Only;
  const m = ctx.machine;
  return m && m.features?.aarch64 === false ? m.name : null;
}

/**
 * What an AArch64 guest on a machine without AArch64 is told: the machine
 * by name, and that only AArch32 runs there.
 *
 * @example Usage
 * ```ts
 * import { aarch64Refusal } from "./steps.ts";
 * console.log(aarch64Refusal("tc2"));
 * // 'AArch32 (true): machine "tc2" is ARMv7-A and cannot run an AArch64 guest'
 * ```
 * @param machine the machine's name
 * @returns the `expected` text of the issue
 */
export function aarch64Refusal(machine: string): string {
  return `AArch32 (true): machine "${machine}" is ARMv7-A and cannot run an AArch64 guest`;
}

/** Every `kind` of step. */
export const STEP_KINDS: readonly StepKind[] = Object.freeze([
  "write",
  "read",
  "dc_va",
  "sw_walk",
  "sw",
  "sctlr",
  "vm_reg",
  "pc",
  "migrate",
  "host_write",
  "host_unmap",
  "exec_state",
]);

/** The `op` of a `dc_va` step. */
export const DC_VA_OPS: readonly DcVaOp[] = Object.freeze(["cvac", "civac", "ivac", "cvau"]);

/** The `op` of a `sw_walk` or `sw` step. */
export const DC_SW_OPS: readonly DcSwOp[] = Object.freeze(["csw", "cisw", "isw"]);

const FIELDS: Readonly<Record<StepKind, readonly string[]>> = {
  write: ["kind", "vcpu", "addr", "value"],
  read: ["kind", "vcpu", "addr"],
  dc_va: ["kind", "vcpu", "op", "addr", "len"],
  sw_walk: ["kind", "vcpu", "op"],
  sw: ["kind", "vcpu", "op", "level", "set", "way"],
  sctlr: ["kind", "vcpu", "bits"],
  vm_reg: ["kind", "vcpu", "reg", "value"],
  pc: ["kind", "vcpu", "addr"],
  migrate: ["kind", "vcpu", "pcpu"],
  host_write: ["kind", "cpu", "addr", "value"],
  host_unmap: ["kind", "cpu", "addr"],
  exec_state: ["kind", "vcpu", "aarch32"],
};

const OPTIONAL: ReadonlySet<string> = new Set(["host_write.cpu", "host_unmap.cpu"]);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Whether `step` is a read or write that {@linkcode stepIssues} finds
 * nothing wrong with: no field but its own, a vCPU index in range, an
 * aligned address in RAM, a 32-bit value. Checked with the same rules as
 * the full check, without building a path or a closure: a program is
 * mostly such steps. False says nothing (the full check then decides).
 *
 * @example Usage
 * ```ts
 * import { accessStepValid } from "./steps.ts";
 * const ctx = { cpus: 1, pcpus: 4, ramBase: 0x4000_0000, ram: 1 << 30 };
 * console.log(accessStepValid({ kind: "read", vcpu: 0, addr: 0x4000_0000 }, ctx)); // true
 * console.log(accessStepValid({ kind: "read", vcpu: 1, addr: 0x4000_0000 }, ctx)); // false
 * ```
 * @param step the step, as untrusted data
 * @param ctx the VM it runs in
 * @returns true only when the step is a valid read or write
 */
export function accessStepValid(step: Record<string, unknown>, ctx: StepContext): boolean {
  const kind = step.kind;
  const write = kind === "write";
  if (!write && kind !== "read") return false;
  for (const key in step) {
    if (key !== "kind" && key !== "vcpu" && key !== "addr" && (!write || key !== "value")) {
      return false;
    }
  }
  const cpus = Number.isNaN(ctx.cpus) ? Infinity : ctx.cpus;
  if (indexProblem(step.vcpu, cpus, "vCPU") !== null) return false;
  const addr = step.addr;
  if (addressProblem(addr) !== null) return false;
  const inRam = !Number.isNaN(ctx.ram) && !Number.isNaN(ctx.ramBase);
  if (inRam && ramProblem(addr as number, 4, ctx) !== null) return false;
  return !write || u32Problem(step.value) === null;
}

/**
 * The index of the first step of `steps`, from `from` on, that
 * {@linkcode accessStepValid} does not vouch for (`steps.length` when there
 * is none): the same rules, read in the same order, in one loop without a
 * call per step. A program is checked before it runs, once, often in a fresh
 * process: a call per rule and per step is then run by V8's interpreter for
 * thousands of steps before it is optimised, and costs far more than the
 * rules. tests/engine/step_shortcut_test.ts compares it with
 * {@linkcode accessStepValid} step by step.
 *
 * @example Usage
 * ```ts
 * import { validAccessesFrom } from "./steps.ts";
 * const ctx = { cpus: 1, pcpus: 4, ramBase: 0x4000_0000, ram: 1 << 30 };
 * const steps = [
 *   { kind: "read", vcpu: 0, addr: 0x4000_0000 },
 *   { kind: "pc", vcpu: 0, addr: 0x4000_8000 },
 *   { kind: "write", vcpu: 0, addr: 0x4000_0004, value: 7 },
 * ];
 * console.log(validAccessesFrom(steps, 0, ctx), validAccessesFrom(steps, 2, ctx)); // 1 3
 * ```
 * @param steps the list, as untrusted data
 * @param from the index to start at
 * @param ctx the VM it runs in
 * @returns the index of the first step from `from` on that is not a valid read or write
 */
export function validAccessesFrom(
  steps: readonly unknown[],
  from: number,
  ctx: StepContext,
): number {
  const cpus = Number.isNaN(ctx.cpus) ? Infinity : ctx.cpus;
  const inRam = !Number.isNaN(ctx.ram) && !Number.isNaN(ctx.ramBase);
  const ramBase = ctx.ramBase, ramEnd = ctx.ramBase + ctx.ram;
  const n = steps.length;
  for (let i = from; i < n; i++) {
    const step = steps[i] as Record<string, unknown>;
    if (typeof step !== "object" || step === null || Array.isArray(step)) return i;
    const kind = step.kind;
    const write = kind === "write";
    if (!write && kind !== "read") return i;
    for (const key in step) {
      if (key !== "kind" && key !== "vcpu" && key !== "addr" && (!write || key !== "value")) {
        return i;
      }
    }
    // indexProblem: a safe integer from 0 below the count.
    const vcpu = step.vcpu;
    if (
      typeof vcpu !== "number" || !(vcpu >= 0 && vcpu < cpus) ||
      vcpu > Number.MAX_SAFE_INTEGER || Math.floor(vcpu) !== vcpu
    ) return i;
    // addressProblem (an aligned integer below MAX_PHYS is safe; isWordAligned,
    // inline), then ramProblem.
    const addr = step.addr;
    if (
      typeof addr !== "number" || !(addr >= 0 && addr < MAX_PHYS) ||
      Math.floor(addr / 4) * 4 !== addr
    ) return i;
    if (inRam && !(addr >= ramBase && addr + 4 <= ramEnd)) return i;
    if (write) {
      // u32Problem: an integer from 0 to 0xffff_ffff.
      const value = step.value;
      if (
        typeof value !== "number" || !(value >= 0 && value <= 0xffff_ffff) ||
        Math.floor(value) !== value
      ) return i;
    }
  }
  return n;
}

/**
 * Checks one step at path `prefix` (with `[position]` appended when `position` is
 * not negative). The path is built only for an issue: most steps have none.
 */
function checkStep(
  step: unknown,
  prefix: string,
  position: number,
  ctx: StepContext,
  out: ScenarioIssue[],
): void {
  if (isRecord(step) && accessStepValid(step, ctx)) return;
  checkStepFully(step, prefix, position, ctx, out);
}

/** {@linkcode checkStep} without the shortcut for valid reads and writes. */
function checkStepFully(
  step: unknown,
  prefix: string,
  position: number,
  ctx: StepContext,
  out: ScenarioIssue[],
): void {
  const path = () => position < 0 ? prefix : `${prefix}[${position}]`;
  const add = (field: string, value: unknown, problem: Problem | null) => {
    if (problem) out.push(makeIssue(problem.code, `${path()}.${field}`, value, problem.expected));
    return problem === null;
  };
  const schema = (field: string, value: unknown, expected: string) => {
    out.push(makeIssue("bad_schema", `${path()}.${field}`, value, expected));
  };
  if (!isRecord(step)) {
    out.push(makeIssue("bad_schema", path(), step, "a step object with a `kind`"));
    return;
  }
  const kind = step.kind;
  if (typeof kind !== "string" || !(STEP_KINDS as readonly string[]).includes(kind)) {
    schema("kind", kind, `one of ${STEP_KINDS.join(", ")}`);
    return;
  }
  const fields = FIELDS[kind as StepKind];
  for (const key of Object.keys(step)) {
    if (!fields.includes(key)) {
      schema(key, step[key], `no such field in a ${kind} step${didYouMean(key, fields)}`);
    }
  }
  for (const key of fields) {
    if (step[key] === undefined && !OPTIONAL.has(`${kind}.${key}`)) {
      schema(key, undefined, `a value: ${kind} steps have ${fields.slice(1).join(", ")}`);
    }
  }
  const number = (field: string): number | null => {
    const v = step[field];
    if (v === undefined) return null;
    if (typeof v !== "number") {
      schema(field, v, "a number");
      return null;
    }
    return v;
  };
  const index = (field: string, count: number, noun: string): number | null => {
    const v = number(field);
    if (v === null) return null;
    return add(field, v, indexProblem(v, Number.isNaN(count) ? Infinity : count, noun)) ? v : null;
  };
  const inRam = !Number.isNaN(ctx.ram) && !Number.isNaN(ctx.ramBase);
  const wordAddress = (field: string) => {
    const v = number(field);
    if (v === null) return;
    if (add(field, v, addressProblem(v)) && inRam) add(field, v, ramProblem(v, 4, ctx));
  };
  const value32 = (field: string) => {
    const v = number(field);
    if (v !== null) add(field, v, u32Problem(v));
  };
  const op = (names: readonly string[]) => {
    const v = step.op;
    if (v === undefined) return;
    if (typeof v !== "string") return schema("op", v, "a string");
    add("op", v, nameProblem(v, names));
  };

  if (kind !== "host_write" && kind !== "host_unmap") index("vcpu", ctx.cpus, "vCPU");
  switch (kind as StepKind) {
    case "write":
      wordAddress("addr");
      value32("value");
      break;
    case "read":
      wordAddress("addr");
      break;
    case "dc_va": {
      op(DC_VA_OPS);
      const len = number("len");
      const lenOk = len !== null && add("len", len, integerProblem(len, 1, MAX_PHYS));
      const addr = number("addr");
      if (addr === null || !add("addr", addr, addressProblem(addr)) || !inRam) break;
      if (add("addr", addr, ramProblem(addr, 4, ctx)) && lenOk) {
        // The first word is in RAM: a range running past the end is the length's fault.
        const p = ramProblem(addr, len!, ctx);
        if (p) add("len", len, { code: "bad_address", expected: `${p.expected} from ${addr}` });
      }
      break;
    }
    case "sw_walk":
      op(DC_SW_OPS);
      break;
    case "sw":
      op(DC_SW_OPS);
      swOperands(add, number);
      break;
    case "sctlr": {
      const bits = step.bits;
      if (bits === undefined) break;
      if (!isRecord(bits)) {
        schema("bits", bits, "an object { m?, c?, i? } of booleans");
        break;
      }
      const keys = Object.keys(bits);
      if (keys.length === 0) schema("bits", bits, "at least one of m, c, i");
      for (const key of keys) {
        if (key !== "m" && key !== "c" && key !== "i") {
          schema(`bits.${key}`, bits[key], "no such SCTLR bit (m, c, i)");
        } else if (typeof bits[key] !== "boolean") {
          schema(`bits.${key}`, bits[key], "a boolean");
        }
      }
      break;
    }
    case "vm_reg": {
      const reg = step.reg;
      if (reg !== undefined) {
        if (typeof reg !== "string") schema("reg", reg, "a string");
        else add("reg", reg, nameProblem(reg, VM_REG_NAMES));
      }
      value32("value");
      break;
    }
    case "pc": {
      const v = number("addr");
      if (v !== null) add("addr", v, pcProblem(v));
      break;
    }
    case "migrate":
      index("pcpu", ctx.pcpus, "physical CPU");
      break;
    case "host_write":
      if (step.cpu !== undefined) index("cpu", ctx.pcpus, "physical CPU");
      wordAddress("addr");
      value32("value");
      break;
    case "exec_state": {
      const v = step.aarch32;
      if (v !== undefined && typeof v !== "boolean") {
        schema("aarch32", v, "a boolean: true for AArch32, false for AArch64");
      }
      const armv7 = aarch32OnlyMachine(ctx);
      if (v === false && armv7 !== null) {
        out.push(makeIssue("invalid_value", `${path()}.aarch32`, v, aarch64Refusal(armv7)));
      }
      break;
    }
    case "host_unmap": {
      if (step.cpu !== undefined) index("cpu", ctx.pcpus, "physical CPU");
      const v = number("addr");
      if (v !== null) add("addr", v, pageProblem(v, inRam ? ctx : undefined));
      break;
    }
  }
}

/**
 * Level, set and way of one set/way instruction: a level from 1 to 7 (what
 * CSSELR and the operand can name), a set and a way from 0 to 2^32 - 1. A slot the
 * CPU's caches do not have is not refused: under HCR.TSW it traps like any
 * other, and on bare hardware it is CONSTRAINED UNPREDICTABLE, which the run
 * flags in `archInvalid` (arch_check.ts).
 */
function swOperands(
  add: (field: string, value: unknown, problem: Problem | null) => boolean,
  number: (field: string) => number | null,
): void {
  const level = number("level");
  if (level !== null) add("level", level, integerProblem(level, 1, MAX_SW_LEVEL));
  for (const field of ["set", "way"]) {
    const v = number(field);
    if (v !== null) add(field, v, integerProblem(v, 0, MAX_SW_INDEX));
  }
}

/**
 * {@linkcode stepIssues} without the shortcut of {@linkcode accessStepValid}:
 * every rule checked one by one, the reference the shortcut is tested against.
 *
 * @example Usage
 * ```ts
 * import { stepIssuesFully } from "./steps.ts";
 * const ctx = { cpus: 1, pcpus: 4, ramBase: 0x4000_0000, ram: 1 << 30 };
 * console.log(stepIssuesFully({ kind: "read", vcpu: 1, addr: 3 }, "steps[0]", ctx).length); // 2
 * ```
 * @param step the step, as untrusted data
 * @param at its path, e.g. `"steps[5]"`
 * @param ctx the VM it runs in
 * @returns the issues, with paths such as `"steps[5].pcpu"`
 */
export function stepIssuesFully(step: unknown, at: string, ctx: StepContext): ScenarioIssue[] {
  const out: ScenarioIssue[] = [];
  checkStepFully(step, at, -1, ctx, out);
  return out;
}

/**
 * Checks one step and returns every issue found (empty when it is valid).
 * The vCPU is taken to be on its first physical CPU (vCPU i on CPU i).
 *
 * @example Usage
 * ```ts
 * import { stepIssues } from "./steps.ts";
 * const ctx = { cpus: 2, pcpus: 4, ramBase: 0x4000_0000, ram: 1 << 30 };
 * console.log(stepIssues({ kind: "migrate", vcpu: 1, pcpu: 3 }, "steps[5]", ctx).length); // 0
 * ```
 * @param step the step, as untrusted data
 * @param at its path, e.g. `"steps[5]"`
 * @param ctx the VM it runs in
 * @returns the issues, with paths such as `"steps[5].pcpu"`
 */
export function stepIssues(step: unknown, at: string, ctx: StepContext): ScenarioIssue[] {
  const out: ScenarioIssue[] = [];
  checkStep(step, at, -1, ctx, out);
  return out;
}

/**
 * Checks a whole list of steps; paths are `steps[i]...` (or `prefix[i]...`).
 * A list longer than
 * {@linkcode MAX_PROGRAM_STEPS} is one `out_of_range` issue, its steps unchecked.
 *
 * @example Usage
 * ```ts
 * import { stepsIssues } from "./steps.ts";
 * const ctx = { cpus: 1, pcpus: 4, ramBase: 0x4000_0000, ram: 1 << 30 };
 * console.log(stepsIssues([{ kind: "pc", vcpu: 0, addr: 0x4000_8000 }], ctx).length); // 0
 * ```
 * @param steps the list, as untrusted data
 * @param ctx the VM it runs in
 * @param prefix the path of the list; default `"steps"`
 * @returns every issue, in step order
 */
export function stepsIssues(steps: unknown, ctx: StepContext, prefix = "steps"): ScenarioIssue[] {
  if (!Array.isArray(steps)) {
    return [makeIssue("bad_schema", prefix, steps, "an array of steps")];
  }
  if (steps.length > MAX_PROGRAM_STEPS) {
    const expected = `at most ${MAX_PROGRAM_STEPS} steps, not ${steps.length}`;
    return [makeIssue("out_of_range", prefix, steps.length, expected)];
  }
  const out: ScenarioIssue[] = [];
  // The valid reads and writes are passed over a run at a time; every other step is checked fully.
  for (let i = validAccessesFrom(steps, 0, ctx); i < steps.length;) {
    checkStepFully(steps[i], prefix, i, ctx, out);
    i = validAccessesFrom(steps, i + 1, ctx);
  }
  return out;
}
