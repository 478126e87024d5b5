/**
 * Expanding a state from images of its parent's state (the run of its
 * program saved once, each child running only its last choice point and
 * step) must give exactly what replaying each child's whole program gives:
 * the same children (hashes and exact flags included), failures in order,
 * and counts. The parents come from a search of the same configuration,
 * several operations deep.
 */

import assert from "node:assert/strict";
import fc from "fast-check";
import { type ExploreOptions, resolveExploreOptions } from "../../lib/engine/explore/options.ts";
import { ExploreContext, loadParts } from "../../lib/engine/explore/context.ts";
import {
  CHILD_INTS,
  type ChildBatch,
  expandBatch,
  packWitnesses,
} from "../../lib/engine/explore/expand.ts";
import { ScenarioError } from "../../lib/errors.ts";
import { NO_OFF_FLUSH, TINY, TINY_L3 } from "./fixtures.ts";
import { policies, type Policy } from "../../mod.ts";

interface Witness {
  readonly ops: number[];
  readonly picks: number[];
}

/** The witnesses of a batch's children, as the search builds them (exhaustive.ts `witness`). */
function childWitnesses(parents: readonly Witness[], batch: ChildBatch): Witness[] {
  const out: Witness[] = [];
  for (let i = 0; i < batch.count; i++) {
    const o = i * CHILD_INTS;
    const parent = parents[batch.children[o]];
    const pick2 = batch.children[o + 2], pickJ = batch.children[o + 3];
    out.push({
      ops: [...parent.ops, batch.children[o + 1]],
      picks: pick2 === 1 ? [...parent.picks, pick2, pickJ] : [...parent.picks, pick2],
    });
  }
  return out;
}

function plain(b: ChildBatch): unknown {
  return { ...b, children: Array.from(b.children) };
}

const MACHINES = [
  { machine: "generic" },
  { machine: "xgene1" },
  { machine: "xgene1", systemCache: false },
  // Two-way L1s that three lines of one set overflow: LRU ages and castouts
  // from caches holding several lines then matter.
  { machine: TINY },
  { machine: TINY_L3 },
];
/** One address, two in distinct pages, or three lines of one set of TINY's L1. */
const ADDRESSES = [1, 2, [0x40000000, 0x40000200, 0x40000404]];
const POLICIES = ["kvm-4.0", "kvm-3.18", "kvm-modern", "xen", "trap-nothing"];
const CLASSES = ["no-sw", "cleans-by-va", "maintains-by-va", "cleans-by-sw"];
const OPS = ["write", "read", "dc_civac", "sw_clean", "mmuOn", "mmuOff", "migrate"] as const;

/**
 * Expands `width` parents per level, `depth` levels deep, each level both
 * ways, and compares; returns the number of children compared.
 */
async function compareBoth(options: ExploreOptions, seed: number, width: number) {
  let config;
  try {
    config = resolveExploreOptions({ progress: false, ...options });
  } catch (e) {
    if (e instanceof ScenarioError) return -1; // a combination the options refuse
    throw e;
  }
  const { policy, guestClass } = await loadParts(config);
  const fast = new ExploreContext(config, policy, guestClass);
  const slow = new ExploreContext(config, policy, guestClass);
  slow.useImages = false;
  let level: Witness[] = [{ ops: [], picks: [] }];
  let compared = 0;
  // Parents drawn uniformly from the last level (most of whose states had a
  // hardware choice), by a small seeded generator.
  let r = seed >>> 0 || 1;
  const draw = (n: number) => {
    r ^= r << 13;
    r ^= r >>> 17;
    r ^= r << 5;
    return (r >>> 0) % n;
  };
  for (let d = 0; d < config.maxOps && level.length > 0; d++) {
    const parents: Witness[] = [];
    for (let i = 0; i < width; i++) parents.push(level[draw(level.length)]);
    const packed = packWitnesses(parents);
    const a = expandBatch(fast, packed, d);
    const b = expandBatch(slow, packed, d);
    assert.deepEqual(plain(a), plain(b), `depth ${d}, parents ${JSON.stringify(parents)}`);
    compared += a.count + a.failures.length;
    level = childWitnesses(parents, a);
  }
  imaged += fast.parentsImaged;
  return compared;
}

