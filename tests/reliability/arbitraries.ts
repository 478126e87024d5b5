/**
 * fast-check arbitraries for the fuzz suite: small machines (so that a run
 * costs well under a millisecond), tiny programs, junk values and mutations.
 *
 * @module
 */

import fc from "fast-check";
import type { Scenario, Speculation } from "../../lib/engine/scenario.ts";
import type { DcSwOp, DcVaOp, Step, VmRegName } from "../../lib/guest/ops.ts";
import { VM_REG_NAMES } from "../../lib/guest/ops.ts";
import type { CacheGeometry, Machine } from "../../lib/hw/machine.ts";
import { architectedLevels, clusterOf, machines } from "../../lib/machines/mod.ts";
import { BASE, mmuOnAll } from "./helpers.ts";
import { SCENARIO_FIELDS } from "../../lib/engine/rules/scenario.ts";

/** Guest RAM of fuzzed scenarios: 64 KiB, 16 pages. */
export const FUZZ_RAM = 64 * 1024;

/** A cache geometry of `2^minLog` to `2^maxLog` bytes, 1 to 8 ways, at least one set. */
function geometry(lineLog: number, minLog: number, maxLog: number): fc.Arbitrary<CacheGeometry> {
  return fc.integer({ min: minLog, max: maxLog }).chain((sizeLog) =>
    fc.integer({ min: 0, max: Math.min(3, sizeLog - lineLog) }).map((waysLog) => ({
      size: 2 ** sizeLog,
      ways: 2 ** waysLog,
      lineSize: 2 ** lineLog,
    }))
  );
}

/**
 * Small user machines: 1 to 3 clusters of 1 to 3 CPUs, an L1 of one line to
 * 2 KiB, an optional L2 up to 8 KiB, an optional system cache up to 32 KiB
 * (maybe snooping non-cacheable traffic), maybe stage-2 FWB; one line size
 * (16, 32 or 64 bytes) for every cache.
 */
export const smallMachine: fc.Arbitrary<Machine> = fc.integer({ min: 4, max: 6 }).chain(
  (lineLog) => {
    const cluster = fc.record({
      cpus: fc.integer({ min: 1, max: 3 }),
      l1d: geometry(lineLog, lineLog, 11),
      l2: fc.option(geometry(lineLog, Math.max(lineLog, 8), 13), { nil: undefined }),
    }).map(({ cpus, l1d, l2 }) => (l2 ? { cpus, l1d, l2 } : { cpus, l1d }));
    return fc.record({
      clusters: fc.array(cluster, { minLength: 1, maxLength: 3 }),
      systemCache: fc.option(
        fc.tuple(geometry(lineLog, 9, 15), fc.boolean()).map(([g, snoops]) => ({
          ...g,
          snoopsNonCacheable: snoops,
        })),
        { nil: null },
      ),
      fwb: fc.boolean(),
    }).map(({ clusters, systemCache, fwb }): Machine => ({
      name: "fuzz",
      description: "a small machine for fuzzing",
      clusters,
      systemCache,
      features: { fwb },
    }));
  },
);

/** Mostly small machines; one time in twenty a preset, by name. */
export const anyMachine: fc.Arbitrary<string | Machine> = fc.oneof(
  { arbitrary: smallMachine, weight: 19 },
  { arbitrary: fc.constantFrom(...Object.keys(machines)), weight: 1 },
);

/** The CPU count of a preset name or a machine description. */
export function pcpusOf(machine: string | Machine): number {
  const m = typeof machine === "string" ? machines[machine] : machine;
  return m.clusters.reduce((n, c) => n + c.cpus, 0);
}

/** Which steps a program may use. */
export type StepMix =
  /** Every kind of step, with operands that are mostly valid. */
  | "any"
  /** Cacheable data accesses and maintenance that keeps data: never caches off, no S/W, no invalidate. */
  | "cacheable"
  /** As `cacheable`, plus set/way clean and clean+invalidate (for the native policy). */
  | "native-on";

