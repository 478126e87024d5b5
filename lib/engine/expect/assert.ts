/**
 * Expectations in `deno test`: {@linkcode assertExpectations} checks a
 * scenario and throws an {@linkcode ExpectationError} when an expectation
 * fails, its message the check's report with the counterexample's trace;
 * {@linkcode expectTest} registers that as a test.
 *
 * ```ts
 * import { expectTest } from "@setway/setway/expect";
 * import { vm } from "@setway/setway";
 * import { never } from "@setway/setway/expect";
 * import { staleAnywhere } from "@setway/setway/expect";
 * // At the top level of a test file (not inside another test):
 * const register = () => expectTest(vm().guest((g) => g.vaCorrect()).expect(never(staleAnywhere())));
 * ```
 *
 * @module
 */

import { ScenarioError, showValue } from "../../errors.ts";
import { checkExpectations, type CheckOptions, type CheckResult } from "./check.ts";
import { describeExpectation } from "./describe.ts";
import { formatCheck } from "./format.ts";
import type { Scenario } from "../scenario.ts";

/**
 * Anything {@linkcode assertExpectations} can check: a scenario builder
 * (`vm()...`, which keeps its policy object and budget) or a scenario.
 *
 * @example Usage
 * ```ts
 * import type { Checkable } from "@setway/setway/expect";
 * import { vm } from "@setway/setway";
 * const target: Checkable = vm().guest((g) => g.vaCorrect());
 * ```
 */
export type Checkable = { check(options?: CheckOptions): Promise<CheckResult> } | Scenario;

/**
 * An expectation failed: the message is the check's report, with the trace
 * of each failing expectation's counterexample.
 *
 * @example Usage
 * ```ts
 * import { ExpectationError } from "@setway/setway/expect";
 * const isFailure = (e: unknown) => e instanceof ExpectationError && !e.result.ok;
 * ```
 */
export class ExpectationError extends Error {
  /** The check's result. */
  readonly result: CheckResult;

  /**
   * Wraps a failed check.
   *
   * @param result the result, with at least one failing expectation
   * @param prefix put before the report, e.g. the test's name; default none
   */
  constructor(result: CheckResult, prefix = "") {
    const failed = result.expectations.filter((r) => !r.holds).map((r) => r.text);
    super(
      `${prefix}${failed.length === 1 ? "expectation" : "expectations"} failed: ${
        failed.join(", ")
      }\n\n${formatCheck(result, { witnesses: "failures" })}`,
    );
    this.name = "ExpectationError";
    this.result = result;
  }
}

function isBuilder(t: unknown): t is { check(options?: CheckOptions): Promise<CheckResult> } {
  return typeof t === "object" && t !== null &&
    typeof (t as { check?: unknown }).check === "function";
}

/**
 * Checks a scenario's expectations and throws when one fails.
 *
 * @example Usage
 * ```ts
 * import { assertExpectations } from "@setway/setway/expect";
 * import { vm } from "@setway/setway";
 * import { exists } from "@setway/setway/expect";
 * import { staleAnywhere } from "@setway/setway/expect";
 * const zImage = vm().machine("xgene1").policy("kvm-3.18").guest((g) => g.zImage32({ words: 4, pages: 1 }));
 * await assertExpectations(zImage.expect(exists(staleAnywhere({ blame: "hypervisor" }))));
 * ```
 * @param target a builder or a scenario, with expectations
 * @param options the check's bounds (see `CheckOptions`)
 * @returns the check's result, when every expectation holds
 * @throws {ExpectationError} when an expectation fails; {ScenarioError} for bad input
 */
export async function assertExpectations(
  target: Checkable,
  options: CheckOptions = {},
): Promise<CheckResult> {
  let result: CheckResult;
  if (isBuilder(target)) result = await target.check(options);
  else if (typeof target === "object" && target !== null) {
    result = await checkExpectations(target, options);
  } else {
    throw new ScenarioError(
      "invalid_value",
      "assertExpectations",
      target,
      `assertExpectations(${showValue(target)}): expected a scenario builder or a scenario`,
    );
  }
  if (!result.ok) throw new ExpectationError(result);
  return result;
}

/**
 * Options of {@linkcode expectTest}: the check's, and the test's name.
 *
 * @example Usage
 * ```ts
 * import type { ExpectTestOptions } from "@setway/setway/expect";
 * const o: ExpectTestOptions = { name: "zImage on X-Gene under KVM 4.0", maxPerturbations: 1 };
 * ```
 */
export interface ExpectTestOptions extends CheckOptions {
  /** The test's name. Default: `"expectations: "` and the expectations' text. */
  readonly name?: string;
}

/**
 * Registers a `Deno.test` that checks a scenario's expectations.
 *
 * @example Usage
 * ```ts
 * import { expectTest } from "@setway/setway/expect";
 * import { vm } from "@setway/setway";
 * import { never } from "@setway/setway/expect";
 * import { crashed } from "@setway/setway/expect";
 * // At the top level of a test file (not inside another test):
 * const register = () =>
 *   expectTest(vm().guest((g) => g.vaCorrect()).expect(never(crashed())), { name: "no crash" });
 * ```
 * @param target a builder or a scenario, with expectations
 * @param options the test's name and the check's bounds
 */
export function expectTest(target: Checkable, options: ExpectTestOptions = {}): void {
  const { name, ...check } = options;
  let title = name;
  if (title === undefined) {
    let texts = "(none)";
    try {
      const expect = check.expect ??
        (isBuilder(target)
          ? (target as unknown as { toJSON(): Scenario }).toJSON().expect
          : target.expect);
      if (expect !== undefined && expect.length > 0) {
        texts = expect.map(describeExpectation).join(", ");
      }
    } catch {
      // an invalid scenario or expectation: the test itself reports why
    }
    title = `expectations: ${texts}`;
  }
  Deno.test(title, async () => {
    await assertExpectations(target, check);
  });
}
