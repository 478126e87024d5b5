/**
 * Test support for the guest binaries (scenarios/binaries.ts): fetches them
 * when they are absent, so that `deno test -P` does its own set-up on a
 * fresh Debian machine (as root, the way `.ci/run` runs), as the browser,
 * export and Unicorn tests do for their packages. Elsewhere, or when the
 * download fails, the test fails with one line naming what is missing,
 * where it was looked for, why it could not be fetched and
 * `deno task binaries`.
 *
 * The fetch is the one `deno task binaries` runs ({@linkcode installBinaries}),
 * after the Unicorn library and the ARM binutils ({@linkcode binaryTools}) and
 * QEMU, which dumps the device trees. It runs once per process, and under an
 * exclusive lock on a file beside the binaries' directory, so that test
 * processes run in parallel do not extract into it at the same time.
 *
 * @module
 */

import { dirname } from "node:path";
import { binariesDir, installBinaries, missingBinariesMessage } from "../../scenarios/binaries.ts";
import { commandRuns } from "../support/command.ts";
import { installDebianPackages } from "../support/debian.ts";
import { binaryTools } from "./tools.ts";

/**
 * How the binaries are made present: the real fetch, or one a test gives.
 *
 * @example Usage
 * ```ts ignore
 * import type { FetchOptions } from "./guest_binaries.ts";
 * const offline: FetchOptions = { install: () => Promise.reject(new Error("offline")) };
 * ```
 */
export interface FetchOptions {
  /** Downloads and extracts the binaries; default {@linkcode installBinaries}. */
  readonly install?: (log: (line: string) => void) => Promise<void>;
  /** Makes QEMU and the binary tools present; default installs them with apt-get. */
  readonly tools?: () => Promise<string | null>;
  /** Receives one line per step of a fetch; default prints it. */
  readonly log?: (line: string) => void;
}

let pending: Promise<string | null> | null = null;

/**
 * The guest binaries, fetched at the first call of the process when absent.
 *
 * @example Usage
 * ```ts ignore
 * import { guestBinaries } from "./guest_binaries.ts";
 * const missing = await guestBinaries();
 * if (missing !== null) throw new Error(missing);
 * ```
 * @returns null when every binary is there, else the message the test fails with
 */
export function guestBinaries(): Promise<string | null> {
  pending ??= fetchGuestBinaries();
  return pending;
}

/**
 * {@linkcode guestBinaries} without the memo: checks, and fetches what is
 * missing under the lock.
 *
 * @example Usage
 * ```ts ignore
 * import { fetchGuestBinaries } from "./guest_binaries.ts";
 * console.log(await fetchGuestBinaries({ log: () => {} })); // null once they are there
 * ```
 * @param options the fetch and the tools (tests give their own)
 * @returns null when every binary is there, else the message the test fails with
 */
export async function fetchGuestBinaries(options: FetchOptions = {}): Promise<string | null> {
  if (missingBinariesMessage() === null) return null;
  const log = options.log ?? ((line: string) => console.log(`binaries: ${line}`));
  const toolsMissing = await (options.tools ?? installTools)();
  if (toolsMissing !== null) return `${missingBinariesMessage()}; ${toolsMissing}`;
  const dir = binariesDir();
  let lock: Deno.FsFile;
  try {
    Deno.mkdirSync(dirname(dir), { recursive: true });
    lock = Deno.openSync(`${dir}.lock`, { create: true, write: true });
  } catch (e) {
    return `${missingBinariesMessage()}; could not create ${dir}.lock: ${(e as Error).message}`;
  }
  try {
    await lock.lock(true);
    // Another process may have fetched them while this one waited.
    if (missingBinariesMessage() === null) return null;
    try {
      await (options.install ?? installBinaries)(log);
    } catch (e) {
      return `${missingBinariesMessage() ?? "guest binaries"}; fetching them failed: ${
        firstLine((e as Error).message)
      }`;
    }
    return missingBinariesMessage();
  } finally {
    lock.close();
  }
}

/** Unicorn, the binutils and QEMU (the device trees are dumped with it), installed when absent. */
async function installTools(): Promise<string | null> {
  const tools = await binaryTools();
  if (!tools.ok) return tools.message;
  const qemu = async () =>
    await commandRuns("qemu-system-arm") && await commandRuns("qemu-system-aarch64");
  if (await qemu()) return null;
  const failed = await installDebianPackages(["qemu-system-arm"]);
  if (await qemu()) return null;
  return `qemu-system-arm and qemu-system-aarch64 dump the device trees: ${
    failed ?? "install qemu-system-arm"
  }`;
}

function firstLine(text: string): string {
  return text.trim().split("\n")[0] ?? "";
}
