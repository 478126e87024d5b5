/**
 * A minimal binding of the Unicorn CPU emulator (Debian's `libunicorn2`,
 * Unicorn 2.0.x) through Deno's FFI: open an ARM or AArch64 CPU, map and
 * fill memory, read and write registers, hook instructions and data
 * accesses, run.
 *
 * Loading the library needs `--allow-ffi` (and `--allow-read` of its path);
 * a machine without it gets a {@linkcode UnicornMissingError} that says
 * which Debian package to install, never a raw `dlopen` failure.
 *
 * The constants are those of Unicorn 2.0.1's `include/unicorn/unicorn.h`,
 * `arm.h` and `arm64.h` (the `uc_arch`, `uc_hook_type`, `uc_arm_reg` and
 * `uc_arm64_reg` enums).
 *
 * @example Usage
 * ```ts ignore
 * import { Unicorn } from "@setway/setway/binary";
 * const uc = Unicorn.open("a64");
 * uc.map(0x4000_0000, 0x1000);
 * uc.write(0x4000_0000, new Uint8Array([0x20, 0x00, 0x80, 0xd2])); // mov x0, #1
 * uc.start(0x4000_0000, 0x4000_0004);
 * console.log(uc.reg(0)); // 1
 * uc.close();
 * ```
 *
 * @module
 */

/** The instruction sets setway runs: AArch32 A32 (ARM state) or AArch64 A64. */
export type Isa = "a32" | "a64";

/** The Debian package that provides the library. */
export const UNICORN_PACKAGE = "libunicorn2";

/** Where Debian installs the library, tried in order before the loader's search path. */
const LIBRARY_PATHS: readonly string[] = [
  "/usr/lib/x86_64-linux-gnu/libunicorn.so.2",
  "/usr/lib/aarch64-linux-gnu/libunicorn.so.2",
  "libunicorn.so.2",
];

/** `uc_arch`: UC_ARCH_ARM, UC_ARCH_ARM64. */
const UC_ARCH = { a32: 1, a64: 2 } as const;
/** `uc_mode`: UC_MODE_ARM (little-endian, ARM state) is 0 for both. */
const UC_MODE_ARM = 0;
/** `uc_prot`: UC_PROT_ALL. */
const UC_PROT_ALL = 7;
/** `UC_ERR_ARG` of unicorn.h's `uc_err`: an invalid argument. */
const UC_ERR_ARG = 15;
/** `uc_hook_type` bits. */
const UC_HOOK_CODE = 1 << 2;
const UC_HOOK_BLOCK = 1 << 3;
const UC_HOOK_MEM_READ = 1 << 10;
const UC_HOOK_MEM_WRITE = 1 << 11;
/** `uc_arm_reg`: R0..R12 are consecutive from UC_ARM_REG_R0; SP, LR, PC, CPSR. */
const ARM_REG_R0 = 66;
const ARM_REG_SP = 12;
const ARM_REG_LR = 10;
const ARM_REG_PC = 11;
const ARM_REG_CPSR = 3;
/** `uc_arm64_reg`: X0..X28 are consecutive from UC_ARM64_REG_X0; X29, X30, SP, PC. */
const ARM64_REG_X0 = 199;
const ARM64_REG_X29 = 1;
const ARM64_REG_X30 = 2;
const ARM64_REG_SP = 4;
const ARM64_REG_PC = 260;
const ARM64_REG_NZCV = 3;

const SYMBOLS = {
  uc_open: { parameters: ["i32", "i32", "buffer"], result: "i32" },
  uc_close: { parameters: ["pointer"], result: "i32" },
  uc_strerror: { parameters: ["i32"], result: "pointer" },
  uc_mem_map: { parameters: ["pointer", "u64", "usize", "u32"], result: "i32" },
  uc_mem_map_ptr: { parameters: ["pointer", "u64", "usize", "u32", "pointer"], result: "i32" },
  uc_mem_write: { parameters: ["pointer", "u64", "buffer", "usize"], result: "i32" },
  uc_mem_read: { parameters: ["pointer", "u64", "buffer", "usize"], result: "i32" },
  uc_reg_write: { parameters: ["pointer", "i32", "buffer"], result: "i32" },
  uc_reg_read: { parameters: ["pointer", "i32", "buffer"], result: "i32" },
  uc_hook_add: {
    parameters: ["pointer", "buffer", "i32", "function", "pointer", "u64", "u64"],
    result: "i32",
  },
  uc_emu_start: { parameters: ["pointer", "u64", "u64", "u64", "usize"], result: "i32" },
  uc_emu_stop: { parameters: ["pointer"], result: "i32" },
} as const;

