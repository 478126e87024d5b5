// A watched run: where each watched word's newest value lives, each cache level's dirty lines,
// and nothing else changed.
import assert from "node:assert/strict";
import { run } from "../../lib/engine/run.ts";
import { checkWatch } from "../../lib/engine/cache_watch.ts";
import { ScenarioError } from "../../lib/errors.ts";
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
