import assert from "node:assert/strict";
import { Cache, CLEAN } from "../../lib/hw/cache.ts";
import { Hardware, HardwareImage } from "../../lib/hw/hardware.ts";
import type { Machine } from "../../lib/hw/machine.ts";
import { refusalOf as refusal } from "../support/scenario_error.ts";

const A = 0x4000_0000;

/** Two clusters of two CPUs: L1 of 8 sets x 2 ways, L2 of 32 sets x 4 ways, a system cache. */
function machine(lineSize = 64): Machine {
  const cluster = {
    cpus: 2,
    l1d: { size: 16 * lineSize, ways: 2, lineSize },
    l2: { size: 128 * lineSize, ways: 4, lineSize },
  };
  return {
    name: "checks",
    description: "",
    clusters: [cluster, cluster],
    systemCache: { size: 1024 * lineSize, ways: 8, lineSize },
  };
}

/** "I", "C" or "D": the state of addr's line in the named cache. */
function state(hw: Hardware, cache: string, addr: number): string {
  const c = hw.caches.find((x) => x.name === cache)!;
  const s = c.lookup(c.lineOf(addr));
  return s < 0 ? "I" : c.states[s] === 2 ? "D" : "C";
}

Deno.test("Hardware: set/way walks refuse an operation that is not csw, cisw or isw", () => {
  const hw = new Hardware(machine());
  hw.write(0, A, 1, true);
  assert.deepEqual(refusal(() => hw.setWayAll(0, "civac" as "csw")), {
    code: "invalid_value",
    call: "setWayAll",
    value: "civac",
  });
  assert.deepEqual(refusal(() => hw.setWayRunsDownFrom(0, 1, "dccsw" as "csw", 15)), {
    code: "invalid_value",
    call: "setWayRunsDownFrom",
    value: "dccsw",
  });
  // Nothing was cleaned or dropped.
  assert.equal(state(hw, "cpu0.L1", A), "D");
  assert.notEqual(hw.memory.read(A), 1);
});

Deno.test("Hardware: vaFlushResident takes the PoC operations only, not cvau", () => {
  const hw = new Hardware(machine());
  hw.write(0, A, 1, true);
  assert.deepEqual(refusal(() => hw.vaFlushResident("cvau" as "cvac", () => true)), {
    code: "invalid_value",
    call: "vaFlushResident",
    value: "cvau",
  });
  assert.equal(state(hw, "cpu0.L1", A), "D");
  assert.equal(state(hw, "cluster0.L2", A), "C");
});

Deno.test("Hardware: dcByVa checks the issuing CPU before broadcasting", () => {
  const hw = new Hardware(machine());
  hw.write(0, A, 1, true);
  assert.deepEqual(refusal(() => hw.dcByVa("civac", 4, A)), {
    code: "out_of_range",
    call: "dcByVa",
    value: 4,
  });
  assert.equal(state(hw, "cpu0.L1", A), "D");
  assert.deepEqual(hw.dcByVa("civac", 3, A), { cleaned: 1, invalidated: 3 });
});

Deno.test("Hardware: dcBySetWay refuses a negative set, hasSlot answers false for it", () => {
  const hw = new Hardware(machine());
  assert.deepEqual(refusal(() => hw.dcBySetWay(0, "csw", 1, -1, 0)), {
    code: "out_of_range",
    call: "dcBySetWay",
    value: -1,
  });
  assert.deepEqual(refusal(() => hw.dcBySetWay(0, "csw", 2, 0, -1)), {
    code: "out_of_range",
    call: "dcBySetWay",
    value: -1,
  });
  assert.equal(hw.hasSlot(0, 1, -1, 0), false);
  assert.equal(hw.hasSlot(0, 2, -1, 3), false);
  assert.equal(hw.hasSlot(0, 1, 0, -1), false);
  assert.equal(hw.hasSlot(0, 1, 0.5, 0), false);
  assert.equal(hw.hasSlot(0, 1, 0, 0.5), false);
  assert.equal(hw.hasSlot(0, 1, 0, 0), true);
});

Deno.test("Hardware: geometry reports the machine's own line size", () => {
  const hw = new Hardware(machine(32));
  assert.deepEqual(hw.geometry(0, 1), { sets: 8, ways: 2, lineSize: 32 });
  assert.deepEqual(hw.geometry(3, 2), { sets: 32, ways: 4, lineSize: 32 });
  assert.equal(hw.lineSize, 32);
});

