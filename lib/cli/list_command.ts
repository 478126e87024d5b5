/**
 * `list`: the built-in policies, machine presets and guest presets, with a
 * one-line description each, as text, Markdown tables or JSON.
 *
 * @example Usage
 * ```ts
 * import { catalogue } from "./list_command.ts";
 * console.log(catalogue().policies.map((p) => p.name).includes("kvm-4.0")); // true
 * ```
 *
 * @module
 */

import { presets } from "../guest/mod.ts";
import { policies } from "../hyp/policies/mod.ts";
import { listMachines } from "../machines/mod.ts";
import type { CliIo } from "./io.ts";
import type { ParsedCommand } from "./parse.ts";
import { makeStyle, type Style } from "./style.ts";

/**
 * One entry of the catalogue.
 *
 * @example Usage
 * ```ts
 * import type { CatalogueEntry } from "./list_command.ts";
 * const e: CatalogueEntry = { name: "xgene1", description: "APM X-Gene 1" };
 * ```
 */
export interface CatalogueEntry {
  /** The name to type. */
  readonly name: string;
  /** One line. */
  readonly description: string;
  /** The real code it follows, for policies and guests. */
  readonly source?: string;
}

/**
 * Everything `list` shows.
 *
 * @example Usage
 * ```ts
 * import type { Catalogue } from "./list_command.ts";
 * const c: Catalogue = { policies: [], machines: [], guests: [] };
 * ```
 */
export interface Catalogue {
  /** Built-in policies (`--policy`, `vm().policy()`). */
  readonly policies: readonly CatalogueEntry[];
  /** Machine presets (`--machine`, `vm().machine()`). */
  readonly machines: readonly CatalogueEntry[];
  /** Guest presets (methods of the guest builder: `g.zImage32()`). */
  readonly guests: readonly CatalogueEntry[];
}

/**
 * The built-in policies, machines and guests, in registry order.
 *
 * @example Usage
 * ```ts
 * import { catalogue } from "./list_command.ts";
 * for (const m of catalogue().machines) console.log(`${m.name}: ${m.description}`);
 * ```
 * @returns the catalogue
 */
export function catalogue(): Catalogue {
  return {
    policies: Object.values(policies).map((p) => ({
      name: p.name,
      description: p.description,
      source: p.source,
    })),
    machines: listMachines().map((m) => ({ name: m.name, description: m.description })),
    guests: Object.values(presets).map((g) => ({
      name: g.name,
      description: g.description,
      source: g.source,
    })),
  };
}

const SECTIONS: readonly (readonly [keyof Catalogue, string, string])[] = [
  ["policies", "Policies", "--policy <name>, vm().policy(name)"],
  ["machines", "Machines", "--machine <name>, vm().machine(name)"],
  ["guests", "Guests", "vm().guest((g) => g.<name>())"],
];

function text(c: Catalogue, style: Style): string {
  const width = Math.max(...SECTIONS.flatMap(([k]) => c[k].map((e) => e.name.length))) + 3;
  const out: string[] = [];
  for (const [key, title, usage] of SECTIONS) {
    out.push(`${style.heading(title)} ${style.dim(`(${usage})`)}`);
    for (const e of c[key]) {
      out.push(`  ${style.name(e.name)}${" ".repeat(width - e.name.length)}${e.description}`);
    }
    out.push("");
  }
  return out.join("\n");
}

function cell(s: string): string {
  return s.replace(/\|/g, "\\|");
}

/** A Markdown table with padded columns, as `deno fmt` lays it out. */
function table(rows: readonly (readonly [string, string])[]): string[] {
  const all: (readonly [string, string])[] = [["name", "description"], ...rows];
  const w0 = Math.max(3, ...all.map(([a]) => a.length));
  const w1 = Math.max(3, ...all.map(([, b]) => b.length));
  const line = ([a, b]: readonly [string, string]) => `| ${a.padEnd(w0)} | ${b.padEnd(w1)} |`;
  return [line(all[0]), `| ${"-".repeat(w0)} | ${"-".repeat(w1)} |`, ...rows.map(line)];
}

function markdown(c: Catalogue): string {
  const out: string[] = [];
  for (const [key, title, usage] of SECTIONS) {
    out.push(`**${title}** (${usage.replace(/</g, "&lt;")})`, "");
    out.push(...table(c[key].map((e) => [`\`${cell(e.name)}\``, cell(e.description)] as const)));
    out.push("");
  }
  return out.join("\n");
}

/**
 * Runs the `list` command.
 *
 * @example Usage
 * ```ts
 * import { bufferIo } from "./io.ts";
 * import { listCommand } from "./list_command.ts";
 * import { parseCommandLine } from "./parse.ts";
 * const io = bufferIo("/");
 * await listCommand(parseCommandLine(["list"]), io);
 * console.log(io.stdout.startsWith("Policies")); // true
 * ```
 * @param parsed the parsed command line (command `list`)
 * @param io where to write
 * @returns the exit status, 0
 */
export async function listCommand(parsed: ParsedCommand, io: CliIo): Promise<number> {
  const c = catalogue();
  if (parsed.values.json === true) await io.write(JSON.stringify(c, null, 2) + "\n");
  else if (parsed.values.markdown === true) await io.write(markdown(c));
  else await io.write(text(c, makeStyle(io.colour)));
  return 0;
}
