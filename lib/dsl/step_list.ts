/**
 * An immutable, persistent list of steps: appending shares the existing
 * list instead of copying it, so a builder chain of n calls costs O(n), and
 * a builder reused twice gives two independent lists.
 *
 * @example Usage
 * ```ts
 * import { appendSteps, stepsOf } from "./step_list.ts";
 * const a = appendSteps(null, [{ kind: "read", vcpu: 0, addr: 0x4000_0000 }]);
 * const b = appendSteps(a, [{ kind: "read", vcpu: 0, addr: 0x4000_0004 }]);
 * console.log(stepsOf(a).length, stepsOf(b).length); // 1 2
 * ```
 *
 * @module
 */

import type { Step } from "../guest/ops.ts";

/** A node of the list: the steps appended last, and everything before them. */
export interface StepList {
  /** Everything appended before `chunk`, or null. */
  readonly prev: StepList | null;
  /** The steps appended by one call, frozen. */
  readonly chunk: readonly Step[];
  /** Total number of steps up to and including `chunk`. */
  readonly length: number;
}

function freezeStep(step: Step): Step {
  const copy = step.kind === "sctlr"
    ? { ...step, bits: Object.freeze({ ...step.bits }) }
    : { ...step };
  return Object.freeze(copy);
}

/**
 * Returns a list with `steps` appended; `list` itself is unchanged.
 *
 * @example Usage
 * ```ts
 * import { appendSteps } from "./step_list.ts";
 * console.log(appendSteps(null, [])); // null
 * ```
 * @param list the list so far, or null for an empty one
 * @param steps the steps to append (copied and frozen)
 * @returns the longer list (the same list when `steps` is empty)
 */
export function appendSteps(list: StepList | null, steps: readonly Step[]): StepList | null {
  if (steps.length === 0) return list;
  const chunk = Object.freeze(steps.map(freezeStep));
  return Object.freeze({ prev: list, chunk, length: (list?.length ?? 0) + chunk.length });
}

/**
 * Concatenates two lists: every step of `tail` after every step of `head`.
 *
 * @example Usage
 * ```ts
 * import { appendSteps, concatSteps, stepsOf } from "./step_list.ts";
 * const a = appendSteps(null, [{ kind: "pc", vcpu: 0, addr: 0 }]);
 * console.log(stepsOf(concatSteps(a, a)).length); // 2
 * ```
 * @param head the first list
 * @param tail the list to append
 * @returns the concatenation
 */
export function concatSteps(head: StepList | null, tail: StepList | null): StepList | null {
  if (tail === null) return head;
  if (head === null) return tail;
  const chunks: (readonly Step[])[] = [];
  for (let node: StepList | null = tail; node; node = node.prev) chunks.push(node.chunk);
  let out: StepList | null = head;
  for (let i = chunks.length - 1; i >= 0; i--) {
    out = Object.freeze({
      prev: out,
      chunk: chunks[i],
      length: (out?.length ?? 0) + chunks[i].length,
    });
  }
  return out;
}

/**
 * The steps of a list, in order, as a new array.
 *
 * @example Usage
 * ```ts
 * import { stepsOf } from "./step_list.ts";
 * console.log(stepsOf(null)); // []
 * ```
 * @param list the list
 * @returns its steps, first appended first
 */
export function stepsOf(list: StepList | null): Step[] {
  const chunks: (readonly Step[])[] = [];
  for (let node = list; node; node = node.prev) chunks.push(node.chunk);
  const out: Step[] = [];
  for (let i = chunks.length - 1; i >= 0; i--) {
    for (const step of chunks[i]) out.push(step);
  }
  return out;
}
