/**
 * The fingerprint of an exploration's configuration: a short hash of
 * everything that changes its answer, so that `mergeReports` can tell the
 * parts of one exploration from parts of another that merely look alike.
 *
 * What it covers: the machine as resolved (every cache and the system
 * cache, not only its name), the policy and the guest classes (names or
 * module references; an object given directly is known by its name only),
 * the vCPUs, the alphabet (operations, addresses, migration targets, host
 * CPU), RAM, the mode, seed, execution budget and perturbation rate, and
 * the switches that change the counts (hardware choices, prefaulting,
 * symmetry, state hashing, shrinking, prove mode's abstraction). What it
 * leaves out, because the
 * report does not depend on it: workers, progress, the part (`shard`),
 * and the time budget (a part it cut short is refused by the merge).
 *
 * @module
 */

import type { ExploreConfig } from "./options.ts";

/**
 * JSON with object keys sorted and non-finite numbers spelled out, so that
 * equal values give equal text whatever order their keys were written in.
 *
 * @example Usage
 * ```ts
 * import { canonicalJson } from "./fingerprint.ts";
 * console.log(canonicalJson({ b: 1, a: [Infinity, "x"] })); // {"a":["Infinity","x"],"b":1}
 * ```
 * @param value plain data
 * @returns its canonical text
 */
export function canonicalJson(value: unknown): string {
  if (typeof value === "number") return Number.isFinite(value) ? String(value) : `"${value}"`;
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (typeof value === "object" && value !== null) {
    const keys = Object.keys(value).filter((k) =>
      (value as Record<string, unknown>)[k] !== undefined
    ).sort();
    return `{${
      keys.map((k) =>
        `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`
      )
        .join(",")
    }}`;
  }
  return JSON.stringify(value) ?? "null";
}

const FNV_OFFSET = 0xcbf29ce484222325n;
const FNV_PRIME = 0x100000001b3n;
const MASK64 = (1n << 64n) - 1n;

/**
 * The 64-bit FNV-1a hash of a text's UTF-8 bytes, as 16 hex digits. Not
 * cryptographic: it tells configurations apart, it does not authenticate
 * them.
 *
 * @example Usage
 * ```ts
 * import { fnv1a64 } from "./fingerprint.ts";
 * console.log(fnv1a64("")); // "cbf29ce484222325"
 * ```
 * @param text the text
 * @returns the hash
 */
export function fnv1a64(text: string): string {
  let h = FNV_OFFSET;
  for (const byte of new TextEncoder().encode(text)) {
    h = ((h ^ BigInt(byte)) * FNV_PRIME) & MASK64;
  }
  return h.toString(16).padStart(16, "0");
}

/**
 * The fingerprint of a configuration (see the module doc).
 *
 * @example Usage
 * ```ts
 * import { configFingerprint } from "./fingerprint.ts";
 * import { resolveExploreOptions } from "./options.ts";
 * const a = configFingerprint(resolveExploreOptions({ shard: "0/2" }));
 * const b = configFingerprint(resolveExploreOptions({ shard: "1/2" }));
 * const c = configFingerprint(resolveExploreOptions({ shard: "1/2", maxOps: 5 }));
 * console.log(a === b, a === c); // true false
 * ```
 * @param config the resolved configuration
 * @returns 16 hex digits
 */
export function configFingerprint(config: ExploreConfig): string {
  return fnv1a64(canonicalJson({
    machine: config.machine,
    policy: config.policy,
    policyName: config.policyName,
    classes: config.classes,
    classObjects: config.classObjects.map((c) => c.name),
    cpus: config.cpus,
    maxOps: config.maxOps,
    ops: config.ops,
    addresses: config.addresses,
    migrateTo: config.migrateTo,
    hostCpu: config.hostCpu,
    speculation: config.speculation,
    prefault: config.prefault,
    ram: config.ram,
    ramBase: config.ramBase,
    mode: config.mode,
    // Only when it differs from the default, so that earlier fingerprints stay valid.
    abstraction: config.abstraction === "verdicts" ? "verdicts" : undefined,
    seed: config.seed,
    executions: config.executions,
    perturbRate: config.perturbRate,
    symmetry: config.symmetry,
    stateHashing: config.stateHashing,
    shrink: config.shrink,
  }));
}
