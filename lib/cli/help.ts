/**
 * Help text, generated from the definition in `spec.ts`: the overview with
 * every command, and each command's arguments, options and examples.
 *
 * @example Usage
 * ```ts
 * import { formatHelp } from "./help.ts";
 * import { commandSpec } from "./spec.ts";
 * console.log(formatHelp());
 * console.log(formatHelp(commandSpec("run")));
 * ```
 *
 * @module
 */

import { COMMANDS, type CommandSpec, HELP_OPTION, NAME, type OptionSpec, PROGRAM } from "./spec.ts";
import { makeStyle, type Style } from "./style.ts";

/** Help lines are wrapped to this width. */
const WIDTH = 80;

/**
 * Wraps text to `width` columns. The first line starts at column `first`
 * (the caller prints what comes before it); continuation lines are indented
 * by `indent` spaces.
 *
 * @example Usage
 * ```ts
 * import { wrap } from "./help.ts";
 * wrap("one two three", 8, 2); // "one two\n  three"
 * ```
 * @param text one paragraph
 * @param width the widest a line may be
 * @param indent spaces in front of continuation lines
 * @param first the column the first line starts at; default 0
 * @returns the wrapped text
 */
export function wrap(text: string, width: number, indent: number, first = 0): string {
  const words = text.split(/\s+/).filter((w) => w !== "");
  const lines: string[] = [];
  let line = "";
  for (const w of words) {
    const start = lines.length === 0 ? first : indent;
    if (line !== "" && start + line.length + 1 + w.length > width) {
      lines.push(line);
      line = w;
    } else {
      line = line === "" ? w : `${line} ${w}`;
    }
  }
  if (line !== "") lines.push(line);
  return lines.map((l, i) => (i === 0 ? l : " ".repeat(indent) + l)).join("\n");
}

function optionLabel(o: OptionSpec): string {
  const short = o.short ? `-${o.short}, ` : "    ";
  const value = o.type === "string" ? ` <${o.value ?? "value"}>` : "";
  return `${short}--${o.name}${value}`;
}

function optionText(o: OptionSpec): string {
  const dflt = o.default === undefined ? "" : `; default ${o.default}`;
  const choices = o.choices
    ? ` (one of ${o.choices.join(", ")}${dflt})`
    : dflt
    ? ` (${dflt.slice(2)})`
    : "";
  const group = o.group === "output" ? " [output]" : "";
  const many = o.multiple ? " [repeatable]" : "";
  return `${o.description}${choices}${many}${group}`;
}

function table(rows: readonly (readonly [string, string])[], style: Style, left = 2): string[] {
  const col = Math.max(...rows.map(([l]) => l.length)) + 3;
  return rows.map(([l, r]) =>
    " ".repeat(left) + style.name(l) + " ".repeat(col - l.length) +
    wrap(r, WIDTH, left + col, left + col)
  );
}

function overview(style: Style): string {
  return [
    `${NAME}: ARM cache maintenance under virtualization, on the command line.`,
    "",
    style.heading("Usage:") + ` ${PROGRAM} <command> [options]`,
    `       deno task cli <command> [options]`,
    "",
    style.heading("Commands:"),
    ...table(COMMANDS.map((c) => [c.name, c.summary] as const), style),
    "",
    style.heading("Options:"),
    ...table([[optionLabel(HELP_OPTION), HELP_OPTION.description]], style),
    "",
    wrap(
      `Run \`${PROGRAM} <command> --help\` for a command's options. -R lets setway read ` +
        "the scenario file, -W write the --html file. A scenario module runs in a worker that " +
        "may read its own folder and setway's sources, nothing else. Colour is off when " +
        "NO_COLOR is set or the output is not a terminal.",
      WIDTH,
      0,
    ),
    "",
  ].join("\n");
}

function commandHelp(c: CommandSpec, style: Style): string {
  const args = c.arguments.map((a) => {
    const name = a.variadic ? `${a.name}...` : a.name;
    return a.required ? `<${name}>` : `[${name}]`;
  }).join(" ");
  const lines = [
    style.heading("Usage:") + ` ${PROGRAM} ${c.name}${args ? ` ${args}` : ""} [options]`,
    "",
    ...c.description.flatMap((p) => [wrap(p, WIDTH, 0), ""]),
  ];
  if (c.arguments.length > 0) {
    lines.push(style.heading("Arguments:"));
    lines.push(...table(c.arguments.map((a) => [`<${a.name}>`, a.description] as const), style));
    lines.push("");
  }
  lines.push(style.heading("Options:"));
  lines.push(
    ...table(
      [...c.options, HELP_OPTION].map((o) => [optionLabel(o), optionText(o)] as const),
      style,
    ),
  );
  if (c.options.some((o) => o.group === "output")) {
    lines.push("", wrap("Give at most one [output] option.", WIDTH, 0));
  }
  if (c.examples.length > 0) {
    lines.push("", style.heading("Examples:"));
    lines.push(...c.examples.map((e) => `  ${PROGRAM} ${e}`));
  }
  lines.push("");
  return lines.join("\n");
}

/**
 * The help of one command, or the overview when `command` is undefined;
 * ends with a newline.
 *
 * @example Usage
 * ```ts
 * import { formatHelp } from "./help.ts";
 * import { commandSpec } from "./spec.ts";
 * formatHelp(commandSpec("list")).startsWith("Usage: deno run -R -W cli.ts list"); // true
 * ```
 * @param command the command, or undefined for the overview
 * @param style colours for headings and names; default none
 * @returns the help text
 */
export function formatHelp(command?: CommandSpec, style: Style = makeStyle(false)): string {
  return command ? commandHelp(command, style) : overview(style);
}
