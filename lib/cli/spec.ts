/**
 * The command line, defined once: every command, its arguments and its
 * options. Parsing (`parse.ts`, through `node:util` `parseArgs`) and help
 * (`help.ts`) are both generated from {@linkcode COMMANDS}, so they cannot
 * drift apart.
 *
 * @example Usage
 * ```ts
 * import { COMMANDS, commandSpec } from "./spec.ts";
 * console.log(COMMANDS.map((c) => c.name)); // ["run", "compare", "list", "explore", "export", "help"]
 * console.log(commandSpec("run")?.options.map((o) => o.name).includes("seed")); // true
 * ```
 *
 * @module
 */

import { SPECULATION_MODES } from "../engine/rules/scenario.ts";
import { EXPLORE_SPEC } from "./explore.ts";

/**
 * One option of a command.
 *
 * @example Usage
 * ```ts
 * import type { OptionSpec } from "./spec.ts";
 * const seed: OptionSpec = {
 *   name: "seed", type: "string", value: "n", description: "the seed of every random choice",
 * };
 * ```
 */
export interface OptionSpec {
  /** The long name, without `--`. */
  readonly name: string;
  /** `"boolean"` for a flag, `"string"` for an option that takes a value. */
  readonly type: "boolean" | "string";
  /** A one-letter alias, without `-`. */
  readonly short?: string;
  /** The value's placeholder in help, e.g. `"n"` for `--seed <n>`. */
  readonly value?: string;
  /** One line of help. */
  readonly description: string;
  /** The values it accepts, when there is a fixed list. */
  readonly choices?: readonly string[];
  /** The value used when the option is not given, as help shows it. */
  readonly default?: string;
  /**
   * Options with the same group exclude one another (at most one may be
   * given), e.g. the output formats.
   */
  readonly group?: string;
  /**
   * The option may be given several times; its values are joined with
   * commas (`--filter a --filter b` reads as `--filter a,b`). Default false.
   */
  readonly multiple?: boolean;
}

/**
 * One positional argument of a command.
 *
 * @example Usage
 * ```ts
 * import type { ArgumentSpec } from "./spec.ts";
 * const a: ArgumentSpec = { name: "scenario", description: "a scenario file", required: true };
 * ```
 */
export interface ArgumentSpec {
  /** The name shown in help, e.g. `scenario` for `<scenario>`. */
  readonly name: string;
  /** One line of help. */
  readonly description: string;
  /** Whether the command needs it. */
  readonly required: boolean;
  /** Whether it takes any number of values (only the last argument may). */
  readonly variadic?: boolean;
}

/**
 * One command.
 *
 * @example Usage
 * ```ts
 * import type { CommandSpec } from "./spec.ts";
 * const c: CommandSpec = {
 *   name: "list", summary: "list policies", description: [], arguments: [], options: [], examples: [],
 * };
 * ```
 */
export interface CommandSpec {
  /** The command's name, the first argument. */
  readonly name: string;
  /** One line for the command list. */
  readonly summary: string;
  /** Paragraphs of the command's help, one string each. */
  readonly description: readonly string[];
  /** Its positional arguments, in order. */
  readonly arguments: readonly ArgumentSpec[];
  /** Its options (`--help` is added to every command). */
  readonly options: readonly OptionSpec[];
  /** Example command lines, without the program name. */
  readonly examples: readonly string[];
}

/**
 * How the program is invoked, as help shows it.
 *
 * @example Usage
 * ```ts
 * import { PROGRAM } from "./spec.ts";
 * console.log(`${PROGRAM} list`);
 * ```
 */
export const PROGRAM = "deno run -R -W cli.ts";

/**
 * The name every error line starts with: `setway: <message>`.
 *
 * @example Usage
 * ```ts
 * import { NAME } from "./spec.ts";
 * console.log(`${NAME}: unknown command "frobnicate"`);
 * ```
 */
export const NAME = "setway";

/**
 * The option every command has.
 *
 * @example Usage
 * ```ts
 * import { HELP_OPTION } from "./spec.ts";
 * console.log(HELP_OPTION.short); // "h"
 * ```
 */
export const HELP_OPTION: OptionSpec = Object.freeze({
  name: "help",
  type: "boolean",
  short: "h",
  description: "show this help and exit",
});

const SCENARIO_ARG: ArgumentSpec = {
  name: "scenario",
  description: "a .ts/.js module whose default export is a vm() builder or a scenario object, " +
    "or a .json scenario (a builder's toJSON(), or the output of --json; its policyModule " +
    "names the module of a policy that is not built in)",
  required: true,
};

