// A watched run: where each watched word's newest value lives, each cache level's dirty lines,
// and nothing else changed.
import assert from "node:assert/strict";
import { run } from "../../lib/engine/run.ts";
import { CacheWatch, checkWatch } from "../../lib/engine/cache_watch.ts";
import { ScenarioError } from "../../lib/errors.ts";
import { Hardware } from "../../lib/hw/hardware.ts";
import { generic } from "../../lib/machines/generic.ts";
import type { Step } from "../../lib/guest/ops.ts";
import { BASE, IMAGE, KERNEL, scenario, zimageSteps } from "./fixtures.ts";

const wheres = (r: ReturnType<typeof run>, k: number) =>
  r.caches!.addresses[k].changes.map((c) => c.where);

Deno.test("watch: the zImage word is dirty in L1, then in the system cache under kvm-3.18", () => {
  const s = scenario(zimageSteps(2));
  const r = run(s, { policy: "kvm-3.18", watch: [KERNEL, IMAGE] });
  assert.equal(r.verdict.ok, false);
  // the set/way walk cleans L1 and L2 but never the system cache: the kernel reads DRAM
  assert.deepEqual(wheres(r, 0), ["unwritten", "l1", "sys"]);
  assert.equal(r.caches!.addresses[0].changes.at(-1)!.label, "dirty in the system cache");
  // the VMM's write of the image is dirty in the L1 of the CPU it runs on (the first free one)
  assert.equal(wheres(r, 1)[1], "l1");
  assert.match(r.caches!.addresses[1].changes[1].label, /^dirty in cpu1\.L1/);
  const [l1, l2, sys] = r.caches!.levels;
  assert.deepEqual(r.caches!.levels.map((l) => l.name), ["L1", "L2", "system cache"]);
  assert.deepEqual([l1.slots, l2.slots, sys.slots], [4 * 4096 / 64, 2 * 16384 / 64, 65536 / 64]);
  // at the walk, what vCPU 0's L1 and its cluster's L2 held dirty moves to the system cache
  const walk = sys.at.at(-1)!;
  assert.deepEqual([l1.at.at(-1), l2.at.at(-1)], [walk, walk]);
  const drop = (l: typeof l1) => l.dirty.at(-2)! - l.dirty.at(-1)!;
  assert.equal(sys.dirty.at(-1)! - sys.dirty.at(-2)!, drop(l1) + drop(l2));
  assert.equal(l2.dirty.at(-1), 0);
  // sample places are event places, ascending, within the run
  const size = r.events.at(-1)!.seq + r.events.at(-1)!.count;
  for (const l of r.caches!.levels) {
    assert.ok(l.at.every((x, i) => i === 0 || x > l.at[i - 1]), `${l.name} ascending`);
    assert.ok(l.at.every((x) => x <= size), `${l.name} within the run`);
  }
});

Deno.test("watch: kvm-4.0's flush by VA leaves the newest value in DRAM", () => {
  const r = run(scenario(zimageSteps(2)), { policy: "kvm-4.0", watch: [KERNEL] });
  assert.equal(r.verdict.ok, true);
  assert.equal(wheres(r, 0).at(-1), "dram");
});

Deno.test("watch: changes nothing else, and records nothing unless asked", () => {
  const s = scenario(zimageSteps(3));
  for (const policy of ["kvm-3.18", "kvm-4.0", "trap-nothing"]) {
    const plain = run(s, { policy });
    const watched = run(s, { policy, watch: [KERNEL, KERNEL + 64, BASE] });
    assert.equal(plain.caches, undefined);
    assert.equal(JSON.stringify(watched.toJSON()), JSON.stringify(plain.toJSON()), policy);
    assert.equal(watched.trace(), plain.trace());
  }
  // no address: the dirty lines alone
  const none = run(s, { policy: "kvm-3.18", watch: [] });
  assert.deepEqual(none.caches!.addresses, []);
  assert.equal(none.caches!.levels.length, 3);
});

Deno.test("watch: a word no copy holds any more is 'lost'", () => {
  // written with caches on, then invalidated by set/way without a clean: the value is gone
  const s = scenario([
    { kind: "sctlr", vcpu: 0, bits: { m: true, c: true } },
    { kind: "write", vcpu: 0, addr: KERNEL, value: 7 },
    { kind: "sw_walk", vcpu: 0, op: "isw" },
    { kind: "read", vcpu: 0, addr: KERNEL },
  ]);
  const r = run(s, { policy: "native", watch: [KERNEL] });
  assert.equal(r.verdict.violations[0]?.kind, "lost_write");
  assert.deepEqual(wheres(r, 0).slice(0, 3), ["unwritten", "l1", "lost"]);
  assert.equal(wheres(r, 0).at(-1), "lost");
  assert.match(r.caches!.addresses[0].changes.at(-1)!.label, /^nowhere: no copy holds it/);
});

