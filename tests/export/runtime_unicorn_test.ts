// The exported test program as a whole, from _start to PSCI SYSTEM_OFF, built
// as a user builds it and run under Unicorn on one CPU. QEMU's TCG has no
// caches and ignores memory attributes, so booting there cannot tell a
// program that cleans the wrong lines, maps the scenario's data with the wrong
// attributes or writes the wrong system register from a correct one. Here
// every system-register access, DC, TLBI and HVC is trapped: reads are
// answered from a small model of the registers, and writes, DC operands and
// PSCI calls are recorded in order, with the UART's output, so the test sees
// what the program asks of the hardware, step by step.
//
// Expected values come from the ARMv8-A ARM (DDI 0487): the stage-1 block
// descriptor, MAIR_EL1's attribute encodings, TCR_EL1's T0SZ, EPD1 and
// IPS fields, SCTLR_EL1's M, C and I bits; and from PSCI (DEN 0022)
// SYSTEM_OFF's function id.
import assert from "node:assert/strict";
import { Unicorn } from "../../lib/binary/unicorn.ts";
import type { Scenario } from "../../lib/engine/scenario.ts";
import { vm } from "../../lib/dsl/vm.ts";
import type { Step } from "../../lib/guest/ops.ts";
import { exportBaremetal } from "../../lib/export/mod.ts";
import { binaryTools, exec } from "../binary/tools.ts";
import { build, toolchain, writeFiles } from "./helpers.ts";

const tools = await toolchain();
const emulator = tools.ok ? await binaryTools() : tools;

/** A system register's op0:op1:CRn:CRm:op2, as MRS and MSR encode it in bits [20:5]. */
const sysreg = (op0: number, op1: number, crn: number, crm: number, op2: number) =>
  (op0 << 14) | (op1 << 11) | (crn << 7) | (crm << 3) | op2;

/** The system registers the program may touch, by encoding. */
const REGS: Readonly<Record<number, string>> = {
  [sysreg(3, 0, 1, 0, 0)]: "sctlr_el1",
  [sysreg(3, 0, 1, 0, 2)]: "cpacr_el1",
  [sysreg(3, 0, 2, 0, 0)]: "ttbr0_el1",
  [sysreg(3, 0, 2, 0, 1)]: "ttbr1_el1",
  [sysreg(3, 0, 2, 0, 2)]: "tcr_el1",
  [sysreg(3, 0, 5, 1, 0)]: "afsr0_el1",
  [sysreg(3, 0, 5, 1, 1)]: "afsr1_el1",
  [sysreg(3, 0, 5, 2, 0)]: "esr_el1",
  [sysreg(3, 0, 6, 0, 0)]: "far_el1",
  [sysreg(3, 0, 4, 0, 1)]: "elr_el1",
  [sysreg(3, 0, 10, 2, 0)]: "mair_el1",
  [sysreg(3, 0, 10, 3, 0)]: "amair_el1",
  [sysreg(3, 0, 12, 0, 0)]: "vbar_el1",
  [sysreg(3, 0, 13, 0, 1)]: "contextidr_el1",
  [sysreg(3, 0, 4, 2, 2)]: "currentel",
  [sysreg(3, 0, 0, 7, 0)]: "id_aa64mmfr0_el1",
  [sysreg(3, 0, 0, 7, 2)]: "id_aa64mmfr2_el1",
  [sysreg(3, 1, 0, 0, 1)]: "clidr_el1",
  [sysreg(3, 1, 0, 0, 0)]: "ccsidr_el1",
  [sysreg(3, 2, 0, 0, 0)]: "csselr_el1",
  [sysreg(3, 3, 0, 0, 1)]: "ctr_el0",
  [sysreg(3, 3, 14, 0, 0)]: "cntfrq_el0",
  [sysreg(3, 3, 14, 0, 2)]: "cntvct_el0",
  [sysreg(1, 0, 8, 7, 0)]: "tlbi vmalle1",
  [sysreg(1, 0, 7, 10, 2)]: "dc csw",
  [sysreg(1, 0, 7, 14, 2)]: "dc cisw",
  [sysreg(1, 0, 7, 6, 2)]: "dc isw",
  [sysreg(1, 3, 7, 10, 1)]: "dc cvac",
  [sysreg(1, 3, 7, 14, 1)]: "dc civac",
  [sysreg(1, 0, 7, 6, 1)]: "dc ivac",
  [sysreg(1, 3, 7, 11, 1)]: "dc cvau",
};

