/**
 * Runs guest machine code (A32, with T32, or A64) under the Unicorn CPU emulator and
 * records what it does to memory and to the caches as setway guest steps:
 * the program a DSL user would have written for the same instructions.
 * `g.preset("binary", binary, { bytes, isa, load, ... })` appends them to a
 * guest, so every trap, event, cost and verdict is exactly a DSL step's.
 *
 * Per instruction, in execution order (a `pc` step first whenever the
 * instruction's address is not the PC the model's vCPU shows next, so every
 * event carries the guest's real PC):
 *
 * - a data store: one `write` step per 32-bit word it touches, with the
 *   word's new value (a byte or halfword store merges into the word's
 *   previous contents; an 8-byte store is two words, low first);
 * - a data load: one `read` step per word it touches, except a word of the
 *   loaded image the program has not written (code and literals: the VMM
 *   put them in guest RAM, coherent in DRAM, before the vCPU started);
 * - `DCISW`/`DCCSW`/`DCCISW`, `DC ISW/CSW/CISW`: one `sw` step, the operand
 *   decoded with the cache geometry the guest sees (`caches`);
 * - `DCIMVAC`/`DCCMVAC`/`DCCMVAU`/`DCCIMVAC`, `DC IVAC/CVAC/CVAU/CIVAC`: one
 *   `dc_va` step over the line holding the address;
 * - an SCTLR write: one `sctlr` step with its M, C and I bits; a write of
 *   TTBR0/1, TTBCR/TCR, DACR, PRRR/NMRR/MAIR, AMAIR, CONTEXTIDR or a fault
 *   register: one `vm_reg` step with the low 32 bits of the value.
 *
 * An A32 program starts with an `exec_state` step (EL1 in AArch32). The
 * register writes are not executed by the emulator (the PC moves past
 * them): its MMU stays off and addresses stay flat. A read of a register
 * the program wrote (`MRC`/`MRS` of SCTLR, TTBR0/1, TTBCR, DACR, ...)
 * returns the value it last wrote, as the model's vCPU holds it (its M, C
 * and I bits are the model's SCTLR; KVM's `access_vm_reg`,
 * arch/arm64/kvm/sys_regs.c, and Xen's `TVM_REG` handlers,
 * xen/arch/arm/vcpreg.c, write the whole value to the vCPU's register), so a
 * read-modify-write keeps the earlier write's bits; before any write, the
 * emulator's reset value (MMU and caches off, as the model's). Cache
 * maintenance is left to the emulator (a no-op: it has no caches).
 *
 * Thumb (T32) code: the A32 program may switch to Thumb state (`BX`); each
 * 4-byte instruction is decoded in the state CPSR.T gives (an instruction
 * at an address that is not 4-byte aligned is Thumb), code is scanned for
 * both encodings, and a run resumed in Thumb code starts in Thumb state.
 * The PC of a step is shown rounded down to a word (the model's PCs are
 * 4-byte aligned). Unicorn runs no hook for an instruction an IT block
 * skips, so a hooked T32 instruction executes. Simplified: a skipped
 * register write or read inside an IT block that is not its last
 * instruction loses the rest of the block's conditions (the emulator's IT
 * state is not kept when the PC is set).
 *
 * Reads: the emulator's memory holds what the program wrote, so by default
 * a read returns the value the program expects (the oracle's). `reads`
 * gives the values the first reads return instead: what setway's model
 * returned for them (stale or not), written into the emulator's memory
 * before the load, so the code runs on with what the hardware gave it (see
 * `runBinary`, which finds them).
 *
 * Bulk mode (`mode: "bulk"`), for phases such as a decompressor's that
 * run millions of instructions with caches on before any maintenance: until
 * the first cache-maintenance instruction, only the instructions setway
 * models are hooked (the image is scanned for them), not each instruction
 * or access. At each of them (a register write), and at the first
 * maintenance instruction, every word the code changed since the previous
 * one (found in the 4 KiB pages that differ from a snapshot of the
 * emulator's memory, which is mapped from a buffer of ours so no copy is
 * made) is entered as a `write` step of its current value, in address order,
 * at that instruction's PC: the caches receive those lines as the last
 * writes would have left them, dirty where caches were on, with the state
 * of SCTLR of that moment. From the first maintenance instruction on,
 * every instruction and access is hooked as in exact mode. Approximated:
 * the order of the bulk writes between two modelled instructions (which
 * lines a cache of limited size keeps is that of address order, not of
 * time), a word written twice counts once, and the bulk phase's reads are
 * not steps (they return the code's own values). Code the program writes
 * (a relocated copy of itself, an inflated kernel) is scanned at each
 * modelled instruction and, with `scanCode`, the first time code runs in
 * each page of `memory`, and its modelled instructions hooked from then
 * on; one in the very block that first ran in its page may run
 * unrecorded, and is listed in the trace's `missed`.
 *
 * Simplified: the translation regime is flat (virtual addresses are guest
 * physical addresses, whatever TTBR and SCTLR.M say); instruction fetches
 * and instruction-cache maintenance are not modelled; `MCRR`, `DC ZVA`
 * and exclusive-monitor effects are not decoded. Reads of CLIDR,
 * CCSIDR and CSSELR return what `caches` and `clidr` say, and of CTR what
 * `ctr` says (the other identification registers are the emulator
 * core's); they make no step: under a policy that sets HCR.TID2
 * (kvm-modern) they would trap, and here they do not.
 *
 * @example Usage
 * ```ts ignore
 * import { binarySteps } from "@setway/setway/binary";
 * // mov r0, #1; mcr p15, 0, r0, c1, c0, 0 (SCTLR: M); b .
 * const bytes = new Uint8Array([1, 0, 0xa0, 0xe3, 0x10, 0x0f, 0x01, 0xee, 0xfe, 0xff, 0xff, 0xea]);
 * const { steps } = binarySteps({ bytes, isa: "a32", load: 0x4000_8000, until: { pc: 0x4000_8008 } });
 * console.log(steps.map((s) => s.kind)); // ["exec_state", "pc", "sctlr"]
 * ```
 *
 * @module
 */