Deno.test("watch: bad addresses are a ScenarioError naming the option", () => {
  for (
    const bad of [
      [0x1001],
      [-4],
      ["0x1000"],
      4096,
      Array.from({ length: 65 }, (_, i) => i * 4),
    ]
  ) {
    assert.throws(() => checkWatch(bad), (e) => {
      assert.ok(e instanceof ScenarioError);
      assert.equal(e.call, "run.options.watch");
      return true;
    });
  }
  assert.throws(
    () => run(scenario(zimageSteps(1)), { watch: [3] as number[] }),
    /run\(\.\.\., \{ watch: \[3\] \}\): 3 is not a 4-byte aligned address/,
  );
});

/** The changes of watched word `k`, as [at, where, label]. */
const labels = (r: ReturnType<typeof run>, k: number) =>
  r.caches!.addresses[k].changes.map((c) => [c.at, c.where, c.label]);

const CACHES_ON = { kind: "sctlr", vcpu: 0, bits: { m: true, c: true } } as const;

Deno.test("watch: a word inside its line is found at its own offset; DRAM and clean copies are named", () => {
  // Natively every step records exactly one event: a step's change holds from
  // the event after it, place i + 1 for step i.
  const WORD = KERNEL + 8;
  const r = run(
    scenario([
      CACHES_ON,
      // the line is filled through the L2 and the system cache with DRAM's old word
      { kind: "write", vcpu: 0, addr: WORD, value: 7 },
      { kind: "dc_va", vcpu: 0, op: "civac", addr: WORD, len: 4 },
      { kind: "read", vcpu: 0, addr: WORD },
      { kind: "write", vcpu: 0, addr: WORD, value: 7 },
    ]),
    { policy: "native", watch: [WORD] },
  );
  assert.deepEqual(r.events.map((e) => e.seq), [0, 1, 2, 3, 4]);
  assert.deepEqual(labels(r, 0), [
    [0, "unwritten", "not written yet"],
    [2, "l1", "dirty in cpu0.L1 · older copy in cluster0.L2, the system cache"],
    // cleaned and invalidated: only DRAM holds it
    [3, "dram", "DRAM"],
    // read back: DRAM still holds it, and so does every cache on the way (the same class)
    [4, "dram", "DRAM · clean in cpu0.L1, cluster0.L2, the system cache"],
    // written again with the same value: dirty in L1, and DRAM is not older
    [5, "l1", "dirty in cpu0.L1 · clean in cluster0.L2, the system cache · DRAM too"],
  ]);
});

Deno.test("watch: of two dirty copies holding the newest value, the one nearest the CPU is where it lives", () => {
  const r = run(
    scenario([
      CACHES_ON,
      { kind: "write", vcpu: 0, addr: KERNEL, value: 7 },
      // the walk cleans L1 into L2 and L2 into the system cache, which it never cleans
      { kind: "sw_walk", vcpu: 0, op: "csw" },
      { kind: "write", vcpu: 0, addr: KERNEL, value: 7 },
    ]),
    { policy: "native", watch: [KERNEL] },
  );
  assert.deepEqual(labels(r, 0).slice(1), [
    [2, "l1", "dirty in cpu0.L1 · older copy in cluster0.L2, the system cache"],
    [3, "sys", "dirty in the system cache · clean in cpu0.L1, cluster0.L2"],
    [4, "l1", "dirty in cpu0.L1, the system cache · clean in cluster0.L2"],
  ]);
});

Deno.test("watch: a clean copy is where the newest value lives once its dirty copy is invalidated", () => {
  // Clean L1 to L2 (the point of unification), then invalidate L2's set by
  // set/way, every way: the L2 copy is dropped unwritten, L1's clean copy
  // remains over an older DRAM.
  const set = (KERNEL >> 6) & 63; // 16 KiB, 4 ways, 64-byte lines: 64 sets
  const r = run(
    scenario([
      CACHES_ON,
      { kind: "write", vcpu: 0, addr: KERNEL, value: 7 },
      { kind: "dc_va", vcpu: 0, op: "cvau", addr: KERNEL, len: 4 },
      ...[0, 1, 2, 3].map((way) =>
        ({ kind: "sw", vcpu: 0, op: "isw", level: 2, set, way }) as const
      ),
    ]),
    { policy: "native", watch: [KERNEL] },
  );
  assert.deepEqual(labels(r, 0).slice(1).map(([, where, label]) => [where, label]), [
    ["l1", "dirty in cpu0.L1 · older copy in cluster0.L2, the system cache"],
    ["l2", "dirty in cluster0.L2 · clean in cpu0.L1 · older copy in the system cache"],
    ["l1", "clean in cpu0.L1, DRAM older · older copy in the system cache"],
  ]);
});

