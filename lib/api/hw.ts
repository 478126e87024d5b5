/**
 * The hardware model, for trace-driven use and for machines of your own:
 * caches as slots in typed arrays ({@linkcode Cache}), the trace-driven
 * simulator over them ({@linkcode TraceCache}), memory, the coherent
 * hierarchy with its maintenance and perturbations ({@linkcode Hardware}),
 * the machine presets and their lookup, and the choosers that decide what
 * the hardware does where the architecture leaves it free.
 *
 * @example Usage
 * ```ts
 * import { resolveMachine, TraceCache } from "@setway/setway/hw";
 * const l1 = new TraceCache({ size: 32 * 1024, ways: 4, lineSize: 64 });
 * l1.access(0x4000_0000, false);
 * console.log(l1.stats.misses); // 1
 * console.log(resolveMachine("xgene1").systemCache?.size); // 8388608
 * ```
 *
 * @module
 */

export { Cache, type CacheOptions, CLEAN, DIRTY, INVALID, type Replacement } from "../hw/cache.ts";
export { Memory, MemoryImage, POISON } from "../hw/memory.ts";
export { NO_METER, type WorkMeter } from "../hw/work_meter.ts";
export {
  type FlushResult as HardwareFlushResult,
  Hardware,
  HardwareImage,
  type HardwareOptions,
  type Perturbation,
} from "../hw/hardware.ts";
export { LOAD, type MemoryTrace, MODIFY, STORE } from "../sim/access_trace.ts";
export { type CacheStats, TraceCache } from "../sim/replay.ts";
export { parseLackey } from "../sim/lackey.ts";
export { type CcsidrFields, type ClidrFields, decodeCcsidr, decodeClidr } from "../hw/clidr.ts";
export { type Chooser, quietChooser, seededChooser } from "../hw/chooser.ts";
export type { RunChoosers } from "../engine/run.ts";
export { listMachines, machines, resolveMachine } from "../machines/mod.ts";
export { armada8040, generic } from "../machines/mod.ts";
export type {
  CacheGeometry,
  ClusterSpec,
  CoreClidr,
  CoreCtr,
  Machine,
  MachineFeatures,
  SystemCacheSpec,
} from "../hw/machine.ts";
