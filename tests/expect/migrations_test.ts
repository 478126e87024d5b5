/**
 * vCPU migrations as a check's choices (migrations.ts): where a variant
 * inserts a `migrate` step (before an instruction of the vCPU it moves,
 * after the last migration), and to which CPUs (every allowed one but the
 * vCPU's own, idle CPUs reduced to one per interchangeable group), worked
 * out by hand from the CPUs each program keeps busy.
 */

import assert from "node:assert/strict";
import type { Machine, Step } from "../../mod.ts";
import {
  baseVariant,
  migrationChildren,
  type Variant,
} from "../../lib/engine/expect/migrations.ts";
import { A, B, tiny } from "./helpers.ts";

const EVERY_CPU = [0, 1, 2, 3];

/** Each child's last migration, as [before, vcpu, pcpu]. */
function lastMoves(kids: Variant[]): number[][] {
  return kids.map((v) => {
    const m = v.migrations.at(-1)!;
    return [m.before, m.vcpu, m.pcpu];
  });
}

/** The targets of the children that insert their migration before `before`. */
function targetsBefore(kids: Variant[], before: number): number[] {
  return lastMoves(kids).filter(([b]) => b === before).map(([, , pcpu]) => pcpu);
}

const WRITE_READ: Step[] = [
  { kind: "write", vcpu: 0, addr: A, value: 7 },
  { kind: "read", vcpu: 0, addr: A },
];

Deno.test("a migration is a migrate step inserted right before the step it precedes", () => {
  // One vCPU on cpu0. Busy: cpu0 (the vCPU) and cpu1 (maybe the host's). The idle
  // cluster 1 is represented by its first CPU, cpu2. So: cpu1 or cpu2, before either step.
  const kids = migrationChildren(baseVariant(WRITE_READ), tiny, 1, EVERY_CPU);
  assert.deepEqual(lastMoves(kids), [[0, 0, 1], [0, 0, 2], [1, 0, 1], [1, 0, 2]]);
  assert.deepEqual(kids[0].steps, [{ kind: "migrate", vcpu: 0, pcpu: 1 }, ...WRITE_READ]);
  assert.deepEqual(kids[3].steps, [
    WRITE_READ[0],
    { kind: "migrate", vcpu: 0, pcpu: 2 },
    WRITE_READ[1],
  ]);
  for (const k of kids) assert.equal(k.original, WRITE_READ);
});

Deno.test("later migrations come strictly after the last one, from the CPU the vCPU was moved to", () => {
  const program: Step[] = [...WRITE_READ, { kind: "write", vcpu: 0, addr: B, value: 1 }];
  const [first] = migrationChildren(baseVariant(program), tiny, 1, EVERY_CPU);
  assert.deepEqual(first.migrations, [{ before: 0, vcpu: 0, pcpu: 1 }]);
  // cpu2 is still idle, cluster 1 still represented by it; the vCPU is on cpu1 now.
  const kids = migrationChildren(first, tiny, 1, EVERY_CPU);
  assert.deepEqual(lastMoves(kids), [[1, 0, 0], [1, 0, 2], [2, 0, 0], [2, 0, 2]]);
  assert.deepEqual(kids[1].steps.map((s) => s.kind), [
    "migrate",
    "write",
    "migrate",
    "read",
    "write",
  ]);
  // After a migration before the last step there is no room for another one.
  const atLast = migrationChildren(baseVariant(WRITE_READ), tiny, 1, EVERY_CPU)[3];
  assert.deepEqual(migrationChildren(atLast, tiny, 1, EVERY_CPU), []);
});

Deno.test("a CPU an earlier migration moved to is busy: its idle siblings become targets", () => {
  const [, toCpu2] = migrationChildren(baseVariant(WRITE_READ), tiny, 1, EVERY_CPU);
  assert.deepEqual(toCpu2.migrations, [{ before: 0, vcpu: 0, pcpu: 2 }]);
  // Busy: cpu0, cpu1 and cpu2. Cluster 1 is no longer idle, so cpu3 is a target of its own.
  const kids = migrationChildren(toCpu2, tiny, 1, EVERY_CPU);
  assert.deepEqual(targetsBefore(kids, 1), [0, 1, 3]);
});

