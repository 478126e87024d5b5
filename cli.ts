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

import { main } from "./lib/cli/main.ts";

if (import.meta.main) {
  Deno.exitCode = await main(Deno.args);
}
