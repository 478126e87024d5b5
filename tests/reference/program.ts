/**
 * The random programs of the differential test, as plain data: a tiny
 * machine, a few vCPUs, and a short list of guest and host operations. The
 * same program is built with the public DSL (for the model), printed as a
 * DSL snippet (for a report), and run by the reference (tests/reference/vm.ts).
 *
 * @example Usage
 * ```ts
 * import { programSnippet, type Program } from "./program.ts";
 * const p: Program = {
 *   machine: "tiny", vcpus: 1, aarch32: [false],
 *   ops: [{ k: "sctlr", v: 0, bits: { m: true, c: true } }, { k: "sw", v: 0, op: "csw", level: 1, set: 0, way: 0 }],
 * };
 * console.log(programSnippet(p, "kvm-4.0"));
 * ```
 *
 * @module
 */

import fc from "fast-check";
import { type GuestBuilder, type Machine, type Scenario, vm } from "../../mod.ts";
import { type VmRegName } from "../../lib/api/guest.ts";

/** First guest physical address of RAM in every program (the DSL's default base). */
export const RAM_BASE = 0x4000_0000;
/** RAM of every program: small, so that a run allocates little. */
export const RAM_SIZE = 1 << 16;
/** Stage-2 page size. */
export const PAGE = 4096;
/** Cache line size of the tiny machines. */
export const LINE = 64;

/**
 * The machines programs run on: same tiny geometry, with and without stage-2
 * FWB, and as an ARMv7 host (`tiny-v7`: 32-bit arch/arm KVM, AArch32 guests
 * only).
 */
export type MachineKind = "tiny" | "tiny-fwb" | "tiny-v7";

/**
 * A tiny machine: four CPUs, a 256-byte 2-way L1D (2 sets) and a 512-byte
 * 2-way L2 (4 sets) per cluster, so that a whole set/way walk is 12
 * instructions; `tiny-fwb` gives it stage-2 FWB, `tiny-v7` makes it an
 * ARMv7 machine (no AArch64).
 *
 * @example Usage
 * ```ts
 * import { tinyMachine } from "./program.ts";
 * console.log(tinyMachine("tiny-fwb").features?.fwb); // true
 * ```
 * @param kind which of the three
 * @returns the machine description
 */
export function tinyMachine(kind: MachineKind): Machine {
  return {
    name: kind,
    description: "four CPUs, 256 B 2-way L1D, 512 B 2-way L2 (a 12-slot set/way walk)",
    clusters: [{ cpus: 4, l1d: { size: 256, ways: 2 }, l2: { size: 512, ways: 2 } }],
    systemCache: null,
    features: kind === "tiny-v7" ? { fwb: false, aarch64: false } : { fwb: kind === "tiny-fwb" },
  };
}

/** Physical CPUs of the tiny machines. */
export const PCPUS = 4;
/** Data-cache geometry of each level of a tiny machine's CPUs, level 1 first. */
export const GEOMETRY: readonly { readonly sets: number; readonly ways: number }[] = [
  { sets: 2, ways: 2 },
  { sets: 4, ways: 2 },
];

/** One operation of a program; `v` is the vCPU that runs it. */
export type Op =
  | { readonly k: "write"; readonly v: number; readonly addr: number; readonly value: number }
  | { readonly k: "read"; readonly v: number; readonly addr: number }
  | {
    readonly k: "dc";
    readonly v: number;
    readonly op: "cvac" | "civac" | "ivac" | "cvau";
    readonly addr: number;
    readonly len: number;
  }
  | {
    readonly k: "sw";
    readonly v: number;
    readonly op: "csw" | "cisw" | "isw";
    readonly level: number;
    readonly set: number;
    readonly way: number;
  }
  | { readonly k: "walk"; readonly v: number; readonly op: "csw" | "cisw" | "isw" }
  | {
    readonly k: "sctlr";
    readonly v: number;
    readonly bits: { readonly m?: boolean; readonly c?: boolean; readonly i?: boolean };
  }
  | { readonly k: "vmreg"; readonly v: number; readonly reg: VmRegName; readonly value: number }
  | { readonly k: "migrate"; readonly v: number; readonly pcpu: number }
  | {
    readonly k: "host_write";
    readonly addr: number;
    readonly value: number;
    readonly cpu?: number;
  }
  | { readonly k: "host_unmap"; readonly addr: number; readonly cpu?: number }
  | { readonly k: "pc"; readonly v: number; readonly addr: number }
  | { readonly k: "exec_state"; readonly v: number; readonly aarch32: boolean };