/** Parents whose children ran from images, over every comparison. */
let imaged = 0;

Deno.test("property: children expanded from the parent's images equal those of a replay of each program", async () => {
  imaged = 0;
  let compared = 0;
  await fc.assert(
    fc.asyncProperty(
      fc.record({
        machine: fc.constantFrom(...MACHINES),
        policy: fc.constantFrom(...POLICIES),
        guestClass: fc.constantFrom(...CLASSES),
        ops: fc.subarray([...OPS], { minLength: 2 }),
        prefault: fc.boolean(),
        mode: fc.constantFrom("exhaustive" as const, "prove" as const),
        addresses: fc.constantFrom(...ADDRESSES),
        seed: fc.integer(),
      }),
      async (c) => {
        const ops = [...new Set(["write", "read", ...c.ops])];
        const n = await compareBoth(
          {
            ...c.machine,
            policy: c.policy,
            guestClass: c.guestClass,
            ops,
            prefault: c.prefault,
            mode: c.mode,
            addresses: c.addresses,
            cpus: 2,
            maxOps: 6,
          } as ExploreOptions,
          c.seed,
          3,
        );
        if (n > 0) compared += n;
      },
    ),
    { numRuns: 60, seed: 20261203 },
  );
  // The comparison is not vacuous: children and failures were compared.
  assert.ok(compared > 1000, `only ${compared} children compared`);
  assert.ok(imaged > 100, `only ${imaged} parents imaged`);
});

Deno.test("children from images: every built-in policy, class and machine, prefaulted, deep parents", async () => {
  imaged = 0;
  for (const m of MACHINES) {
    for (const policy of POLICIES) {
      for (const guestClass of CLASSES) {
        const ops = guestClass === "cleans-by-sw"
          ? ["write", "read", "sw_clean", "mmuOn", "mmuOff", "migrate"]
          : ["write", "read", "dc_civac", "mmuOn", "mmuOff", "migrate"];
        const n = await compareBoth(
          {
            ...m,
            policy,
            guestClass,
            ops,
            mode: "prove",
            addresses: m.machine === TINY ? ADDRESSES[2] : 2,
            cpus: 2,
            maxOps: 7,
          } as ExploreOptions,
          20261203,
          2,
        );
        assert.ok(n !== -1, `${m.machine} ${policy} ${guestClass} refused`);
      }
    }
  }
  assert.ok(imaged > 500, `only ${imaged} parents imaged`);
});

/** A user policy that counts set/way traps in plain data: its state is copied into the images. */
const COUNTING: Policy = {
  ...policies["kvm-4.0"],
  name: "counting",
  description: "kvm-4.0 that counts the set/way operations it traps",
  state: () => ({ traps: [0, 0], last: null as string | null }),
  onSetWay(hyp, op, state) {
    const s = state as { traps: number[]; last: string | null };
    s.traps[hyp.vcpu.index]++;
    s.last = op.op;
    hyp.flushVm();
  },
};

/** The same counting in a Map: not plain data, so its children replay their programs. */
const COUNTING_MAP: Policy = {
  ...COUNTING,
  name: "counting-map",
  state: () => new Map<string, number>(),
  onSetWay(hyp, op, state) {
    const m = state as Map<string, number>;
    m.set(op.op, (m.get(op.op) ?? 0) + 1);
    hyp.flushVm();
  },
};

for (const policy of [COUNTING, COUNTING_MAP, NO_OFF_FLUSH]) {
  Deno.test(`children from images: a user policy (${policy.name})`, async () => {
    imaged = 0;
    for (const m of [MACHINES[3], MACHINES[4]]) {
      const n = await compareBoth(
        {
          ...m,
          policy,
          guestClass: "cleans-by-sw",
          ops: ["write", "read", "sw_clean", "mmuOn", "mmuOff", "migrate"],
          mode: "prove",
          cpus: 2,
          maxOps: 6,
        } as ExploreOptions,
        7,
        3,
      );
      assert.ok(n > 0);
    }
    if (policy === COUNTING_MAP) assert.equal(imaged, 0, "a Map state was imaged");
    else assert.ok(imaged > 0, "no parent imaged");
  });
}