import { ScenarioError, showValue } from "../errors.ts";
import type { Step } from "../guest/ops.ts";
import {
  type CacheIdAccess,
  ccsidrOf,
  conditionPasses,
  decodeA32,
  decodeA64,
  decodeCacheIdA32,
  decodeCacheIdA64,
  decodeCacheIdT32,
  type Decoded,
  type DecodedRegRead,
  decodeRegReadA32,
  decodeRegReadA64,
  decodeRegReadT32,
  decodeT32,
  setWayOperand,
  t32Word,
} from "./decode.ts";
import { changedPages, PAGE } from "./pages.ts";
import { type Isa, type MemoryAccess, Unicorn } from "./unicorn.ts";

/** An instruction setway models: maintenance, a register write or read, a cache ID access. */
type Modelled = Decoded | DecodedRegRead | CacheIdAccess;

/** The geometry of one data-cache level as the guest sees it (CCSIDR). */
export interface CacheLevelView {
  /** Number of sets. */
  readonly sets: number;
  /** Associativity. */
  readonly ways: number;
  /** Line size in bytes. */
  readonly lineSize: number;
}

/** When a run stops. The first condition met wins. */
export interface BinaryUntil {
  /** Stop when the PC reaches this address (before running it). Default: none. */
  readonly pc?: number;
  /** Stop after this many instructions. Default 1,000,000. */
  readonly instructions?: number;
  /**
   * Bulk mode: the most instructions of the exact phase. Default
   * `instructions`.
   */
  readonly exactInstructions?: number;
  /**
   * Stop after an SCTLR write that turns the MMU on (M set), once it is
   * recorded, in exact mode or the exact phase of bulk mode (a kernel's own
   * MMU, mapping it at virtual addresses the flat regime of this emulation
   * does not follow). Default false.
   */
  readonly mmuOn?: boolean;
  /**
   * The most guest steps the run may record; more throws a
   * `budget_exceeded` ScenarioError. Default 100,000.
   */
  readonly steps?: number;
}

/**
 * A device or ROM region the code reaches outside guest RAM: mapped for the
 * emulator, its accesses are never steps (device memory, or a flash the
 * firmware runs from).
 */
export interface BinaryDevice {
  /** Its first address, 4 KiB aligned. */
  readonly base: number;
  /** Its size in bytes, a multiple of 4 KiB. */
  readonly size: number;
  /**
   * What a load of `size` bytes at `offset` returns (a register's value);
   * default: what the region holds (a ROM, or what the code stored).
   */
  readonly read?: (offset: number, size: number) => number;
  /** Called on each store, with the stored value. Default: nothing. */
  readonly write?: (offset: number, size: number, value: bigint) => void;
}

/** Options of {@linkcode binarySteps} and {@linkcode binary}. */
export interface BinaryOptions {
  /** The machine code, loaded at `load`. */
  readonly bytes: Uint8Array;
  /** The instruction set: `"a32"` (AArch32, starting in ARM state; Thumb code is followed) or `"a64"`. */
  readonly isa: Isa;
  /** The guest physical address the code is loaded at. */
  readonly load: number;
  /** The first instruction. Default `load`. */
  readonly entry?: number;
  /** General-purpose registers at entry, by number (`sp` and `lr` by name). Default all 0. */
  readonly regs?: Readonly<Record<string, number>>;
  /** When to stop. Default: 1,000,000 instructions, 100,000 steps. */
  readonly until?: BinaryUntil;
  /**
   * The guest memory the emulator maps, 4 KiB aligned. Default: 16 MiB from
   * `load` rounded down to 1 MiB.
   */
  readonly memory?: { readonly base: number; readonly size: number };
  /**
   * The data caches the guest sees, L1 first (null for a level without a
   * data cache): what its reads of CCSIDR return, and the geometry set/way
   * operands are decoded with. Default: the `generic` machine's (L1 128
   * sets × 4 ways, L2 1024 sets × 16 ways, 64-byte lines); `runBinary`
   * gives the VM's, as its policy shows it.
   */
  readonly caches?: readonly (CacheLevelView | null)[];
  /**
   * What the guest's reads of CLIDR return. Default: separate L1
   * instruction and data caches, unified levels below, LoC = the number of
   * `caches`, LoUU = LoUIS = 1.
   */
  readonly clidr?: number;
  /**
   * What the guest's reads of CTR (CTR_EL0) return. Default
   * {@linkcode ctrOf} of `caches`: the data line size a loop by address
   * steps by is the machine's, not the emulator core's.
   */
  readonly ctr?: number;
  /**
   * `"exact"` (default): every instruction and data access hooked. `"bulk"`:
   * only the modelled instructions are hooked until the first cache
   * maintenance instruction, exact from there on (see the module
   * documentation); `until.instructions` then bounds each phase (only the
   * exact one when `exactAt` is given).
   */
  readonly mode?: "exact" | "bulk";
  /**
   * Bulk mode: the PC where exact hooks take over (a kernel's entry, say).
   * Default: the first cache-maintenance instruction. When given, the bulk
   * phase runs through cache maintenance, recording it as steps (see the
   * module documentation).
   */
  readonly exactAt?: number;
  /**
   * Bulk mode: also scan each page of `memory` for modelled instructions the
   * first time code runs there (code copied and run before any modelled
   * instruction, such as a firmware's relocated copy). It costs a callback
   * per block of instructions run in `memory`. Default false.
   */
  readonly scanCode?: boolean;
  /**
   * Regions outside `memory` the code reaches: MMIO devices (a UART, say)
   * and ROM; `bytes` may be loaded into one (firmware at its reset address).
   * Default none.
   */
  readonly devices?: readonly BinaryDevice[];
  /**
   * More data in guest RAM before the code starts (a device tree the VMM
   * places), treated as the loaded image is: its words are no read steps
   * until the code writes them. Default none.
   */
  readonly images?: readonly { readonly addr: number; readonly bytes: Uint8Array }[];
  /**
   * Bulk mode: how the memory the code changed is found at each modelled
   * instruction. `"pages"` (default): the words of the 4 KiB pages that
   * differ from the last snapshot; `"words"`: every word of `memory`
   * compared (the reference, slower). Both give the same steps.
   */
  readonly bulkDiff?: "pages" | "words";
  /** The values the program's first reads return (see the module documentation). Default none. */
  readonly reads?: readonly number[];
  /** The vCPU that runs it. Default 0. */
  readonly vcpu?: number;
}

