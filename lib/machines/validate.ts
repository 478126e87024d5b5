/**
 * Checks that a user-supplied {@linkcode Machine} describes caches the
 * simulator can build: every geometry a power of two that divides evenly
 * into sets, one line size for every cache of the machine, architected
 * levels that CCSIDR can describe (at most 32768 sets), at least one CPU per
 * cluster, a core's CLIDR fields naming one of its levels, booleans where
 * booleans belong, and a total cache capacity the simulator can hold in
 * memory.
 *
 * The checks return issues as data (`{ code, path, value, message }`) so the
 * DSL can collect them with the rest of a scenario's problems;
 * {@linkcode assertMachine} throws the first one as a
 * {@linkcode ScenarioError}.
 *
 * The limits (CPUs, cache and line sizes, ways, sets, cache in all) are
 * lib/limits.ts's, which `Hardware` and `Cache` check too. Simplified: every
 * cache of a machine shares one line size (real machines may differ between
 * levels).
 *
 * @example Usage
 * ```ts
 * import { machineIssues } from "./validate.ts";
 * const issues = machineIssues({
 *   name: "odd", description: "three-way L1",
 *   clusters: [{ cpus: 1, l1d: { size: 24576, ways: 3 } }],
 * });
 * console.log(issues[0].path); // "machine.clusters[0].l1d.ways"
 * ```
 *
 * @module
 */

import { ScenarioError, type ScenarioErrorCode, showValue } from "../errors.ts";
import type { Machine, SystemCacheSpec } from "../hw/machine.ts";
import { coreClidrProblem } from "../hw/clidr.ts";
import { coreCtrProblem } from "../hw/ctr.ts";
import { didYouMean } from "../options.ts";
import {
  MAX_ARCH_SETS,
  MAX_CACHE_SIZE,
  MAX_CLOCK_HZ,
  MAX_CPUS,
  MAX_LINE_SIZE,
  MAX_TOTAL_CACHE,
  MAX_WAYS,
  MIN_LINE_SIZE,
} from "../limits.ts";

export {
  MAX_ARCH_SETS,
  MAX_CACHE_SIZE,
  MAX_CPUS,
  MAX_LINE_SIZE,
  MAX_TOTAL_CACHE,
} from "../limits.ts";

/** One problem found in a machine description. */
export interface MachineIssue {
  /** What kind of mistake this is. */
  readonly code: ScenarioErrorCode;
  /** Where it is, e.g. `"machine.clusters[0].l2.ways"`. */
  readonly path: string;
  /** The refused value. */
  readonly value: unknown;
  /** One sentence naming the field and the value, and what would be accepted. */
  readonly message: string;
}

/** The fields of a machine's `features`, each a boolean. */
const MACHINE_FEATURES = ["fwb", "aarch64", "aarch32El1"];

/** The fields a cluster may have. */
const CLUSTER_FIELDS = ["core", "cpus", "l1d", "l2", "clidr", "ctr"];

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isPowerOfTwo(n: number): boolean {
  return Number.isSafeInteger(n) && n > 0 && (n & (n - 1)) === 0;
}

function issue(
  code: ScenarioErrorCode,
  path: string,
  value: unknown,
  expected: string,
): MachineIssue {
  return { code, path, value, message: `${path} = ${showValue(value)}: expected ${expected}` };
}

/**
 * Checks one cache geometry (`size`, `ways`, optional `lineSize`).
 *
 * @example Usage
 * ```ts
 * import { geometryIssues } from "./validate.ts";
 * console.log(geometryIssues({ size: 32768, ways: 4 }, "l1d").length); // 0
 * console.log(geometryIssues({ size: 30000, ways: 4 }, "l1d")[0].code); // "bad_geometry"
 * ```
 * @param value the geometry to check
 * @param path where it sits, for messages
 * @returns the problems found, empty when the geometry is valid
 */