const WALL_OPTION: OptionSpec = {
  name: "wall-ms",
  type: "string",
  value: "ms",
  default: "10000 to load",
  description: "the wall budget of loading the scenario module, and of each run whose " +
    "scenario sets no budget({wallMs}); the worker running it is ended after it",
};

const SCENARIO_OPTIONS: readonly OptionSpec[] = [
  {
    name: "machine",
    type: "string",
    value: "name",
    description: "run on this machine preset instead of the scenario's (see `list`)",
  },
  {
    name: "seed",
    type: "string",
    value: "n",
    description: "use this seed for every random choice instead of the scenario's",
  },
  {
    name: "speculation",
    type: "string",
    value: "mode",
    choices: SPECULATION_MODES,
    description: "hardware nondeterminism instead of the scenario's",
  },
  WALL_OPTION,
];

/**
 * Every command, in help order.
 *
 * @example Usage
 * ```ts
 * import { COMMANDS } from "./spec.ts";
 * for (const c of COMMANDS) console.log(`${c.name}: ${c.summary}`);
 * ```
 */
export const COMMANDS: readonly CommandSpec[] = Object.freeze([
  {
    name: "run",
    summary: "run a scenario and print its trace and verdict",
    description: [
      "Runs the scenario under its policy (or --policy) and prints the ftrace-like text trace, " +
      "then the oracle's verdict and what the policy cost. --json, --ndjson and --html print " +
      "the run in other forms instead. The output is the same, byte for byte, every time.",
      "The trace reads like ftrace's: TASK-PID [CPU] FLAGS SEQ TIMESTAMP: EVENT: MESSAGE, " +
      "TIMESTAMP being seconds.microseconds of the modelled cycles before the event at the " +
      "machine's clock. A line standing for several events ends with (xN) for N identical " +
      "ones, or (N ops, sets ... ways ..., counters summed) for a set/way walk's different " +
      "operations. A Xen run prints Xen's names (trap_sysreg for kvm_exit...).",
      "Exit status: 0 when the run completes; 1 with --check when a read returned a stale " +
      "value; 2 for bad input (an invalid scenario, an unknown name or flag, a file that " +
      "cannot be read), reported on one line.",
    ],
    arguments: [SCENARIO_ARG],
    options: [
      {
        name: "policy",
        type: "string",
        value: "name",
        description: "run under this policy instead of the scenario's: a built-in one (see " +
          "`list`) or one the scenario module defines",
      },
      ...SCENARIO_OPTIONS,
      {
        name: "trace",
        type: "boolean",
        group: "output",
        description: "print the text trace, then the verdict and the cost (the default)",
      },
      {
        name: "filter",
        type: "string",
        value: "names",
        multiple: true,
        default: "all",
        description: "which events the trace (and --perfetto) shows: event names or globs, " +
          "comma-separated or repeated (--filter 'kvm_*' --filter stale_read), as the trace " +
          "prints them (a Xen run's trap_sysreg matches too); `flush` for traps, flushes and " +
          "violations, `all` for every event",
      },
      {
        name: "vcpu",
        type: "string",
        value: "n",
        multiple: true,
        description: "show only the events of these vCPUs (comma-separated or repeated); host " +
          "and hardware events have none",
      },
      {
        name: "raw",
        type: "boolean",
        description: "run without collapsing events and print one trace line per event " +
          "(so `grep -c kvm_exit` counts the exits); --perfetto then gets one slice per event",
      },
      {
        name: "json",
        type: "boolean",
        group: "output",
        description: "print the run result as JSON (its scenario can be run again)",
      },
      {
        name: "ndjson",
        type: "boolean",
        group: "output",
        description: "print one JSON record a line: run, each event, verdict, cost",
      },
      {
        name: "html",
        type: "string",
        value: "file",
        group: "output",
        description: "write a self-contained HTML timeline to <file>; print the verdict",
      },
      {
        name: "watch",
        type: "string",
        value: "addr,...",
        description: "with --html: the word addresses whose newest value the timeline follows " +
          "through the caches (default: every address a read returned a stale value from)",
      },
      {
        name: "perfetto",
        type: "string",
        value: "file",
        group: "output",
        description: "write a Chrome trace-event JSON file (vCPU and CPU tracks, flush slices, " +
          "stale-read instants) for ui.perfetto.dev or chrome://tracing; print the verdict",
      },
      {
        name: "check",
        type: "boolean",
        description: "exit with status 1 when the verdict has violations",
      },
    ],
    examples: [
      "run scenarios/zimage.ts",
      "run scenarios/zimage.ts --policy kvm-3.18 --filter flush",
      "run scenarios/zimage.ts --filter 'kvm_*' --vcpu 0",
      "run scenarios/zimage.ts --raw --filter kvm_exit",
      "run scenarios/zimage.ts --perfetto zimage.json",
      "run scenario.json --seed 7 --speculation adversarial",
      "run scenario.json --check",
      "run scenarios/zimage.ts --html zimage.html",
    ],
  },
  {
    name: "compare",
    summary: "run a scenario under several policies and compare them",
    description: [
      "Runs the same scenario once per policy and prints one line per policy: the verdict, " +
      "who is to blame, and what the policy cost (traps, flushes, lines flushed). --json, " +
      "--ndjson and --html print every run in full instead.",
      "Exit status: as for `run`; with --check, 1 when any run has violations.",
    ],
    arguments: [SCENARIO_ARG],
    options: [
      {
        name: "policies",
        type: "string",
        value: "a,b,c",
        description: "the policies to compare, comma-separated: built-in ones or those the " +
          "scenario module defines (default: every built-in policy, then the module's)",
      },
      ...SCENARIO_OPTIONS,
      {
        name: "json",
        type: "boolean",
        group: "output",
        description: "print the run results as a JSON array",
      },
      {
        name: "ndjson",
        type: "boolean",
        group: "output",
        description: "print every run as NDJSON records, one run after the other",
      },
      {
        name: "html",
        type: "string",
        value: "file",
        group: "output",
        description: "write the comparison and every timeline to <file>; print the table",
      },
      {
        name: "watch",
        type: "string",
        value: "addr,...",
        description: "with --html: the word addresses whose newest value the timeline follows " +
          "through the caches (default: every address a read returned a stale value from)",
      },
      {
        name: "check",
        type: "boolean",
        description: "exit with status 1 when any run has violations",
      },
    ],
    examples: [
      "compare scenarios/zimage.ts",
      "compare scenarios/zimage.ts --policies kvm-3.18,kvm-4.0",
      "compare scenarios/zimage.ts --machine tc2 --check",
      "compare scenarios/zimage.ts --html compare.html",
    ],
  },
  {
    name: "list",
    summary: "list the built-in policies, machines and guests",
    description: [
      "Prints every built-in policy, machine preset and guest preset with a one-line " +
      "description: the names `--policy`, `--machine`, vm().policy(), vm().machine() and " +
      "the guest builder accept.",
    ],
    arguments: [],
    options: [
      {
        name: "markdown",
        type: "boolean",
        group: "output",
        description: "print Markdown tables (as in the README)",
      },
      {
        name: "json",
        type: "boolean",
        group: "output",
        description: "print the lists as JSON",
      },
    ],
    examples: ["list", "list --markdown"],
  },
  EXPLORE_SPEC,
  {
    name: "export",
    summary: "write a scenario's guest program as a bootable AArch64 test",
    description: [
      "With --baremetal, writes C and assembly sources, a linker script, a Makefile and a " +
      "README to a directory: a freestanding test that performs the scenario's guest program " +
      "at EL1 on QEMU's virt machine and prints each read and a PASS/FAIL line on its UART. " +
      "`make run` runs it under QEMU's emulation (no caches); `make run-kvm` on an arm64 host " +
      "runs it under KVM, against the real caches and the host's KVM policy.",
      "Exit status: 0 when the files are written; 2 for bad input (a scenario the export " +
      "cannot express included), reported on one line.",
    ],
    arguments: [SCENARIO_ARG],
    options: [
      {
        name: "baremetal",
        type: "boolean",
        description: "export a bare-metal AArch64 test for QEMU virt and arm64 hosts (required)",
      },
      {
        name: "out",
        type: "string",
        value: "dir",
        default: "<scenario name>-baremetal",
        description: "the directory to write, created when missing",
      },
      WALL_OPTION,
    ],
    examples: [
      "export --baremetal scenarios/zimage.ts",
      "export --baremetal scenario.json --out zimage-test",
    ],
  },
  {
    name: "help",
    summary: "show help for a command",
    description: ["Shows the help of a command, or this overview."],
    arguments: [{ name: "command", description: "the command to explain", required: false }],
    options: [],
    examples: ["help run"],
  },
]);

/**
 * A command by name.
 *
 * @example Usage
 * ```ts
 * import { commandSpec } from "./spec.ts";
 * commandSpec("compare")?.summary; // "run a scenario under several policies and compare them"
 * commandSpec("explore"); // undefined
 * ```
 * @param name the command's name
 * @returns its definition, or undefined
 */
export function commandSpec(name: string): CommandSpec | undefined {
  return COMMANDS.find((c) => c.name === name);
}