/** What a run recorded. */
export interface BinaryTrace {
  /** The guest steps, in execution order. */
  readonly steps: Step[];
  /** The value each `read` step's load returned to the program, in read order. */
  readonly readValues: number[];
  /** Instructions executed. */
  readonly instructions: number;
  /** How many of `steps` the bulk phase recorded (0 in exact mode). */
  readonly bulkSteps: number;
  /**
   * Bulk mode: addresses of modelled instructions in RAM found only once the
   * block holding them had been translated without a hook (see the module
   * documentation); they may have run unrecorded. Empty in exact mode.
   */
  readonly missed: readonly number[];
  /** The PC the run stopped at. */
  readonly pc: number;
}

/**
 * The CLIDR of a cache hierarchy: L1 separate instruction and data caches
 * (Ctype 3), unified levels below (Ctype 4), LoC the number of levels,
 * LoUU and LoUIS 1 (ARMv7-A ARM B4.1.20).
 *
 * @example Usage
 * ```ts
 * import { clidrOf, GENERIC_CACHES } from "@setway/setway/binary";
 * console.log(clidrOf(GENERIC_CACHES).toString(16)); // "a200023"
 * ```
 * @param caches the data caches, L1 first
 * @returns the register value
 */
export function clidrOf(caches: readonly (CacheLevelView | null)[]): number {
  let clidr = 0;
  caches.forEach((g, i) => {
    if (g !== null) clidr |= (i === 0 ? 3 : 4) << (3 * i);
  });
  return (clidr | (1 << 21) | (caches.length << 24) | (1 << 27)) >>> 0;
}

/**
 * The CTR (CTR_EL0) of a cache hierarchy (ARMv8-A ARM D13.2.34; ARMv7-A ARM
 * B4.1.42, whose format field, bits [31:29] = 0b100, it also is): DminLine
 * and IminLine, in bits [19:16] and [3:0], the log2 of the smallest line in
 * words; CWG and ERG, bits [27:24] and [23:20], that of the largest; L1Ip,
 * bits [15:14], PIPT; IDC and DIC, bits 28 and 29, as given. For 64-byte
 * lines and neither bit: 0x8444c004, the Cortex-A57's, A72's and Neoverse
 * N1's value. Simplified: no instruction cache is modelled, so its line is
 * the data line, and ERG (the exclusives reservation granule) follows the
 * line as on those cores.
 *
 * @example Usage
 * ```ts
 * import { ctrOf, GENERIC_CACHES } from "@setway/setway/binary";
 * console.log(ctrOf(GENERIC_CACHES).toString(16)); // "8444c004"
 * console.log(ctrOf([{ sets: 256, ways: 4, lineSize: 32 }]).toString(16)); // "8333c003"
 * ```
 * @param caches the data caches, L1 first
 * @param bits the core's IDC and DIC; default both clear
 * @returns the register value
 */
export function ctrOf(
  caches: readonly (CacheLevelView | null)[],
  bits: { readonly idc?: boolean; readonly dic?: boolean } = {},
): number {
  let smallest = Infinity, largest = 0;
  for (const g of caches) {
    if (g === null) continue;
    smallest = Math.min(smallest, g.lineSize);
    largest = Math.max(largest, g.lineSize);
  }
  if (largest === 0) smallest = largest = 64;
  const words = (bytes: number) => Math.log2(bytes / 4);
  return ((1 << 31) | (bits.dic ? 1 << 29 : 0) | (bits.idc ? 1 << 28 : 0) |
    (words(largest) << 24) | (words(largest) << 20) | (words(smallest) << 16) | (3 << 14) |
    words(smallest)) >>> 0;
}

/** The `generic` machine's caches as a guest reads them. */
export const GENERIC_CACHES: readonly CacheLevelView[] = Object.freeze([
  Object.freeze({ sets: 128, ways: 4, lineSize: 64 }),
  Object.freeze({ sets: 1024, ways: 16, lineSize: 64 }),
]);

const MiB = 1 << 20;
const U64_MAX = 0xffff_ffff_ffff_ffffn;

/**
 * Runs the code and records its steps (see the module documentation).
 *
 * @example Usage
 * ```ts ignore
 * import { binarySteps } from "@setway/setway/binary";
 * // mov r0, #7; str r0, [r1]; b .
 * const bytes = new Uint8Array([7, 0, 0xa0, 0xe3, 0, 0, 0x81, 0xe5, 0xfe, 0xff, 0xff, 0xea]);
 * const t = binarySteps({ bytes, isa: "a32", load: 0x4000_0000, regs: { 1: 0x4000_1000 }, until: { pc: 0x4000_0008 } });
 * console.log(t.steps[2]); // { kind: "write", vcpu: 0, addr: 0x40001000, value: 7 }
 * ```
 * @param options the code, where it runs, and when to stop
 * @returns the steps, the values the reads returned, and where it stopped
 * @throws {ScenarioError} `invalid_value` for bad options or when the emulator stops on an
 *   error (an undefined instruction, a fetch outside memory), `bad_address` for a data
 *   access outside `memory`, `budget_exceeded` past `until.steps`
 * @throws {UnicornMissingError} when libunicorn2 is not installed or FFI is not allowed
 */
