/**
 * The README as tests read it: the code or output block that follows a
 * marker.
 *
 * @module
 */

import assert from "node:assert/strict";

/** The README of this checkout. */
export const README: string = await Deno.readTextFile(
  new URL("../../README.md", import.meta.url),
);

/**
 * The first block opened by `fence` after `marker` in the README, without its
 * fences, ending in a newline.
 *
 * @example Usage
 * ```ts ignore
 * import { blockAfter } from "./readme.ts";
 * console.log(blockAfter("## The DSL in one example", "```ts"));
 * ```
 * @param marker text that comes before the block
 * @param fence the block's opening fence, e.g. "```ts"
 * @returns the block's lines
 */
export function blockAfter(marker: string, fence: string): string {
  const at = README.indexOf(marker);
  assert.ok(at >= 0, `README has no ${JSON.stringify(marker)}`);
  const open = README.indexOf(fence, at);
  const start = README.indexOf("\n", open) + 1;
  const end = README.indexOf("\n```", start);
  return README.slice(start, end + 1);
}
