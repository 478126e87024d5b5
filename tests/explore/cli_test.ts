import assert from "node:assert/strict";
import { EXPLORE_SPEC, exploreCommand, exploreOptionsOf } from "../../lib/cli/explore.ts";
import { bufferIo } from "../../lib/cli/io.ts";
import { UsageError } from "../../lib/cli/usage_error.ts";

const parsed = (values: Record<string, string | boolean>, args: string[] = []) => ({
  command: EXPLORE_SPEC,
  help: false,
  args,
  values,
});

Deno.test("explore on the command line: the report, and --check's exit status", async () => {
  const io = bufferIo(Deno.cwd());
  const values = { "max-ops": "4", ops: "write,read,mmuOn,mmuOff", "no-trace": true, check: true };
  assert.equal(await exploreCommand(parsed(values), io), 0); // only the guest is to blame
  assert.match(io.stdout, /kvm-4\.0 \/ guest \/ stale_read/);
  assert.doesNotMatch(io.stdout, /trace:/);
  const failing = bufferIo(Deno.cwd());
  const escape = {
    ...values,
    ops: "write,read,mmuOn,mmuOff",
    policy: "trap-nothing",
    "max-ops": "3",
  };
  assert.equal(await exploreCommand(parsed(escape), failing), 1);
});

Deno.test("explore --json parts merge with --merge", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const files: string[] = [];
    for (const shard of ["0/2", "1/2"]) {
      const io = bufferIo(dir);
      await exploreCommand(
        parsed({ "max-ops": "4", ops: "write,read,mmuOn,mmuOff", shard, json: true }),
        io,
      );
      const file = `${dir}/part${files.length}.json`;
      await Deno.writeTextFile(file, io.stdout);
      files.push(file);
    }
    const io = bufferIo(dir);
    await exploreCommand(parsed({ merge: true, "no-trace": true }, files), io);
    assert.match(io.stdout, /^explore: kvm-4\.0 on generic/);
    assert.doesNotMatch(io.stdout, /part /);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("explore options: numbers and operation names are checked", () => {
  assert.deepEqual(
    exploreOptionsOf({ cpus: "2", "no-system-cache": true, "quiet-hardware": true }),
    {
      cpus: 2,
      systemCache: false,
      speculation: false,
    },
  );
  assert.throws(() => exploreOptionsOf({ cpus: "two" }), UsageError);
  assert.throws(() => exploreOptionsOf({ ops: "write,jump" }), /jump/);
  assert.throws(() => exploreOptionsOf({ seconds: "-3" }), UsageError);
});

Deno.test("explore options: --fault-in turns prefaulting off", () => {
  assert.deepEqual(exploreOptionsOf({ "fault-in": true }), { prefault: false });
});

Deno.test("explore options: --ops and --class lists are trimmed, --ops without empty entries", () => {
  assert.deepEqual(exploreOptionsOf({ ops: "write, read," }), { ops: ["write", "read"] });
  assert.deepEqual(exploreOptionsOf({ class: "no-sw, cleans-by-va" }), {
    guestClass: ["no-sw", "cleans-by-va"],
  });
});

Deno.test("explore options: --exchange-timeout is how long the exchange waits for the other parts", async () => {
  const dir = await Deno.makeTempDir();
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    const { exchange } = exploreOptionsOf({ exchange: dir, "exchange-timeout": "0.05" });
    assert.ok(exchange !== undefined && typeof exchange !== "string");
    // Part 0 of 2 alone: its wait ends at the timeout given, not at the default hour, which
    // the race's minute stands for.
    const hour = new Promise((resolve) => timer = setTimeout(resolve, 60_000, "still waiting"));
    await assert.rejects(
      Promise.race([exchange.exchange(0, 0, 2, new Uint8Array(1)), hour]),
      /part 0\/2 waited 0\.05 s for part 1\/2 at length 0/,
    );
  } finally {
    clearTimeout(timer);
    await Deno.remove(dir, { recursive: true });
  }
});
