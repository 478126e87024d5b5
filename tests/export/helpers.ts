/**
 * Scenarios the export tests share, and running an exported test: build it
 * with the cross compiler, boot it under QEMU, read its UART.
 *
 * @module
 */

import { vm } from "../../lib/dsl/vm.ts";
import type { Scenario } from "../../lib/engine/scenario.ts";
import type { Step } from "../../lib/guest/ops.ts";
import { buildCommand, CROSS_GCC, QEMU } from "../../lib/export/render_build.ts";
import { installDebianPackages } from "../support/debian.ts";

/** The 2015 zImage decompressor, as the README runs it on X-Gene 1. */
export function zImageScenario(era: "2015" | "by-va" | "2021" = "2015"): Scenario {
  return vm().machine("xgene1").cpus(4).policy("kvm-4.0").guest((g) => g.zImage32({ era }))
    .toJSON();
}

/** The guest that cleans what it wrote by VA before turning caches off. */
export function vaCleanScenario(): Scenario {
  return vm().guest((g) => g.vaCorrect()).toJSON();
}

const A = 0x4000_8000;
const B = 0x4001_0040;
const H = 0x4003_0000;

/** Every step kind, on two vCPUs, as a correct program: reads see the last write. */
export const ALL_KINDS_STEPS: readonly Step[] = [
  { kind: "host_write", addr: H, value: 0x1234_5678 },
  { kind: "pc", vcpu: 0, addr: 0x4008_0000 },
  { kind: "vm_reg", vcpu: 0, reg: "TTBR0", value: 0x4000_4000 },
  { kind: "vm_reg", vcpu: 0, reg: "TTBR1", value: 0 },
  { kind: "vm_reg", vcpu: 0, reg: "TCR", value: 0 },
  { kind: "vm_reg", vcpu: 0, reg: "MAIR0", value: 0xeeaa_4400 },
  { kind: "vm_reg", vcpu: 0, reg: "MAIR1", value: 0xff },
  { kind: "vm_reg", vcpu: 0, reg: "AMAIR0", value: 0 },
  { kind: "vm_reg", vcpu: 0, reg: "AMAIR1", value: 0 },
  { kind: "vm_reg", vcpu: 0, reg: "DACR", value: 0xffff_ffff },
  { kind: "vm_reg", vcpu: 0, reg: "CONTEXTIDR", value: 7 },
  { kind: "vm_reg", vcpu: 0, reg: "ESR", value: 0 },
  { kind: "vm_reg", vcpu: 0, reg: "FAR", value: 0 },
  { kind: "vm_reg", vcpu: 0, reg: "AFSR0", value: 0 },
  { kind: "vm_reg", vcpu: 0, reg: "AFSR1", value: 0 },
  { kind: "sctlr", vcpu: 0, bits: { m: true, c: true, i: true } },
  { kind: "write", vcpu: 0, addr: A, value: 0xa5a5_0001 },
  { kind: "write", vcpu: 0, addr: B, value: 0xa5a5_0002 },
  { kind: "read", vcpu: 0, addr: H },
  { kind: "dc_va", vcpu: 0, op: "cvau", addr: A, len: 64 },
  { kind: "dc_va", vcpu: 0, op: "cvac", addr: A, len: 256 },
  { kind: "dc_va", vcpu: 0, op: "civac", addr: B, len: 64 },
  { kind: "sw", vcpu: 0, op: "csw", level: 1, set: 3, way: 1 },
  { kind: "sw", vcpu: 0, op: "cisw", level: 2, set: 5, way: 0 },
  // Way 3 of the model's 4-way L1 is beyond QEMU Cortex-A57's 2-way L1: the test notes it.
  { kind: "sw", vcpu: 0, op: "csw", level: 1, set: 1, way: 3 },
  { kind: "sw_walk", vcpu: 0, op: "csw" },
  { kind: "migrate", vcpu: 0, pcpu: 1 },
  { kind: "sctlr", vcpu: 0, bits: { m: false, c: false } },
  { kind: "sw_walk", vcpu: 0, op: "cisw" },
  { kind: "read", vcpu: 1, addr: A },
  { kind: "read", vcpu: 1, addr: B },
  { kind: "write", vcpu: 1, addr: B, value: 0xa5a5_0003 },
  { kind: "dc_va", vcpu: 1, op: "ivac", addr: A, len: 64 },
  { kind: "sw", vcpu: 1, op: "isw", level: 1, set: 0, way: 0 },
  { kind: "sw_walk", vcpu: 1, op: "isw" },
  { kind: "host_unmap", addr: 0x4005_0000 },
  { kind: "read", vcpu: 0, addr: B },
  { kind: "read", vcpu: 0, addr: 0x4004_0000 },
  // Execution states: comments in scenario.c, as the test runs in AArch64 on every CPU.
  { kind: "exec_state", vcpu: 1, aarch32: true },
  { kind: "exec_state", vcpu: 0, aarch32: false },
];

