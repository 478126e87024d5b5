/**
 * Text helpers shared by the question scenarios: section titles, the quoted
 * question, trace excerpts of bounded length, aligned tables and numbers.
 *
 * @example Usage
 * ```ts
 * import { section, table } from "./text.ts";
 * console.log(section("Answer"));
 * console.log(table(["machine", "ok"], [["tc2", "yes"]]));
 * ```
 *
 * @module
 */

/**
 * A section title underlined with `=`, preceded by a blank line.
 *
 * @example Usage
 * ```ts
 * import { section } from "./text.ts";
 * console.log(section("Events")); // "\nEvents\n======"
 * ```
 * @param title the title
 * @returns the title block
 */
export function section(title: string): string {
  return `\n${title}\n${"=".repeat(title.length)}`;
}

/**
 * A quotation from the thread: each line prefixed with `> `, then who said it.
 *
 * @example Usage
 * ```ts
 * import { quote } from "./text.ts";
 * console.log(quote(["Why?"], "Christoffer Dall, 27 Jan 2015"));
 * ```
 * @param lines the quoted lines, verbatim
 * @param who the speaker and date
 * @returns the quotation block
 */
export function quote(lines: readonly string[], who: string): string {
  return [...lines.map((l) => (l === "" ? ">" : `> ${l}`)), `  -- ${who}`].join("\n");
}

/**
 * The event lines of a text trace (its `#` header dropped), at most `max` of
 * them; the rest are counted in one closing line.
 *
 * @example Usage
 * ```ts
 * import { traceBody } from "./text.ts";
 * console.log(traceBody("# tracer: setway\n  a\n  b\n  c\n", 2)); // "  a\n  b\n  ... 1 more line(s)"
 * ```
 * @param trace a trace from `RunResult.trace()`
 * @param max the most lines to keep; default no limit
 * @returns the event lines
 */
export function traceBody(trace: string, max = Infinity): string {
  const lines = trace.split("\n").filter((l) => l !== "" && !l.startsWith("#"));
  if (lines.length <= max) return lines.join("\n");
  return [...lines.slice(0, max), `  ... ${lines.length - max} more line(s)`].join("\n");
}

/**
 * A plain-text table: columns padded to their widest cell, numbers right-aligned.
 *
 * @example Usage
 * ```ts
 * import { table } from "./text.ts";
 * console.log(table(["policy", "exits"], [["kvm-4.0", "12"], ["kvm-3.18", "9"]]));
 * ```
 * @param head the column titles
 * @param rows the cells, one array per row
 * @returns the table, one line per row after a title line and a rule
 */
export function table(head: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const numeric = head.map((_, i) => rows.length > 0 && rows.every((r) => /^[\d,.]+$/.test(r[i])));
  const line = (cells: readonly string[]) =>
    cells.map((c, i) => (numeric[i] ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join("  ")
      .trimEnd();
  return [line(head), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n");
}

/**
 * An integer with thousands separators, independent of the locale.
 *
 * @example Usage
 * ```ts
 * import { num } from "./text.ts";
 * console.log(num(1234567)); // "1,234,567"
 * ```
 * @param n a non-negative integer
 * @returns the digits grouped by three
 */
export function num(n: number): string {
  return String(Math.round(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

/**
 * Joins names as prose: "a", "a and b", "a, b and c".
 *
 * @example Usage
 * ```ts
 * import { list } from "./text.ts";
 * console.log(list(["tc2", "xgene1", "juno-r0"])); // "tc2, xgene1 and juno-r0"
 * ```
 * @param items the names
 * @returns the prose list, or "none" when empty
 */
export function list(items: readonly string[]): string {
  if (items.length === 0) return "none";
  if (items.length === 1) return items[0];
  return `${items.slice(0, -1).join(", ")} and ${items[items.length - 1]}`;
}