/** Word addresses in the first 60 KiB of RAM; half of them among 64 words 68 bytes apart. */
const wordAddr = fc.oneof(
  fc.integer({ min: 0, max: 63 }).map((i) => BASE + i * 68),
  fc.integer({ min: 0, max: 15 * 1024 - 1 }).map((i) => BASE + i * 4),
);
const u32 = fc.integer({ min: 0, max: 0xffff_ffff });

/** One step of a program on `cpus` vCPUs and `pcpus` physical CPUs. */
export function stepOf(cpus: number, pcpus: number, mix: StepMix): fc.Arbitrary<Step> {
  const vcpu = fc.integer({ min: 0, max: cpus - 1 });
  const pcpu = fc.integer({ min: 0, max: pcpus - 1 });
  const vaOps: DcVaOp[] = mix === "any"
    ? ["cvac", "civac", "ivac", "cvau"]
    : ["cvac", "civac", "cvau"];
  const swOps: DcSwOp[] = mix === "any" ? ["csw", "cisw", "isw"] : ["csw", "cisw"];
  const kinds: fc.Arbitrary<Step>[] = [
    fc.record({ kind: fc.constant("write" as const), vcpu, addr: wordAddr, value: u32 }),
    fc.record({ kind: fc.constant("read" as const), vcpu, addr: wordAddr }),
    fc.record({
      kind: fc.constant("dc_va" as const),
      vcpu,
      op: fc.constantFrom(...vaOps),
      addr: wordAddr,
      len: fc.integer({ min: 1, max: 256 }),
    }),
    fc.record({ kind: fc.constant("migrate" as const), vcpu, pcpu }),
    fc.record({
      kind: fc.constant("host_write" as const),
      addr: wordAddr,
      value: u32,
    }),
    fc.record({
      kind: fc.constant("vm_reg" as const),
      vcpu,
      reg: fc.constantFrom<VmRegName>(...VM_REG_NAMES),
      value: u32,
    }),
    fc.record({
      kind: fc.constant("pc" as const),
      vcpu,
      addr: fc.integer({ min: 0, max: 0xffff }).map((i) => BASE + 4 * i),
    }),
    fc.record({ kind: fc.constant("exec_state" as const), vcpu, aarch32: fc.boolean() }),
  ];
  if (mix !== "cacheable") {
    kinds.push(
      fc.record({ kind: fc.constant("sw_walk" as const), vcpu, op: fc.constantFrom(...swOps) }),
      fc.record({
        kind: fc.constant("sw" as const),
        vcpu,
        op: fc.constantFrom(...swOps),
        level: fc.integer({ min: 1, max: 2 }),
        set: fc.integer({ min: 0, max: 3 }),
        way: fc.integer({ min: 0, max: 1 }),
      }),
    );
  }
  if (mix === "any") {
    kinds.push(
      fc.record({
        kind: fc.constant("sctlr" as const),
        vcpu,
        bits: fc.record({ m: fc.boolean(), c: fc.boolean(), i: fc.boolean() }, {
          requiredKeys: ["c"],
        }),
      }),
      fc.record(
        {
          kind: fc.constant("host_unmap" as const),
          cpu: pcpu,
          addr: fc.integer({ min: 0, max: 15 }).map((p) => BASE + p * 4096),
        },
        { requiredKeys: ["kind", "addr"] },
      ),
    );
  }
  // Reads and writes three times as often as anything else: the oracle needs reads.
  return fc.oneof(
    ...kinds.map((arbitrary, i) => ({ arbitrary, weight: i < 2 ? 3 : 1 })),
  );
}

/**
 * Makes every set/way operand name a slot of the CPU its vCPU is on at that
 * step (following the migrations), by taking level, set and way modulo the
 * CPU's geometry.
 */
export function fitSetWay(machine: string | Machine, cpus: number, steps: Step[]): Step[] {
  const m = typeof machine === "string" ? machines[machine] : machine;
  const placement = Array.from({ length: cpus }, (_, i) => i);
  return steps.map((step) => {
    if (step.kind === "migrate") placement[step.vcpu] = step.pcpu;
    if (step.kind !== "sw") return step;
    const cpu = placement[step.vcpu];
    const { cluster } = clusterOf(m, cpu);
    const level = ((step.level - 1) % architectedLevels(m, cpu)) + 1;
    const g = level === 1 ? cluster.l1d : cluster.l2!;
    const sets = g.size / (g.ways * (g.lineSize ?? 64));
    return { ...step, level, set: step.set % sets, way: step.way % g.ways };
  });
}