/** {@linkcode ALL_KINDS_STEPS} on a two-vCPU machine. */
export function allKindsScenario(): Scenario {
  return vm().cpus(2).guest((g) => g.append(ALL_KINDS_STEPS)).toJSON();
}

/** What the toolchain check found. */
export type Toolchain = { ok: true } | { ok: false; message: string };

async function found(program: string): Promise<boolean> {
  try {
    const out = await new Deno.Command(program, {
      args: ["--version"],
      stdout: "null",
      stderr: "null",
    })
      .output();
    return out.success;
  } catch {
    return false;
  }
}

/** Whether the cross compiler and QEMU are installed, with what to do when not. */
export async function toolchain(): Promise<Toolchain> {
  const missingTools = async () => {
    const missing: string[] = [];
    if (!(await found(CROSS_GCC))) missing.push(`${CROSS_GCC} (Debian: gcc-aarch64-linux-gnu)`);
    if (!(await found(QEMU))) missing.push(`${QEMU} (Debian: qemu-system-arm)`);
    return missing;
  };
  if ((await missingTools()).length === 0) return { ok: true };
  // A fresh Debian machine: install them, as .ci/run would.
  const failed = await installDebianPackages(["gcc-aarch64-linux-gnu", "qemu-system-arm"]);
  const missing = await missingTools();
  if (missing.length === 0) return { ok: true };
  return {
    ok: false,
    message: `not installed: ${missing.join(", ")}; ${
      failed ?? "install them with `apt-get install -y --no-install-recommends " +
          "gcc-aarch64-linux-gnu qemu-system-arm`"
    } (.ci/run does this when they are absent)`,
  };
}

/** Writes files into a new temporary directory and returns it. */
export async function writeFiles(files: Readonly<Record<string, string>>): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "setway-export-" });
  for (const [name, text] of Object.entries(files)) {
    await Deno.writeTextFile(`${dir}/${name}`, text);
  }
  return dir;
}

async function exec(
  argv: readonly string[],
  cwd: string,
  timeoutMs: number,
): Promise<{ code: number; out: string }> {
  const out = await new Deno.Command(argv[0], {
    args: argv.slice(1),
    cwd,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(timeoutMs),
  }).output();
  const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  return { code: out.code, out: text.replace(/\r\n/g, "\n") };
}

/** Builds `test.elf` in `dir`; throws with the compiler's output when it fails. */
export async function build(dir: string): Promise<void> {
  const r = await exec(buildCommand(), dir, 60_000);
  if (r.code !== 0) throw new Error(`build failed in ${dir} (exit ${r.code}):\n${r.out}`);
}

/** Boots `test.elf` in `dir` with `argv` (the export's `run`); returns the UART output. */
export async function boot(dir: string, argv: readonly string[]): Promise<string> {
  try {
    const r = await exec(argv, dir, 30_000);
    if (r.code !== 0) throw new Error(`${argv[0]} exited with ${r.code}:\n${r.out}`);
    return r.out;
  } catch (e) {
    if (e instanceof DOMException && e.name === "TimeoutError") {
      throw new Error(`${argv.join(" ")} did not power off within 30 s (test hung)`);
    }
    throw e;
  }
}
