// Two idle clusters are twins only when their L2s are: a line held in one
// cluster's L2 alone (its L1s empty, like the other cluster's) keeps them
// apart, whichever of the two is asked about first.
import assert from "node:assert/strict";
import { Hardware } from "../../lib/hw/hardware.ts";
import { sameClusterContents, type TwinCluster } from "../../lib/engine/explore/cache_twins.ts";

const BASE = 0x4000_0000;

/** Two clusters of two CPUs, each with its own L2. */
function twoClusters(): { hw: Hardware; c0: TwinCluster; c1: TwinCluster } {
  const l1d = { size: 256, ways: 2 }, l2 = { size: 1024, ways: 4 };
  const hw = new Hardware({
    name: "two-l2",
    description: "",
    clusters: [{ cpus: 2, l1d, l2 }, { cpus: 2, l1d, l2 }],
  });
  const c0 = { l2: hw.cacheIndexOf(0, 2), l1: [0, 1] };
  const c1 = { l2: hw.cacheIndexOf(2, 2), l1: [2, 3] };
  return { hw, c0, c1 };
}

Deno.test("twin clusters: a line in one cluster's L2 only keeps the clusters apart", () => {
  const { hw, c0, c1 } = twoClusters();
  const used = new Uint8Array(hw.cpuCount);
  assert.equal(sameClusterContents(hw, c0, c1, false, true, used), true, "both empty");
  // The line goes through CPU 0's L1 and is cast out of it: cluster 0's L2 alone holds it.
  hw.read(0, BASE, true);
  hw.castout(0, BASE);
  assert.equal(hw.caches[0].residentCount, 0);
  assert.ok(hw.caches[c0.l2].residentCount > 0);
  for (const values of [true, false]) {
    assert.equal(sameClusterContents(hw, c0, c1, false, values, used), false, `c0, c1 ${values}`);
    assert.equal(sameClusterContents(hw, c1, c0, false, values, used), false, `c1, c0 ${values}`);
    assert.equal(sameClusterContents(hw, c0, c0, false, values, used), true, `c0, c0 ${values}`);
  }
  // The same line brought into cluster 1's L2 the same way makes them twins again.
  hw.read(2, BASE, true);
  hw.castout(2, BASE);
  assert.equal(sameClusterContents(hw, c1, c0, false, true, used), true);
  assert.equal(sameClusterContents(hw, c0, c1, false, true, used), true);
});