export function geometryIssues(value: unknown, path: string): MachineIssue[] {
  if (!isRecord(value)) {
    return [issue("bad_geometry", path, value, "an object { size, ways, lineSize? }")];
  }
  const out: MachineIssue[] = [];
  const { size, ways } = value;
  const lineSize = value.lineSize ?? 64;
  if (typeof size !== "number" || !isPowerOfTwo(size) || size > MAX_CACHE_SIZE) {
    out.push(
      issue(
        "bad_geometry",
        `${path}.size`,
        size,
        `a power of two of at most ${MAX_CACHE_SIZE} bytes`,
      ),
    );
  }
  if (typeof ways !== "number" || !isPowerOfTwo(ways) || ways > MAX_WAYS) {
    out.push(
      issue("bad_geometry", `${path}.ways`, ways, `a power of two from 1 to ${MAX_WAYS}`),
    );
  }
  if (
    typeof lineSize !== "number" || !isPowerOfTwo(lineSize) || lineSize < MIN_LINE_SIZE ||
    lineSize > MAX_LINE_SIZE
  ) {
    out.push(
      issue(
        "bad_geometry",
        `${path}.lineSize`,
        lineSize,
        `a power of two from ${MIN_LINE_SIZE} to ${MAX_LINE_SIZE} bytes`,
      ),
    );
  }
  if (out.length === 0) {
    const lines = (size as number) / (lineSize as number);
    if (lines < (ways as number)) {
      out.push(
        issue(
          "bad_geometry",
          `${path}.ways`,
          ways,
          `at most size / lineSize = ${lines} ways, so that there is at least one set`,
        ),
      );
    }
  }
  for (const key of Object.keys(value)) {
    if (key !== "size" && key !== "ways" && key !== "lineSize" && key !== "snoopsNonCacheable") {
      const known = ["size", "ways", "lineSize", "snoopsNonCacheable"];
      out.push(
        issue("bad_schema", `${path}.${key}`, value[key], `no such field${didYouMean(key, known)}`),
      );
    }
  }
  return out;
}

/**
 * Checks a system-cache description: a geometry plus `snoopsNonCacheable`.
 *
 * @example Usage
 * ```ts
 * import { systemCacheIssues } from "./validate.ts";
 * console.log(systemCacheIssues({ size: 8 << 20, ways: 16 }, "systemCache").length); // 0
 * ```
 * @param value the system cache to check
 * @param path where it sits, for messages
 * @returns the problems found
 */
export function systemCacheIssues(value: unknown, path: string): MachineIssue[] {
  const out = geometryIssues(value, path);
  if (isRecord(value)) {
    const snoops = value.snoopsNonCacheable;
    if (snoops !== undefined && typeof snoops !== "boolean") {
      out.push(issue("bad_schema", `${path}.snoopsNonCacheable`, snoops, "a boolean"));
    }
  }
  return out;
}

/** What the caches of a machine checked so far share and add up to. */
interface Shape {
  /** The line size of the first valid cache, 0 before it. */
  lineSize: number;
  /** The capacity of the valid caches so far, in bytes. */
  bytes: number;
}

function lineSizeIssues(value: unknown, path: string, shape: Shape): MachineIssue[] {
  const lineSize = ((value as { lineSize?: number }).lineSize) ?? 64;
  if (shape.lineSize === 0) shape.lineSize = lineSize;
  if (lineSize === shape.lineSize) return [];
  return [
    issue(
      "bad_geometry",
      `${path}.lineSize`,
      lineSize,
      `${shape.lineSize}, the line size of the machine's first cache (every cache shares one)`,
    ),
  ];
}

/** A geometry that must also be describable by CCSIDR and share the machine's line size. */
function architectedIssues(value: unknown, path: string, shape: Shape): MachineIssue[] {
  const out = geometryIssues(value, path);
  if (out.length > 0) return out;
  const g = value as { size: number; ways: number; lineSize?: number };
  const sets = g.size / (g.ways * (g.lineSize ?? 64));
  if (sets > MAX_ARCH_SETS) {
    out.push(
      issue(
        "bad_geometry",
        `${path}.size`,
        g.size,
        `at most ${MAX_ARCH_SETS} sets (CCSIDR's limit); this geometry has ${sets}: ` +
          "raise the ways or lower the size",
      ),
    );
  }
  out.push(...lineSizeIssues(value, path, shape));
  return out;
}

/**
 * Checks a whole machine description and collects every problem.
 *
 * @example Usage
 * ```ts
 * import { machineIssues } from "./validate.ts";
 * import { generic } from "./generic.ts";
 * console.log(machineIssues(generic).length); // 0
 * ```
 * @param value the machine to check
 * @param path where it sits, for messages; default `"machine"`
 * @returns the problems found, empty when the machine is usable
 */