const HVC_0 = 0xd400_0002;
const WFI = 0xd503_207f;
const WFE = 0xd503_205f;
const PSCI_SYSTEM_OFF = 0x8400_0008n;

/** A trapped instruction of the program. */
type Trap = { kind: "mrs" | "msr" | "sys"; name: string; rt: number } | { kind: "hvc" } | {
  kind: "wait";
};

function decode(word: number): Trap | null {
  if (word === HVC_0) return { kind: "hvc" };
  if (word === WFI || word === WFE) return { kind: "wait" };
  const kind = word >>> 20 === 0xd53
    ? "mrs"
    : word >>> 20 === 0xd51
    ? "msr"
    : word >>> 19 === 0xd508 >>> 3
    ? "sys"
    : null;
  if (kind === null) return null;
  const enc = (word >>> 5) & 0xffff;
  // A word of data that looks like one is never executed; an unknown one that is fails the run.
  return { kind, name: REGS[enc] ?? `unknown 0x${word.toString(16)}`, rt: word & 31 };
}

/** The CPU's ID registers and reset values, as the run answers them. */
interface Cpu {
  /** ID_AA64MMFR0_EL1.PARange. */
  readonly paRange: number;
  /** SCTLR_EL1 when the program starts. */
  readonly sctlr: bigint;
  /** CONTEXTIDR_EL1 when the program starts. */
  readonly contextidr: bigint;
}

/** A Cortex-A57's: 44-bit physical addresses, SCTLR_EL1's reset value. */
const A57: Cpu = { paRange: 4, sctlr: 0x00c5_0838n, contextidr: 0x77n };

/**
 * CLIDR_EL1 and CCSIDR_EL1 of a small cache: L1 data and instruction, 4 sets
 * of 2 ways of 64 bytes; L2 unified, 8 sets of 4 ways; LoC 2.
 */
const CLIDR = (2n << 24n) | (4n << 3n) | 3n;
const CCSIDR = [(3n << 13n) | (1n << 3n) | 2n, (7n << 13n) | (3n << 3n) | 2n];

/** What the program did: what it printed, what it asked of the CPU, and its memory at the end. */
interface Run {
  /** The UART's output, line ends as sent (CR LF). */
  readonly raw: string;
  /** The UART's output with LF line ends. */
  readonly uart: string;
  /** `msr <reg> <hex>`, `dc <op> <hex>`, `tlbi vmalle1`, `hvc <hex>`, in program order. */
  readonly events: readonly string[];
  readonly symbols: Readonly<Record<string, number>>;
  /**
   * Stores into the program's blocks, from cpu_main on, that fall in none of
   * its variables: neither a sized object of .data or .bss nor this CPU's stack.
   */
  readonly strays: readonly string[];
  readonly uc: Unicorn;
}

