import assert from "node:assert/strict";
import fc from "fast-check";
import { Hardware } from "../../lib/hw/hardware.ts";
import { INVALID } from "../../lib/hw/cache.ts";
import {
  sameCacheContents,
  sameClusterContents,
  type TwinCluster,
} from "../../lib/engine/explore/cache_twins.ts";

// The reference: each cache's contents written out as text (its resident
// slots in order, with line, state and data words), and two caches twins
// when their texts are equal. When sets can be full a non-empty cache has
// no text (null), equal to nothing. A cluster's text is its L2's ("" when
// it has none) and its L1s' sorted.

function cacheText(hw: Hardware, ci: number, agesMatter: boolean, values: boolean): string | null {
  const c = hw.caches[ci];
  const parts: string[] = [];
  for (let s = 0; s < c.slots; s++) {
    if (c.states[s] === INVALID) continue;
    let part = `${s}/${c.tags[s]}/${c.states[s]}`;
    if (values) {
      const words: number[] = [];
      for (let w = 0; w < c.wordsPerLine; w++) words.push(c.data[c.dataOffset(s) + w]);
      part += `=${words.join(".")}`;
    }
    parts.push(part);
  }
  if (parts.length > 0 && agesMatter) return null;
  return parts.join(" ");
}

function clusterText(
  hw: Hardware,
  c: TwinCluster,
  agesMatter: boolean,
  values: boolean,
): string | null {
  const l2 = c.l2 >= 0 ? cacheText(hw, c.l2, agesMatter, values) : "";
  const l1s = c.l1.map((cpu) => cacheText(hw, cpu, agesMatter, values));
  if (l2 === null || l1s.includes(null)) return null;
  return `${l2} | ${l1s.sort().join(" | ")}`;
}

const equalTexts = (a: string | null, b: string | null) => a !== null && a === b;

/** Two clusters of two CPUs with a 4-set L2, one without an L2, one of a single CPU; 2-set 2-way L1s. */
function machine(): { hw: Hardware; clusters: TwinCluster[] } {
  const l1d = { size: 256, ways: 2 }, l2 = { size: 1024, ways: 4 };
  const hw = new Hardware({
    name: "twins",
    description: "",
    clusters: [{ cpus: 2, l1d, l2 }, { cpus: 2, l1d, l2 }, { cpus: 2, l1d }, { cpus: 1, l1d }],
  });
  const clusters = [[0, 1], [2, 3], [4, 5], [6]].map((l1) => ({
    l2: hw.levels(l1[0]) > 1 ? hw.cacheIndexOf(l1[0], 2) : -1,
    l1,
  }));
  return { hw, clusters };
}

const BASE = 0x4000_0000;
type Op = {
  kind: "read" | "write" | "uncached" | "fill" | "castout" | "clean";
  who: number;
  line: number;
  value: number;
};
const op: fc.Arbitrary<Op> = fc.record({
  kind: fc.constantFrom("read", "read", "write", "uncached", "fill", "fill", "castout", "clean"),
  who: fc.nat({ max: 9 }),
  line: fc.nat({ max: 2 }),
  value: fc.nat({ max: 1 }),
});

function apply(hw: Hardware, o: Op): void {
  const cpu = o.who % hw.cpuCount;
  const addr = BASE + o.line * 64;
  if (o.kind === "read") hw.read(cpu, addr, true);
  else if (o.kind === "write") hw.write(cpu, addr, o.value, true);
  // Past the caches: the copies they hold of the line go stale, each with the value it had.
  else if (o.kind === "uncached") hw.write(cpu, addr, o.value, false);
  else if (o.kind === "fill") hw.speculativeFill(cpu, addr);
  else if (o.kind === "castout") hw.castout(o.who % hw.caches.length, addr);
  else hw.dcByVa("cvac", cpu, addr);
}

Deno.test("sameCacheContents and sameClusterContents say what the caches' written-out contents say", () => {
  let nonEmptyTwins = 0, nonEmptyApart = 0, clusterTwins = 0;
  fc.assert(
    fc.property(
      fc.array(op, { maxLength: 24 }),
      fc.boolean(),
      fc.boolean(),
      (ops, ages, values) => {
        const { hw, clusters } = machine();
        for (const o of ops) apply(hw, o);
        const n = hw.caches.length;
        for (let a = 0; a < n; a++) {
          for (let b = 0; b < n; b++) {
            const want = equalTexts(cacheText(hw, a, ages, values), cacheText(hw, b, ages, values));
            assert.equal(sameCacheContents(hw, a, b, ages, values), want, `caches ${a}, ${b}`);
            if (a !== b && hw.caches[a].residentCount > 0) want ? nonEmptyTwins++ : nonEmptyApart++;
          }
        }
        const used = new Uint8Array(hw.cpuCount);
        for (const c of clusters) {
          for (const d of clusters) {
            const want = equalTexts(
              clusterText(hw, c, ages, values),
              clusterText(hw, d, ages, values),
            );
            assert.equal(sameClusterContents(hw, c, d, ages, values, used), want);
            if (want && c !== d && hw.caches[c.l1[0]].residentCount > 0) clusterTwins++;
          }
        }
      },
    ),
    { numRuns: 400, seed: 1 },
  );
  // The cases that matter were reached: non-empty twins, non-empty caches apart, clusters alike.
  const reached = { nonEmptyTwins, nonEmptyApart, clusterTwins };
  assert.ok(Object.values(reached).every((n) => n > 0), JSON.stringify(reached));
});

Deno.test("a cluster without an L2 is the twin of one whose L2 is empty, not of one whose L2 holds a line", () => {
  const { hw, clusters } = machine();
  const used = new Uint8Array(hw.cpuCount);
  const [withL2, , withoutL2] = clusters;
  assert.equal(sameClusterContents(hw, withL2, withoutL2, true, true, used), true);
  hw.read(0, BASE, true);
  hw.castout(0, BASE);
  assert.equal(hw.caches[0].residentCount, 0);
  assert.equal(sameClusterContents(hw, withL2, withoutL2, false, true, used), false);
  assert.equal(sameClusterContents(hw, withoutL2, withL2, false, true, used), false);
});