export function machineIssues(value: unknown, path = "machine"): MachineIssue[] {
  if (!isRecord(value)) {
    return [issue("bad_schema", path, value, "a preset name or a machine object")];
  }
  const out: MachineIssue[] = [];
  const shape: Shape = { lineSize: 0, bytes: 0 };
  if (typeof value.name !== "string" || value.name.length === 0) {
    out.push(issue("bad_schema", `${path}.name`, value.name, "a non-empty string"));
  }
  if (typeof value.description !== "string") {
    out.push(issue("bad_schema", `${path}.description`, value.description, "a string"));
  }
  const clusters = value.clusters;
  if (!Array.isArray(clusters) || clusters.length === 0) {
    out.push(issue("bad_schema", `${path}.clusters`, clusters, "a non-empty array of clusters"));
  } else {
    let total = 0;
    clusters.forEach((cluster: unknown, i) => {
      const at = `${path}.clusters[${i}]`;
      if (!isRecord(cluster)) {
        out.push(issue("bad_schema", at, cluster, "an object { cpus, l1d, l2? }"));
        return;
      }
      const cpus = cluster.cpus;
      if (typeof cpus !== "number" || !Number.isSafeInteger(cpus) || cpus < 1) {
        out.push(issue("invalid_value", `${at}.cpus`, cpus, "a positive integer"));
      } else {
        total += cpus;
      }
      if (cluster.core !== undefined && typeof cluster.core !== "string") {
        out.push(issue("bad_schema", `${at}.core`, cluster.core, "a string"));
      }
      const l1 = architectedIssues(cluster.l1d, `${at}.l1d`, shape);
      out.push(...l1);
      if (l1.length === 0 && Number.isSafeInteger(cpus)) {
        shape.bytes += (cluster.l1d as { size: number }).size * (cpus as number);
      }
      if (cluster.l2 !== undefined) {
        const l2 = architectedIssues(cluster.l2, `${at}.l2`, shape);
        out.push(...l2);
        if (l2.length === 0) shape.bytes += (cluster.l2 as { size: number }).size;
      }
      const core = {
        clidr: coreClidrProblem(cluster.clidr, cluster.l2 === undefined ? 1 : 2),
        ctr: coreCtrProblem(cluster.ctr),
      };
      for (const [name, problem] of Object.entries(core)) {
        if (problem === null) continue;
        const where = `${at}.${name}${problem.field === "" ? "" : `.${problem.field}`}`;
        const code = problem.outOfRange ? "out_of_range" : "bad_schema";
        out.push(issue(code, where, problem.value, problem.expected));
      }
      for (const key of Object.keys(cluster)) {
        if (!CLUSTER_FIELDS.includes(key)) {
          const expected = `no such field${didYouMean(key, CLUSTER_FIELDS)}`;
          out.push(issue("bad_schema", `${at}.${key}`, cluster[key], expected));
        }
      }
    });
    if (total > MAX_CPUS) {
      out.push(
        issue("out_of_range", `${path}.clusters`, total, `at most ${MAX_CPUS} CPUs in all`),
      );
    }
  }
  if (value.systemCache !== undefined && value.systemCache !== null) {
    const sys = systemCacheIssues(value.systemCache, `${path}.systemCache`);
    out.push(...sys);
    if (sys.length === 0) {
      out.push(...lineSizeIssues(value.systemCache, `${path}.systemCache`, shape));
      shape.bytes += (value.systemCache as { size: number }).size;
    }
  }
  if (shape.bytes > MAX_TOTAL_CACHE) {
    out.push(
      issue(
        "out_of_range",
        path,
        shape.bytes,
        `at most ${MAX_TOTAL_CACHE} bytes (512 MiB) of cache in all, L1s, L2s and system cache`,
      ),
    );
  }
  const features = value.features;
  if (features !== undefined) {
    if (!isRecord(features)) {
      out.push(
        issue(
          "bad_schema",
          `${path}.features`,
          features,
          "an object { fwb?, aarch64?, aarch32El1? }",
        ),
      );
    } else {
      for (const key of MACHINE_FEATURES) {
        if (features[key] !== undefined && typeof features[key] !== "boolean") {
          out.push(issue("bad_schema", `${path}.features.${key}`, features[key], "a boolean"));
        }
      }
      for (const key of Object.keys(features)) {
        if (!MACHINE_FEATURES.includes(key)) {
          out.push(issue("bad_schema", `${path}.features.${key}`, features[key], "no such field"));
        }
      }
    }
  }
  const clock = value.clockHz;
  if (
    clock !== undefined &&
    (typeof clock !== "number" || !Number.isSafeInteger(clock) || clock < 1 || clock > MAX_CLOCK_HZ)
  ) {
    out.push(
      issue("invalid_value", `${path}.clockHz`, clock, `an integer from 1 to ${MAX_CLOCK_HZ} (Hz)`),
    );
  }
  for (const key of Object.keys(value)) {
    const known = ["name", "description", "clusters", "systemCache", "features", "clockHz"];
    if (!known.includes(key)) {
      const expected = `no such field${didYouMean(key, known)}`;
      out.push(issue("bad_schema", `${path}.${key}`, value[key], expected));
    }
  }
  return out;
}

