/**
 * Test support for guest binaries: makes sure the Unicorn library and the
 * ARM binutils are installed (installing them on a fresh Debian machine, as
 * `.ci/run` does), assembles, links and disassembles small programs, and
 * records them in exact mode until their `done` label.
 *
 * @module
 */

import { unicornAvailable } from "../../lib/binary/unicorn.ts";
import type { Isa } from "../../lib/binary/unicorn.ts";
import { type BinaryOptions, binarySteps, type BinaryTrace } from "../../lib/binary/trace.ts";
import { commandRuns } from "../support/command.ts";
import { installDebianPackages } from "../support/debian.ts";

/** The binutils prefix of each instruction set. */
export const BINUTILS: Readonly<Record<Isa, string>> = {
  a32: "arm-linux-gnueabihf",
  a64: "aarch64-linux-gnu",
};

const PACKAGES = ["libunicorn2", "binutils-arm-linux-gnueabihf", "binutils-aarch64-linux-gnu"];

async function missing(): Promise<string[]> {
  const out: string[] = [];
  if (!unicornAvailable()) out.push("libunicorn2 (the Unicorn CPU emulator library)");
  for (const prefix of Object.values(BINUTILS)) {
    if (!(await commandRuns(`${prefix}-as`))) out.push(`${prefix}-as (Debian: binutils-${prefix})`);
  }
  return out;
}

/** Whether the tools are there, with what to do when not. */
export type Tools = { ok: true } | { ok: false; message: string };

/**
 * Checks for libunicorn2 and the binutils, installing them when absent.
 *
 * @returns ok, or a message naming what is missing and the command that installs it
 */
