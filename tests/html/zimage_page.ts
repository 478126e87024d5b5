/**
 * What the browser tests share: the Chromium binary (installed with apt-get
 * on a Debian machine that lacks it, as `.ci/run` does), the zImage page
 * the command line writes, and the page's errors and warnings.
 *
 * @module
 */

import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { Browser, DEFAULT_CHROMIUM, findChromium } from "./cdp.ts";
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

/**
 * The errors, uncaught exceptions and warnings the page logged, by text.
 *
 * @param browser the browser the page ran in
 * @returns their texts, in order
 */
export function pageProblems(browser: Browser): string[] {
  return browser.messages
    .filter((m) => m.level === "error" || m.source === "exception" || m.level === "warning")
    .map((m) => m.text);
}

/**
 * Writes the zImage page for `policies`, opens Chromium on it, and runs
 * `use` with a function that loads the page afresh and evaluates an
 * expression's body after `helpers`; then checks that the page logged no
 * error or warning, and closes the browser and removes the page.
 *
 * @param prefix the temporary directory's prefix
 * @param policies the runs, comma-separated
 * @param helpers script text defined before each body
 * @param use the test's steps
 */
export async function withZimagePage(
  prefix: string,
  policies: string,
  helpers: string,
  use: (fresh: <T>(body: string) => Promise<T>) => Promise<void>,
): Promise<void> {
  const chromium = await chromiumPath();
  const dir = await Deno.makeTempDir({ prefix });
  try {
    const page = await writeZimagePage(dir, policies);
    const browser = await Browser.launch(chromium, `${dir}/profile`, { width: 1400, height: 1000 });
    try {
      await use(async <T>(body: string): Promise<T> => {
        await browser.navigate(`file://${page}`);
        return await browser.evaluate<T>(`(() => {${helpers}\n${body}\n})()`);
      });
      assert.deepEqual(pageProblems(browser), []);
    } finally {
      await browser.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}
