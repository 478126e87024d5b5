/**
 * Loading a scenario file from a user's own project: the file kinds the
 * command line reads, the mistakes it refuses (exit status 2, one line
 * naming the file and what is wrong), and the `policyModule` it prints.
 *
 * @module
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { firstLine, firstLineAndPlace } from "../../lib/cli/load.ts";
import { runCommandWithin } from "../support/command.ts";
import { cliIn, inProcess, ROOT, scratchProject } from "./helpers.ts";

const MOD = JSON.stringify(new URL("../../mod.ts", import.meta.url).href);

/** A scenario a user writes: one write, one read, on the generic machine. */
const SIMPLE = `import { vm } from ${MOD};
export default vm().guest((g) => g.write(0x4000_0000, 1).read(0x4000_0000));
`;

/** A module that defines one policy of its own and exports it. */
const ONE_POLICY = `import { definePolicy, vm } from ${MOD};
export const mine = definePolicy({ name: "mine", onReset(hyp) { hyp.vcpu.hcr.tsw = true; } });
export default vm().policy(mine).guest((g) => g.write(0x4000_0000, 1).read(0x4000_0000));
`;

const FILES: Record<string, string> = {
  "simple.ts": SIMPLE,
  "simple.js": SIMPLE,
  "simple.mjs": SIMPLE,
  "one_policy.ts": ONE_POLICY,
  "notes.txt": "a note, not a scenario\n",
  "two_builders.ts": `import { vm } from ${MOD};
export const first = vm().guest((g) => g.write(0x4000_0000, 1));
export const second = vm().guest((g) => g.write(0x4000_0000, 2));
`,
  "array.ts": "export default [1, 2];\n",
  "bad_machine.ts": `import { vm } from ${MOD};\nexport default vm().machine("nope");\n`,
  "same_name.ts": `import { definePolicy, vm } from ${MOD};
export const a = definePolicy({ name: "same", onReset() {} });
export const b = definePolicy({ name: "same", onReset() {} });
export default vm().guest((g) => g.write(0x4000_0000, 1));
`,
  "object.ts": `import { definePolicy, vm } from ${MOD};
export const mine = definePolicy({ name: "mine", onReset(hyp) { hyp.vcpu.hcr.tsw = true; } });
export default { ...vm().guest((g) => g.sw_clean()).toJSON(), policy: "mine" };
`,
  "broken.json": '{ "version": 1, ',
  // A policy only its exported builder carries: no default export, the policy not exported.
  "named_builder.ts": `import { definePolicy, vm } from ${MOD};
const mine = definePolicy({ name: "mine", onReset(hyp) { hyp.vcpu.hcr.tsw = true; } });
export const scenario = vm().policy(mine).guest((g) => g.write(0x4000_0000, 1).read(0x4000_0000));
`,
  // A builder of the user's own, without the override methods of vm().
  "bare_builder.ts": `import { vm } from ${MOD};
export default { toJSON: () => vm().toJSON(), run: () => vm().run() };
`,
  "throws.ts": 'throw new Error("no scenario here\\nsee the README");\n',
};

/** The scenario `simple.ts` prints with `--json`, under `policy` from the module `ref`. */
async function withModule(dir: string, ref: unknown, policy = "mine"): Promise<string> {
  const printed = await inProcess(["run", "simple.ts", "--json"], dir);
  const { scenario } = JSON.parse(printed.io.stdout);
  return JSON.stringify({ ...scenario, policy, policyModule: ref });
}

/** Status 2, nothing on stdout, exactly `setway: <message>` on one stderr line. */
function assertRefused(o: { code: number; stdout: string; stderr: string }, message: string) {
  assert.equal(o.code, 2, o.stderr);
  assert.equal(o.stdout, "");
  assert.equal(o.stderr, `setway: ${message}\n`);
}