export function binarySteps(options: BinaryOptions): BinaryTrace {
  checkOptions(options);
  const recorder = new Recorder(options);
  const uc = Unicorn.open(options.isa);
  try {
    return recorder.run(uc);
  } finally {
    uc.close();
  }
}

/**
 * {@linkcode binarySteps} as a guest preset:
 * `g.preset("binary", binary, { bytes, isa, load })`.
 *
 * @example Usage
 * ```ts ignore
 * import { vm } from "@setway/setway";
 * import { binary } from "@setway/setway/binary";
 * const code = Deno.readFileSync("clean.bin");
 * const result = vm().policy("kvm-4.0")
 *   .guest((g) => g.preset("binary", binary, { bytes: code, isa: "a64", load: 0x4000_0000 }))
 *   .run();
 * ```
 * @param options the code, where it runs, when to stop; `vcpu` is set by the builder
 * @returns the steps
 * @throws {ScenarioError} as {@linkcode binarySteps}
 */
export function binary(options: BinaryOptions): Step[] {
  return binarySteps(options).steps;
}

function checkOptions(o: BinaryOptions): void {
  if (!(o.bytes instanceof Uint8Array) || o.bytes.length === 0 || o.bytes.length % 4 !== 0) {
    throw new ScenarioError(
      "invalid_value",
      "binary",
      o.bytes,
      "binary(bytes): expected a non-empty Uint8Array of whole 4-byte instructions",
    );
  }
  if (o.isa !== "a32" && o.isa !== "a64") {
    throw new ScenarioError(
      "invalid_value",
      "binary",
      o.isa,
      `binary({ isa: ${showValue(o.isa)} }): expected "a32" or "a64"`,
    );
  }
  for (const [name, v] of [["load", o.load], ["entry", o.entry ?? o.load]] as const) {
    if (!Number.isInteger(v) || v < 0 || v % 4 !== 0 || v > 0xffff_ffff) {
      throw new ScenarioError(
        "invalid_value",
        "binary",
        v,
        `binary({ ${name}: ${showValue(v)} }): expected a 4-byte aligned 32-bit address`,
      );
    }
  }
}

/** Turns the emulator's hooks into steps. */
class Recorder {
  readonly #o: BinaryOptions;
  readonly #vcpu: number;
  readonly #caches: readonly (CacheLevelView | null)[];
  readonly #clidr: number;
  readonly #ctr: number;
  #csselr = 0;
  #pendingRead: { rt: number; value: number | bigint } | null = null;
  /**
   * The last value the program wrote to each register whose writes are
   * modelled, by encoding: what the vCPU's register holds (its M, C and I
   * bits are the model's), returned by the program's reads of it.
   */
  readonly #regValues = new Map<string, bigint>();
  /** Bulk mode: the memory as of the last modelled instruction. */
  #shadow: Uint8Array | null = null;
  /** Bulk mode: the guest memory, as the emulator changes it. */
  #live: Uint8Array | null = null;
  /** Bulk mode: the first cache-maintenance instruction, where exact hooks take over. */
  #switchAt: number | null = null;
  #exact = false;
  /** Bulk mode: the hook of the modelled instructions, and the addresses it covers. */
  #bulkHook: ((addr: number, size: number) => void) | null = null;
  /** Bulk mode: whether the first maintenance instruction is Thumb code. */
  #switchThumb = false;
  #hooked = new Set<number>();
  /** Bulk mode with `exactAt`: the last step, when it is a by-VA op that a next line may extend. */
  #lastVa: { pc: number; end: number } | null = null;
  /** Set when `until.mmuOn` stopped the run. */
  #stopped = false;
  #stopPc = 0;
  #bulkSteps = 0;
  /** Bulk mode: the pages of RAM scanned for modelled instructions when code first ran there. */
  readonly #scanned = new Set<number>();
  /** Bulk mode: modelled instructions in a block that ran before they were hooked. */
  readonly #missed: number[] = [];
  readonly #maxSteps: number;
  readonly #imageEnd: number;
  readonly steps: Step[] = [];
  readonly readValues: number[] = [];
  /** What the program last wrote to each word: its own view of memory. */
  readonly #written = new Map<number, number>();
  /** Each executed address's decoded instruction, until the program writes its word. */
  readonly #decoded = new Map<number, Modelled | null>();
  /** A32: executed addresses whose instruction is modelled in neither state, until written. */
  readonly #plain = new Set<number>();
  #mem = { base: 0, size: 0 };
  #pcShown = -1;
  #instructions = 0;
  #insnPc = 0;
  #uc: Unicorn | null = null;

  constructor(o: BinaryOptions) {
    this.#o = o;
    this.#vcpu = o.vcpu ?? 0;
    this.#caches = o.caches ?? GENERIC_CACHES;
    this.#clidr = o.clidr ?? clidrOf(this.#caches);
    this.#ctr = o.ctr ?? ctrOf(this.#caches);
    this.#maxSteps = o.until?.steps ?? 100_000;
    this.#imageEnd = o.load + o.bytes.length;
  }

