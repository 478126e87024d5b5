/**
 * What an incident of the catalogue is made of, and how it is told: the
 * programs it is about (each run under every policy for the README's
 * table), and the cases it checks (a program under one policy, with the
 * expectations the incident's source states).
 *
 * Not an incident itself: the helpers the incident files share.
 *
 * @module
 */

import { type CheckOptions, type CheckResult, type RunResult, type VmBuilder } from "../../mod.ts";
import { formatCheck } from "../../lib/api/expect.ts";

/**
 * One program of an incident, without its policy: a row of the README table.
 *
 * @example Usage
 * ```ts
 * import type { IncidentProgram } from "./incident.ts";
 * import { vm } from "../../mod.ts";
 * const p: IncidentProgram = { label: "zImage 2015 on X-Gene 1", scenario: vm().machine("xgene1") };
 * ```
 */
export interface IncidentProgram {
  /** One line: the guest and the machine. */
  readonly label: string;
  /** The guest on its machine; the table sets the policy. */
  readonly scenario: VmBuilder;
}

/**
 * One checked case: a program under one policy, with its expectations.
 *
 * @example Usage
 * ```ts
 * import type { IncidentCase } from "./incident.ts";
 * import { vm } from "../../mod.ts";
import { never, staleAnywhere } from "../../lib/api/expect.ts";
 * const c: IncidentCase = {
 *   label: "KVM 4.0",
 *   scenario: vm().policy("kvm-4.0").guest((g) => g.vaCorrect()).expect(never(staleAnywhere())),
 * };
 * ```
 */
export interface IncidentCase {
  /** One line: the program, the policy, and what it shows. */
  readonly label: string;
  /** The scenario, policy and expectations set. */
  readonly scenario: VmBuilder;
  /** The check's bounds. Default: one perturbation, no migration. */
  readonly check?: CheckOptions;
}

/**
 * An incident: what happened, where it is documented, and the model of it.
 *
 * @example Usage
 * ```ts
 * import type { Incident } from "./incident.ts";
 * const title = (i: Incident) => `${i.title} (${i.year})`;
 * ```
 */
export interface Incident {
  /** The file's name without `.ts`. */
  readonly id: string;
  /** One line. */
  readonly title: string;
  /** When it happened. */
  readonly year: number;
  /** Where it is documented: commit, mailing-list thread or issue. */
  readonly source: string;
  /** A few sentences: what went wrong and what the model shows. */
  readonly summary: string;
  /** The programs of the README table. */
  readonly programs: readonly IncidentProgram[];
  /** The checked cases. */
  readonly cases: readonly IncidentCase[];
}

/**
 * The policies of the README table, in column order.
 *
 * @example Usage
 * ```ts
 * import { TABLE_POLICIES } from "./incident.ts";
 * console.log(TABLE_POLICIES[0]); // "native"
 * ```
 */
export const TABLE_POLICIES: readonly string[] = Object.freeze([
  "native",
  "trap-nothing",
  "kvm-3.18",
  "kvm-4.0",
  "kvm-modern",
  "xen",
  "xen-iommu",
]);

/**
 * A run's verdict in a table cell: `ok`, `crash`, or the first violation's
 * kind and blame (`stale/hypervisor`, `lost/guest`).
 *
 * @example Usage
 * ```ts
 * import { verdictCell } from "./incident.ts";
 * import { vm } from "../../mod.ts";
 * console.log(verdictCell(await vm().guest((g) => g.vaCorrect()).run())); // "ok"
 * ```
 * @param run the run
 * @returns the cell
 */
export function verdictCell(run: RunResult): string {
  const v = run.verdict;
  if (v.crashed !== null) return "crash";
  const first = v.violations[0];
  if (first === undefined) return "ok";
  return `${first.kind === "stale_read" ? "stale" : "lost"}/${first.blame}`;
}

/**
 * Checks every case of an incident.
 *
 * @example Usage
 * ```ts
 * import { checkIncident, type Incident } from "./incident.ts";
 * const labels = async (incident: Incident) =>
 *   (await checkIncident(incident)).map(({ label, result }) => `${label}: ${result.ok}`);
 * ```
 * @param incident the incident
 * @returns each case's label and result, in order
 */
export async function checkIncident(
  incident: Incident,
): Promise<{ label: string; result: CheckResult }[]> {
  const out: { label: string; result: CheckResult }[] = [];
  for (const c of incident.cases) {
    out.push({ label: c.label, result: await c.scenario.check(c.check) });
  }
  return out;
}

function underline(text: string, ch: string): string {
  return `${text}\n${ch.repeat(text.length)}`;
}

function wrap(text: string, width = 78): string {
  const out: string[] = [];
  let line = "";
  for (const word of text.split(/\s+/)) {
    if (line !== "" && line.length + 1 + word.length > width) {
      out.push(line);
      line = word;
    } else line = line === "" ? word : `${line} ${word}`;
  }
  if (line !== "") out.push(line);
  return out.join("\n");
}

/**
 * An incident as text: title, source, summary, then each case's check with
 * every witness and its trace.
 *
 * @example Usage
 * ```ts
 * import { story, type Incident } from "./incident.ts";
 * const print = async (incident: Incident) => console.log(await story(incident));
 * ```
 * @param incident the incident
 * @param results its cases' results (default: checked now)
 * @returns the text, ending with a newline
 */
export async function story(
  incident: Incident,
  results?: { label: string; result: CheckResult }[],
): Promise<string> {
  const checked = results ?? await checkIncident(incident);
  const out: string[] = [
    underline(`${incident.title} (${incident.year})`, "="),
    "",
    wrap(`Source: ${incident.source}`),
    "",
    wrap(incident.summary),
  ];
  for (const { label, result } of checked) {
    out.push("", underline(label, "-"), "", formatCheck(result, { witnesses: "all" }).trimEnd());
  }
  return out.join("\n") + "\n";
}
