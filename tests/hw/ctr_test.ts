import assert from "node:assert/strict";
import { coreCtrProblem } from "../../lib/hw/ctr.ts";
import { Hardware } from "../../lib/hw/hardware.ts";
import { ScenarioError } from "../../lib/errors.ts";

Deno.test("coreCtrProblem: IDC and DIC, each true, false or absent; nothing else", () => {
  assert.equal(coreCtrProblem(undefined), null);
  assert.equal(coreCtrProblem({}), null);
  assert.equal(coreCtrProblem({ idc: true, dic: false }), null);
  assert.equal(coreCtrProblem({ idc: undefined }), null);
  assert.deepEqual(coreCtrProblem({ dic: 1 }), {
    field: "dic",
    value: 1,
    expected: "true or false",
    outOfRange: false,
  });
  assert.deepEqual(coreCtrProblem({ idc: "yes" })?.field, "idc");
  assert.deepEqual(coreCtrProblem({ cwg: 4 }), {
    field: "cwg",
    value: 4,
    expected: "no such field (idc, dic)",
    outOfRange: false,
  });
  for (const bad of [null, 7, [true], "idc"]) {
    assert.deepEqual(coreCtrProblem(bad), {
      field: "",
      value: bad,
      expected: "an object { idc?, dic? }",
      outOfRange: false,
    });
  }
});

Deno.test("Hardware refuses a cluster whose ctr is not IDC and DIC booleans, naming the field", () => {
  const l1d = { size: 32768, ways: 4 };
  const build = (ctr: unknown) => () =>
    new Hardware({ name: "m", description: "", clusters: [{ cpus: 1, l1d, ctr: ctr as never }] });
  assert.throws(
    build({ dic: 1 }),
    (e: unknown) =>
      e instanceof ScenarioError && e.code === "invalid_value" &&
      e.call === "clusters[0].ctr.dic" &&
      e.value === 1 && e.message === "clusters[0].ctr.dic(1): expected true or false",
  );
  assert.throws(
    build(5),
    (e: unknown) =>
      e instanceof ScenarioError && e.call === "clusters[0].ctr" &&
      e.message === "clusters[0].ctr(5): expected an object { idc?, dic? }",
  );
  new Hardware({ name: "m", description: "", clusters: [{ cpus: 1, l1d, ctr: { idc: true } }] });
});
