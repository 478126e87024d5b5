import assert from "node:assert/strict";
import { allocatedPerExecution } from "../../bench/explore_alloc.ts";

// Row (e)'s allocation figure must be a count of something: V8 reports the
// bytes, and an exploration allocates some for each execution.

Deno.test("allocatedPerExecution gives the bytes a warm exploration allocates per execution", async () => {
  const r = await allocatedPerExecution({
    machine: "generic",
    ops: ["write", "read", "mmuOn", "mmuOff"],
    maxOps: 3,
  });
  assert.ok(r.executions > 0, `executions ${r.executions}`);
  assert.ok(
    Number.isFinite(r.bytesPerExecution) && r.bytesPerExecution > 0,
    `bytes per execution ${r.bytesPerExecution}`,
  );
});
