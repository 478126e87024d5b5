/**
 * A scenario's steps as a reference program: so that the reference can run
 * what the DSL's guest presets (zImage, Linux arm64, EDK2, ...) produce, on
 * the machine presets, with their full-size set/way walks.
 *
 * @example Usage
 * ```ts
 * import { vm } from "../../mod.ts";
 * import { programFromScenario } from "./from_scenario.ts";
 * const p = programFromScenario(vm().machine("generic").guest((g) => g.mmuOn()).toJSON());
 * console.log(p?.hardware?.geometry[0]); // [{ sets: 128, ways: 4 }, { sets: 1024, ways: 16 }]
 * ```
 *
 * @module
 */

import { type Machine, type Scenario, type Step } from "../../mod.ts";
import { resolveMachine } from "../../lib/api/hw.ts";
import type { Op, Program, ProgramHardware } from "./program.ts";

function geometryOf(g: { size: number; ways: number; lineSize?: number }) {
  const line = g.lineSize ?? 64;
  return { sets: g.size / (g.ways * line), ways: g.ways, line };
}

/** The machine's hardware: each CPU has its cluster's caches, CPUs numbered cluster by cluster. */
function hardwareOf(machine: Machine, scenario: Scenario): ProgramHardware {
  const geometry: { sets: number; ways: number }[][] = [];
  const lineSize: number[] = [];
  for (const c of machine.clusters) {
    const levels = [c.l1d, ...(c.l2 ? [c.l2] : [])].map(geometryOf);
    for (let i = 0; i < c.cpus; i++) {
      geometry.push(levels.map(({ sets, ways }) => ({ sets, ways })));
      lineSize.push(levels[0].line);
    }
  }
  return {
    pcpus: geometry.length,
    geometry,
    lineSize,
    fwb: machine.features?.fwb === true,
    // A cluster that states no CLIDR fields has LoUIS = LoUU = 1 (the Cortex-A57's), and one
    // that states no CTR bits has IDC and DIC clear.
    effectiveIdc: machine.clusters.every((c) =>
      c.ctr?.idc === true || (c.clidr?.louis === 0 && c.clidr?.louu === 0)
    ),
    dic: machine.clusters.every((c) => c.ctr?.dic === true),
    host: machine.features?.aarch64 === false ? "arm" : "arm64",
    ramBase: scenario.ramBase,
    ram: scenario.ram,
  };
}

function opOf(s: Step): Op {
  switch (s.kind) {
    case "write":
      return { k: "write", v: s.vcpu, addr: s.addr, value: s.value };
    case "read":
      return { k: "read", v: s.vcpu, addr: s.addr };
    case "dc_va":
      return { k: "dc", v: s.vcpu, op: s.op, addr: s.addr, len: s.len };
    case "sw":
      return { k: "sw", v: s.vcpu, op: s.op, level: s.level, set: s.set, way: s.way };
    case "sw_walk":
      return { k: "walk", v: s.vcpu, op: s.op };
    case "sctlr":
      return { k: "sctlr", v: s.vcpu, bits: s.bits };
    case "vm_reg":
      return { k: "vmreg", v: s.vcpu, reg: s.reg, value: s.value };
    case "pc":
      return { k: "pc", v: s.vcpu, addr: s.addr };
    case "migrate":
      return { k: "migrate", v: s.vcpu, pcpu: s.pcpu };
    case "host_write":
      return {
        k: "host_write",
        addr: s.addr,
        value: s.value,
        ...(s.cpu === undefined ? {} : { cpu: s.cpu }),
      };
    case "host_unmap":
      return { k: "host_unmap", addr: s.addr, ...(s.cpu === undefined ? {} : { cpu: s.cpu }) };
    case "exec_state":
      return { k: "exec_state", v: s.vcpu, aarch32: s.aarch32 };
  }
}

/**
 * The scenario as a program for the reference.
 *
 * @example Usage
 * ```ts
 * import { vm } from "../../mod.ts";
 * import { programFromScenario } from "./from_scenario.ts";
 * const p = programFromScenario(vm().machine("xgene1").guest((g) => g.zImage32()).toJSON());
 * console.log(p?.ops[0]); // { k: "exec_state", v: 0, aarch32: true }
 * ```
 * @param scenario the scenario
 * @returns the program
 */
export function programFromScenario(scenario: Scenario): Program {
  const machine = resolveMachine(scenario.machine);
  const hardware = hardwareOf(machine, scenario);
  return {
    machine: machine.name,
    hardware,
    vcpus: scenario.cpus,
    prefault: scenario.prefault,
    aarch32: new Array(scenario.cpus).fill(false),
    ops: scenario.steps.map(opOf),
  };
}
