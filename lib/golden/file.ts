/**
 * The golden file format: plain text between a first line `# setway golden v1`
 * and a last line `# end`.
 *
 * The two marker lines make damage detectable: a file cut short loses its
 * `# end`, and a file that is not a golden at all lacks the first line. Text
 * that is not UTF-8 or holds a NUL byte is refused too. Windows line endings
 * (`\r\n`, as a checkout may produce) read as `\n`, and a leading byte-order
 * mark is dropped.
 *
 * @example Usage
 * ```ts
 * import { parseGolden, serializeGolden } from "./file.ts";
 * const file = serializeGolden("line 1\nline 2\n");
 * // "# setway golden v1\nline 1\nline 2\n# end\n"
 * const parsed = parseGolden(new TextEncoder().encode(file));
 * if (parsed.ok) console.log(parsed.text); // "line 1\nline 2\n"
 * ```
 *
 * @module
 */

/**
 * The first line of every golden file.
 *
 * @example Usage
 * ```ts
 * import { GOLDEN_FIRST_LINE } from "./file.ts";
 * console.log(GOLDEN_FIRST_LINE); // "# setway golden v1"
 * ```
 */
export const GOLDEN_FIRST_LINE = "# setway golden v1";

/**
 * The last line of every golden file.
 *
 * @example Usage
 * ```ts
 * import { GOLDEN_LAST_LINE } from "./file.ts";
 * console.log(GOLDEN_LAST_LINE); // "# end"
 * ```
 */
export const GOLDEN_LAST_LINE = "# end";

/**
 * What {@linkcode parseGolden} found: the text, or why the file is corrupt.
 *
 * @example Usage
 * ```ts
 * import type { GoldenParse } from "./file.ts";
 * const bad: GoldenParse = { ok: false, reason: "it contains a NUL byte (line 3)" };
 * ```
 */
export type GoldenParse =
  | { readonly ok: true; readonly text: string; readonly content: string }
  | { readonly ok: false; readonly reason: string };

/**
 * The file content for a text: the markers around it, the text ending with a
 * newline (one is added when missing, so `"a"` and `"a\n"` give the same
 * file).
 *
 * @example Usage
 * ```ts
 * import { serializeGolden } from "./file.ts";
 * serializeGolden(""); // "# setway golden v1\n# end\n"
 * serializeGolden("x"); // "# setway golden v1\nx\n# end\n"
 * ```
 * @param text the text to keep
 * @returns the golden file's content
 */
export function serializeGolden(text: string): string {
  const body = text === "" || text.endsWith("\n") ? text : text + "\n";
  return `${GOLDEN_FIRST_LINE}\n${body}${GOLDEN_LAST_LINE}\n`;
}

/**
 * Reads a golden file's bytes: its text, and its content with line endings
 * normalised (what {@linkcode serializeGolden} would have written), or the
 * reason it is corrupt.
 *
 * @example Usage
 * ```ts
 * import { parseGolden } from "./file.ts";
 * const r = parseGolden(new TextEncoder().encode("# setway golden v1\nabc\n"));
 * r.ok; // false: the last line is not "# end"
 * ```
 * @param bytes the file's bytes
 * @returns the parse result
 */
export function parseGolden(bytes: Uint8Array): GoldenParse {
  let raw: string;
  try {
    raw = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return { ok: false, reason: "it is not valid UTF-8 text" };
  }
  const nul = raw.indexOf("\0");
  if (nul >= 0) {
    const line = raw.slice(0, nul).split("\n").length;
    return { ok: false, reason: `it contains a NUL byte (line ${line})` };
  }
  if (raw === "") return { ok: false, reason: "it is empty (truncated?)" };
  const content = raw.replaceAll("\r\n", "\n");
  const lines = content.split("\n");
  if (lines.at(-1) === "") lines.pop();
  if (lines[0] !== GOLDEN_FIRST_LINE) {
    const why = lines[0].startsWith("# setway golden ")
      ? `its format ${JSON.stringify(lines[0])} is not ${JSON.stringify(GOLDEN_FIRST_LINE)}`
      : `its first line is not ${JSON.stringify(GOLDEN_FIRST_LINE)}`;
    return { ok: false, reason: why };
  }
  if (lines.length < 2 || lines.at(-1) !== GOLDEN_LAST_LINE) {
    return {
      ok: false,
      reason: `it is truncated: its last line is not ${JSON.stringify(GOLDEN_LAST_LINE)}`,
    };
  }
  const body = lines.slice(1, -1);
  const text = body.length === 0 ? "" : body.join("\n") + "\n";
  return { ok: true, text, content: serializeGolden(text) };
}
