/**
 * The ScenarioError a call throws, for tests that then check its code, call
 * and value.
 *
 * @module
 */

import assert from "node:assert/strict";
import { ScenarioError } from "../../lib/errors.ts";

/**
 * Runs `fn`, which must throw a ScenarioError, and returns it.
 *
 * @param fn the call expected to be refused
 * @returns the error it threw
 */
export function assertThrowsScenario(fn: () => unknown): ScenarioError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof ScenarioError, `expected a ScenarioError, got ${e}`);
    return e;
  }
  throw new assert.AssertionError({ message: "expected the call to throw a ScenarioError" });
}

/**
 * Runs `fn` and returns the ScenarioError it throws as `{ code, call, value }`
 * (to compare whole with `assert.deepEqual`), or null when it returns.
 * Another error is thrown on.
 *
 * @param fn the call
 * @returns what it was refused with, or null
 */
export function refusalOf(
  fn: () => unknown,
): { code: string; call: string; value: unknown } | null {
  try {
    fn();
    return null;
  } catch (e) {
    if (!(e instanceof ScenarioError)) throw e;
    return { code: e.code, call: e.call, value: e.value };
  }
}
