/**
 * `scenario.c`: the one C file that depends on the scenario. It holds the
 * step table the runtime interprets (one designated initializer a line, so
 * a reviewer reads it next to the model's trace), the initial memory image,
 * and the sizes of the stacks and tables.
 *
 * @example Usage
 * ```ts
 * import { renderScenarioC } from "./render_scenario.ts";
 * import { planBaremetal } from "@setway/setway/export";
 * const plan = planBaremetal({
 *   version: 1, machine: "generic", cpus: 1, systemCache: "machine", policy: "kvm-4.0",
 *   ram: 2 ** 30, ramBase: 0x4000_0000, prefault: false, seed: 1, speculation: "quiet",
 *   steps: [{ kind: "write", vcpu: 0, addr: 0x4000_8000, value: 1 }],
 * });
 * console.log(renderScenarioC(plan).includes(".kind = STEP_WRITE")); // true
 * ```
 *
 * @module
 */

import type { DcSwOp, DcVaOp, SctlrBits, Step, VmRegName } from "../guest/ops.ts";
import type { BaremetalPlan, PlannedStep } from "./plan.ts";

const DC_OPS: Readonly<Record<DcVaOp | DcSwOp, string>> = {
  cvac: "DC_CVAC",
  civac: "DC_CIVAC",
  ivac: "DC_IVAC",
  cvau: "DC_CVAU",
  csw: "DC_CSW",
  cisw: "DC_CISW",
  isw: "DC_ISW",
};

/** The AArch64 EL1 register written for each AArch32 name (see mmu.c). */
const VM_REGS: Readonly<Record<VmRegName, string>> = {
  TTBR0: "VM_TTBR0",
  TTBR1: "VM_TTBR1",
  TCR: "VM_TCR",
  MAIR0: "VM_MAIR",
  MAIR1: "VM_MAIR",
  AMAIR0: "VM_AMAIR",
  AMAIR1: "VM_AMAIR",
  CONTEXTIDR: "VM_CONTEXTIDR",
  DACR: "VM_DACR",
  ESR: "VM_ESR",
  FAR: "VM_FAR",
  AFSR0: "VM_AFSR0",
  AFSR1: "VM_AFSR1",
};

/**
 * An address as a C constant: `0x40008000UL`.
 *
 * @example Usage
 * ```ts
 * import { cAddress } from "./render_scenario.ts";
 * console.log(cAddress(0x4000_8000)); // "0x40008000UL"
 * ```
 * @param addr a non-negative integer
 * @returns the C literal
 */
export function cAddress(addr: number): string {
  return `0x${addr.toString(16)}UL`;
}

/**
 * A 32-bit value as eight hexadecimal digits: `0x0000002a`.
 *
 * @example Usage
 * ```ts
 * import { cWord } from "./render_scenario.ts";
 * console.log(cWord(42)); // "0x0000002a"
 * ```
 * @param value any number; its low 32 bits are shown
 * @returns the C literal
 */
export function cWord(value: number): string {
  return `0x${(value >>> 0).toString(16).padStart(8, "0")}`;
}

/**
 * A string as a C string literal of printable ASCII: anything else becomes `?`.
 *
 * @example Usage
 * ```ts
 * import { cString } from "./render_scenario.ts";
 * console.log(cString('say "hi"\n')); // "\"say \\\"hi\\\"?\""
 * ```
 * @param text any text
 * @returns the literal, quotes included
 */
export function cString(text: string): string {
  let out = "";
  for (const ch of text) {
    const code = ch.codePointAt(0) ?? 0;
    if (ch === '"' || ch === "\\") out += `\\${ch}`;
    else out += code >= 0x20 && code < 0x7f ? ch : "?";
  }
  return `"${out}"`;
}

function sctlrMasks(bits: SctlrBits): { set: string; clear: string } {
  const set: string[] = [];
  const clear: string[] = [];
  for (const [key, name] of [["m", "SCTLR_M"], ["c", "SCTLR_C"], ["i", "SCTLR_I"]] as const) {
    if (bits[key] === true) set.push(name);
    else if (bits[key] === false) clear.push(name);
  }
  return { set: set.join(" | ") || "0", clear: clear.join(" | ") || "0" };
}

function describeSkipped(step: Step): string {
  switch (step.kind) {
    case "pc":
      return `pc ${cAddress(step.addr).slice(0, -2)}`;
    case "migrate":
      return `migrate vCPU ${step.vcpu} to CPU ${step.pcpu}`;
    case "host_unmap":
      return `host_unmap ${cAddress(step.addr).slice(0, -2)}`;
    case "host_write":
      return `host_write ${cAddress(step.addr).slice(0, -2)} = ${cWord(step.value)}`;
    case "exec_state":
      return `exec_state vCPU ${step.vcpu} ${step.aarch32 ? "AArch32" : "AArch64"}`;
    default:
      return step.kind;
  }
}

