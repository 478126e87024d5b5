/**
 * Colour for terminal output, through `node:util` `styleText`, decided once
 * per run: on only when standard output is a terminal and `NO_COLOR` is not
 * set. With colour off every function returns its text unchanged, so output
 * piped to a file is plain and byte-for-byte deterministic.
 *
 * @example Usage
 * ```ts
 * import { makeStyle } from "./style.ts";
 * const s = makeStyle(false);
 * console.log(s.bad("FAIL") === "FAIL"); // true: colour off
 * ```
 *
 * @module
 */

import { styleText } from "node:util";

/**
 * The styles the command line uses.
 *
 * @example Usage
 * ```ts
 * import { makeStyle, type Style } from "./style.ts";
 * const s: Style = makeStyle(true);
 * console.log(s.good("ok"));
 * ```
 */
export interface Style {
  /** Whether colour is on. */
  readonly enabled: boolean;
  /** Headings. */
  heading(text: string): string;
  /** Good news: `ok`. */
  good(text: string): string;
  /** Bad news: `FAIL`, violations. */
  bad(text: string): string;
  /** Secondary text. */
  dim(text: string): string;
  /** Names the user can type: commands, options, policies. */
  name(text: string): string;
}

/**
 * Whether to colour standard output: it is a terminal and `NO_COLOR` is not
 * set (Deno reads `NO_COLOR` itself, so no `--allow-env` is needed).
 *
 * @example Usage
 * ```ts
 * import { colourWanted, makeStyle } from "./style.ts";
 * const style = makeStyle(colourWanted());
 * ```
 * @returns whether colour should be on
 */
export function colourWanted(): boolean {
  return !Deno.noColor && Deno.stdout.isTerminal();
}

/**
 * The styles, coloured or not.
 *
 * @example Usage
 * ```ts
 * import { makeStyle } from "./style.ts";
 * makeStyle(true).bad("FAIL"); // "\x1b[1m\x1b[31mFAIL\x1b[39m\x1b[22m"
 * ```
 * @param enabled whether to colour
 * @returns the styles
 */
export function makeStyle(enabled: boolean): Style {
  type Format = Parameters<typeof styleText>[0];
  const paint = (format: Format) => (text: string): string =>
    enabled ? styleText(format, text, { validateStream: false }) : text;
  return {
    enabled,
    heading: paint("bold"),
    good: paint(["bold", "green"]),
    bad: paint(["bold", "red"]),
    dim: paint("dim"),
    name: paint("cyan"),
  };
}