/** Runs every vCPU in AArch32 on a machine without AArch64 (TC2 refuses an AArch64 guest). */
export function fitExecState(machine: string | Machine, steps: Step[]): Step[] {
  const m = typeof machine === "string" ? machines[machine] : machine;
  if (m.features?.aarch64 !== false) return steps;
  return steps.map((step) => step.kind === "exec_state" ? { ...step, aarch32: true } : step);
}

/** A read of every word the program wrote (guest or host), spread over the vCPUs. */
function readBack(steps: readonly Step[], cpus: number): Step[] {
  const written = new Set<number>();
  for (const s of steps) if (s.kind === "write" || s.kind === "host_write") written.add(s.addr);
  return [...written].map((addr, i) => ({ kind: "read" as const, vcpu: i % cpus, addr }));
}

/** Options of {@linkcode scenarioOf}. */
export interface ScenarioShape {
  /** Which steps. */
  readonly mix: StepMix;
  /** The policies to pick from. */
  readonly policies: readonly string[];
  /** The most steps after the MMU-on prefix. */
  readonly maxSteps: number;
}

/**
 * A tiny scenario: a machine, 1 to 3 vCPUs, 64 KiB of RAM, a policy, a
 * seed, quiet or adversarial hardware and a program; for the `cacheable` and
 * `native-on` mixes every vCPU first turns its MMU and caches on, and the
 * program ends reading back every word it wrote.
 */
export function scenarioOf(shape: ScenarioShape): fc.Arbitrary<Scenario> {
  return scenarioAround(
    (machine, cpus, pcpus) =>
      fc.array(stepOf(cpus, pcpus, shape.mix), { maxLength: shape.maxSteps }).map((steps) =>
        shape.mix === "any" ? steps : fitExecState(
          machine,
          fitSetWay(machine, cpus, [...mmuOnAll(cpus), ...steps, ...readBack(steps, cpus)]),
        )
      ),
    shape.policies,
    ["quiet", "adversarial"],
  );
}

/**
 * A tiny scenario around the programs `program` draws for its machine: a
 * machine, 1 to 3 vCPUs, 64 KiB of RAM, one of `policies`, a seed, one of
 * `speculations` (repeat one to weigh it) and the program.
 */
export function scenarioAround(
  program: (machine: string | Machine, cpus: number, pcpus: number) => fc.Arbitrary<Step[]>,
  policies: readonly string[],
  speculations: readonly Speculation[],
): fc.Arbitrary<Scenario> {
  return anyMachine.chain((machine) => {
    const pcpus = pcpusOf(machine);
    return fc.integer({ min: 1, max: Math.min(3, pcpus) }).chain((cpus) =>
      fc.record({
        policy: fc.constantFrom(...policies),
        prefault: fc.boolean(),
        seed: fc.integer(),
        speculation: fc.constantFrom(...speculations),
        steps: program(machine, cpus, pcpus),
      }).map(({ policy, prefault, seed, speculation, steps }): Scenario => ({
        version: 1,
        machine,
        cpus,
        systemCache: "machine",
        policy,
        ram: FUZZ_RAM,
        ramBase: BASE,
        prefault,
        seed,
        speculation,
        steps,
      }))
    );
  });
}

/** Values a user could pass by mistake. */
export const junk: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom<unknown>(
    undefined,
    null,
    Number.NaN,
    Infinity,
    -Infinity,
    -1,
    0,
    0.5,
    2 ** 53,
    2 ** 48,
    -(2 ** 31),
    "",
    "x",
    "1GiB",
    true,
    false,
    [],
    {},
    [1, 2],
    { size: 4096, ways: 3 },
  ),
  fc.integer(),
  fc.string({ maxLength: 4 }),
  fc.anything({ maxDepth: 1 }),
);

