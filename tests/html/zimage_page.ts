/**
 * What the browser tests share: the Chromium binary (installed with apt-get
 * on a Debian machine that lacks it, as `.ci/run` does) and the zImage page
 * the command line writes.
 *
 * @module
 */

import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { DEFAULT_CHROMIUM, findChromium } from "./cdp.ts";
import { installDebianPackages } from "../support/debian.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

/**
 * The Chromium binary, installed first on a Debian machine that lacks it.
 *
 * @returns its path
 * @throws {Error} naming where it looked and why the install failed
 */
export async function chromiumPath(): Promise<string> {
  const found = findChromium();
  if (found !== undefined) return found;
  const failed = await installDebianPackages(["chromium", "chromium-driver"]);
  const again = findChromium();
  if (again === undefined) {
    throw new Error(
      `Chromium is not installed (looked for ${DEFAULT_CHROMIUM}, or $CHROMIUM): ${failed}`,
    );
  }
  return again;
}

/**
 * Writes the zImage story's comparison page with
 * `cli.ts compare scenarios/zimage.ts --policies ... --html`, as a user does.
 *
 * @param dir where the page goes (as zimage.html)
 * @param policies the runs, comma-separated
 * @returns the page's path
 */
export async function writeZimagePage(dir: string, policies: string): Promise<string> {
  const page = `${dir}/zimage.html`;
  const made = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-R",
      "-W",
      "cli.ts",
      "compare",
      "scenarios/zimage.ts",
      "--policies",
      policies,
      "--html",
      page,
    ],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(made.code, 0, new TextDecoder().decode(made.stderr));
  return page;
}