function entry(p: PlannedStep): string {
  const s = p.step;
  if (p.skipped !== undefined) {
    return `\t/* steps[${p.index}] ${describeSkipped(s)}: ${p.skipped} */`;
  }
  const head = (kind: string, vcpu: number) =>
    `.kind = ${kind}, .vcpu = ${vcpu}, .index = ${p.index}`;
  let body: string;
  switch (s.kind) {
    case "write":
      body = `${head("STEP_WRITE", s.vcpu)}, .addr = ${cAddress(s.addr)}, .value = ${
        cWord(s.value)
      }`;
      break;
    case "read":
      body = `${head("STEP_READ", s.vcpu)}, .addr = ${cAddress(s.addr)}, .value = ${
        cWord(p.expected ?? 0)
      }`;
      break;
    case "dc_va":
      body = `${head("STEP_DC_VA", s.vcpu)}, .op = ${DC_OPS[s.op]}, .addr = ${
        cAddress(s.addr)
      }, .len = ${cAddress(s.len)}`;
      break;
    case "sw_walk":
      body = `${head("STEP_SW_WALK", s.vcpu)}, .op = ${DC_OPS[s.op]}`;
      break;
    case "sw":
      body = `${head("STEP_SW", s.vcpu)}, .op = ${
        DC_OPS[s.op]
      }, .level = ${s.level}, .set = ${s.set}, .way = ${s.way}`;
      break;
    case "sctlr": {
      const m = sctlrMasks(s.bits);
      body = `${head("STEP_SCTLR", s.vcpu)}, .set_bits = ${m.set}, .clear_bits = ${m.clear}`;
      break;
    }
    case "vm_reg":
      body = `${head("STEP_VM_REG", s.vcpu)}, .op = ${VM_REGS[s.reg]}, .value = ${
        cWord(s.value)
      } /* ${s.reg} */`;
      break;
    default:
      body = "0";
  }
  return `\t{ ${body} },`;
}

/**
 * Renders `scenario.c` for a plan.
 *
 * @example Usage
 * ```ts
 * import { renderScenarioC } from "./render_scenario.ts";
 * import { planBaremetal } from "@setway/setway/export";
 * const plan = planBaremetal({
 *   version: 1, machine: "generic", cpus: 1, systemCache: "machine", policy: "kvm-4.0",
 *   ram: 2 ** 30, ramBase: 0x4000_0000, prefault: false, seed: 1, speculation: "quiet",
 *   steps: [{ kind: "read", vcpu: 0, addr: 0x4000_8000 }],
 * });
 * console.log(renderScenarioC(plan).includes(".value = 0x00000000")); // true
 * ```
 * @param plan the plan
 * @returns the file's text
 */
export function renderScenarioC(plan: BaremetalPlan): string {
  const { layout } = plan;
  const lines: string[] = [
    "/*",
    " * Generated by setway (export --baremetal): the scenario's program as a table.",
    ` * ${plan.scenario.steps.length} steps, ${plan.performed} performed, ${plan.reads} reads ` +
    `checked, ${plan.cpus} CPU${plan.cpus === 1 ? "" : "s"}.`,
    " * Edit the scenario and export it again rather than this file.",
    " */",
    '#include "setway.h"',
    "",
    `const char scenario_title[] = ${cString(plan.name)};`,
    `const u32 nr_cpus = ${plan.cpus};`,
    `const u64 ram_base = ${cAddress(0x4000_0000)};`,
    `const u64 ram_mapped = ${cAddress(layout.mappedBytes)};`,
    `const u32 nr_l2_tables = ${layout.l2Tables};`,
    `u64 l2_tables[${layout.l2Tables}][512] __attribute__((aligned(4096)));`,
    `unsigned char cpu_stacks[${plan.cpus}][STACK_SIZE] __attribute__((aligned(16)));`,
    "",
    "/* Every word the program reads or writes, as memory starts: 0 unless a host write set it. */",
    "const struct preload preloads[] = {",
  ];
  for (const p of plan.preloads) {
    lines.push(`\t{ .addr = ${cAddress(p.addr)}, .value = ${cWord(p.value)} },`);
  }
  if (plan.preloads.length === 0) lines.push("\t{ .addr = 0, .value = 0 }, /* unused */");
  lines.push("};", `const u32 nr_preloads = ${plan.preloads.length};`, "");
  lines.push("/* The program, in the scenario's order; .index is the step's place in it. */");
  lines.push("const struct step steps[] = {");
  for (const p of plan.steps) lines.push(entry(p));
  if (plan.performed === 0) lines.push("\t{ .kind = 0 }, /* unused */");
  lines.push("};", `const u32 nr_steps = ${plan.performed};`, "");
  return lines.join("\n");
}

/**
 * The scenario as JSON, one step a line: what was exported, ready for
 * `setway run scenario.json` on the model.
 *
 * @example Usage
 * ```ts
 * import { renderScenarioJson } from "./render_scenario.ts";
 * import { vm } from "@setway/setway";
 * const text = renderScenarioJson(vm().guest((g) => g.write(0x4000_8000, 1)).toJSON());
 * console.log(JSON.parse(text).steps.length); // 1
 * ```
 * @param scenario the scenario
 * @returns the JSON text, ending with a line break
 */
export function renderScenarioJson(scenario: BaremetalPlan["scenario"]): string {
  const fields = Object.entries(scenario).filter(([k]) => k !== "steps")
    .map(([k, v]) => `  ${JSON.stringify(k)}: ${JSON.stringify(v)},`);
  const steps = scenario.steps.map((s, i, all) =>
    `    ${JSON.stringify(s)}${i === all.length - 1 ? "" : ","}`
  );
  return ["{", ...fields, '  "steps": [', ...steps, "  ]", "}", ""].join("\n");
}
