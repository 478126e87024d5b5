/**
 * Assertions shared by the DSL tests.
 *
 * @module
 */

import assert from "node:assert/strict";
import { ScenarioError } from "../../lib/errors.ts";

/** Deep strict equality. */
export function assertEquals(actual: unknown, expected: unknown, message?: string): void {
  assert.deepStrictEqual(actual, expected, message);
}

/** Runs `fn`, which must throw a ScenarioError, and returns it. */
export function assertThrowsScenario(fn: () => unknown): ScenarioError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof ScenarioError, `expected a ScenarioError, got ${e}`);
    return e;
  }
  throw new assert.AssertionError({ message: "expected the call to throw a ScenarioError" });
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
