/**
 * Prints a counterexample as TypeScript a user can paste: the DSL chain that
 * builds the scenario, and, when the hardware had to do something, the
 * perturbations to replay it with.
 *
 * ```ts ignore
 * const scenario = vm().machine("xgene1").policy("kvm-4.0").ram("1MiB").prefault().seed(1)
 *   .speculation("adversarial")
 *   .guest((g) => g.mmuOn().mmuOff().write(0x40000000, 1).mmuOn().read(0x40000000))
 *   .toJSON();
 * const result = replay(scenario, [
 *   { before: 2, kind: "speculative_fill", cpu: 2, addr: 0x40000000 },
 * ]);
 * ```
 *
 * @module
 */

import type { Step } from "../../guest/ops.ts";
import type { Machine, SystemCacheSpec } from "../../hw/machine.ts";
import type { PlannedPerturbation } from "../choosers.ts";

/**
 * What a snippet needs to know about the VM.
 *
 * @example Usage
 * ```ts
 * import type { SnippetVm } from "./snippet.ts";
 * const v: SnippetVm = {
 *   machine: "xgene1", systemCache: "machine", cpus: 1, policy: "kvm-4.0", policyIsObject: false,
 *   ram: 1 << 20, ramBase: 0x40000000, prefault: true,
 * };
 * ```
 */
export interface SnippetVm {
  /** A preset name or a machine description. */
  readonly machine: string | Machine;
  /** The system cache as asked for. */
  readonly systemCache: "machine" | false | SystemCacheSpec;
  /** Number of vCPUs. */
  readonly cpus: number;
  /** The policy's name. */
  readonly policy: string;
  /** Whether the policy is a user-defined object (printed as a variable). */
  readonly policyIsObject: boolean;
  /** RAM size. */
  readonly ram: number;
  /** RAM base. */
  readonly ramBase: number;
  /** Prefaulted RAM. */
  readonly prefault: boolean;
}

const hex = (n: number) => `0x${n.toString(16)}`;

function ramText(bytes: number): string {
  for (const [unit, size] of [["GiB", 2 ** 30], ["MiB", 2 ** 20], ["KiB", 2 ** 10]] as const) {
    if (bytes % size === 0) return `"${bytes / size}${unit}"`;
  }
  return String(bytes);
}

/**
 * A policy's name as a variable: camel case, without the characters an identifier cannot hold
 * (punctuation at the end of the name as well, which no following word capitalises), and
 * after an underscore when it starts with a digit.
 */
function camel(name: string): string {
  const words = name.replace(/[^A-Za-z0-9]+(.)/g, (_, c: string) => c.toUpperCase())
    .replace(/[^A-Za-z0-9]/g, "");
  return words === "" ? "policy" : /^[0-9]/.test(words) ? `_${words}` : words;
}

/**
 * The DSL call (on `g`) of one step, without the vCPU.
 *
 * @example Usage
 * ```ts
 * import { stepCall } from "./snippet.ts";
 * console.log(stepCall({ kind: "write", vcpu: 0, addr: 0x40000000, value: 1 })); // "write(0x40000000, 1)"
 * ```
 * @param step the step
 * @returns the call text
 */
export function stepCall(step: Step): string {
  switch (step.kind) {
    case "write":
      return `write(${hex(step.addr)}, ${step.value})`;
    case "read":
      return `read(${hex(step.addr)})`;
    case "dc_va":
      return `dc_${step.op}(${hex(step.addr)}, ${step.len})`;
    case "sw_walk":
      return step.op === "csw"
        ? "sw_clean()"
        : step.op === "cisw"
        ? "sw_clean_invalidate()"
        : "sw_invalidate()";
    case "sw":
      return `dc_${step.op}(${step.level}, ${step.set}, ${step.way})`;
    case "sctlr": {
      const b = step.bits;
      if (b.m === true && b.c === true && b.i === true) return "mmuOn()";
      if (b.m === false && b.c === false && b.i === undefined) return "mmuOff()";
      if (b.m === undefined && b.c === true && b.i === true) return "cachesOn()";
      if (b.m === undefined && b.c === false && b.i === false) return "cachesOff()";
      return `sctlr(${JSON.stringify(b).replace(/"(\w)":/g, "$1: ")})`;
    }
    case "vm_reg":
      return `vmReg("${step.reg}", ${hex(step.value)})`;
    case "pc":
      return `pc(${hex(step.addr)})`;
    case "migrate":
      return `migrate(${step.vcpu}, ${step.pcpu})`;
    case "host_write":
      return `host((h) => h.write(${hex(step.addr)}, ${step.value})${
        step.cpu === undefined ? "" : `, { cpu: ${step.cpu} }`
      })`;
    case "host_unmap":
      return `host((h) => h.unmap(${hex(step.addr)})${
        step.cpu === undefined ? "" : `, { cpu: ${step.cpu} }`
      })`;
    case "exec_state":
      return step.aarch32 ? "aarch32()" : "aarch32(false)";
  }
}