type Library = Deno.DynamicLibrary<typeof SYMBOLS>;

/**
 * The Unicorn library could not be loaded: not installed, or no FFI
 * permission. The message says which.
 *
 * @example Usage
 * ```ts
 * import { UnicornMissingError } from "@setway/setway/binary";
 * const e = new UnicornMissingError("libunicorn.so.2: cannot open shared object file");
 * console.log(e.message.includes("apt-get install libunicorn2")); // true
 * ```
 */
export class UnicornMissingError extends Error {
  /**
   * Creates the error.
   *
   * @param cause why loading failed, as the loader said it
   * @param permission true when the FFI permission was refused rather than the library missing
   */
  constructor(cause: string, permission = false) {
    super(
      permission
        ? `running guest binaries needs the FFI permission: run Deno with --allow-ffi (${cause})`
        : `running guest binaries needs the Unicorn CPU emulator, Debian package ${UNICORN_PACKAGE}: ` +
          `apt-get install ${UNICORN_PACKAGE} (${cause})`,
    );
    this.name = "UnicornMissingError";
  }
}

/**
 * A run of the emulator ended in an error Unicorn reported.
 *
 * @example Usage
 * ```ts
 * import { UnicornError } from "@setway/setway/binary";
 * const e = new UnicornError("uc_emu_start", 6, "Invalid memory read (UC_ERR_READ_UNMAPPED)");
 * console.log(e.code); // 6
 * ```
 */
export class UnicornError extends Error {
  /** The `uc_err` code. */
  readonly code: number;

  /**
   * Creates the error.
   *
   * @param call the Unicorn function that failed
   * @param code its `uc_err` code
   * @param text Unicorn's `uc_strerror` of it
   */
  constructor(call: string, code: number, text: string) {
    super(`${call} failed: ${text} (uc_err ${code})`);
    this.name = "UnicornError";
    this.code = code;
  }
}

let library: Library | null = null;

/**
 * Loads the library once per process.
 *
 * @throws {UnicornMissingError} when it is not installed or FFI is not allowed
 */
function load(): Library {
  if (library !== null) return library;
  const errors: string[] = [];
  for (const path of LIBRARY_PATHS) {
    try {
      library = Deno.dlopen(path, SYMBOLS);
      return library;
    } catch (e) {
      if (e instanceof Deno.errors.NotCapable || e instanceof Deno.errors.PermissionDenied) {
        throw new UnicornMissingError((e as Error).message, true);
      }
      errors.push((e as Error).message);
    }
  }
  throw new UnicornMissingError(errors[errors.length - 1] ?? "not found");
}

/**
 * Whether the library loads here (installed, and FFI allowed).
 *
 * @example Usage
 * ```ts ignore
 * import { unicornAvailable } from "@setway/setway/binary";
 * console.log(typeof unicornAvailable()); // "boolean"
 * ```
 * @returns true when {@linkcode Unicorn.open} can work
 */
export function unicornAvailable(): boolean {
  try {
    load();
    return true;
  } catch {
    return false;
  }
}

/** A data access a memory hook sees. */
export interface MemoryAccess {
  /** True for a store, false for a load. */
  readonly write: boolean;
  /** The address. */
  readonly addr: number;
  /** Its size in bytes (1, 2, 4, 8 or 16). */
  readonly size: number;
  /** The value stored (low 64 bits, as a bigint); 0n for a load. */
  readonly value: bigint;
}

