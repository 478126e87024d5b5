/**
 * Test support, run as its own process with `--v8-flags=--expose-gc`
 * (tests/hw/hierarchy_core_test.ts): whether a released model's DRAM can be
 * collected while its caches' arena waits in the pool. Prints
 * `{"collected": boolean, "next": number}`: `next` is what the next model
 * of the machine, built over the pooled arena, reads back.
 *
 * @module
 */

import { Hardware } from "../../lib/hw/hardware.ts";
import { xgene1 } from "../../lib/machines/xgene1.ts";

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error("run with --v8-flags=--expose-gc");

function releasedMemory(): WeakRef<object> {
  const hw = new Hardware(xgene1);
  for (let i = 0; i < 256; i++) hw.write(i % 8, 0x4000_0000 + i * 4096, i, true);
  hw.dcByVa("civac", 0, 0x4000_0000);
  const ref = new WeakRef(hw.memory);
  hw.release();
  return ref;
}

const ref = releasedMemory();
// A WeakRef's target lives to the end of the job that read it: collect in
// later jobs, then look once.
for (let i = 0; i < 5; i++) {
  await new Promise((resolve) => setTimeout(resolve, 0));
  gc();
}
await new Promise((resolve) => setTimeout(resolve, 0));
const next = new Hardware(xgene1);
next.write(3, 0x4000_0040, 41, true);
console.log(
  JSON.stringify({ collected: ref.deref() === undefined, next: next.read(5, 0x4000_0040, true) }),
);