export async function binaryTools(): Promise<Tools> {
  if ((await missing()).length === 0) return { ok: true };
  const failed = await installDebianPackages(PACKAGES);
  const still = await missing();
  if (still.length === 0) return { ok: true };
  return {
    ok: false,
    message: `not installed: ${still.join(", ")}; ${
      failed ?? `install them with \`apt-get install -y ${PACKAGES.join(" ")}\``
    } (.ci/run does this when they are absent)`,
  };
}

/** An assembled program. */
export interface Assembled {
  /** The flat binary, linked at `load`. */
  readonly bytes: Uint8Array;
  /** Every label's address. */
  readonly symbols: Readonly<Record<string, number>>;
  /** `objdump -d` of it. */
  readonly listing: string;
}

/**
 * Runs a tool (the binutils, the compiler) in `cwd` and returns its standard
 * output; throws with both streams when it fails.
 *
 * @example Usage
 * ```ts ignore
 * import { exec } from "./tools.ts";
 * const nm = await exec(["aarch64-linux-gnu-nm", "p.elf"], "/tmp/build");
 * ```
 * @param argv the program and its arguments
 * @param cwd the working directory
 * @returns its standard output
 */
export async function exec(argv: string[], cwd: string): Promise<string> {
  const out = await new Deno.Command(argv[0], {
    args: argv.slice(1),
    cwd,
    stdout: "piped",
    stderr: "piped",
  })
    .output();
  const dec = new TextDecoder();
  if (!out.success) {
    throw new Error(
      `${argv.join(" ")} failed:\n${dec.decode(out.stdout)}${dec.decode(out.stderr)}`,
    );
  }
  return dec.decode(out.stdout);
}

/**
 * Assembles `source` with GNU as, links it at `load` with GNU ld, and
 * returns the flat binary, its labels and its disassembly.
 *
 * @param isa the instruction set
 * @param source the assembly text
 * @param load the address the code is linked at
 * @returns the program
 */
export async function assemble(isa: Isa, source: string, load: number): Promise<Assembled> {
  const p = BINUTILS[isa];
  const dir = await Deno.makeTempDir({ prefix: "setway-binary-" });
  try {
    await Deno.writeTextFile(`${dir}/p.s`, source);
    await exec([`${p}-as`, "-o", "p.o", "p.s"], dir);
    await exec([
      `${p}-ld`,
      "-Ttext",
      `0x${load.toString(16)}`,
      "-e",
      `0x${load.toString(16)}`,
      "-o",
      "p.elf",
      "p.o",
    ], dir);
    await exec([`${p}-objcopy`, "-O", "binary", "p.elf", "p.bin"], dir);
    const listing = await exec([`${p}-objdump`, "-d", "p.elf"], dir);
    const nm = await exec([`${p}-nm`, "p.elf"], dir);
    const symbols: Record<string, number> = {};
    for (const line of nm.split("\n")) {
      const m = /^([0-9a-f]+) [tT] (\w+)$/.exec(line.trim());
      if (m !== null) symbols[m[2]] = parseInt(m[1], 16);
    }
    return { bytes: await Deno.readFile(`${dir}/p.bin`), symbols, listing };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/**
 * Disassembles 32-bit instruction words with objdump, one line per word.
 *
 * @param isa the instruction set
 * @param words the instruction words
 * @returns objdump's text of each word (mnemonic and operands), in order
 */
export async function disassemble(isa: Isa, words: readonly number[]): Promise<string[]> {
  const p = BINUTILS[isa];
  const dir = await Deno.makeTempDir({ prefix: "setway-binary-" });
  try {
    const bytes = new Uint8Array(words.length * 4);
    const view = new DataView(bytes.buffer);
    words.forEach((w, i) => view.setUint32(i * 4, w >>> 0, true));
    await Deno.writeFile(`${dir}/w.bin`, bytes);
    const machine = isa === "a32" ? "arm" : "aarch64";
    const text = await exec([`${p}-objdump`, "-D", "-b", "binary", "-m", machine, "w.bin"], dir);
    const out: string[] = new Array(words.length).fill("");
    for (const line of text.split("\n")) {
      const m = /^\s*([0-9a-f]+):\s+[0-9a-f]{8}\s+(.*)$/.exec(line);
      if (m !== null) {
        out[parseInt(m[1], 16) / 4] = m[2].replace(/\s*[@;/].*$/, "").replace(/\s+/g, " ").trim();
      }
    }
    return out;
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/**
 * Disassembles 32-bit T32 instructions with `objdump -M force-thumb`, one
 * line per instruction. Each is given as its two halfwords joined, the
 * first in bits [31:16], and must be a 32-bit encoding (first halfword's
 * top five bits 0b11101, 0b11110 or 0b11111).
 *
 * @param insns the instructions
 * @returns objdump's text of each (mnemonic and operands), in order
 */
export async function disassembleThumb(insns: readonly number[]): Promise<string[]> {
  const dir = await Deno.makeTempDir({ prefix: "setway-binary-" });
  try {
    const bytes = new Uint8Array(insns.length * 4);
    const view = new DataView(bytes.buffer);
    insns.forEach((w, i) => {
      view.setUint16(i * 4, w >>> 16, true);
      view.setUint16(i * 4 + 2, w & 0xffff, true);
    });
    await Deno.writeFile(`${dir}/w.bin`, bytes);
    const text = await exec([
      `${BINUTILS.a32}-objdump`,
      "-D",
      "-b",
      "binary",
      "-m",
      "arm",
      "-M",
      "force-thumb",
      "w.bin",
    ], dir);
    const out: string[] = new Array(insns.length).fill("");
    for (const line of text.split("\n")) {
      const m = /^\s*([0-9a-f]+):\s+[0-9a-f]{4} [0-9a-f]{4}\s+(.*)$/.exec(line);
      if (m !== null && parseInt(m[1], 16) % 4 === 0) {
        out[parseInt(m[1], 16) / 4] = m[2].replace(/\s*[@;/].*$/, "").replace(/\s+/g, " ").trim();
      }
    }
    return out;
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** Where {@linkcode traceToDone} links and loads a program unless told otherwise. */
export const LOAD = 0x4000_0000;

/**
 * Assembles `source` at `options.load` (default {@linkcode LOAD}) and
 * records it, with the other `options`, until it reaches its `done` label.
 *
 * @param isa the instruction set
 * @param source the assembly text, with a `done` label
 * @param options the recording's other options
 * @returns the trace and the program's symbols
 */
export async function traceToDone(
  isa: Isa,
  source: string,
  options: Partial<Omit<BinaryOptions, "bytes" | "isa" | "until">> = {},
): Promise<{ trace: BinaryTrace; symbols: Readonly<Record<string, number>> }> {
  const load = options.load ?? LOAD;
  const p = await assemble(isa, source, load);
  const trace = binarySteps({
    ...options,
    bytes: p.bytes,
    isa,
    load,
    until: { pc: p.symbols.done },
  });
  return { trace, symbols: p.symbols };
}

/**
 * The steps of a trace other than the pc and execution-state ones.
 *
 * @param t the trace
 * @returns its reads, writes, maintenance and register steps
 */
export const accesses = (t: BinaryTrace): BinaryTrace["steps"] =>
  t.steps.filter((s) => s.kind !== "pc" && s.kind !== "exec_state");