  run(uc: Unicorn): BinaryTrace {
    this.#uc = uc;
    const o = this.#o;
    const mem = o.memory ?? { base: Math.floor(o.load / MiB) * MiB, size: 16 * MiB };
    this.#mem = mem;
    // Bulk mode diffs the memory in place, with no copy out of the emulator.
    if (o.mode === "bulk") this.#live = uc.mapHost(mem.base, mem.size);
    else uc.map(mem.base, mem.size);
    for (const d of o.devices ?? []) this.#device(uc, d);
    uc.write(o.load, o.bytes);
    for (const im of o.images ?? []) uc.write(im.addr, im.bytes);
    for (const [name, value] of Object.entries(o.regs ?? {})) {
      const n = name === "sp" || name === "lr" ? name : Number(name);
      uc.setReg(n, value);
    }
    if (o.isa === "a32") this.#add({ kind: "exec_state", vcpu: this.#vcpu, aarch32: true });
    const entry = o.entry ?? o.load;
    const until = o.until?.pc ?? U64_MAX;
    const limit = o.until?.instructions ?? 1_000_000;
    try {
      let start = entry;
      if (o.mode === "bulk") {
        this.#shadow = new Uint8Array(this.#live!);
        this.#bulkHook = (addr, size) => this.#bulkCode(addr, size);
        this.#hooked = new Set(this.#modelledAddresses());
        uc.onCode(this.#bulkHook, [...this.#hooked]);
        if (o.scanCode === true) {
          uc.onBlock((addr, size) => this.#scanPage(addr, size), [
            mem.base,
            mem.base + mem.size - 1,
          ]);
        }
        const bulkUntil = o.exactAt ?? until;
        // Counting instructions makes the emulator hook each one: the bulk
        // phase up to exactAt is not bounded by until.instructions.
        const bulkLimit = o.exactAt !== undefined ? 0 : limit;
        uc.start(entry, bulkUntil, bulkLimit);
        this.#flushBulk();
        this.#bulkSteps = this.steps.length;
        const stopped = uc.reg("pc");
        start = o.exactAt === undefined
          ? this.#switchAt ?? -1
          : (stopped === o.exactAt && !this.#stopped ? stopped : -1);
        // The emulator starts in Thumb state at an odd address only.
        const thumb = o.exactAt === undefined ? this.#switchThumb : this.#thumbState();
        if (start >= 0 && thumb) start += 1;
      }
      if (start >= 0) {
        this.#exact = true;
        uc.onCode((addr, size) => this.#code(addr, size));
        uc.onMemory((a) => this.#memory(a));
        const exactLimit = o.mode === "bulk" ? o.until?.exactInstructions ?? limit : limit;
        uc.start(start, until, exactLimit);
        this.#fixUp();
      }
    } catch (e) {
      if (e instanceof ScenarioError) throw e;
      // The emulator stops at the end of a translation block: what the
      // instructions after the MMU-on write did (not recorded) may fail.
      if (this.#stopped) return this.#result(this.#stopPc);
      throw new ScenarioError(
        "invalid_value",
        "binary",
        this.#insnPc,
        `binary(): the program stopped at pc ${showValue(this.#insnPc)}: ${(e as Error).message}`,
      );
    }
    return this.#result(this.#stopped ? this.#stopPc : uc.reg("pc"));
  }

  #result(pc: number): BinaryTrace {
    return {
      steps: this.steps,
      readValues: this.readValues,
      instructions: this.#instructions,
      bulkSteps: this.#bulkSteps,
      missed: this.#missed,
      pc,
    };
  }

  #add(step: Step): void {
    if (this.steps.length >= this.#maxSteps) {
      throw new ScenarioError(
        "budget_exceeded",
        "binary",
        this.#maxSteps,
        `binary(): the program records more than until.steps = ${this.#maxSteps} steps ` +
          `(at pc ${showValue(this.#insnPc)}); raise until.steps or stop it earlier with until.pc`,
      );
    }
    this.steps.push(step);
  }

  /** A guest instruction step at the current instruction's PC. */
  #instructionStep(step: Step): void {
    const pc = this.#shownPc();
    if (this.#pcShown !== pc) this.#add({ kind: "pc", vcpu: this.#vcpu, addr: pc });
    this.#add(step);
    this.#pcShown = pc + 4;
  }

  /**
   * The PC a step shows for the current instruction: its address, rounded
   * down to a word for Thumb code at an odd halfword (the model's PCs are
   * 4-byte aligned, as A32 and A64 instructions are).
   */
  #shownPc(): number {
    return this.#insnPc - (this.#insnPc % 4);
  }

  #code(addr: number, size: number): void {
    if (this.#stopped) return;
    const uc = this.#uc!;
    this.#fixUp();
    this.#insnPc = addr;
    this.#instructions++;
    // A 16-bit Thumb instruction is never one setway models.
    if (size !== 4 || this.#plain.has(addr)) return;
    if (this.#o.isa === "a32" && !this.#decoded.has(addr) && !this.#decoded.has(addr + 1)) {
      const arm = addr % 4 === 0 ? this.#decodeAt(addr, false) : null;
      const t32 = this.#decodeAt(addr, true);
      // Nothing in either state: no need to read CPSR.T here again.
      if (arm === null && t32 === null) {
        this.#plain.add(addr);
        return;
      }
      if (addr % 4 === 0) this.#decoded.set(addr, arm);
      this.#decoded.set(addr + 1, t32);
    }
    const thumb = this.#thumbAt(addr);
    const key = thumb ? addr + 1 : addr;
    let insn = this.#decoded.get(key);
    if (insn === undefined) {
      insn = this.#decodeAt(addr, thumb);
      this.#decoded.set(key, insn);
    }
    if (insn === null) return;
    // Unicorn runs no hook for an instruction an IT block skips: a T32
    // instruction that hooks executes.
    const cond = "cond" in insn ? insn.cond as number : 14;
    const passes = cond === 14 || conditionPasses(cond, uc.reg("flags"));
    if (!passes) return;
    if ("write" in insn) {
      this.#cacheId(insn);
      return;
    }
    if (insn.kind === "reg_read") {
      this.#regRead(insn);
      return;
    }
    this.#system(insn);
    this.#rememberWrite(addr, thumb, insn);
    this.#stopAtMmuOn(insn);
    // Cache maintenance is a no-op for the emulator, which has no caches;
    // a register write is not run at all, so that its MMU stays off.
    if (insn.kind === "sctlr" || insn.kind === "vm_reg") {
      uc.setReg("pc", addr + 4 + (thumb ? 1 : 0));
    }
  }

  /**
   * Whether the 4-byte instruction at `addr` runs in Thumb state: never for
   * A64; for A32, when its address is not 4-byte aligned, else CPSR.T.
   */
  #thumbAt(addr: number): boolean {
    if (this.#o.isa !== "a32") return false;
    if (addr % 4 !== 0) return true;
    return (this.#uc!.reg("flags") & 0x20) !== 0;
  }

  /** CPSR.T now (false for A64). */
  #thumbState(): boolean {
    return this.#o.isa === "a32" && (this.#uc!.reg("flags") & 0x20) !== 0;
  }

  /** The modelled instruction at `addr` in the given state, or null. */
  #decodeAt(addr: number, thumb: boolean): Modelled | null {
    const w = this.#uc!.readWord(addr);
    return thumb ? this.#decodeThumb(t32Word(w & 0xffff, w >>> 16)) : this.#decode(w);
  }

  /** Keeps the value of a register write, for the program's reads of the register. */
  #rememberWrite(addr: number, thumb: boolean, d: Decoded): void {
    if (d.kind !== "sctlr" && d.kind !== "vm_reg") return;
    const uc = this.#uc!;
    const w = uc.readWord(addr);
    // The read of the same register: the write's encoding with L set.
    const read = this.#o.isa === "a64"
      ? decodeRegReadA64(w | (1 << 21))
      : thumb
      ? decodeRegReadT32(t32Word(w & 0xffff, w >>> 16) | (1 << 20))
      : decodeRegReadA32(w | (1 << 20));
    if (read === null) return;
    const value = this.#o.isa === "a64" && d.rt === 31 ? 0n : uc.reg64(d.rt);
    this.#regValues.set(read.encoding, value);
  }

