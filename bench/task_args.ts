/**
 * The command lines of the project's own tasks (the bench tasks
 * `bench:report`, `bench:replay`, `bench:zimage` and `bench:scaling`, and
 * `binaries` and `build:core`): counts given by position and flags given
 * by name. Anything else (an unknown flag, a count
 * that is not a whole number from its minimum, one count too many) is one
 * line and status 2 before any measurement starts; `--help` prints the
 * usage.
 *
 * @example Usage
 * ```ts
 * import { benchArgs } from "./task_args.ts";
 * const a = benchArgs("bench:replay", ["7"], [
 *   { name: "n", default: 5, min: 1 },
 *   { name: "m", default: 3, min: 0 },
 * ]);
 * console.log(a); // { counts: [ 7, 3 ], flags: [] }
 * ```
 *
 * @module
 */

/** A count given by position. */
export interface CountArg {
  /** What the usage line calls it. */
  readonly name: string;
  /** Its value when absent. */
  readonly default: number;
  /** The smallest value it takes. */
  readonly min: number;
}

/** What a bench task should do: measure with these counts and flags, or print a line and exit. */
export type BenchArgs =
  | { readonly counts: number[]; readonly flags: string[] }
  | { readonly exit: 0 | 2; readonly line: string };

/**
 * Reads a bench task's arguments.
 *
 * @example Usage
 * ```ts
 * import { benchArgs } from "./task_args.ts";
 * console.log(benchArgs("bench:report", ["--fast"], [], ["--quick"]));
 * // { exit: 2, line: "bench:report: unknown flag --fast; usage: deno task bench:report [--quick]" }
 * ```
 * @param task the task's name, as `deno task` knows it
 * @param args the command line's arguments
 * @param counts the counts it takes by position, in order
 * @param known the flags it takes (each starting with `--`)
 * @returns the counts (defaults where absent) and the flags given; or the usage and status 0
 *   for `--help`; or one line and status 2 for anything else
 */
export function benchArgs(
  task: string,
  args: readonly string[],
  counts: readonly CountArg[],
  known: readonly string[] = [],
): BenchArgs {
  const usage = `usage: deno task ${task}${counts.map((c) => ` [${c.name}]`).join("")}${
    known.map((f) => ` [${f}]`).join("")
  }`;
  const refuse = (why: string) => ({ exit: 2 as const, line: `${task}: ${why}; ${usage}` });
  if (args.includes("--help")) return { exit: 0, line: usage };
  const flags = args.filter((a) => a.startsWith("--"));
  const unknown = flags.find((f) => !known.includes(f));
  if (unknown !== undefined) return refuse(`unknown flag ${unknown}`);
  const given = args.filter((a) => !a.startsWith("--"));
  if (given.length > counts.length) return refuse(`unexpected argument ${given[counts.length]}`);
  const values: number[] = [];
  for (const [i, c] of counts.entries()) {
    if (i >= given.length) {
      values.push(c.default);
      continue;
    }
    const v = wholeNumber(c.name, given[i], c.min);
    if (typeof v === "string") return refuse(v);
    values.push(v);
  }
  return { counts: values, flags };
}

/**
 * A task's count or option value read as a whole number from `min`, or
 * what is wrong with it, as the task's one line says it.
 *
 * @example Usage
 * ```ts
 * import { wholeNumber } from "./task_args.ts";
 * console.log(wholeNumber("n", "7", 1), wholeNumber("n", "0", 1));
 * // 7 'n takes a whole number from 1, not "0"'
 * ```
 * @param name what the usage line calls it (`n`, `--runs`)
 * @param text the argument as given
 * @param min the smallest value it takes
 * @returns the number, or the problem
 */
export function wholeNumber(name: string, text: string, min: number): number | string {
  const v = Number(text);
  return text.trim() === "" || !Number.isSafeInteger(v) || v < min
    ? `${name} takes a whole number from ${min}, not ${JSON.stringify(text)}`
    : v;
}

/**
 * {@linkcode benchArgs} for a task's main module: the counts and flags, or
 * the line printed and the process ended with its status.
 *
 * @example Usage
 * ```ts ignore
 * import { benchArgsOrExit } from "./task_args.ts";
 * const [pairs] = benchArgsOrExit("bench:zimage", [{ name: "pairs", default: 9, min: 1 }]).counts;
 * ```
 * @param task the task's name
 * @param counts the counts it takes by position
 * @param known the flags it takes
 * @returns the counts and flags
 */
export function benchArgsOrExit(
  task: string,
  counts: readonly CountArg[],
  known: readonly string[] = [],
): { counts: number[]; flags: string[] } {
  const a = benchArgs(task, Deno.args, counts, known);
  if ("exit" in a) {
    (a.exit === 0 ? console.log : console.error)(a.line);
    Deno.exit(a.exit);
  }
  return a;
}