/** The export of `scenario`, built; its image, where it loads, and its symbols. */
async function buildImage(
  scenario: Scenario,
): Promise<{
  image: Uint8Array;
  base: number;
  symbols: Record<string, number>;
  objects: [number, number][];
}> {
  const out = exportBaremetal(scenario, { name: "unicorn" });
  const dir = await writeFiles(out.files);
  try {
    await build(dir);
    await exec(["aarch64-linux-gnu-objcopy", "-O", "binary", "test.elf", "image"], dir);
    const nm = await exec(["aarch64-linux-gnu-nm", "-n", "-S", "test.elf"], dir);
    const symbols: Record<string, number> = {};
    const objects: [number, number][] = [];
    for (const line of nm.split("\n")) {
      const m = /^([0-9a-f]+) (?:([0-9a-f]+) )?(\w) (\w+)$/.exec(line.trim());
      if (m === null) continue;
      const at = parseInt(m[1], 16);
      symbols[m[4]] = at;
      if (m[2] !== undefined && "bBdD".includes(m[3])) objects.push([at, at + parseInt(m[2], 16)]);
    }
    const image = await Deno.readFile(`${dir}/image`);
    return { image, base: symbols.__program_start, symbols, objects };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const RAM = 0x4000_0000;
const UART = 0x0900_0000;
const GARBAGE = 0xa5;

/**
 * Runs the exported program of `scenario` from _start on one CPU until it
 * calls PSCI SYSTEM_OFF. Memory outside the loaded image starts as garbage,
 * as it may on real hardware after a warm reset.
 */
async function runProgram(scenario: Scenario, cpu: Cpu = A57): Promise<Run> {
  const { image, base, symbols, objects } = await buildImage(scenario);
  const end = symbols.__program_end;
  const uc = Unicorn.open("a64");
  uc.map(RAM, end - RAM);
  uc.write(RAM, new Uint8Array(end - RAM).fill(GARBAGE));
  uc.write(base, image);
  uc.map(UART, 0x1000);
  const words = new DataView(image.buffer, image.byteOffset, image.byteLength);
  const sites = new Map<number, Trap>();
  for (let at = 0; at + 4 <= symbols.__bss_start - base && at + 4 <= image.length; at += 4) {
    const t = decode(words.getUint32(at, true));
    if (t !== null) sites.set(base + at, t);
  }
  const regs = new Map<string, bigint>([
    ["sctlr_el1", cpu.sctlr],
    ["contextidr_el1", cpu.contextidr],
    ["csselr_el1", 0n],
    ["currentel", 1n << 2n],
    ["id_aa64mmfr0_el1", BigInt(cpu.paRange)],
    ["id_aa64mmfr2_el1", 0n],
    ["clidr_el1", CLIDR],
    ["ctr_el0", 4n << 16n],
    ["cntfrq_el0", 1n],
  ]);
  let ticks = 0n;
  const events: string[] = [];
  let uart = "";
  uc.onMemory((a) => {
    if (a.write && a.addr === UART) uart += String.fromCharCode(Number(a.value & 0xffn));
  }, [UART, UART + 0xfff]);
  const strays: string[] = [];
  let started = false;
  uc.onCode(() => started = true, [symbols.cpu_main]);
  uc.onMemory((a) => {
    if (!started || !a.write || objects.some(([from, to]) => a.addr >= from && a.addr < to)) {
      return;
    }
    strays.push(`${a.size} bytes at 0x${a.addr.toString(16)}`);
  }, [base, end - 1]);
  let off = false;
  uc.onCode((addr) => {
    const t = sites.get(addr)!;
    if ("name" in t && t.name.startsWith("unknown")) throw new Error(`the program runs ${t.name}`);
    if (t.kind === "hvc") {
      const fid = uc.reg64(0);
      events.push(`hvc 0x${fid.toString(16)}`);
      if (fid === PSCI_SYSTEM_OFF) {
        off = true;
        uc.stop();
        return;
      }
      uc.setReg(0, -1n); // NOT_SUPPORTED
    } else if (t.kind === "wait") {
      // Nothing else runs: waiting for an event would wait for ever.
      uc.stop();
      return;
    } else if (t.kind === "mrs") {
      const v = t.name === "cntvct_el0"
        ? ++ticks
        : t.name === "ccsidr_el1"
        ? CCSIDR[Number(regs.get("csselr_el1")! >> 1n)] ?? 0n
        : regs.get(t.name);
      if (v === undefined) throw new Error(`the program reads ${t.name}`);
      if (t.rt !== 31) uc.setReg(t.rt, v);
    } else {
      const v = t.rt === 31 ? 0n : uc.reg64(t.rt);
      if (t.kind === "msr") regs.set(t.name, v);
      events.push(t.name.startsWith("tlbi") ? t.name : `${t.name} 0x${v.toString(16)}`);
    }
    uc.setReg("pc", addr + 4);
  }, [...sites.keys()]);
  try {
    uc.start(symbols._start, 0, 20_000_000);
  } catch (e) {
    uc.close();
    throw e;
  }
  if (!off) {
    uc.close();
    throw new Error(`the program did not power off; it printed:\n${uart}`);
  }
  return { raw: uart, uart: uart.replace(/\r\n/g, "\n"), events, symbols, strays, uc };
}

/** Runs `steps` on a one-vCPU machine and hands the run to `check`, then frees it. */
async function withRun(
  steps: readonly Step[],
  check: (run: Run) => void,
  cpu: Cpu = A57,
): Promise<void> {
  if (!tools.ok) assert.fail(tools.message);
  if (!emulator.ok) assert.fail(emulator.message);
  const run = await runProgram(vm().guest((g) => g.append(steps)).toJSON(), cpu);
  try {
    check(run);
  } finally {
    run.uc.close();
  }
}

/** The events strictly between the event `from` and the next event `to` after it. */
function between(events: readonly string[], from: string, to: string): string[] {
  const a = events.indexOf(from);
  const b = events.indexOf(to, a + 1);
  assert.ok(a >= 0 && b > a, `${from} then ${to} in ${events.join("\n")}`);
  return events.slice(a + 1, b);
}

/** A marker step: a CONTEXTIDR write of `n`, which the program performs as one MSR. */
const mark = (n: number): Step => ({ kind: "vm_reg", vcpu: 0, reg: "CONTEXTIDR", value: n });
/** The event a marker step of `n` records. */
const marker = (n: number) => `contextidr_el1 0x${n.toString(16)}`;

const A = 0x4000_8000;
const B = 0x4001_0044;

Deno.test("export runtime: from _start on garbage memory the program clears its .bss, stores only to its own variables and stack, and passes", async () => {
  await withRun([
    { kind: "write", vcpu: 0, addr: A, value: 0x1234_5678 },
    { kind: "read", vcpu: 0, addr: A },
    { kind: "read", vcpu: 0, addr: B },
  ], (run) => {
    assert.deepEqual(run.uart.split("\n").filter((l) => l !== ""), [
      "setway bare-metal test: unicorn",
      "read  steps[1] 0x0000000040008000 = 0x12345678 ok",
      "read  steps[2] 0x0000000040010044 = 0x00000000 ok",
      "PASS: 2 reads, 0 stale, 0 notes",
    ]);
    assert.equal(run.events.at(-1), `hvc 0x${PSCI_SYSTEM_OFF.toString(16)}`);
    // Its stack is cpu_stacks[0], from the top down: every store is to one of its variables.
    assert.deepEqual(run.strays, []);
  });
});

Deno.test("export runtime: each preloaded word is cleaned and invalidated before and after it is written", async () => {
  await withRun([
    { kind: "host_write", addr: B, value: 0xcafe },
    mark(1),
    { kind: "read", vcpu: 0, addr: A },
    { kind: "read", vcpu: 0, addr: B },
  ], (run) => {
    const start = run.events.indexOf("tlbi vmalle1");
    const preload = run.events.slice(start + 1, run.events.indexOf(marker(1)));
    assert.deepEqual(preload, [
      "dc civac 0x40008000",
      "dc civac 0x40008000",
      "dc civac 0x40010040",
      "dc civac 0x40010040",
    ]);
    assert.match(run.uart, /read {2}steps\[3\] 0x0000000040010044 = 0x0000cafe ok/);
  });
});

Deno.test("export runtime: a DC by VA step covers every line of [addr, addr + len) with its own operation", async () => {
  await withRun([
    mark(1),
    { kind: "dc_va", vcpu: 0, op: "cvac", addr: A + 0x20, len: 0x80 },
    mark(2),
    { kind: "dc_va", vcpu: 0, op: "civac", addr: B, len: 4 },
    mark(3),
    { kind: "dc_va", vcpu: 0, op: "ivac", addr: A, len: 64 },
    mark(4),
    { kind: "dc_va", vcpu: 0, op: "cvau", addr: A + 0x3c, len: 8 },
    mark(5),
  ], (run) => {
    assert.deepEqual(between(run.events, marker(1), marker(2)), [
      "dc cvac 0x40008000",
      "dc cvac 0x40008040",
      "dc cvac 0x40008080",
    ]);
    assert.deepEqual(between(run.events, marker(2), marker(3)), ["dc civac 0x40010040"]);
    assert.deepEqual(between(run.events, marker(3), marker(4)), ["dc ivac 0x40008000"]);
    assert.deepEqual(between(run.events, marker(4), marker(5)), [
      "dc cvau 0x40008000",
      "dc cvau 0x40008040",
    ]);
  });
});

/** Every (set, way) operand of the small cache's walk, level 1 then level 2, for `op`. */
function walk(op: string): string[] {
  const out: string[] = [];
  for (const [level, sets, ways, wayShift] of [[0, 4, 2, 31], [1, 8, 4, 30]]) {
    for (let set = sets - 1; set >= 0; set--) {
      for (let way = ways - 1; way >= 0; way--) {
        const v = (BigInt(way) << BigInt(wayShift)) | (BigInt(set) << 6n) | BigInt(level << 1);
        out.push(`dc ${op} 0x${v.toString(16)}`);
      }
    }
  }
  return out;
}

Deno.test("export runtime: a set/way walk step walks every level with the step's own operation", async () => {
  await withRun([
    mark(1),
    { kind: "sw_walk", vcpu: 0, op: "csw" },
    mark(2),
    { kind: "sw_walk", vcpu: 0, op: "cisw" },
    mark(3),
    { kind: "sw_walk", vcpu: 0, op: "isw" },
    mark(4),
  ], (run) => {
    const ops = (from: number) =>
      between(run.events, marker(from), marker(from + 1)).filter((e) => e.startsWith("dc "));
    assert.deepEqual(ops(1), walk("csw"));
    assert.deepEqual(ops(2), walk("cisw"));
    assert.deepEqual(ops(3), walk("isw"));
  });
});

Deno.test("export runtime: a single set/way step issues its operation on its slot; a slot beyond the cache is noted", async () => {
  await withRun([
    mark(1),
    { kind: "sw", vcpu: 0, op: "cisw", level: 2, set: 5, way: 3 },
    mark(2),
    { kind: "sw", vcpu: 0, op: "csw", level: 1, set: 6, way: 1 },
    mark(3),
    { kind: "sw", vcpu: 0, op: "isw", level: 1, set: 1, way: 0 },
    mark(4),
  ], (run) => {
    const ops = (from: number) =>
      between(run.events, marker(from), marker(from + 1)).filter((e) => e.startsWith("dc "));
    assert.deepEqual(ops(1), ["dc cisw 0xc0000142"]);
    assert.deepEqual(ops(2), ["dc csw 0x80000080"]);
    assert.deepEqual(ops(3), ["dc isw 0x40"]);
    const notes = run.uart.split("\n").filter((l) => l.startsWith("note"));
    assert.deepEqual(notes, [
      "note  steps[3] set/way level 1: set or way beyond this CPU's cache, taken modulo its geometry",
    ]);
    assert.match(run.uart, /PASS: 0 reads, 0 stale, 1 notes\n$/);
  });
});

const SCTLR_M = 1n << 0n;
const SCTLR_C = 1n << 2n;
const SCTLR_I = 1n << 12n;

Deno.test("export runtime: SCTLR steps set and clear only their own bits of SCTLR_EL1", async () => {
  await withRun([
    { kind: "sctlr", vcpu: 0, bits: { m: true, c: true, i: true } },
    { kind: "write", vcpu: 0, addr: A, value: 1 },
    { kind: "sctlr", vcpu: 0, bits: { m: false, c: false } },
    { kind: "read", vcpu: 0, addr: A },
  ], (run) => {
    const writes = run.events.filter((e) => e.startsWith("sctlr_el1 "));
    const on = A57.sctlr | SCTLR_M | SCTLR_C | SCTLR_I;
    const off = on & ~(SCTLR_M | SCTLR_C);
    assert.deepEqual(writes, [`sctlr_el1 0x${on.toString(16)}`, `sctlr_el1 0x${off.toString(16)}`]);
  });
});

Deno.test("export runtime: each virtual-memory register step writes its own register", async () => {
  const regs: [Step & { kind: "vm_reg" }, string][] = [
    [{ kind: "vm_reg", vcpu: 0, reg: "ESR", value: 0x11 }, "esr_el1 0x11"],
    [{ kind: "vm_reg", vcpu: 0, reg: "FAR", value: 0x22 }, "far_el1 0x22"],
    [{ kind: "vm_reg", vcpu: 0, reg: "AFSR0", value: 0x33 }, "afsr0_el1 0x33"],
    [{ kind: "vm_reg", vcpu: 0, reg: "AFSR1", value: 0x44 }, "afsr1_el1 0x44"],
    [{ kind: "vm_reg", vcpu: 0, reg: "AMAIR0", value: 0x55 }, "amair_el1 0x0"],
    [{ kind: "vm_reg", vcpu: 0, reg: "TTBR1", value: 0x66 }, "ttbr1_el1 0x0"],
    // DACR has no AArch64 counterpart: CONTEXTIDR_EL1 is rewritten with what it holds.
    [{ kind: "vm_reg", vcpu: 0, reg: "DACR", value: 0x88 }, marker(0x99)],
  ];
  await withRun([mark(0x99), ...regs.map(([s]) => s), mark(0x100)], (run) => {
    const got = between(run.events, marker(0x99), marker(0x100));
    assert.deepEqual(got, regs.map(([, e]) => e));
  });
});

/** MAIR_EL1 as the program sets it: Attr0 Device-nGnRnE, Attr1 Write-Back, Attr2 Non-cacheable. */
const MAIR = 0x44ff00n;

/** TCR_EL1 as the program sets it for a CPU whose PARange is `ips`. */
const tcr = (ips: number) => 25n | (25n << 16n) | (1n << 23n) | (BigInt(ips) << 32n);

Deno.test("export runtime: the translation registers are loaded with the identity map's values, and keep them", async () => {
  for (const [paRange, ips] of [[4, 4], [2, 2], [6, 5]]) {
    await withRun([
      mark(1),
      { kind: "vm_reg", vcpu: 0, reg: "TTBR0", value: 0x4000_4000 },
      { kind: "vm_reg", vcpu: 0, reg: "TCR", value: 0 },
      { kind: "vm_reg", vcpu: 0, reg: "MAIR0", value: 0xeeaa_4400 },
      mark(2),
    ], (run) => {
      const l1 = `ttbr0_el1 0x${run.symbols.l1_table.toString(16)}`;
      const load = run.events.slice(0, run.events.indexOf("tlbi vmalle1"));
      assert.deepEqual(load.slice(-3), [
        `mair_el1 0x${MAIR.toString(16)}`,
        `tcr_el1 0x${tcr(ips).toString(16)}`,
        l1,
      ]);
      assert.deepEqual(between(run.events, marker(1), marker(2)), [
        l1,
        `tcr_el1 0x${tcr(ips).toString(16)}`,
        `mair_el1 0x${MAIR.toString(16)}`,
      ]);
    }, { ...A57, paRange });
  }
});

// Stage-1 block descriptor fields.
const BLOCK = 1n;
const TABLE = 3n;
const attr = (i: number) => BigInt(i) << 2n;
const SH_INNER = 3n << 8n;
const AF = 1n << 10n;
const PXN = 1n << 53n;
const UXN = 1n << 54n;

Deno.test("export runtime: the tables map devices, the program Non-cacheable and the scenario's data Write-Back", async () => {
  await withRun([
    { kind: "write", vcpu: 0, addr: A, value: 1 },
    { kind: "read", vcpu: 0, addr: A },
  ], (run) => {
    const word = (addr: number) => new DataView(run.uc.read(addr, 8).buffer).getBigUint64(0, true);
    const l1 = run.symbols.l1_table;
    const l2 = run.symbols.l2_tables;
    assert.equal(word(l1), BLOCK | attr(0) | AF | PXN | UXN, "0 to 1 GiB: Device-nGnRnE");
    assert.equal(word(l1 + 8), BigInt(l2) | TABLE);
    const start = run.symbols.__program_start;
    const end = run.symbols.__program_end;
    for (let i = 0; i < 512; i++) {
      const pa = RAM + i * 0x20_0000;
      const want = pa >= start && pa < end
        ? BigInt(pa) | BLOCK | attr(2) | SH_INNER | AF
        : BigInt(pa) | BLOCK | attr(1) | SH_INNER | AF | PXN | UXN;
      assert.equal(word(l2 + 8 * i), want, `block ${i} at 0x${pa.toString(16)}`);
    }
  });
});

Deno.test("export runtime: every line the UART prints ends in CR LF, as a serial terminal needs", async () => {
  await withRun([
    { kind: "write", vcpu: 0, addr: A, value: 7 },
    { kind: "read", vcpu: 0, addr: A },
  ], (run) => {
    const lines = run.raw.split("\n");
    assert.equal(lines.pop(), "");
    assert.equal(lines.length, 3, run.raw);
    for (const line of lines) assert.ok(line.endsWith("\r") && !line.slice(0, -1).includes("\r"));
  });
});

Deno.test("export runtime: a level without a data cache is noted as skipped; after eight notes the rest are only counted", async () => {
  const beyond: Step = { kind: "sw", vcpu: 0, op: "csw", level: 1, set: 0, way: 5 };
  await withRun([
    { kind: "sw", vcpu: 0, op: "csw", level: 3, set: 0, way: 0 },
    ...Array.from({ length: 9 }, () => beyond),
  ], (run) => {
    const modulo = ": set or way beyond this CPU's cache, taken modulo its geometry";
    assert.deepEqual(run.uart.split("\n").slice(1), [
      "note  steps[0] set/way level 3: no data cache at this level, skipped",
      ...[1, 2, 3, 4, 5, 6, 7].map((i) => `note  steps[${i}] set/way level 1${modulo}`),
      "note  further notes are counted, not shown",
      "PASS: 0 reads, 0 stale, 10 notes",
      "",
    ]);
    // The level-3 step issues nothing; each other one issues its DC, way 5 taken modulo 2.
    assert.deepEqual(
      run.events.filter((e) => e.startsWith("dc csw")),
      Array.from({ length: 9 }, () => "dc csw 0x80000000"),
    );
  });
  // Exactly eight notes: all shown, and no line saying more were counted.
  await withRun(Array.from({ length: 8 }, () => beyond), (run) => {
    const notes = run.uart.split("\n").filter((l) => l.startsWith("note"));
    assert.equal(notes.length, 8);
    assert.ok(notes.every((l) => l.endsWith("taken modulo its geometry")), run.uart);
    assert.match(run.uart, /PASS: 0 reads, 0 stale, 8 notes\n$/);
  });
});
