/**
 * Temporary directories that do not outlive the test process: each one
 * {@linkcode tempDir} makes is removed when the process unloads, so a test
 * that fails (or is made to fail, by a mutant) before its own clean-up
 * leaves nothing behind in the system's temporary folder. A test may still
 * remove its directory itself; what is gone by then is passed over.
 *
 * @module
 */

const made: string[] = [];

function removeAll(): void {
  for (const dir of made.splice(0)) {
    try {
      Deno.removeSync(dir, { recursive: true });
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
    }
  }
}

/**
 * Makes a temporary directory, removed at the latest when the process unloads.
 *
 * @example Usage
 * ```ts ignore
 * import { tempDir } from "./temp_dir.ts";
 * const dir = await tempDir({ prefix: "setway-x-" });
 * ```
 * @param options as `Deno.makeTempDir`'s
 * @returns its path
 */
export async function tempDir(options?: Deno.MakeTempOptions): Promise<string> {
  const dir = await Deno.makeTempDir(options);
  if (made.length === 0) globalThis.addEventListener("unload", removeAll, { once: true });
  made.push(dir);
  return dir;
}
