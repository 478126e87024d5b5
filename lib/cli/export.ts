/**
 * `export --baremetal <scenario> [--out dir]`: writes the scenario's guest
 * program as a bootable AArch64 test (C, assembly, a linker script, a
 * Makefile) for QEMU's `virt` machine and real arm64 hosts under KVM.
 *
 * The directory is created when missing; files already there with the same
 * names are replaced. Standard output lists what was written and the
 * commands that build and run it.
 *
 * @example Usage
 * ```ts ignore
 * import { denoIo } from "./io.ts";
 * import { parseCommandLine } from "./parse.ts";
 * import { exportCommand } from "./export.ts";
 * const argv = ["export", "--baremetal", "scenarios/zimage.ts", "--out", "zimage-test"];
 * Deno.exit(await exportCommand(parseCommandLine(argv), denoIo()));
 * ```
 *
 * @module
 */

import { basename, extname, isAbsolute, join, relative, resolve } from "node:path";
import type { Scenario } from "../engine/scenario.ts";
import { exportBaremetal } from "../export/mod.ts";
import type { CliIo } from "./io.ts";
import { loadScenario } from "./load.ts";
import type { ParsedCommand } from "./parse.ts";
import { UsageError } from "./usage_error.ts";

/**
 * The directory `export` writes to without `--out`: the scenario file's name
 * without its extension, then `-baremetal`, in the working directory.
 *
 * @example Usage
 * ```ts
 * import { defaultOutDir } from "./export.ts";
 * console.log(defaultOutDir("scenarios/zimage.ts")); // "zimage-baremetal"
 * ```
 * @param scenarioFile the scenario argument as given
 * @returns a relative directory name
 */
export function defaultOutDir(scenarioFile: string): string {
  const name = basename(scenarioFile);
  return `${name.slice(0, name.length - extname(name).length) || "scenario"}-baremetal`;
}

function writeError(e: unknown, path: string): UsageError {
  const why = e instanceof Deno.errors.NotCapable || e instanceof Deno.errors.PermissionDenied
    ? "permission denied; run with -W (deno run -R -W cli.ts ...)"
    : e instanceof Deno.errors.AlreadyExists || e instanceof Deno.errors.NotADirectory
    ? "a file is in the way"
    : (e as Error).message.split("\n")[0];
  return new UsageError(`export: cannot write ${path}: ${why}`);
}

/**
 * Runs the `export` command.
 *
 * @example Usage
 * ```ts ignore
 * import { denoIo } from "./io.ts";
 * import { parseCommandLine } from "./parse.ts";
 * import { exportCommand } from "./export.ts";
 * await exportCommand(parseCommandLine(["export", "--baremetal", "s.json"]), denoIo());
 * ```
 * @param parsed the parsed command line (command `export`)
 * @param io where to write; files go through `io.writeFile`
 * @returns the exit status: 0
 * @throws {UsageError} without `--baremetal`, or when the directory cannot be written
 * @throws {ScenarioError} for an invalid scenario, or one the export cannot express
 */
export async function exportCommand(parsed: ParsedCommand, io: CliIo): Promise<number> {
  const v = parsed.values;
  if (v.baremetal !== true) {
    throw new UsageError(
      "export: say what to export: --baremetal (a bootable AArch64 test, the only target)",
    );
  }
  const file = parsed.args[0];
  const { path, builder } = await loadScenario(file, io.cwd);
  const out = typeof v.out === "string" ? v.out : defaultOutDir(file);
  const dir = isAbsolute(out) ? out : resolve(io.cwd, out);
  const result = exportBaremetal(builder.toJSON() as Scenario, { name: basename(path) });

  try {
    await (io.makeDir ? io.makeDir(dir) : Deno.mkdir(dir, { recursive: true }));
  } catch (e) {
    throw writeError(e, out);
  }
  for (const [name, text] of Object.entries(result.files)) {
    try {
      await io.writeFile(join(dir, name), text);
    } catch (e) {
      throw writeError(e, join(out, name));
    }
  }
  const shown = relative(io.cwd, dir) || ".";
  await io.write(
    `wrote ${Object.keys(result.files).length} files to ${shown}/: ${result.reads} reads checked ` +
      `on ${result.cpus} CPU${result.cpus === 1 ? "" : "s"}\n` +
      `  make -C ${shown}           # build test.elf (aarch64-linux-gnu-gcc)\n` +
      `  make -C ${shown} run       # run under QEMU TCG: no caches, a correct program passes\n` +
      `  make -C ${shown} run-kvm   # on an arm64 host: the real caches and KVM policy\n`,
  );
  return 0;
}
