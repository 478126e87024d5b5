/**
 * Test support: a file of `deno test` cases run in a child process with a
 * time limit. A case that loops forever when the code it tests is wrong (a
 * budget that never stops a step, a deadline never enforced) cannot be
 * stopped in the process that runs it: a synchronous loop holds the thread,
 * and a worker ended while spinning keeps its thread until the process
 * exits. In a child, the case fails at the limit instead of hanging CI.
 *
 * @module
 */

import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { runCommand } from "./command.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

/**
 * Runs `deno test -P --no-check <file>` from the project's root, ending it
 * after `limitMs`; fails when it ran out of time (naming the cases that
 * finished before), when a case failed, or when it ran other than `cases`
 * cases. The file is not named `*_test.ts`, so `deno test` never runs it
 * directly; `deno task check` type-checks it.
 *
 * @example Usage
 * ```ts ignore
 * import { testInChild } from "../support/child_tests.ts";
 * Deno.test("budgets stop work without end", () =>
 *   testInChild("tests/reliability/runaway_cases.ts", 4, 60_000));
 * ```
 * @param file the test file, relative to the project's root
 * @param cases how many top-level cases it holds
 * @param limitMs the time limit, far above what the cases take
 */
export async function testInChild(file: string, cases: number, limitMs: number): Promise<void> {
  const o = await runCommand([Deno.execPath(), "test", "-P", "--no-check", file], {
    cwd: ROOT,
    timeoutMs: limitMs,
  });
  const finished = o.stdout.split("\n").filter((l) => /^\S.* \.\.\. (ok|FAILED)/.test(l));
  if (o.timedOut) {
    assert.fail(
      `${file} was still running after ${limitMs / 1000} s and was ended: the case after ` +
        `these never finished:\n${finished.join("\n")}`,
    );
  }
  assert.equal(o.code, 0, `${file} failed:\n${o.stdout}${o.stderr}`);
  assert.equal(finished.length, cases, o.stdout);
  assert.match(o.stdout, new RegExp(`\\bok \\| ${cases} passed .*\\| 0 failed`));
}