/**
 * The `.guest(...)` chain of a program: steps of vCPU 0 directly, others
 * inside `on(vcpu, ...)`.
 *
 * @example Usage
 * ```ts
 * import { guestChain } from "./snippet.ts";
 * console.log(guestChain([{ kind: "sw_walk", vcpu: 1, op: "csw" }])); // "g.on(1, (g) => g.sw_clean())"
 * ```
 * @param steps the program
 * @returns the chain, starting at `g`
 */
export function guestChain(steps: readonly Step[]): string {
  let out = "g";
  for (let i = 0; i < steps.length;) {
    const s = steps[i];
    const vcpu = s.kind === "migrate" || s.kind === "host_write" || s.kind === "host_unmap"
      ? 0
      : s.vcpu;
    if (vcpu === 0) {
      out += `.${stepCall(s)}`;
      i++;
      continue;
    }
    let inner = "g";
    while (i < steps.length) {
      const t = steps[i];
      if (t.kind === "migrate" || t.kind === "host_write" || t.kind === "host_unmap") break;
      if (t.vcpu !== vcpu) break;
      inner += `.${stepCall(t)}`;
      i++;
    }
    out += `.on(${vcpu}, (g) => ${inner})`;
  }
  return out;
}

/**
 * The `vm()...` chain of a scenario, ending before `.guest(...)`.
 *
 * @example Usage
 * ```ts
 * import { vmChain } from "./snippet.ts";
 * console.log(vmChain({
 *   machine: "xgene1", systemCache: false, cpus: 2, policy: "kvm-3.18", policyIsObject: false,
 *   ram: 1 << 20, ramBase: 0x40000000, prefault: true,
 * }, false));
 * // vm().machine("xgene1").systemCache(false).cpus(2).policy("kvm-3.18").ram("1MiB").prefault().seed(1)
 * ```
 * @param v the VM
 * @param adversarial whether the hardware perturbs (adds `.speculation("adversarial")`)
 * @returns the chain
 */
export function vmChain(v: SnippetVm, adversarial: boolean): string {
  let out = "vm()";
  // A preset's name, or a machine description as the object literal the DSL takes.
  out += `.machine(${JSON.stringify(v.machine)})`;
  if (v.systemCache === false) out += ".systemCache(false)";
  else if (v.systemCache !== "machine") out += `.systemCache(${JSON.stringify(v.systemCache)})`;
  if (v.cpus !== 1) out += `.cpus(${v.cpus})`;
  out += v.policyIsObject ? `.policy(${camel(v.policy)})` : `.policy(${JSON.stringify(v.policy)})`;
  out += `.ram(${ramText(v.ram)}${
    v.ramBase === 0x4000_0000 ? "" : `, { base: ${hex(v.ramBase)} }`
  })`;
  if (v.prefault) out += ".prefault()";
  out += ".seed(1)";
  if (adversarial) out += `.speculation("adversarial")`;
  return out;
}

/**
 * The full snippet: the scenario, and how to run or replay it.
 *
 * @example Usage
 * ```ts
 * import { counterexampleSnippet } from "./snippet.ts";
 * const text = counterexampleSnippet({
 *   machine: "generic", systemCache: "machine", cpus: 1, policy: "kvm-4.0", policyIsObject: false,
 *   ram: 1 << 20, ramBase: 0x40000000, prefault: true,
 * }, [{ kind: "read", vcpu: 0, addr: 0x40000000 }], []);
 * console.log(text.split("\n")[0]); // const result = await vm().machine("generic")...
 * ```
 * @param v the VM
 * @param steps the program
 * @param plan the perturbations (empty: quiet hardware)
 * @returns TypeScript text, one statement per line group
 */
export function counterexampleSnippet(
  v: SnippetVm,
  steps: readonly Step[],
  plan: readonly PlannedPerturbation[],
): string {
  const chain = `${vmChain(v, plan.length > 0)}\n  .guest((g) => ${guestChain(steps)})`;
  if (plan.length === 0) return `const result = await ${chain}\n  .run();`;
  const items = plan.map((p) =>
    p.kind === "preempt"
      ? `  { before: ${p.before}, kind: "preempt", cpu: ${p.cpu} },`
      : p.kind === "speculative_fill"
      ? `  { before: ${p.before}, kind: "speculative_fill", cpu: ${p.cpu}, addr: ${hex(p.addr)} },`
      : `  { before: ${p.before}, kind: "castout", cache: ${JSON.stringify(p.cache)}, addr: ${
        hex(p.addr)
      } },`
  );
  return `const scenario = ${chain}\n  .toJSON();\nconst result = replay(scenario, [\n${
    items.join("\n")
  }\n]${v.policyIsObject ? `, { policy: ${camel(v.policy)} }` : ""});`;
}
