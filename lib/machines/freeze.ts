/**
 * Deep-freezes a machine description so that a preset shared by every
 * scenario cannot be changed by one of them.
 *
 * @example Usage
 * ```ts
 * import { freezeMachine } from "./freeze.ts";
 * const m = freezeMachine({
 *   name: "one", description: "one CPU",
 *   clusters: [{ cpus: 1, l1d: { size: 32768, ways: 4 } }],
 * });
 * console.log(Object.isFrozen(m.clusters[0].l1d)); // true
 * ```
 *
 * @module
 */

import type { Machine } from "../hw/machine.ts";

function freezeDeep<T>(value: T): T {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    for (const key of Object.keys(value)) {
      freezeDeep((value as Record<string, unknown>)[key]);
    }
    Object.freeze(value);
  }
  return value;
}

/**
 * Freezes a machine and everything inside it.
 *
 * @example Usage
 * ```ts
 * import { freezeMachine } from "./freeze.ts";
 * const m = freezeMachine({ name: "x", description: "", clusters: [{ cpus: 1, l1d: { size: 4096, ways: 1 } }] });
 * console.log(Object.isFrozen(m)); // true
 * ```
 * @param machine the description to freeze in place
 * @returns the same object, now immutable
 */
export function freezeMachine<M extends Machine>(machine: M): M {
  return freezeDeep(machine);
}
