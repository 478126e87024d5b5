/**
 * `setway explore` on the command line: which option values are refused,
 * what each accepted option becomes, how `--policy` finds a user's module,
 * and what the command prints and returns.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import {
  EXPLORE_SPEC,
  exploreCommand,
  exploreOptionsOf,
  policyModuleRef,
  rateLine,
} from "../../lib/cli/explore.ts";
import { bufferIo } from "../../lib/cli/io.ts";
import { UsageError } from "../../lib/cli/usage_error.ts";
import type { ExploreReport } from "../../lib/engine/explore/report.ts";

/** A parsed `explore` command line. */
function parsed(values: Record<string, string | boolean>, args: string[] = []) {
  return { command: EXPLORE_SPEC, help: false, args, values };
}

/** A policy module with no imports: one Policy, and an object that only looks like one. */
const MODULE = 'export const mine = { name: "mine", description: "", source: "", ' +
  "state: () => undefined };\n" +
  'export const lookalike = { name: "lookalike" };\n';

/** Runs `body` in a fresh temporary directory holding `mine.ts`, then removes it. */
async function withModule(body: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "setway-explore-" });
  try {
    await Deno.writeTextFile(join(dir, "mine.ts"), MODULE);
    await body(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** A small report of a search in `mode`. */
function reportOf(mode: string, executions: number, states: number): ExploreReport {
  return { question: { mode }, stats: { executions, states } } as unknown as ExploreReport;
}

Deno.test("explore options: a --class name must be a guest class, not any property name", () => {
  assert.throws(
    () => exploreOptionsOf({ class: "toString" }),
    (e) => e instanceof UsageError && /unknown guest class "toString"/.test(e.message),
  );
});

Deno.test("explore options: --exchange needs a directory, --exchange-timeout a positive number", async () => {
  assert.throws(
    () => exploreOptionsOf({ exchange: "" }),
    (e) => e instanceof UsageError && e.message === "--exchange: give a directory",
  );
  const dir = await Deno.makeTempDir({ prefix: "setway-exchange-" });
  try {
    assert.throws(
      () => exploreOptionsOf({ exchange: dir, "exchange-timeout": "soon" }),
      (e) =>
        e instanceof UsageError &&
        /^--exchange-timeout: expected a positive number/.test(e.message),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("explore options: each value given reaches the search's options", () => {
  assert.deepEqual(
    exploreOptionsOf({
      machine: "xgene1",
      policy: "kvm-3.18",
      cpus: "2",
      "max-ops": "3",
      addresses: "2",
      mode: "random",
      seed: "7",
      executions: "100",
      seconds: "2.5",
      workers: "0",
      shard: "1/3",
    }),
    {
      machine: "xgene1",
      policy: "kvm-3.18",
      cpus: 2,
      maxOps: 3,
      addresses: 2,
      mode: "random",
      seed: 7,
      executions: 100,
      seconds: 2.5,
      workers: 0,
      shard: "1/3",
    },
  );
});

Deno.test("explore --policy: a module path with #export and no slash is a module, not a built-in name", async () => {
  await withModule(async (dir) => {
    const io = bufferIo(dir);
    const values = { policy: "mine.ts#mine", "max-ops": "1", ops: "write,read", workers: "0" };
    assert.equal(await exploreCommand(parsed(values), io), 0);
    assert.match(io.stdout, /^explore: mine on generic/);
  });
});

Deno.test("explore --policy: an export with a name but no state() is not a Policy", async () => {
  await withModule(async (dir) => {
    await assert.rejects(
      policyModuleRef("./mine.ts#lookalike", dir),
      (e) =>
        e instanceof UsageError &&
        /export "lookalike" of \.\/mine\.ts is not a Policy/.test(e.message),
    );
    // Without #export, the only Policy is chosen; the lookalike does not count.
    const ref = await policyModuleRef("./mine.ts", dir);
    assert.equal(ref.export, "mine");
  });
});

Deno.test("explore --merge: no report given is refused", async () => {
  await assert.rejects(
    exploreCommand(parsed({ merge: true }), bufferIo(Deno.cwd())),
    (e) => e instanceof UsageError && e.message === "--merge: give the parts' JSON reports",
  );
});

Deno.test("explore --json: one JSON document ending in a newline", async () => {
  const io = bufferIo(Deno.cwd());
  const values = { "max-ops": "1", ops: "write,read", workers: "0", json: true };
  assert.equal(await exploreCommand(parsed(values), io), 0);
  assert.ok(io.stdout.endsWith("}\n"), JSON.stringify(io.stdout.slice(-10)));
  assert.equal(JSON.parse(io.stdout).question.maxOps, 1);
});

Deno.test("explore: a violation blamed on the hypervisor exits 0 without --check, 1 with it", async () => {
  const values = {
    policy: "trap-nothing",
    "max-ops": "3",
    ops: "write,read,mmuOn,mmuOff",
    "no-trace": true,
    workers: "0",
  };
  const io = bufferIo(Deno.cwd());
  assert.equal(await exploreCommand(parsed(values), io), 0);
  assert.match(io.stdout, /trap-nothing \/ hypervisor \//);
  assert.equal(await exploreCommand(parsed({ ...values, check: true }), bufferIo(Deno.cwd())), 1);
});

Deno.test("rateLine: runs and states per second, each from its own count, even for a 0 s search", () => {
  assert.equal(
    rateLine(reportOf("exhaustive", 100, 40), 2),
    "explore: 2.0 s, 50 runs/s, 20 states/s",
  );
  assert.equal(
    rateLine(reportOf("exhaustive", 3, 1), 0),
    "explore: 0.0 s, 3000 runs/s, 1000 states/s",
  );
});