const FIELDS = [...SCENARIO_FIELDS, "extra"];
const STEP_FIELDS = [
  "kind",
  "vcpu",
  "addr",
  "value",
  "op",
  "len",
  "level",
  "set",
  "way",
  "bits",
  "reg",
  "pcpu",
  "cpu",
];
const MACHINE_FIELDS = ["name", "clusters", "systemCache", "features", "cpus", "l1d", "size"];

/** One change to a scenario: a field (of the scenario, a step or the machine) set to junk, or deleted. */
export interface Mutation {
  readonly where: "scenario" | "step" | "machine";
  readonly index: number;
  readonly field: string;
  readonly remove: boolean;
  readonly value: unknown;
}

/** A mutation, as data. */
export const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({
    where: fc.constant("scenario" as const),
    index: fc.constant(0),
    field: fc.constantFrom(...FIELDS),
    remove: fc.boolean(),
    value: junk,
  }),
  fc.record({
    where: fc.constant("step" as const),
    index: fc.nat(),
    field: fc.constantFrom(...STEP_FIELDS),
    remove: fc.boolean(),
    value: junk,
  }),
  fc.record({
    where: fc.constant("machine" as const),
    index: fc.nat(),
    field: fc.constantFrom(...MACHINE_FIELDS),
    remove: fc.boolean(),
    value: junk,
  }),
);

/** Applies mutations to a deep copy of a scenario; the result is untrusted data. */
export function mutate(scenario: Scenario, changes: readonly Mutation[]): unknown {
  const s = structuredClone(scenario) as unknown as Record<string, unknown>;
  for (const m of changes) {
    let target: Record<string, unknown> | undefined = s;
    if (m.where === "step") {
      const steps = s.steps;
      target = Array.isArray(steps) && steps.length > 0
        ? steps[m.index % steps.length] as Record<string, unknown>
        : undefined;
    } else if (m.where === "machine") {
      const machine = s.machine as Record<string, unknown> | undefined;
      const clusters = machine?.clusters;
      target = m.index % 2 === 0 || !Array.isArray(clusters) || clusters.length === 0
        ? machine
        : clusters[m.index % clusters.length] as Record<string, unknown>;
    }
    if (typeof target !== "object" || target === null) continue;
    if (m.remove) delete target[m.field];
    else target[m.field] = m.value;
  }
  return s;
}

/**
 * The shape of the boot-time bug on random operands: vCPU 0 turns its
 * caches on and writes 1 to 4 words, does one maintenance (a set/way walk,
 * a clean by VA, or none), turns its caches off, and the last vCPU reads the
 * words back: programs that read stale data under some policies and
 * machines (a system cache, no clean). Quiet or adversarial hardware.
 */
export function writesThenCachesOff(policies: readonly string[]): fc.Arbitrary<Scenario> {
  const maintenance = fc.constantFrom<(Step | null)[]>(
    null,
    { kind: "sw_walk", vcpu: 0, op: "cisw" },
    { kind: "sw_walk", vcpu: 0, op: "csw" },
    { kind: "dc_va", vcpu: 0, op: "civac", addr: BASE, len: 4096 },
    { kind: "dc_va", vcpu: 0, op: "cvac", addr: BASE + 0x1000, len: 64 },
  );
  const words = fc.array(
    fc.constantFrom(BASE + 0x40, BASE + 0x44, BASE + 0x1080, BASE + 0x10c0),
    { minLength: 1, maxLength: 4 },
  );
  return scenarioAround(
    (_machine, cpus) =>
      fc.tuple(words, maintenance).map(([addrs, m]): Step[] => [
        { kind: "sctlr", vcpu: 0, bits: { m: true, c: true } },
        ...addrs.map((addr, i): Step => ({ kind: "write", vcpu: 0, addr, value: i + 1 })),
        ...(m === null ? [] : [m]),
        { kind: "sctlr", vcpu: 0, bits: { m: false, c: false } },
        ...addrs.map((addr): Step => ({ kind: "read", vcpu: cpus - 1, addr })),
      ]),
    policies,
    ["quiet", "adversarial"],
  );
}