Deno.test("Hardware: clidr and ccsidr refuse a CPU or level the machine does not have", () => {
  const hw = new Hardware(machine());
  const clidr = refusal(() => hw.clidr(4));
  assert.deepEqual([clidr?.code, clidr?.value], ["out_of_range", 4]);
  const level = refusal(() => hw.ccsidr(0, 3));
  assert.deepEqual([level?.code, level?.value], ["out_of_range", 3]);
  const zero = refusal(() => hw.ccsidr(0, 0));
  assert.deepEqual([zero?.code, zero?.value], ["out_of_range", 0]);
  const cpu = refusal(() => hw.ccsidr(4, 1));
  assert.deepEqual([cpu?.code, cpu?.value], ["out_of_range", 4]);
});

Deno.test("Hardware: a refused CPU or level names the method the caller called", () => {
  const hw = new Hardware(machine());
  const cases: [string, () => unknown, number][] = [
    ["clidr", () => hw.clidr(4), 4],
    ["ccsidr", () => hw.ccsidr(4, 1), 4],
    ["ccsidr", () => hw.ccsidr(0, 3), 3],
    ["geometry", () => hw.geometry(4, 1), 4],
    ["geometry", () => hw.geometry(0, 0), 0],
    ["cacheIndexOf", () => hw.cacheIndexOf(0, 3), 3],
    ["levels", () => hw.levels(-1), -1],
    ["dcBySetWay", () => hw.dcBySetWay(4, "csw", 1, 0, 0), 4],
    ["dcBySetWay", () => hw.dcBySetWay(0, "csw", 3, 0, 0), 3],
    ["setWayAll", () => hw.setWayAll(4, "csw"), 4],
    ["setWayRunsDownFrom", () => hw.setWayRunsDownFrom(4, 1, "csw", 0), 4],
    ["hasSlot", () => hw.hasSlot(4, 1, 0, 0), 4],
  ];
  for (const [call, f, value] of cases) {
    assert.deepEqual(refusal(f), { code: "out_of_range", call, value }, call);
  }
});

Deno.test("Hardware: setWayRunsDownFrom names itself when the level is out of range", () => {
  const hw = new Hardware(machine());
  assert.deepEqual(refusal(() => hw.setWayRunsDownFrom(0, 3, "csw", 0)), {
    code: "out_of_range",
    call: "setWayRunsDownFrom",
    value: 3,
  });
  assert.deepEqual(refusal(() => hw.setWayRunsDownFrom(0, 0, "csw", 0)), {
    code: "out_of_range",
    call: "setWayRunsDownFrom",
    value: 0,
  });
});

Deno.test("Hardware: writeLine takes any address inside the line, aligned or not", () => {
  const hw = new Hardware(machine(), { zeroFill: true });
  hw.writeLine(1, A + 0x13, 7);
  for (let off = 0; off < 64; off += 4) assert.equal(hw.read(0, A + off, true), 7, `+${off}`);
  assert.equal(hw.read(0, A + 64, true), 0);
});

Deno.test("Hardware: write refuses an address that is not word aligned, and writes nothing", () => {
  const hw = new Hardware(machine(), { zeroFill: true });
  for (const addr of [A + 1, A + 2, A + 3]) {
    assert.deepEqual(refusal(() => hw.write(0, addr, 5, true)), {
      code: "bad_address",
      call: "write",
      value: addr,
    });
    assert.deepEqual(refusal(() => hw.write(0, addr, 5, false)), {
      code: "bad_address",
      call: "write",
      value: addr,
    });
  }
  assert.equal(hw.residentLines(), 0);
  assert.equal(hw.holds(A, 5), false);
});

Deno.test("Hardware: saveImage refuses a model that replaces at random", () => {
  const hw = new Hardware(machine(), { replacement: "random" });
  assert.equal(hw.imageable, false);
  assert.throws(() => hw.saveImage(new HardwareImage()), /saveImage: a cache replaces at random/);
});

Deno.test("Hardware: random replacement without a seed draws as seed 1 does", () => {
  const victims = (c: Cache): number[] => {
    for (let way = 0; way < c.ways; way++) {
      const line = way * c.sets;
      c.install(c.victim(line), line, CLEAN);
    }
    return Array.from({ length: 32 }, () => c.victim(c.ways * c.sets));
  };
  const draws = (seed?: number) =>
    new Hardware(machine(), { replacement: "random", seed }).caches.map(victims);
  assert.deepEqual(draws(), draws(1));
  // The draws do depend on the seed.
  assert.notDeepEqual(draws(0), draws(1));
});

Deno.test("Hardware: release retires the caches the model handed out", () => {
  const hw = new Hardware(machine());
  const caches = hw.caches;
  hw.write(0, A, 1, true);
  hw.release();
  for (const c of caches) {
    assert.throws(() => c.lookup(c.lineOf(A)), /this cache was released/, c.name);
  }
});