Deno.test("each vCPU starts on the CPU of its index, and a program's own migrate steps move it", () => {
  const two: Step[] = [
    { kind: "write", vcpu: 0, addr: A, value: 1 },
    { kind: "write", vcpu: 1, addr: B, value: 2 },
  ];
  // Two vCPUs: cpu0 to cpu2 are busy, cpu3 idle in a busy cluster.
  const kids = migrationChildren(baseVariant(two), tiny, 2, EVERY_CPU);
  assert.deepEqual(targetsBefore(kids, 0), [1, 2, 3]);
  assert.deepEqual(targetsBefore(kids, 1), [0, 2, 3]);
  const moved: Step[] = [{ kind: "migrate", vcpu: 0, pcpu: 2 }, ...WRITE_READ];
  const after = migrationChildren(baseVariant(moved), tiny, 1, EVERY_CPU);
  // No migration before the migrate step itself; after it the vCPU is on cpu2.
  assert.deepEqual(targetsBefore(after, 0), []);
  assert.deepEqual(targetsBefore(after, 1), [0, 1, 3]);
});

Deno.test("migrations go before instructions only, never before a pc, host or exec_state step", () => {
  const program: Step[] = [
    { kind: "sctlr", vcpu: 0, bits: { m: true, c: true } },
    { kind: "dc_va", vcpu: 0, op: "civac", addr: A, len: 64 },
    { kind: "pc", vcpu: 0, addr: 0x4000_0100 },
    { kind: "host_write", addr: B, value: 3 },
    { kind: "exec_state", vcpu: 0, aarch32: false },
    { kind: "vm_reg", vcpu: 0, reg: "TTBR0", value: 0 },
    { kind: "sw", vcpu: 0, op: "csw", level: 1, set: 0, way: 0 },
    { kind: "sw_walk", vcpu: 0, op: "cisw" },
    ...WRITE_READ,
  ];
  const kids = migrationChildren(baseVariant(program), tiny, 1, [2]);
  assert.deepEqual(lastMoves(kids).map(([before]) => before), [0, 1, 5, 6, 7, 8, 9]);
});

Deno.test("targets: migrateTo filters them, the vCPU's own CPU never is one", () => {
  const kids = migrationChildren(baseVariant(WRITE_READ), tiny, 1, [0, 3]);
  // cpu3 is idle in an idle cluster whose first CPU, cpu2, is not allowed: cpu3 stands for it.
  assert.deepEqual(lastMoves(kids), [[0, 0, 3], [1, 0, 3]]);
  assert.deepEqual(migrationChildren(baseVariant(WRITE_READ), tiny, 1, [0]), []);
});

/** Three clusters of three CPUs: the last one's L2 is twice as large. */
const THREE: Machine = {
  name: "three",
  description: "three clusters of three CPUs, the last with a larger L2",
  clusters: [
    { cpus: 3, l1d: { size: 1024, ways: 2 }, l2: { size: 4096, ways: 4 } },
    { cpus: 3, l1d: { size: 1024, ways: 2 }, l2: { size: 4096, ways: 4 } },
    { cpus: 3, l1d: { size: 1024, ways: 2 }, l2: { size: 8192, ways: 4 } },
  ],
};

Deno.test("idle CPUs: one per idle cluster shape, and one per busy cluster's idle CPUs", () => {
  // Busy: cpu0 (the vCPU) and cpu1. Cluster 0 is busy: its idle cpu2 is a target. Cluster 1
  // is idle: cpu3 stands for it. Cluster 2 is idle but of another shape (its L2): cpu6.
  const kids = migrationChildren(baseVariant(WRITE_READ), THREE, 1, [...Array(9).keys()]);
  assert.deepEqual(targetsBefore(kids, 0), [1, 2, 3, 6]);
  assert.deepEqual(targetsBefore(kids, 1), [1, 2, 3, 6]);
});