/**
 * Throws the first problem of a machine description as a
 * {@linkcode ScenarioError}; returns the machine when it has none.
 *
 * @example Usage
 * ```ts
 * import { assertMachine } from "./validate.ts";
 * import { tc2 } from "./tc2.ts";
 * console.log(assertMachine(tc2).name); // "tc2"
 * ```
 * @param value the machine to check
 * @param path where it sits, for messages; default `"machine"`
 * @returns the same machine, typed
 * @throws {ScenarioError} with the first issue's code, path and value
 */
export function assertMachine(value: unknown, path = "machine"): Machine {
  const issues = machineIssues(value, path);
  if (issues.length > 0) {
    const first = issues[0];
    const more = issues.length > 1 ? ` (and ${issues.length - 1} more problem(s))` : "";
    throw new ScenarioError(first.code, first.path, first.value, first.message + more);
  }
  return value as Machine;
}

/**
 * The capacity of every cache of a valid machine, in bytes: each CPU's L1,
 * each cluster's L2 and the system cache.
 *
 * @example Usage
 * ```ts
 * import { cacheBytes } from "./validate.ts";
 * import { generic } from "./generic.ts";
 * console.log(cacheBytes(generic) / 1024); // 4 x 32 KiB + 1 MiB = 1152
 * ```
 * @param machine a machine that passed {@linkcode machineIssues}
 * @returns the total capacity
 */
export function cacheBytes(machine: Machine): number {
  let bytes = machine.systemCache?.size ?? 0;
  for (const c of machine.clusters) bytes += c.l1d.size * c.cpus + (c.l2?.size ?? 0);
  return bytes;
}

/**
 * Checks that a valid system cache can replace a valid machine's own: the
 * same line size as the machine's caches, and the total capacity still
 * within {@linkcode MAX_TOTAL_CACHE}.
 *
 * @example Usage
 * ```ts
 * import { systemCacheFitIssues } from "./validate.ts";
 * import { generic } from "./generic.ts";
 * const issues = systemCacheFitIssues(generic, { size: 1 << 20, ways: 8, lineSize: 128 }, "systemCache");
 * console.log(issues[0].path); // "systemCache.lineSize"
 * ```
 * @param machine the machine, valid
 * @param spec the system cache, valid on its own (see {@linkcode systemCacheIssues})
 * @param path where the system cache sits, for messages
 * @returns the problems found
 */
export function systemCacheFitIssues(
  machine: Machine,
  spec: SystemCacheSpec,
  path: string,
): MachineIssue[] {
  const shape: Shape = { lineSize: machine.clusters[0].l1d.lineSize ?? 64, bytes: 0 };
  const out = lineSizeIssues(spec, path, shape);
  const bytes = cacheBytes({ ...machine, systemCache: spec });
  if (bytes > MAX_TOTAL_CACHE) {
    out.push(
      issue(
        "out_of_range",
        `${path}.size`,
        spec.size,
        `a system cache that keeps the machine within ${MAX_TOTAL_CACHE} bytes ` +
          `(512 MiB) of cache in all; with it the machine has ${bytes}`,
      ),
    );
  }
  return out;
}
