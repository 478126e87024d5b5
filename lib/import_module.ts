/**
 * Imports a module named only at run time: a user's scenario or policy
 * file, given by its absolute URL.
 *
 * Why not a plain `import(url)` at each call site: `deno publish` analyzes
 * every dynamic import so that it can rewrite import-map specifiers, and
 * warns (`unanalyzable-dynamic-import`) about one whose specifier is
 * computed. These specifiers are absolute `file:` (or `http:`) URLs that
 * need no rewriting, so the import is made by a function the publish-time
 * analysis does not read. Every specifier passed here must be absolute.
 *
 * @module
 */

/** The function that performs the import (a module's own `import()` resolves against it). */
const dynamicImport = new Function("url", "return import(url);") as (
  url: string,
) => Promise<Record<string, unknown>>;

/**
 * Imports the module at an absolute URL.
 *
 * @example Usage
 * ```ts
 * import { importModule } from "./import_module.ts";
 * const mod = await importModule(new URL("./limits.ts", import.meta.url).href);
 * console.log("MAX_CPUS" in mod); // true
 * ```
 * @param url an absolute URL (`file:`, `http:`, `https:`, `data:`)
 * @returns the module's namespace
 * @throws {TypeError} for a relative URL; whatever loading or evaluating the module throws
 */
export function importModule(url: string): Promise<Record<string, unknown>> {
  if (!URL.canParse(url)) {
    return Promise.reject(new TypeError(`importModule: not an absolute URL: ${url}`));
  }
  return dynamicImport(url);
}
