/**
 * Escaping text for HTML: every string a report puts into a page goes
 * through {@linkcode escapeHtml}, so an event name or a policy name from a
 * user-defined policy cannot break the page.
 *
 * @example Usage
 * ```ts
 * import { escapeHtml } from "./html_escape.ts";
 * escapeHtml(`<b title="x">&</b>`); // "&lt;b title=&quot;x&quot;&gt;&amp;&lt;/b&gt;"
 * ```
 *
 * @module
 */

const ENTITIES: Readonly<Record<string, string>> = Object.freeze({
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
});

/**
 * Escapes `&`, `<`, `>`, `"` and `'`: safe in element content and in quoted
 * attribute values.
 *
 * @example Usage
 * ```ts
 * import { escapeHtml } from "./html_escape.ts";
 * escapeHtml("a < b"); // "a &lt; b"
 * ```
 * @param text any text
 * @returns the text with HTML's special characters escaped
 */
export function escapeHtml(text: string): string {
  return String(text).replace(/[&<>"']/g, (c) => ENTITIES[c]);
}
