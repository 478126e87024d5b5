/**
 * Assertions shared by the DSL tests.
 *
 * @module
 */

import assert from "node:assert/strict";
import { ScenarioError } from "../../lib/errors.ts";
import { assertThrowsScenario } from "../support/scenario_error.ts";
export { assertThrowsScenario };

/** Deep strict equality. */
export function assertEquals(actual: unknown, expected: unknown, message?: string): void {
  assert.deepStrictEqual(actual, expected, message);
}

/** Checks an error's code and call, and that its message shows the refused value. */
export function assertScenarioError(
  fn: () => unknown,
  code: string,
  call: string,
  shown: string,
): ScenarioError {
  const err = assertThrowsScenario(fn);
  assertEquals([err.code, err.call], [code, call], err.message);
  assert.ok(err.message.includes(shown), `message names ${shown}: ${err.message}`);
  return err;
}
