import assert from "node:assert/strict";
import fc from "fast-check";
import { Nodes } from "../../lib/engine/explore/exhaustive.ts";
import { packWitnesses } from "../../lib/engine/explore/expand.ts";

Deno.test("Nodes.pack writes what packWitnesses makes of the nodes' witnesses", () => {
  // A tree: node i + 1's parent is one of the nodes before it, with an operation and picks.
  const node = fc.record({ parent: fc.nat(), op: fc.nat(9), pick2: fc.nat(1), pickJ: fc.nat(5) });
  fc.assert(
    fc.property(
      fc.array(node, { maxLength: 60 }),
      fc.array(fc.nat(), { maxLength: 20 }),
      fc.boolean(),
      (tree, picked, speculation) => {
        const nodes = new Nodes();
        nodes.add(0, -1, 0, 0);
        for (const n of tree) nodes.add(n.parent % nodes.length, n.op, n.pick2, n.pickJ);
        const members = picked.map((m) => m % nodes.length);
        const want = packWitnesses(members.map((m) => nodes.witness(m, speculation)));
        assert.deepEqual(nodes.pack(members, speculation), want);
      },
    ),
    { seed: 20261205, numRuns: 500 },
  );
});

Deno.test("Nodes.pack follows chains longer than its first scratch array", () => {
  const nodes = new Nodes();
  nodes.add(0, -1, 0, 0);
  let last = 0;
  for (let i = 0; i < 40; i++) last = nodes.add(last, i % 7, 1, i);
  const want = packWitnesses([nodes.witness(last, true), nodes.witness(3, true)]);
  assert.deepEqual(nodes.pack([last, 3], true), want);
});
