/**
 * Real guest machine code through setway's caches and hypervisor policies:
 * A32 or A64 code runs under the Unicorn CPU emulator (Debian's
 * `libunicorn2`, loaded through Deno's FFI) and every data access, cache
 * maintenance instruction and system-register write it executes becomes
 * the setway guest step a DSL user would have written.
 *
 * This subpath (`@setway/setway/binary`) needs `--allow-ffi`; the main
 * module (`mod.ts`) does not import it and stays permission-free.
 *
 * @example Usage
 * ```ts ignore
 * import { vm } from "@setway/setway";
 * import { binary, runBinary } from "@setway/setway/binary";
 * const bytes = Deno.readFileSync("clean.bin");
 * // As a guest preset: the code's steps, reads returning what the program wrote.
 * const r1 = await vm().policy("kvm-4.0")
 *   .guest((g) => g.preset("binary", binary, { bytes, isa: "a64", load: 0x4000_0000 }))
 *   .run();
 * // Coupled: the code's reads return what the model's caches and DRAM hold.
 * const { result } = await runBinary(vm().policy("kvm-4.0"), { bytes, isa: "a64", load: 0x4000_0000 });
 * ```
 *
 * @module
 */

export {
  type Isa,
  type MemoryAccess,
  Unicorn,
  UNICORN_PACKAGE,
  unicornAvailable,
  UnicornError,
  UnicornMissingError,
} from "./unicorn.ts";
export {
  type CacheIdAccess,
  type CacheIdReg,
  ccsidrOf,
  conditionPasses,
  decodeA32,
  decodeA64,
  decodeCacheIdA32,
  decodeCacheIdA64,
  decodeCacheIdT32,
  type Decoded,
  type DecodedA32,
  type DecodedDcSw,
  type DecodedDcVa,
  type DecodedIc,
  type DecodedRegRead,
  type DecodedSctlr,
  type DecodedVmReg,
  decodeRegReadA32,
  decodeRegReadA64,
  decodeRegReadT32,
  decodeT32,
  setWayOperand,
  t32Word,
} from "./decode.ts";
export {
  binary,
  type BinaryDevice,
  type BinaryOptions,
  binarySteps,
  type BinaryTrace,
  type BinaryUntil,
  type CacheLevelView,
  clidrOf,
  ctrOf,
  GENERIC_CACHES,
} from "./trace.ts";
export { type BinaryRun, guestCaches, runBinary } from "./run_binary.ts";