/**
 * One emulated CPU with its memory. Every call throws a
 * {@linkcode UnicornError} when Unicorn reports one; {@linkcode close} frees
 * it and its hooks.
 *
 * @example Usage
 * ```ts ignore
 * import { Unicorn } from "@setway/setway/binary";
 * const uc = Unicorn.open("a32");
 * uc.map(0x4000_0000, 0x1000);
 * uc.write(0x4000_0000, new Uint8Array([0x07, 0x00, 0xa0, 0xe3])); // mov r0, #7
 * uc.start(0x4000_0000, 0x4000_0004);
 * console.log(uc.reg(0)); // 7
 * uc.close();
 * ```
 */
export class Unicorn {
  /** The instruction set. */
  readonly isa: Isa;
  readonly #lib: Library;
  readonly #uc: Deno.PointerValue;
  readonly #closers: (() => void)[] = [];
  /** Memory mapped from buffers of ours: kept alive while the CPU uses them. */
  readonly #hostMemory: Uint8Array[] = [];
  readonly #scratch = new BigUint64Array(1);
  #closed = false;
  /** An error thrown inside a hook, rethrown by {@linkcode start}. */
  #hookError: unknown = null;

  private constructor(isa: Isa, lib: Library, uc: Deno.PointerValue) {
    this.isa = isa;
    this.#lib = lib;
    this.#uc = uc;
  }

  /**
   * Opens a CPU: Unicorn's default ARMv7 core (ARM state, little-endian) for
   * `"a32"`, its default ARMv8 core at EL1 for `"a64"`.
   *
   * @param isa the instruction set
   * @returns the CPU, with no memory mapped
   * @throws {UnicornMissingError} when the library is missing or FFI is not allowed
   */
  static open(isa: Isa): Unicorn {
    const lib = load();
    const out = new BigUint64Array(1);
    const err = lib.symbols.uc_open(UC_ARCH[isa], UC_MODE_ARM, out);
    if (err !== 0) throw new UnicornError("uc_open", err, strerror(lib, err));
    return new Unicorn(isa, lib, Deno.UnsafePointer.create(out[0]));
  }

  #check(call: string, err: number): void {
    if (err !== 0) throw new UnicornError(call, err, strerror(this.#lib, err));
  }

  // Unicorn 2 accepts mappings aligned only to its Arm targets' smaller pages (0x40001800 maps);
  // the model and changedPages (pages.ts) count 4 KiB pages, so the binding holds every mapping
  // to 4 KiB itself.
  #checkPages(call: string, addr: number, size: number): void {
    if (addr % 4096 !== 0 || size % 4096 !== 0 || size <= 0) {
      throw new UnicornError(
        call,
        UC_ERR_ARG,
        `address 0x${addr.toString(16)} and size 0x${size.toString(16)} must be 4 KiB aligned`,
      );
    }
  }

