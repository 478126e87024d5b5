/**
 * The incident catalogue's machine, Marvell Armada 8040: it validates,
 * its geometry is the device tree's (sets per cache), its module doc names
 * its sources, and its LLC is deaf to set/way but reached by VA.
 */

import assert from "node:assert/strict";
import { vm } from "../../mod.ts";
import { armada8040, Hardware, resolveMachine } from "../../lib/api/hw.ts";

Deno.test("armada8040: a valid machine with the device tree's sets and TF-A's LLC", () => {
  assert.equal(resolveMachine(armada8040), armada8040);
  const hw = new Hardware(armada8040);
  assert.equal(hw.cpuCount, 4);
  assert.equal(hw.geometry(0, 1).sets, 256); // d-cache-sets = <256>
  assert.equal(hw.geometry(0, 2).sets, 512); // cache-sets = <512>
  assert.equal(hw.levels(0), 2); // the LLC is not in CLIDR
  assert.equal(armada8040.systemCache?.size, 1 << 20);
  assert.equal(armada8040.systemCache?.ways, 8);
});

Deno.test("armada8040: its module doc cites the device tree and TF-A", async () => {
  const text = await Deno.readTextFile(
    new URL("../../lib/machines/armada_8040.ts", import.meta.url),
  );
  const doc = text.slice(0, text.indexOf("@module"));
  assert.match(doc, /Sources:/);
  assert.match(doc, /armada-ap806-quad\.dtsi/);
  assert.match(doc, /cache_llc\.h/);
});

Deno.test("armada8040: set/way cleans into the LLC, by VA reaches DRAM", async () => {
  const base = vm().machine(armada8040).policy("native");
  const sw = await base.guest((g) =>
    g.mmuOn().write(0x4000_0040, 5).sw_clean().mmuOff().read(0x4000_0040)
  )
    .run();
  assert.equal(sw.verdict.violations[0]?.blame, "machine");
  const va = await base.guest((g) =>
    g.mmuOn().write(0x4000_0040, 5).dc_civac(0x4000_0040).mmuOff().read(0x4000_0040)
  ).run();
  assert.equal(va.verdict.ok, true);
});
