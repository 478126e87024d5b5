/**
 * vCPU migrations as choices: the host scheduler may move a vCPU to another
 * physical CPU between any two of its instructions. A check models each
 * such choice as a `migrate` step inserted into the program (a variant),
 * whose hardware choices it then explores like the program's own.
 *
 * A variant inserts migrations at strictly increasing positions of the
 * original program, each before an instruction of the vCPU it moves (a
 * migration anywhere else is the same as one before that vCPU's next
 * instruction). Targets are every allowed CPU but the one the vCPU is on,
 * with idle CPUs (see reduce.ts) reduced to the first of each
 * interchangeable group, since nothing tells them apart before the first
 * hardware perturbation.
 *
 * @example Usage
 * ```ts
 * import { baseVariant, migrationChildren } from "./migrations.ts";
 * import { generic } from "../../machines/mod.ts";
 * const base = baseVariant([{ kind: "write", vcpu: 0, addr: 0x4000_0000, value: 1 }]);
 * const kids = migrationChildren(base, generic, 1, [0, 1, 2, 3]);
 * console.log(kids.map((v) => v.migrations[0].pcpu)); // [1, 2]: CPU 1 may host the VMM, CPU 2 stands for 2 and 3
 * ```
 *
 * @module
 */

import type { Machine } from "../../hw/machine.ts";
import type { Step } from "../../guest/ops.ts";
import { cpuCount } from "../../machines/mod.ts";
import { busyCpus } from "./reduce.ts";

/**
 * One migration a variant inserted.
 *
 * @example Usage
 * ```ts
 * import type { InsertedMigration } from "@setway/setway/expect";
 * const m: InsertedMigration = { before: 12, vcpu: 0, pcpu: 2 };
 * ```
 */
export interface InsertedMigration {
  /** The index, in the original program, of the step it comes before. */
  readonly before: number;
  /** The vCPU moved. */
  readonly vcpu: number;
  /** Its new physical CPU. */
  readonly pcpu: number;
}

/**
 * A program with migrations inserted.
 *
 * @example Usage
 * ```ts
 * import { baseVariant } from "./migrations.ts";
 * console.log(baseVariant([]).migrations.length); // 0
 * ```
 */
export interface Variant {
  /** The original program. */
  readonly original: readonly Step[];
  /** The migrations inserted, by increasing position. */
  readonly migrations: readonly InsertedMigration[];
  /** The program run: the original with a `migrate` step before each `before`. */
  readonly steps: readonly Step[];
}

/**
 * The program itself, no migration inserted.
 *
 * @example Usage
 * ```ts
 * import { baseVariant } from "./migrations.ts";
 * const v = baseVariant([{ kind: "read", vcpu: 0, addr: 0x4000_0000 }]);
 * console.log(v.steps.length); // 1
 * ```
 * @param steps the program
 * @returns the variant
 */
export function baseVariant(steps: readonly Step[]): Variant {
  return { original: steps, migrations: [], steps };
}

function withMigrations(original: readonly Step[], migrations: InsertedMigration[]): Variant {
  const steps: Step[] = [];
  let m = 0;
  original.forEach((s, i) => {
    while (m < migrations.length && migrations[m].before === i) {
      const { vcpu, pcpu } = migrations[m++];
      steps.push({ kind: "migrate", vcpu, pcpu });
    }
    steps.push(s);
  });
  return { original, migrations, steps };
}

const INSTRUCTIONS = new Set(["read", "write", "dc_va", "sw", "sw_walk", "sctlr", "vm_reg"]);

/**
 * Every variant with one more migration, after the variant's last one.
 *
 * @example Usage
 * ```ts
 * import { baseVariant, migrationChildren } from "./migrations.ts";
 * import { xgene1 } from "../../machines/mod.ts";
 * const steps = [
 *   { kind: "write", vcpu: 0, addr: 0x4000_0000, value: 1 },
 *   { kind: "read", vcpu: 0, addr: 0x4000_0000 },
 * ] as const;
 * console.log(migrationChildren(baseVariant(steps), xgene1, 1, [0, 1, 2, 3, 4, 5, 6, 7]).length); // 4
 * ```
 * @param variant the variant to extend
 * @param machine the machine
 * @param cpus the number of vCPUs
 * @param targets the physical CPUs a vCPU may be moved to
 * @returns the new variants, by position then target
 */
export function migrationChildren(
  variant: Variant,
  machine: Machine,
  cpus: number,
  targets: readonly number[],
): Variant[] {
  const out: Variant[] = [];
  const original = variant.original;
  const last = variant.migrations.at(-1)?.before ?? -1;
  const busy = busyCpus({ cpus, steps: variant.steps }, cpuCount(machine));
  const reps = representatives(machine, busy, targets);
  // Where each vCPU is before each original step.
  const where = Array.from({ length: cpus }, (_, v) => v);
  let m = 0;
  for (let i = 0; i < original.length; i++) {
    while (m < variant.migrations.length && variant.migrations[m].before === i) {
      const mig = variant.migrations[m++];
      where[mig.vcpu] = mig.pcpu;
    }
    const s = original[i];
    if (i > last && INSTRUCTIONS.has(s.kind) && "vcpu" in s) {
      for (const pcpu of reps) {
        if (pcpu === where[s.vcpu]) continue;
        out.push(
          withMigrations(original, [...variant.migrations, { before: i, vcpu: s.vcpu, pcpu }]),
        );
      }
    }
    if (s.kind === "migrate") where[s.vcpu] = s.pcpu;
  }
  return out;
}

/** The targets, with idle CPUs reduced to one per interchangeable group. */
function representatives(machine: Machine, busy: Uint8Array, targets: readonly number[]): number[] {
  const allowed = new Set(targets);
  const out: number[] = [];
  const takenShapes = new Set<string>();
  let cpu = 0;
  for (const c of machine.clusters) {
    const cpus = Array.from({ length: c.cpus }, (_, i) => cpu + i);
    cpu += c.cpus;
    const idle = cpus.every((x) => busy[x] === 0);
    const shape = JSON.stringify([c.cpus, c.l1d, c.l2 ?? null]);
    let taken = idle && takenShapes.has(shape);
    for (const x of cpus) {
      if (!allowed.has(x)) continue;
      if (busy[x] !== 0) out.push(x);
      else if (!taken) {
        out.push(x);
        taken = true;
        if (idle) takenShapes.add(shape);
      }
    }
  }
  return out.sort((a, b) => a - b);
}