Deno.test("watch: a long program's plain accesses are sampled one in ceil(steps / 4096), other steps and the last always", () => {
  // 8193 steps: a stride of 3. One event a step natively: step i ends at place i + 1.
  const R = KERNEL, W1 = KERNEL + 0x1040, W2 = KERNEL + 0x2080;
  const steps: Step[] = [CACHES_ON];
  while (steps.length < 8193) steps.push({ kind: "read", vcpu: 0, addr: R });
  steps[7] = { kind: "write", vcpu: 0, addr: W1, value: 1 }; // 7 % 3 = 1: seen at step 9
  steps[10] = { kind: "dc_va", vcpu: 0, op: "cvac", addr: W1, len: 4 }; // not plain: seen at once
  steps[8192] = { kind: "write", vcpu: 0, addr: W2, value: 2 }; // off the stride, but the last
  const r = run(scenario(steps), { policy: "native", watch: [] });
  assert.equal(r.events.reduce((n, e) => n + e.count, 0), 8193);
  const [l1, l2, sys] = r.caches!.levels;
  assert.deepEqual([l1.at, l1.dirty], [[0, 10, 11, 8193], [0, 1, 0, 1]]);
  // the write allocates older copies in L2 and the system cache, clean
  assert.deepEqual([l2.at, l2.dirty, sys.at, sys.dirty], [[0], [0], [0], [0]]);
});

Deno.test("watch: of several records at one place, the last state is kept and no change repeats", () => {
  // A recorder driven by hand: steps that record no event share a place.
  const A = 0x4000_1000;
  const steps: Step[] = [
    { kind: "write", vcpu: 0, addr: A, value: 1 },
    { kind: "write", vcpu: 0, addr: A, value: 2 },
    { kind: "write", vcpu: 0, addr: A, value: 3 },
  ];
  const watch = new CacheWatch([A], steps);
  const hw = new Hardware(generic);
  const dirtyInL1 = "dirty in cpu0.L1 · older copy in cluster0.L2";
  hw.write(0, A, 1, true);
  watch.afterStep(0, hw, 1);
  hw.write(0, A, 2, false); // past the dirty L1 line: only DRAM holds 2
  watch.afterStep(1, hw, 2);
  assert.deepEqual(watch.track().addresses[0].changes.map((c) => [c.at, c.label]), [
    [0, "not written yet"],
    [1, dirtyInL1],
    [2, "DRAM · older copy in cpu0.L1, cluster0.L2"],
  ]);
  // at the same place, dirty in L1 again: the DRAM change is replaced, and
  // what remains would repeat the change before it
  hw.write(0, A, 3, true);
  watch.afterStep(2, hw, 2);
  assert.deepEqual(watch.track().addresses[0].changes.map((c) => [c.at, c.label]), [
    [0, "not written yet"],
    [1, dirtyInL1],
  ]);
});

Deno.test("watch: dirty counts sampled twice at one place keep the last", () => {
  const lines = [0x4000_1000, 0x4000_2000, 0x4000_3000];
  const steps: Step[] = lines.map((addr) => ({ kind: "write", vcpu: 0, addr, value: 1 }));
  const watch = new CacheWatch([], steps);
  const hw = new Hardware(generic);
  for (const [i, addr] of lines.entries()) {
    hw.write(0, addr, 1, true);
    watch.afterStep(i, hw, 1);
  }
  const [l1, l2] = watch.track().levels;
  assert.deepEqual([l1.name, l1.at, l1.dirty], ["L1", [0, 1], [0, 3]]);
  assert.deepEqual([l2.name, l2.at, l2.dirty], ["L2", [0], [0]]);
  // generic: 4 CPUs with 32 KiB L1s, one 1 MiB L2; 64-byte lines
  assert.deepEqual([l1.slots, l2.slots], [4 * 32768 / 64, 1048576 / 64]);
});

Deno.test("watch: addresses are 4-byte aligned safe integers, at most 64 once repeats are dropped", () => {
  assert.deepEqual(checkWatch([0x1004, 0x1000, 0x1004]), [0x1004, 0x1000]);
  const many = Array.from({ length: 64 }, (_, i) => 0x4000_0000 + 4 * i);
  assert.deepEqual(checkWatch(many), many);
  assert.deepEqual(checkWatch([...many, ...many]), many);
  for (const bad of [2 ** 53, 2 ** 60]) {
    assert.throws(() => checkWatch([bad]), /is not a 4-byte aligned address/);
  }
});