/**
 * The kernel a host runs: arm64 (arch/arm64/kvm) or 32-bit arch/arm KVM, on
 * a machine without AArch64.
 *
 * @example Usage
 * ```ts
 * import type { HostKernel } from "./program.ts";
 * const host: HostKernel = "arm";
 * ```
 */
export type HostKernel = "arm64" | "arm";

/**
 * The hardware a program runs on, as the reference needs it: what the tiny
 * machines are unless a program says otherwise.
 */
export interface ProgramHardware {
  /** Physical CPUs. */
  readonly pcpus: number;
  /** Per physical CPU: data-cache sets and ways of each architected level, level 1 first. */
  readonly geometry: readonly (readonly { readonly sets: number; readonly ways: number }[])[];
  /** Per physical CPU: the level 1 data cache line size, the step of a DC range. */
  readonly lineSize: readonly number[];
  /** Stage-2 FWB. */
  readonly fwb: boolean;
  /**
   * Every CPU sets CTR_EL0.IDC, or its CLIDR says no level needs cleaning to the PoU (LoUIS =
   * LoUU = 0), so the host's sanitised CTR_EL0 has IDC set (Linux's
   * read_cpuid_effective_cachetype on each CPU, then the lowest value over the CPUs).
   */
  readonly effectiveIdc: boolean;
  /** Every CPU sets CTR_EL0.DIC, so the host's sanitised CTR_EL0 has it (the lowest value). */
  readonly dic: boolean;
  /** The host kernel: arm64 KVM, or 32-bit arch/arm KVM on an ARMv7 machine. */
  readonly host: HostKernel;
  /** First guest physical address of RAM. */
  readonly ramBase: number;
  /** RAM size in bytes. */
  readonly ram: number;
}

/**
 * The hardware of a tiny machine.
 *
 * @example Usage
 * ```ts
 * import { tinyHardware } from "./program.ts";
 * console.log(tinyHardware("tiny").geometry[0].length); // 2: two levels on CPU 0
 * ```
 * @param kind which tiny machine
 * @returns its hardware
 */
export function tinyHardware(kind: MachineKind): ProgramHardware {
  return {
    pcpus: PCPUS,
    geometry: new Array(PCPUS).fill(GEOMETRY),
    lineSize: new Array(PCPUS).fill(LINE),
    fwb: kind === "tiny-fwb",
    effectiveIdc: false,
    dic: false,
    host: kind === "tiny-v7" ? "arm" : "arm64",
    ramBase: RAM_BASE,
    ram: RAM_SIZE,
  };
}

/** A program: the machine, the vCPUs (with each one's execution state), the operations. */
export interface Program {
  /** The machine's name: a tiny machine's ({@linkcode MachineKind}) unless `hardware` is given. */
  readonly machine: string;
  /** The hardware, when it is not the tiny machine's (programs taken from scenarios). */
  readonly hardware?: ProgramHardware;
  /** Number of vCPUs, 1 to 4. */
  readonly vcpus: number;
  /** Every page mapped and populated before the guest starts (`.prefault()`). */
  readonly prefault?: boolean;
  /** `aarch32[i]`: vCPU i runs its EL1 in AArch32. */
  readonly aarch32: readonly boolean[];
  /** The operations, in program order. */
  readonly ops: readonly Op[];
}