  /**
   * Maps `size` bytes of zeroed memory at `addr` (both 4 KiB aligned).
   *
   * @param addr the first byte
   * @param size the size in bytes
   */
  map(addr: number, size: number): void {
    this.#checkPages("uc_mem_map", addr, size);
    this.#check(
      "uc_mem_map",
      this.#lib.symbols.uc_mem_map(this.#uc, BigInt(addr), BigInt(size), UC_PROT_ALL),
    );
  }

  /**
   * Maps `size` bytes of zeroed memory at `addr` (both 4 KiB aligned), held
   * in a buffer returned to the caller: the emulator's stores show in it at
   * once, with no copy (`uc_mem_map_ptr`).
   *
   * @param addr the first byte
   * @param size the size in bytes
   * @returns the memory, live
   */
  mapHost(addr: number, size: number): Uint8Array {
    this.#checkPages("uc_mem_map_ptr", addr, size);
    const bytes = new Uint8Array(size);
    this.#hostMemory.push(bytes);
    this.#check(
      "uc_mem_map_ptr",
      this.#lib.symbols.uc_mem_map_ptr(
        this.#uc,
        BigInt(addr),
        BigInt(size),
        UC_PROT_ALL,
        Deno.UnsafePointer.of(bytes),
      ),
    );
    return bytes;
  }

  /**
   * Writes bytes into memory (no hook fires).
   *
   * @param addr the first byte
   * @param bytes what to write
   */
  write(addr: number, bytes: Uint8Array): void {
    const copy = new Uint8Array(bytes);
    this.#check(
      "uc_mem_write",
      this.#lib.symbols.uc_mem_write(this.#uc, BigInt(addr), copy, BigInt(copy.length)),
    );
  }

  /**
   * Reads bytes from memory (no hook fires).
   *
   * @param addr the first byte
   * @param size how many
   * @returns the bytes
   */
  read(addr: number, size: number): Uint8Array {
    const out = new Uint8Array(size);
    this.#check(
      "uc_mem_read",
      this.#lib.symbols.uc_mem_read(this.#uc, BigInt(addr), out, BigInt(size)),
    );
    return out;
  }

  /**
   * Reads a little-endian 32-bit word from memory.
   *
   * @param addr its address
   * @returns the word, unsigned
   */
  readWord(addr: number): number {
    const b = this.read(addr, 4);
    return (b[0] | (b[1] << 8) | (b[2] << 16) | (b[3] << 24)) >>> 0;
  }

  /**
   * Writes a little-endian 32-bit word into memory.
   *
   * @param addr its address
   * @param value the word
   */
  writeWord(addr: number, value: number): void {
    const v = value >>> 0;
    this.write(addr, new Uint8Array([v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24]));
  }

  #regId(n: number | "sp" | "lr" | "pc" | "flags"): number {
    if (this.isa === "a32") {
      if (n === "sp" || n === 13) return ARM_REG_SP;
      if (n === "lr" || n === 14) return ARM_REG_LR;
      if (n === "pc" || n === 15) return ARM_REG_PC;
      if (n === "flags") return ARM_REG_CPSR;
      if (n >= 0 && n <= 12) return ARM_REG_R0 + n;
    } else {
      if (n === "sp") return ARM64_REG_SP;
      if (n === "pc") return ARM64_REG_PC;
      if (n === "lr" || n === 30) return ARM64_REG_X30;
      if (n === "flags") return ARM64_REG_NZCV;
      if (n === 29) return ARM64_REG_X29;
      if (n >= 0 && n <= 28) return ARM64_REG_X0 + n;
    }
    throw new RangeError(`no ${this.isa} register ${String(n)}`);
  }

  /**
   * Reads a register: a general-purpose register by number (for `"a64"`,
   * 31 is the zero register), `"sp"`, `"lr"`, `"pc"`, or `"flags"` (CPSR,
   * or NZCV for A64).
   *
   * @param n the register
   * @returns its value as a number (A64 values above 2^53 lose precision; use {@linkcode reg64})
   */
  reg(n: number | "sp" | "lr" | "pc" | "flags"): number {
    return Number(this.reg64(n));
  }

  /**
   * {@linkcode reg} as a bigint, all 64 bits.
   *
   * @param n the register
   * @returns its value
   */
  reg64(n: number | "sp" | "lr" | "pc" | "flags"): bigint {
    if (this.isa === "a64" && n === 31) return 0n;
    this.#scratch[0] = 0n;
    this.#check(
      "uc_reg_read",
      this.#lib.symbols.uc_reg_read(this.#uc, this.#regId(n), this.#scratch),
    );
    return this.isa === "a32" ? this.#scratch[0] & 0xffff_ffffn : this.#scratch[0];
  }

  /**
   * Writes a register (see {@linkcode reg}). Writing the PC from a hook
   * makes execution continue there.
   *
   * @param n the register
   * @param value its new value
   */
  setReg(n: number | "sp" | "lr" | "pc" | "flags", value: number | bigint): void {
    const v = BigInt.asUintN(64, BigInt(value));
    const buf = new BigUint64Array([v]);
    this.#check("uc_reg_write", this.#lib.symbols.uc_reg_write(this.#uc, this.#regId(n), buf));
  }

  #hook(
    type: number,
    callback: { readonly pointer: Deno.PointerObject; close(): void },
    at?: readonly number[],
    range?: readonly [number, number],
  ): void {
    this.#closers.push(() => callback.close());
    const handle = new BigUint64Array(1);
    // begin > end: the hook covers every address.
    const ranges: [bigint, bigint][] = at !== undefined
      ? at.map((a) => [BigInt(a), BigInt(a)])
      : range !== undefined
      ? [[BigInt(range[0]), BigInt(range[1])]]
      : [[1n, 0n]];
    for (const [begin, end] of ranges) {
      this.#check(
        "uc_hook_add",
        this.#lib.symbols.uc_hook_add(this.#uc, handle, type, callback.pointer, null, begin, end),
      );
    }
  }

  #guard(fn: () => void): void {
    if (this.#hookError !== null) return;
    try {
      fn();
    } catch (e) {
      this.#hookError = e;
      this.#lib.symbols.uc_emu_stop(this.#uc);
    }
  }

  /**
   * Calls `fn` before every instruction, or only before those at the
   * addresses `at`, with its address and size.
   *
   * @param fn the hook; an exception it throws stops the run and is rethrown by {@linkcode start}
   * @param at the only addresses to hook; default every address
   */
  onCode(fn: (addr: number, size: number) => void, at?: readonly number[]): void {
    const cb = new Deno.UnsafeCallback(
      { parameters: ["pointer", "u64", "u32", "pointer"], result: "void" } as const,
      (_uc, addr, size) => this.#guard(() => fn(Number(addr), size)),
    );
    this.#hook(UC_HOOK_CODE, cb, at);
  }

  /**
   * Calls `fn` before each translated block of instructions runs, with its
   * address and size, for blocks starting within `[range[0], range[1]]`.
   *
   * @param fn the hook; an exception it throws stops the run and is rethrown by {@linkcode start}
   * @param range the first and last addresses covered
   */
  onBlock(fn: (addr: number, size: number) => void, range: readonly [number, number]): void {
    const cb = new Deno.UnsafeCallback(
      { parameters: ["pointer", "u64", "u32", "pointer"], result: "void" } as const,
      (_uc, addr, size) => this.#guard(() => fn(Number(addr), size)),
    );
    this.#hook(UC_HOOK_BLOCK, cb, undefined, range);
  }

  /**
   * Calls `fn` before every data load and store (instruction fetches
   * excluded), or only those within `[range[0], range[1]]`.
   *
   * @param fn the hook; an exception it throws stops the run and is rethrown by {@linkcode start}
   * @param range the first and last byte addresses covered; default every address
   */
  onMemory(fn: (access: MemoryAccess) => void, range?: readonly [number, number]): void {
    const cb = new Deno.UnsafeCallback(
      { parameters: ["pointer", "i32", "u64", "i32", "i64", "pointer"], result: "void" } as const,
      (_uc, type, addr, size, value) =>
        this.#guard(() =>
          fn({
            // uc_mem_type: UC_MEM_READ = 16, UC_MEM_WRITE = 17.
            write: type === 17,
            addr: Number(addr),
            size,
            value: type === 17 ? BigInt.asUintN(64, BigInt(value)) : 0n,
          })
        ),
    );
    this.#hook(UC_HOOK_MEM_READ | UC_HOOK_MEM_WRITE, cb, undefined, range);
  }

  /**
   * Runs from `begin` until the PC reaches `until`, `count` instructions
   * have run (0: no limit), or a hook calls {@linkcode stop}.
   *
   * @param begin the first instruction
   * @param until the address to stop at
   * @param count the most instructions to run; 0 for no limit
   * @throws {UnicornError} when Unicorn stops on an error; an error thrown by a hook is rethrown as is
   */
  start(begin: number, until: number | bigint, count = 0): void {
    this.#hookError = null;
    const err = this.#lib.symbols.uc_emu_start(
      this.#uc,
      BigInt(begin),
      BigInt(until),
      0n,
      BigInt(count),
    );
    if (this.#hookError !== null) throw this.#hookError;
    this.#check("uc_emu_start", err);
  }

  /** Stops the current run after the current instruction (from a hook). */
  stop(): void {
    this.#check("uc_emu_stop", this.#lib.symbols.uc_emu_stop(this.#uc));
  }

  /** Frees the CPU, its memory and its hooks. Calling it twice does nothing. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#lib.symbols.uc_close(this.#uc);
    for (const close of this.#closers) close();
    this.#hostMemory.length = 0;
  }
}

function strerror(lib: Library, err: number): string {
  const p = lib.symbols.uc_strerror(err);
  return p === null ? `error ${err}` : new Deno.UnsafePointerView(p).getCString();
}