Deno.test("load: each bad scenario file is exit status 2 and one line naming the file", async () => {
  const dir = await Deno.realPath(await scratchProject("setway-load-", FILES));
  try {
    await Deno.mkdir(join(dir, "folder.json"));
    await Deno.writeTextFile(join(dir, "empty_ref.json"), await withModule(dir, ""));
    await Deno.writeTextFile(
      join(dir, "web_ref.json"),
      await withModule(dir, "https://example.com/p.ts"),
    );
    await Deno.writeTextFile(
      join(dir, "other.json"),
      await withModule(dir, "one_policy.ts", "yours"),
    );
    await Deno.writeTextFile(join(dir, "lost.json"), await withModule(dir, "nowhere.ts"));
    const cases: [string[], string][] = [
      [["run", "missing.ts"], `cannot read ${dir}/missing.ts: no such file`],
      [["run", "folder.json"], `cannot read ${dir}/folder.json: it is a directory`],
      [
        ["run", "notes.txt"],
        "cannot load notes.txt: expected a .json scenario or a .ts/.js module",
      ],
      [
        ["run", "two_builders.ts"],
        `${dir}/two_builders.ts has no default export and 2 builders among its exports ` +
        "(first, second); end it with `export default vm()....`",
      ],
      [
        ["run", "array.ts"],
        `the default export of ${dir}/array.ts is [1,2]: expected a scenario builder (vm()...) ` +
        "or a scenario object",
      ],
      [
        ["run", "bad_machine.ts"],
        'machine("nope"): unknown machine; valid names: generic, xgene1, juno-r0, tc2, ' +
        "neoverse-n1, neoverse-v1, armada-8040",
      ],
      [["run", "same_name.ts"], 'the module exports two different policies named "same"'],
      // A module that throws as it loads: the first line of its message, as a load failure.
      [["run", "throws.ts"], `cannot load ${dir}/throws.ts: no scenario here`],
      [
        ["run", "simple.ts", "--seed", "1e3"],
        '--seed "1e3": expected an integer',
      ],
      // An integer past 2^53 would run under another seed than the one typed.
      [
        ["run", "simple.ts", "--seed", "9007199254740993"],
        '--seed "9007199254740993": expected an integer',
      ],
      [
        ["run", "bare_builder.ts", "--machine", "xgene1"],
        "--machine: this scenario's builder has no machine() method",
      ],
      [
        ["run", "empty_ref.json"],
        `policyModule in ${dir}/empty_ref.json is "": expected the path of the module that ` +
        "defines the scenario's policy",
      ],
      [
        ["run", "web_ref.json"],
        `policyModule "https://example.com/p.ts" in ${dir}/web_ref.json: expected a path or a ` +
        "file: URL (a scenario module may read its own folder and setway's sources, nothing else)",
      ],
      [
        ["run", "other.json"],
        `policyModule "one_policy.ts" in ${dir}/other.json defines no policy "yours" ` +
        "(it defines mine)",
      ],
      [
        ["run", "lost.json"],
        `policyModule "nowhere.ts" in ${dir}/lost.json: no such file ${dir}/nowhere.ts ` +
        "(a relative path starts from the JSON file's folder)",
      ],
    ];
    for (const [args, message] of cases) assertRefused(await cliIn(dir, args), message);
    // Invalid JSON is bad input too, not a crash of setway.
    const broken = await cliIn(dir, ["run", "broken.json"]);
    assert.equal(broken.code, 2, broken.stderr);
    assert.match(broken.stderr, /^setway: \S+broken\.json is not valid JSON: [^\n]+\n$/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("load: .js and .mjs modules, a .JSON file in capitals, and a negative --seed", async () => {
  const dir = await Deno.realPath(await scratchProject("setway-load-", FILES));
  try {
    const ts = await inProcess(["run", "simple.ts", "--json"], dir);
    assert.equal(ts.code, 0, ts.io.stderr);
    for (const file of ["simple.js", "simple.mjs"]) {
      const o = await inProcess(["run", file, "--json"], dir);
      assert.equal(o.code, 0, o.io.stderr);
      assert.equal(o.io.stdout, ts.io.stdout);
    }
    await Deno.writeTextFile(join(dir, "RUN.JSON"), ts.io.stdout);
    const upper = await inProcess(["run", "RUN.JSON", "--json"], dir);
    assert.equal(upper.code, 0, upper.io.stderr);
    assert.equal(upper.io.stdout, ts.io.stdout);
    const negative = await inProcess(["run", "simple.ts", "--seed=-5", "--json"], dir);
    assert.equal(negative.code, 0, negative.io.stderr);
    assert.equal(JSON.parse(negative.io.stdout).scenario.seed, -5);
    // A JSON scenario whose policy its policyModule defines runs under it.
    await Deno.writeTextFile(join(dir, "own.json"), await withModule(dir, "one_policy.ts"));
    const own = await inProcess(["run", "own.json", "--filter", "flush"], dir);
    assert.equal(own.code, 0, own.io.stderr);
    assert.match(own.io.stdout, /^# policy: mine$/m);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("load: compare --json output runs again as its first run's scenario", async () => {
  const dir = await Deno.realPath(await scratchProject("setway-load-", FILES));
  try {
    const compared = await inProcess(
      ["compare", "simple.ts", "--policies", "kvm-4.0,kvm-3.18", "--json"],
      dir,
    );
    assert.equal(compared.code, 0, compared.io.stderr);
    await Deno.writeTextFile(join(dir, "compare.json"), compared.io.stdout);
    const rerun = await inProcess(["run", "compare.json", "--json"], dir);
    assert.equal(rerun.code, 0, rerun.io.stderr);
    const first = JSON.parse(compared.io.stdout)[0];
    assert.equal(first.policy, "kvm-4.0");
    assert.deepEqual(JSON.parse(rerun.io.stdout), first);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("load: a scenario object naming the module's own policy runs under that policy", async () => {
  const dir = await Deno.realPath(await scratchProject("setway-load-", FILES));
  try {
    const o = await inProcess(["run", "object.ts", "--filter", "flush"], dir);
    assert.equal(o.code, 0, o.io.stderr);
    assert.match(o.io.stdout, /^# policy: mine$/m);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("load: --json puts policyModule right after policy, relative inside the working directory", async () => {
  const dir = await Deno.realPath(await scratchProject("setway-load-", FILES));
  try {
    const inside = await inProcess(["run", "one_policy.ts", "--json"], dir);
    assert.equal(inside.code, 0, inside.io.stderr);
    const scenario = JSON.parse(inside.io.stdout).scenario;
    const keys = Object.keys(scenario);
    assert.equal(keys[keys.indexOf("policy") + 1], "policyModule");
    assert.equal(scenario.policyModule, "one_policy.ts");
    // From a folder below, the module is outside the working directory: a file: URL.
    await Deno.mkdir(join(dir, "below"));
    const outside = await inProcess(["run", "../one_policy.ts", "--json"], join(dir, "below"));
    assert.equal(outside.code, 0, outside.io.stderr);
    assert.equal(
      JSON.parse(outside.io.stdout).scenario.policyModule,
      pathToFileURL(join(dir, "one_policy.ts")).href,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("load: a load failure's message is one line, its place a path, named once", () => {
  assert.equal(firstLine("\n\n  Module not found \n    at file:///x.ts:1:8"), "Module not found");
  assert.equal(
    firstLineAndPlace(
      "SyntaxError: Expression expected\n  |\n5 | .run(;\n    at file:///w/x.ts:5:8",
    ),
    "SyntaxError: Expression expected at /w/x.ts:5:8",
  );
  // In colour, the place is found through the ANSI codes around its parts.
  assert.equal(
    firstLineAndPlace(
      "\x1b[31mSyntaxError\x1b[0m: Expression expected\n  |\n5 | .run(;\n" +
        "    at \x1b[36mfile:///w/x.ts\x1b[0m:\x1b[33m5\x1b[0m:\x1b[33m8\x1b[0m",
    ),
    "SyntaxError: Expression expected at /w/x.ts:5:8",
  );
  assert.equal(
    firstLineAndPlace("Unexpected token at /w/x.ts:5:8\n    at file:///w/x.ts:5:8"),
    "Unexpected token at /w/x.ts:5:8",
  );
});

Deno.test("load: a printed run whose policyModule is a file: URL runs again", async () => {
  const dir = await Deno.realPath(await scratchProject("setway-load-", FILES));
  try {
    await Deno.mkdir(join(dir, "below"));
    const printed = await inProcess(["run", "../one_policy.ts", "--json"], join(dir, "below"));
    assert.equal(printed.code, 0, printed.io.stderr);
    assert.equal(
      JSON.parse(printed.io.stdout).scenario.policyModule,
      pathToFileURL(join(dir, "one_policy.ts")).href,
    );
    await Deno.writeTextFile(join(dir, "below", "run.json"), printed.io.stdout);
    const again = await inProcess(["run", "run.json", "--json"], join(dir, "below"));
    assert.equal(again.code, 0, again.io.stderr);
    assert.equal(again.io.stdout, printed.io.stdout);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("load: a policy carried only by a named exported builder is the module's own", async () => {
  const dir = await Deno.realPath(await scratchProject("setway-load-", FILES));
  try {
    const o = await inProcess(["run", "named_builder.ts", "--json"], dir);
    assert.equal(o.code, 0, o.io.stderr);
    const scenario = JSON.parse(o.io.stdout).scenario;
    assert.equal(scenario.policy, "mine");
    assert.equal(scenario.policyModule, "named_builder.ts");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("load: a scenario file the operating system will not let setway read asks for -R", async () => {
  const dir = await Deno.realPath(await scratchProject("setway-load-", FILES));
  const file = join(dir, "locked.json");
  const patched = Deno as { readTextFile: typeof Deno.readTextFile };
  const original = Deno.readTextFile;
  try {
    await Deno.writeTextFile(file, "{}\n");
    // As root, chmod does not stop a read: the file's read fails as EACCES would make it.
    patched.readTextFile = (path, options) =>
      String(path) === file
        ? Promise.reject(new Deno.errors.PermissionDenied("Permission denied (os error 13)"))
        : original(path, options);
    const o = await inProcess(["run", "locked.json"], dir);
    patched.readTextFile = original;
    assert.equal(o.code, 2, o.io.stderr);
    assert.equal(o.io.stdout, "");
    assert.equal(
      o.io.stderr,
      `setway: cannot read ${file}: permission denied; run with -R (deno run -R -W cli.ts ...)\n`,
    );
  } finally {
    patched.readTextFile = original;
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("load: without read access to the scenario file itself, setway asks for -R", async () => {
  const dir = await Deno.realPath(await scratchProject("setway-load-", FILES));
  const file = join(dir, "s.json");
  try {
    await Deno.writeTextFile(file, "{}\n");
    // The command line without its sandbox, allowed to read setway's sources and nothing else.
    const lib = (name: string) => JSON.stringify(join(ROOT, "lib", "cli", name));
    await Deno.writeTextFile(
      join(dir, "unsandboxed.ts"),
      `import { bufferIo } from ${lib("io.ts")};
import { main } from ${lib("main.ts")};
const io = bufferIo(${JSON.stringify(dir)});
const code = await main(["run", "s.json"], io);
console.log(JSON.stringify({ code, stdout: io.stdout, stderr: io.stderr }));
`,
    );
    const out = await runCommandWithin(
      [Deno.execPath(), "run", `--allow-read=${ROOT}`, join(dir, "unsandboxed.ts")],
      120_000,
      { cwd: ROOT },
    );
    assert.equal(out.code, 0, out.stderr);
    assert.deepEqual(JSON.parse(out.stdout), {
      code: 2,
      stdout: "",
      stderr:
        `setway: cannot read ${file}: permission denied; run with -R (deno run -R -W cli.ts ...)\n`,
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