/** The VM registers random programs write (besides SCTLR). */
const VM_REGS: readonly VmRegName[] = ["TTBR0", "TTBR1", "TCR", "MAIR0", "CONTEXTIDR", "DACR"];

/** Word addresses: three pages, a few words per page (two in one line, one in another). */
const addrArb = fc.tuple(fc.integer({ min: 0, max: 2 }), fc.constantFrom(0, 4, 0x40, 0x800))
  .map(([page, off]) => RAM_BASE + page * PAGE + off);

const pageOf = (addr: number) => addr - (addr % PAGE);

function opArb(vcpus: number, outOfGeometry: boolean): fc.Arbitrary<Op> {
  const v = fc.integer({ min: 0, max: vcpus - 1 });
  const value = fc.integer({ min: 1, max: 0xffff });
  const swOp = fc.constantFrom("csw" as const, "cisw" as const, "isw" as const);
  const inGeometry = fc.integer({ min: 0, max: 1 }).chain((l) =>
    fc.record({
      level: fc.constant(l + 1),
      set: fc.integer({ min: 0, max: GEOMETRY[l].sets - 1 }),
      way: fc.integer({ min: 0, max: GEOMETRY[l].ways - 1 }),
    })
  );
  // Level 3 has no cache, set 5 and way 2 none at any level.
  const anySlot = fc.record({
    level: fc.integer({ min: 1, max: 3 }),
    set: fc.integer({ min: 0, max: 5 }),
    way: fc.integer({ min: 0, max: 2 }),
  });
  const slot = outOfGeometry
    ? fc.oneof({ weight: 3, arbitrary: inGeometry }, { weight: 1, arbitrary: anySlot })
    : inGeometry;
  const bit = fc.option(fc.boolean(), { nil: undefined });
  const cpu = fc.integer({ min: 0, max: PCPUS - 1 });
  return fc.oneof(
    {
      weight: 3,
      arbitrary: fc.record({ k: fc.constant("write" as const), v, addr: addrArb, value }),
    },
    { weight: 3, arbitrary: fc.record({ k: fc.constant("read" as const), v, addr: addrArb }) },
    {
      weight: 2,
      arbitrary: fc.record({
        k: fc.constant("dc" as const),
        v,
        op: fc.constantFrom("cvac" as const, "civac" as const, "ivac" as const, "cvau" as const),
        addr: addrArb,
        len: fc.constantFrom(4, 64, 128, PAGE + 64),
      }),
    },
    {
      weight: 3,
      arbitrary: fc.tuple(v, swOp, slot).map(([vv, op, s]) => ({
        k: "sw" as const,
        v: vv,
        op,
        ...s,
      })),
    },
    { weight: 2, arbitrary: fc.record({ k: fc.constant("walk" as const), v, op: swOp }) },
    {
      weight: 4,
      arbitrary: fc.tuple(v, bit, bit, bit).map(([vv, m, c, i]) => {
        const bits: { m?: boolean; c?: boolean; i?: boolean } = {};
        if (m !== undefined) bits.m = m;
        if (c !== undefined) bits.c = c;
        if (i !== undefined || (m === undefined && c === undefined)) bits.i = i ?? true;
        return { k: "sctlr" as const, v: vv, bits };
      }),
    },
    {
      weight: 2,
      arbitrary: fc.record({
        k: fc.constant("vmreg" as const),
        v,
        reg: fc.constantFrom(...VM_REGS),
        value,
      }),
    },
    {
      // Back to a loop's start: two walks at one PC.
      weight: 1,
      arbitrary: fc.record({
        k: fc.constant("pc" as const),
        v,
        addr: fc.constantFrom(RAM_BASE + 0x100, RAM_BASE + 0x200),
      }),
    },
    {
      weight: 2,
      arbitrary: fc.record({
        k: fc.constant("migrate" as const),
        v,
        pcpu: fc.integer({ min: 0, max: PCPUS - 1 }),
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({ k: fc.constant("host_write" as const), addr: addrArb, value, cpu }, {
        requiredKeys: ["k", "addr", "value"],
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record(
        { k: fc.constant("host_unmap" as const), addr: addrArb.map(pageOf), cpu },
        { requiredKeys: ["k", "addr"] },
      ),
    },
  );
}

/**
 * Random programs: 1 to 4 vCPUs (mostly 1 to 3), each AArch64 or
 * AArch32 (AArch32 only on `tiny-v7`), RAM prefaulted one time in eight, up to `maxOps` operations.
 * Unless `outOfGeometry` is false, a quarter of the single set/way
 * operations may name a slot the caches do not have (the kernel traps them
 * like any other: `access_dcsw` never decodes its operand).
 *
 * @example Usage
 * ```ts
 * import fc from "fast-check";
 * import { programArb } from "./program.ts";
 * const [p] = fc.sample(programArb({ machine: "tiny" }), { seed: 1, numRuns: 1 });
 * console.log(p.vcpus >= 1); // true
 * ```
 * @param options the machine, the largest program, and whether S/W operands may lie outside the caches
 * @returns the arbitrary
 */
export function programArb(
  options: { machine: MachineKind; maxOps?: number; outOfGeometry?: boolean },
): fc.Arbitrary<Program> {
  const maxOps = options.maxOps ?? 12;
  const vcpuCount = fc.oneof(
    { weight: 7, arbitrary: fc.integer({ min: 1, max: 3 }) },
    { weight: 1, arbitrary: fc.constant(PCPUS) },
  );
  return vcpuCount.chain((vcpus) =>
    fc.record({
      machine: fc.constant(options.machine),
      vcpus: fc.constant(vcpus),
      prefault: fc.integer({ min: 0, max: 7 }).map((n) => n === 0),
      // An ARMv7 host runs AArch32 guests only.
      aarch32: options.machine === "tiny-v7"
        ? fc.constant(new Array<boolean>(vcpus).fill(true))
        : fc.array(fc.boolean(), { minLength: vcpus, maxLength: vcpus }),
      ops: fc.array(opArb(vcpus, options.outOfGeometry ?? true), { maxLength: maxOps }),
    })
  );
}

function guestOp(g: GuestBuilder, op: Op): GuestBuilder {
  switch (op.k) {
    case "write":
      return g.write(op.addr, op.value);
    case "read":
      return g.read(op.addr);
    case "dc":
      return op.op === "cvac"
        ? g.dc_cvac(op.addr, op.len)
        : op.op === "civac"
        ? g.dc_civac(op.addr, op.len)
        : op.op === "ivac"
        ? g.dc_ivac(op.addr, op.len)
        : g.dc_cvau(op.addr, op.len);
    case "sw":
      return op.op === "csw"
        ? g.dc_csw(op.level, op.set, op.way)
        : op.op === "cisw"
        ? g.dc_cisw(op.level, op.set, op.way)
        : g.dc_isw(op.level, op.set, op.way);
    case "walk":
      return op.op === "csw"
        ? g.sw_clean()
        : op.op === "cisw"
        ? g.sw_clean_invalidate()
        : g.sw_invalidate();
    case "sctlr":
      return g.sctlr(op.bits);
    case "vmreg":
      return g.vmReg(op.reg, op.value);
    case "pc":
      return g.pc(op.addr);
    case "exec_state":
      return g.aarch32(op.aarch32);
    default:
      throw new Error(`not a guest op: ${op.k}`);
  }
}

/**
 * The program as a scenario, built with the public DSL under `policy`,
 * quiet hardware (no speculative fills, no castouts: every decision is then
 * a function of the program).
 *
 * @example Usage
 * ```ts
 * import { programScenario } from "./program.ts";
 * const s = programScenario({ machine: "tiny", vcpus: 1, aarch32: [true], ops: [] }, "xen");
 * console.log(s.steps); // [{ kind: "exec_state", vcpu: 0, aarch32: true }]
 * ```
 * @param program the program
 * @param policy a built-in policy name
 * @returns the scenario
 * @throws {ScenarioError} when the DSL refuses the program
 */
export function programScenario(program: Program, policy: string): Scenario {
  return vm().machine(tinyMachine(program.machine as MachineKind)).cpus(program.vcpus).ram(RAM_SIZE)
    .prefault(program.prefault === true).policy(policy).speculation("quiet")
    .guest((g0) => {
      let g = g0;
      program.aarch32.forEach((a, v) => {
        if (a) g = g.on(v, (h) => h.aarch32());
      });
      for (const op of program.ops) {
        if (op.k === "migrate") g = g.migrate(op.v, op.pcpu);
        else if (op.k === "host_write") g = g.host((h) => h.write(op.addr, op.value), hostAt(op));
        else if (op.k === "host_unmap") g = g.host((h) => h.unmap(op.addr), hostAt(op));
        else g = g.on(op.v, (h) => guestOp(h, op));
      }
      return g;
    }).toJSON();
}

const hex = (n: number) => `0x${n.toString(16)}`;

function hostAt(op: { readonly cpu?: number }): { cpu?: number } {
  return op.cpu === undefined ? {} : { cpu: op.cpu };
}

function hostSnippet(op: { readonly cpu?: number }): string {
  return op.cpu === undefined ? "" : `, { cpu: ${op.cpu} }`;
}

function opSnippet(op: Op): string {
  switch (op.k) {
    case "write":
      return `write(${hex(op.addr)}, ${hex(op.value)})`;
    case "read":
      return `read(${hex(op.addr)})`;
    case "dc":
      return `dc_${op.op}(${hex(op.addr)}, ${op.len})`;
    case "sw":
      return `dc_${op.op}(${op.level}, ${op.set}, ${op.way})`;
    case "walk":
      return op.op === "csw"
        ? "sw_clean()"
        : op.op === "cisw"
        ? "sw_clean_invalidate()"
        : "sw_invalidate()";
    case "sctlr":
      return `sctlr(${JSON.stringify(op.bits).replace(/"/g, "")})`;
    case "vmreg":
      return `vmReg("${op.reg}", ${hex(op.value)})`;
    case "migrate":
      return `migrate(${op.v}, ${op.pcpu})`;
    case "host_write":
      return `host((h) => h.write(${hex(op.addr)}, ${hex(op.value)})${hostSnippet(op)})`;
    case "host_unmap":
      return `host((h) => h.unmap(${hex(op.addr)})${hostSnippet(op)})`;
    case "pc":
      return `pc(${hex(op.addr)})`;
    case "exec_state":
      return `aarch32(${op.aarch32})`;
  }
}

/**
 * The program as a DSL snippet a reader can paste (with `tinyMachine` for
 * the machine): the repro of a disagreement.
 *
 * @example Usage
 * ```ts
 * import { programSnippet } from "./program.ts";
 * const s = programSnippet({ machine: "tiny", vcpus: 1, aarch32: [false], ops: [{ k: "read", v: 0, addr: 0x40000000 }] }, "kvm-4.0");
 * console.log(s.includes("g.on(0, (g) => g.read(0x40000000))")); // true
 * ```
 * @param program the program
 * @param policy the policy name
 * @returns one line of TypeScript
 */
export function programSnippet(program: Program, policy: string): string {
  const parts: string[] = [];
  program.aarch32.forEach((a, v) => {
    if (a) parts.push(`on(${v}, (g) => g.aarch32())`);
  });
  for (const op of program.ops) {
    const s = opSnippet(op);
    const onHost = op.k === "migrate" || op.k === "host_write" || op.k === "host_unmap";
    parts.push(onHost ? s : `on(${op.v}, (g) => g.${s})`);
  }
  return `vm().machine(tinyMachine("${program.machine}")).cpus(${program.vcpus}).ram(${RAM_SIZE})` +
    (program.prefault === true ? ".prefault()" : "") +
    `.policy("${policy}").guest((g) => g${parts.map((p) => `.${p}`).join("")})`;
}
