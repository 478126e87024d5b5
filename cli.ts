/**
 * The setway command line: run a scenario, compare policies, list what is
 * built in.
 *
 * ```sh
 * deno run -R -W cli.ts run scenarios/zimage.ts
 * deno run -R -W cli.ts compare scenarios/zimage.ts --policies kvm-3.18,kvm-4.0
 * deno run -R -W cli.ts list
 * deno run -R -W cli.ts --help
 * ```
 *
 * (`deno task cli ...` is the same with the permissions already given.)
 *
 * @module
 */

import { denoIo } from "./lib/cli/io.ts";
import { main } from "./lib/cli/main.ts";

if (import.meta.main) {
  // Deno.exit, not exitCode: a sandbox worker ended while stuck in a loop may keep its thread.
  Deno.exit(await main(Deno.args, denoIo(), { sandbox: true }));
}
