/**
 * Checks that a user-supplied {@linkcode Machine} describes caches the
 * simulator can build: every geometry a power of two that divides evenly
 * into sets, at least one CPU per cluster, booleans where booleans belong.
 *
 * The checks return issues as data (`{ code, path, value, message }`) so the
 * DSL can collect them with the rest of a scenario's problems;
 * {@linkcode assertMachine} throws the first one as a
 * {@linkcode ScenarioError}.
 *
 * Simplified: the limits (at most {@linkcode MAX_CPUS} CPUs, caches of at most
 * {@linkcode MAX_CACHE_SIZE} bytes) are the simulator's, not the
 * architecture's; line sizes may differ between levels.
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
import type { Machine } from "../hw/machine.ts";

/** The most CPUs a machine may have in the simulator. */
export const MAX_CPUS = 64;

/** The largest cache, in bytes, the simulator will build (256 MiB). */
export const MAX_CACHE_SIZE = 256 * 1024 * 1024;

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
  if (typeof ways !== "number" || !isPowerOfTwo(ways)) {
    out.push(issue("bad_geometry", `${path}.ways`, ways, "a power of two (1, 2, 4, 8, 16, ...)"));
  }
  if (typeof lineSize !== "number" || !isPowerOfTwo(lineSize) || lineSize < 16) {
    out.push(
      issue("bad_geometry", `${path}.lineSize`, lineSize, "a power of two of at least 16 bytes"),
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
      out.push(issue("bad_schema", `${path}.${key}`, value[key], "no such field"));
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
      out.push(...geometryIssues(cluster.l1d, `${at}.l1d`));
      if (cluster.l2 !== undefined) out.push(...geometryIssues(cluster.l2, `${at}.l2`));
      for (const key of Object.keys(cluster)) {
        if (key !== "core" && key !== "cpus" && key !== "l1d" && key !== "l2") {
          out.push(issue("bad_schema", `${at}.${key}`, cluster[key], "no such field"));
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
    out.push(...systemCacheIssues(value.systemCache, `${path}.systemCache`));
  }
  const features = value.features;
  if (features !== undefined) {
    if (!isRecord(features)) {
      out.push(issue("bad_schema", `${path}.features`, features, "an object { fwb? }"));
    } else {
      if (features.fwb !== undefined && typeof features.fwb !== "boolean") {
        out.push(issue("bad_schema", `${path}.features.fwb`, features.fwb, "a boolean"));
      }
      for (const key of Object.keys(features)) {
        if (key !== "fwb") {
          out.push(issue("bad_schema", `${path}.features.${key}`, features[key], "no such field"));
        }
      }
    }
  }
  for (const key of Object.keys(value)) {
    if (!["name", "description", "clusters", "systemCache", "features"].includes(key)) {
      out.push(issue("bad_schema", `${path}.${key}`, value[key], "no such field"));
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
