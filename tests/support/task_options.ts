/**
 * The command lines of the test suite's own tasks (`deno task fuzz`,
 * `deno task fidelity`): options that each take a whole number, `--help`,
 * and one line naming what is wrong, never a stack trace.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { wholeNumber } from "../../bench/task_args.ts";

/** One option that takes a whole number. */
export interface IntegerOption {
  /** Its value when absent. */
  readonly default: number;
  /** The smallest value it takes. */
  readonly min: number;
  /** The word the usage line shows for its value. */
  readonly value: string;
}

/** What the task should do: run with these values, or print a line and exit with a status. */
export type TaskOptions<K extends string> =
  | { readonly values: Record<K, number> }
  | { readonly exit: 0 | 2; readonly line: string };

/**
 * Reads a task's options: `--name N` (or `--name=N`) for each option of `spec`, and `--help`.
 *
 * @example Usage
 * ```ts
 * import { taskOptions } from "./task_options.ts";
 * const spec = { runs: { default: 10, min: 1, value: "N" } };
 * console.log(taskOptions("fuzz", ["--runs", "3"], spec)); // { values: { runs: 3 } }
 * ```
 * @param task the task's name, as `deno task` knows it
 * @param args the command line's arguments
 * @param spec the options
 * @returns the values; or, for `--help`, the usage line and status 0; or, for anything else
 *   (an unknown option, a value that is not a whole number from the option's minimum, an
 *   argument), one line saying so, the usage after it, and status 2
 */
export function taskOptions<K extends string>(
  task: string,
  args: readonly string[],
  spec: Readonly<Record<K, IntegerOption>>,
): TaskOptions<K> {
  const names = Object.keys(spec) as K[];
  const usage = `usage: deno task ${task} ${
    names.map((n) => `[--${n} ${spec[n].value}]`).join(" ")
  }`;
  const options: Record<string, { type: "string" } | { type: "boolean" }> = {
    help: { type: "boolean" },
  };
  for (const n of names) options[n] = { type: "string" };
  let parsed;
  try {
    parsed = parseArgs({ args: [...args], options, strict: true, allowPositionals: false });
  } catch (e) {
    // node:util's messages may run over lines: one line of them, here.
    const message = (e as Error).message.trim().replace(/\s*\n\s*/g, " ");
    return { exit: 2, line: `${task}: ${message}; ${usage}` };
  }
  if (parsed.values.help === true) return { exit: 0, line: usage };
  const values = {} as Record<K, number>;
  for (const n of names) {
    const given = parsed.values[n] as string | undefined;
    const v = given === undefined ? spec[n].default : wholeNumber(`--${n}`, given, spec[n].min);
    if (typeof v === "string") return { exit: 2, line: `${task}: ${v}; ${usage}` };
    values[n] = v;
  }
  return { values };
}