  /**
   * A read of a register whose writes are modelled: once the program wrote
   * it, it reads what it wrote (the model's vCPU holds it; the emulator's
   * own register never saw the write), not the emulator's value.
   */
  #regRead(r: DecodedRegRead): void {
    const value = this.#regValues.get(r.encoding);
    if (value === undefined || (this.#o.isa === "a64" && r.rt === 31)) return;
    this.#pendingRead = { rt: r.rt, value: this.#o.isa === "a32" ? Number(value) : value };
  }

  /**
   * Writes the value of the last CLIDR or CCSIDR read into its register, now
   * that the emulator has run the read (with its own core's value).
   */
  #fixUp(): void {
    const f = this.#pendingRead;
    if (f === null) return;
    this.#pendingRead = null;
    this.#uc!.setReg(f.rt, f.value);
  }

  /** The addresses of the image's instructions setway models. */
  #modelledAddresses(): number[] {
    return this.#modelledIn(this.#o.bytes, this.#o.load);
  }

  /**
   * The addresses in `bytes` (at `base`) holding an instruction setway
   * models: each aligned word as A64 or A32, and for A32 also each
   * halfword-aligned pair as T32 (the hook reads CPSR.T to tell which runs).
   */
  #modelledIn(bytes: Uint8Array, base: number): number[] {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const out: number[] = [];
    const thumb = this.#o.isa === "a32";
    for (let i = 0; i + 4 <= bytes.length; i += 2) {
      const aligned = (base + i) % 4 === 0;
      if (
        (aligned && this.#decode(view.getUint32(i, true)) !== null) ||
        (thumb && this.#thumbCandidate(view.getUint16(i, true), view.getUint16(i + 2, true)))
      ) {
        out.push(base + i);
      }
    }
    return out;
  }

  /** Whether two halfwords are a modelled T32 instruction. */
  #thumbCandidate(first: number, second: number): boolean {
    return first >>> 8 === 0xee && this.#decodeThumb(t32Word(first, second)) !== null;
  }

  /**
   * The bulk phase's hook, on the modelled instructions only: the memory
   * written since the last one becomes write steps, register writes and
   * cache identification reads are handled as in the exact phase, and the
   * first cache-maintenance instruction stops the phase before it runs.
   */
  #bulkCode(addr: number, size: number): void {
    if (this.#exact || size !== 4) return;
    const uc = this.#uc!;
    const thumb = this.#thumbAt(addr);
    const insn = this.#decodeAt(addr, thumb);
    if (insn === null) return;
    const next = addr + 4 + (thumb ? 1 : 0);
    const cond = "cond" in insn ? insn.cond as number : 14;
    if (cond !== 14 && !conditionPasses(cond, uc.reg("flags"))) return;
    if ("write" in insn || insn.kind === "reg_read") {
      if ("write" in insn) this.#cacheId(insn);
      else this.#regRead(insn);
      if (this.#pendingRead !== null) {
        // No hook runs after it here: set the register and skip the read.
        this.#fixUp();
        uc.setReg("pc", next);
      }
      return;
    }
    const through = this.#o.exactAt !== undefined;
    if (insn.kind === "ic" && !through) return;
    if (insn.kind === "dc_va" && through && this.#extendVa(addr, insn)) return;
    this.#insnPc = addr;
    this.#flushBulk();
    if ((insn.kind === "dc_sw" || insn.kind === "dc_va") && !through) {
      this.#switchAt = addr;
      this.#switchThumb = thumb;
      uc.stop();
      return;
    }
    this.#system(insn);
    this.#rememberWrite(addr, thumb, insn);
    if (insn.kind === "dc_va") {
      const last = this.steps[this.steps.length - 1];
      if (last.kind === "dc_va") this.#lastVa = { pc: addr, end: last.addr + last.len };
    }
    if (insn.kind === "sctlr" || insn.kind === "vm_reg") uc.setReg("pc", next);
  }

  /**
   * Bulk mode with `exactAt`: a by-VA op at the same PC as the last step's,
   * on the line after it, extends that step (a clean loop), without looking
   * for the memory changed in between (entered at the next other modelled
   * instruction). True when it did.
   */
  #extendVa(addr: number, insn: Decoded): boolean {
    const last = this.#lastVa;
    const step = this.steps[this.steps.length - 1];
    if (last === null || last.pc !== addr || step?.kind !== "dc_va" || insn.kind !== "dc_va") {
      return false;
    }
    const line = this.#caches.find((g) => g !== null)?.lineSize ?? 64;
    const value = this.#uc!.reg(insn.rt);
    if (step.op !== insn.op || value - (value % line) !== last.end) return false;
    this.steps[this.steps.length - 1] = { ...step, len: step.len + line };
    last.end += line;
    this.#instructions++;
    return true;
  }

  /** `until.mmuOn`: stops the run once an SCTLR write setting M is recorded. */
  #stopAtMmuOn(insn: Decoded): void {
    if (this.#o.until?.mmuOn !== true || insn.kind !== "sctlr") return;
    const last = this.steps[this.steps.length - 1];
    if (last?.kind === "sctlr" && last.bits.m === true) {
      this.#stopped = true;
      this.#stopPc = this.#insnPc;
      this.#uc!.stop();
    }
  }

  /**
   * Bulk mode: the first time code runs in a page of RAM, hooks its modelled
   * instructions (code copied there since the last modelled instruction).
   * The block running now was translated without those hooks: a modelled
   * instruction in it is missed, and listed in `missed`.
   */
  #scanPage(addr: number, size: number): void {
    if (this.#exact) return;
    const page = addr - (addr % 4096);
    if (
      this.#scanned.has(page) && this.#scanned.has(addr + size - 1 - ((addr + size - 1) % 4096))
    ) {
      return;
    }
    const fresh: number[] = [];
    const end = this.#mem.base + this.#mem.size;
    for (let p = page; p < addr + size; p += 4096) {
      if (this.#scanned.has(p)) continue;
      this.#scanned.add(p);
      // Two more bytes: a T32 instruction may end in the next page.
      const bytes = this.#uc!.read(p, Math.min(4096 + 2, end - p));
      for (const a of this.#modelledIn(bytes, p)) {
        if (a < p + 4096 && !this.#hooked.has(a)) fresh.push(a);
      }
    }
    if (fresh.length === 0) return;
    const thumb = this.#thumbState();
    for (const a of fresh) {
      this.#hooked.add(a);
      // A candidate of the other state (a T32 pattern inside A32 code) is no miss.
      const inState = thumb ? a % 2 === 0 : a % 4 === 0;
      if (a >= addr && a < addr + size && inState && this.#decodeAt(a, thumb) !== null) {
        this.#missed.push(a);
      }
    }
    this.#uc!.onCode(this.#bulkHook!, fresh);
  }

  /**
   * Every word the code changed since the last call, as write steps in
   * address order at the current PC, with the values it holds now.
   */
  #flushBulk(): void {
    const { base, size } = this.#mem;
    const now = this.#live!, shadow = this.#shadow!;
    const before = new Uint32Array(shadow.buffer);
    const after = new Uint32Array(now.buffer);
    const ranges: [number, number][] = this.#o.bulkDiff === "words"
      ? [[0, size]]
      : changedPages(now, shadow).map((p) => [p, Math.min(size, p + PAGE)]);
    let first = true;
    const fresh: number[] = [];
    for (const [from, to] of ranges) {
      for (let i = from >> 2; i < to >> 2; i++) {
        if (after[i] === before[i]) continue;
        const addr = base + 4 * i;
        for (const a of this.#modelledNear(now, i)) {
          if (!this.#hooked.has(a)) fresh.push(a);
        }
        this.#written.set(addr, after[i]);
        this.#forget(addr);
        if (first && this.#pcShown !== this.#shownPc()) {
          this.#add({ kind: "pc", vcpu: this.#vcpu, addr: this.#shownPc() });
          this.#pcShown = this.#shownPc();
        }
        first = false;
        this.#add({ kind: "write", vcpu: this.#vcpu, addr, value: after[i] });
        this.#pcShown += 4;
        this.#lastVa = null;
      }
      shadow.set(now.subarray(from, to), from);
    }
    // Code the program wrote (a relocated copy of itself, an inflated kernel):
    // its modelled instructions are hooked too.
    if (fresh.length > 0) {
      for (const a of fresh) this.#hooked.add(a);
      this.#uc!.onCode(this.#bulkHook!, fresh);
    }
  }

  /**
   * The addresses of modelled instructions that overlap word `i` of the
   * memory snapshot `now` (a T32 one may start 2 bytes before it or in its
   * middle).
   */
  #modelledNear(now: Uint8Array, i: number): number[] {
    const from = Math.max(0, 4 * i - 2);
    return this.#modelledIn(now.subarray(from, 4 * i + 6), this.#mem.base + from);
  }

  /** Forgets the decoded instructions that overlap the word at `addr` (the program wrote it). */
  #forget(addr: number): void {
    this.#decoded.delete(addr);
    for (const a of [addr - 2, addr, addr + 2]) {
      this.#decoded.delete(a + 1);
      this.#plain.delete(a);
    }
  }

  /** What setway models of an instruction word, or null. */
  #decode(word: number): Modelled | null {
    if (this.#o.isa === "a32") {
      return decodeCacheIdA32(word) ?? decodeA32(word) ?? decodeRegReadA32(word);
    }
    return decodeCacheIdA64(word) ?? decodeA64(word) ?? decodeRegReadA64(word);
  }

  /** What setway models of a 32-bit T32 instruction, or null. */
  #decodeThumb(insn: number): Modelled | null {
    return decodeCacheIdT32(insn) ?? decodeT32(insn) ?? decodeRegReadT32(insn);
  }

  /**
   * CLIDR, CCSIDR and CSSELR as `caches` and `clidr` say (the loops of a
   * set/way walk read them), and CTR as `ctr` says (a loop by address reads
   * its line size there).
   */
  #cacheId(id: CacheIdAccess): void {
    const uc = this.#uc!;
    if (id.write) {
      this.#csselr = uc.reg(id.rt) & 0xf;
      return;
    }
    let value = this.#csselr;
    if (id.reg === "CLIDR") value = this.#clidr;
    if (id.reg === "CTR") value = this.#ctr;
    if (id.reg === "CCSIDR") {
      const g = this.#caches[(this.#csselr >>> 1) & 7];
      value = g === undefined || g === null ? 0 : ccsidrOf(g);
    }
    if (!(this.#o.isa === "a64" && id.rt === 31)) this.#pendingRead = { rt: id.rt, value };
  }

  #system(d: Decoded): void {
    const uc = this.#uc!;
    const value = d.rt === 31 && this.#o.isa === "a64" ? 0 : uc.reg(d.rt);
    const vcpu = this.#vcpu;
    switch (d.kind) {
      case "dc_sw": {
        const slot = setWayOperand(value, this.#caches);
        this.#instructionStep({ kind: "sw", vcpu, op: d.op, ...slot });
        break;
      }
      case "dc_va": {
        const line = this.#caches.find((g) => g !== null)?.lineSize ?? 64;
        const addr = value - (value % line);
        this.#instructionStep({ kind: "dc_va", vcpu, op: d.op, addr, len: line });
        break;
      }
      case "sctlr": {
        const bits = { m: (value & 1) !== 0, c: (value & 4) !== 0, i: (value & 0x1000) !== 0 };
        this.#instructionStep({ kind: "sctlr", vcpu, bits });
        break;
      }
      case "vm_reg":
        this.#instructionStep({ kind: "vm_reg", vcpu, reg: d.reg, value: value >>> 0 });
        break;
      case "ic":
        break;
    }
  }

  /** Maps a device and hooks its accesses. */
  #device(uc: Unicorn, d: BinaryDevice): void {
    uc.map(d.base, d.size);
    if (d.read === undefined && d.write === undefined) return;
    uc.onMemory((a) => {
      const offset = a.addr - d.base;
      if (a.write) d.write?.(offset, a.size, a.value);
      else if (d.read !== undefined) {
        const v = d.read(offset, a.size);
        const bytes = new Uint8Array(a.size);
        for (let i = 0; i < a.size; i++) bytes[i] = (v / 2 ** (8 * i)) & 0xff;
        uc.write(a.addr, bytes);
      }
    }, [d.base, d.base + d.size - 1]);
  }

  #inDevice(addr: number): boolean {
    for (const d of this.#o.devices ?? []) {
      if (addr >= d.base && addr < d.base + d.size) return true;
    }
    return false;
  }

  #memory(a: MemoryAccess): void {
    if (this.#stopped) return;
    if (this.#inDevice(a.addr)) return;
    const { base, size } = this.#mem;
    if (a.addr < base || a.addr + a.size > base + size) {
      const what = a.write ? "stores to" : "loads from";
      throw new ScenarioError(
        "bad_address",
        "binary",
        a.addr,
        `binary(): the program ${what} ${showValue(a.addr)} at pc ${showValue(this.#insnPc)}, ` +
          `outside the memory mapped for it (${showValue(base)} to ${showValue(base + size)}); ` +
          "give memory: { base, size }",
      );
    }
    const first = a.addr - (a.addr % 4);
    for (let word = first; word < a.addr + a.size; word += 4) {
      if (a.write) this.#store(word, a);
      else this.#load(word);
    }
  }

  #store(word: number, a: MemoryAccess): void {
    const uc = this.#uc!;
    let value = this.#written.get(word) ?? uc.readWord(word);
    for (let b = 0; b < 4; b++) {
      const byteAddr = word + b;
      const i = byteAddr - a.addr;
      if (i < 0 || i >= a.size) continue;
      const byte = Number((a.value >> BigInt(8 * i)) & 0xffn);
      value = ((value & ~(0xff << (8 * b))) | (byte << (8 * b))) >>> 0;
    }
    this.#written.set(word, value);
    this.#forget(word);
    this.#instructionStep({ kind: "write", vcpu: this.#vcpu, addr: word, value });
  }

  #load(word: number): void {
    const uc = this.#uc!;
    const inImage = (word >= this.#o.load && word < this.#imageEnd) ||
      (this.#o.images ?? []).some((im) => word >= im.addr && word < im.addr + im.bytes.length);
    if (inImage && !this.#written.has(word)) return;
    const forced = this.#o.reads?.[this.readValues.length];
    const value = forced === undefined
      ? (this.#written.get(word) ?? uc.readWord(word))
      : forced >>> 0;
    uc.writeWord(word, value);
    this.readValues.push(value);
    this.#instructionStep({ kind: "read", vcpu: this.#vcpu, addr: word });
  }
}
