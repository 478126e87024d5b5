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
