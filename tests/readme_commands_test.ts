/**
 * The README's "Getting started" commands, run as written: the main job with
 * Deno and through npm prints the zImage story and exits 0, and `.ci/run`
 * runs exactly the README's test command and ends with `N passed, N failed`.
 * `.ci/run` itself runs with a stand-in `deno` (and `apt-get`, `sudo`) first on its
 * PATH, which records what it was asked and prints the summary line a test
 * run would: the real suite is what runs this test.
 */

import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { commandRuns, runCommand } from "./support/command.ts";
import { blockAfter } from "./support/readme.ts";
import { story } from "../scenarios/zimage.ts";

const ROOT = fileURLToPath(new URL("../", import.meta.url));

/** The commands of the sh block after `marker`, comments dropped. */
function commands(marker: string): string[][] {
  return blockAfter(marker, "```sh").split("\n")
    .map((line) => line.replace(/#.*/, "").trim())
    .filter((line) => line !== "")
    .map((line) => line.split(/\s+/));
}

const WITH_DENO = commands("With [Deno](https://deno.com) 2 installed:");
const WITH_NPM = commands("Without Deno installed, the same through npm:");

function inCheckout(argv: string[], env: Record<string, string> = {}) {
  return runCommand(argv, { cwd: ROOT, env });
}

Deno.test("README: the two Getting started blocks are the same commands, with Deno and through npx", () => {
  assert.equal(WITH_DENO.length, 2);
  assert.deepEqual(WITH_NPM, WITH_DENO.map((argv) => ["npx", "-y", "deno@2", ...argv.slice(1)]));
  assert.deepEqual(WITH_DENO[0], ["deno", "run", "scenarios/zimage.ts"]);
});

Deno.test("README: the main job, with Deno and through npx, prints the zImage story and exits 0", async () => {
  const expected = story() + "\n";
  for (const argv of [WITH_DENO[0], WITH_NPM[0]]) {
    // A machine with Deno but not npm runs the first form only.
    if (argv[0] === "npx" && !(await commandRuns("npx"))) continue;
    const command = argv[0] === "deno" ? [Deno.execPath(), ...argv.slice(1)] : argv;
    const out = await inCheckout(command);
    assert.equal(out.code, 0, `${argv.join(" ")}: ${out.stderr}`);
    assert.equal(out.stdout, expected, argv.join(" "));
  }
});

/** Runs .ci/run with stand-ins for deno and apt-get; returns its output and what deno was asked. */
async function ciRun(summary: string, testStatus: number) {
  const stubs = await Deno.makeTempDir({ prefix: "setway-ci-" });
  try {
    const log = `${stubs}/deno.log`;
    await Deno.writeTextFile(
      `${stubs}/deno`,
      `#!/usr/bin/env bash\n` +
        `printf '%s\\n' "$*" >> ${JSON.stringify(log)}\n` +
        `case "$1" in\n` +
        `  --version) echo "deno 2 (stand-in)" ;;\n` +
        `  test) echo "running 1 test"; cat ${
          JSON.stringify(`${stubs}/summary`)
        }; exit ${testStatus} ;;\n` +
        `esac\n` +
        `exit 0\n`,
    );
    await Deno.writeTextFile(`${stubs}/summary`, `${summary}\n`);
    // What .ci/run would install where a package is missing is installed by nobody.
    await Deno.writeTextFile(`${stubs}/apt-get`, "#!/usr/bin/env bash\nexit 0\n");
    await Deno.writeTextFile(`${stubs}/sudo`, '#!/usr/bin/env bash\nexec "$@"\n');
    for (const name of ["deno", "apt-get", "sudo"]) await Deno.chmod(`${stubs}/${name}`, 0o755);
    const out = await inCheckout(["bash", ".ci/run"], {
      PATH: `${stubs}:${Deno.env.get("PATH") ?? "/usr/bin:/bin"}`,
    });
    const asked = (await Deno.readTextFile(log)).trimEnd().split("\n");
    return { ...out, asked };
  } finally {
    await Deno.remove(stubs, { recursive: true });
  }
}

Deno.test("README: .ci/run runs the README's test command and ends with N passed, N failed", async () => {
  const testCommand = WITH_DENO[1];
  assert.deepEqual(testCommand.slice(0, 2), ["deno", "test"]);

  const ok = await ciRun("\x1b[32mok\x1b[0m | 12 passed (3 steps) | 0 failed | 2 ignored (9s)", 0);
  assert.equal(ok.code, 0, ok.stdout + ok.stderr);
  const tests = ok.asked.filter((line) => line.startsWith("test"));
  assert.deepEqual(tests, [testCommand.slice(1).join(" ")], "the README's command, once");
  // The README's order: format check, lint, type check, then the tests.
  const steps: ((line: string) => boolean)[] = [
    (line) => line === "fmt --check",
    (line) => line === "lint",
    (line) => line.startsWith("check "),
    (line) => line.startsWith("test"),
  ];
  const order = steps.map((is) => ok.asked.findIndex(is));
  assert.ok(order.every((at) => at >= 0), `every step asked: ${JSON.stringify(ok.asked)}`);
  assert.deepEqual(
    order,
    [...order].sort((a, b) => a - b),
    `in order: ${JSON.stringify(ok.asked)}`,
  );
  const lines = ok.stdout.trimEnd().split("\n");
  assert.equal(lines[lines.length - 1], "12 passed, 0 failed");

  const failed = await ciRun("FAILED | 10 passed | 2 failed (9s)", 1);
  assert.notEqual(failed.code, 0);
  const last = failed.stdout.trimEnd().split("\n");
  assert.equal(last[last.length - 1], "10 passed, 2 failed");
});

Deno.test("README: the npm packages the suite fetches are the ones deno.json imports", async () => {
  const readme = (await Deno.readTextFile(`${ROOT}README.md`)).replace(/\s+/g, " ");
  const said = /The test suite fetches its (\w+) npm packages \(([^)]*)\)/.exec(readme);
  assert.ok(said !== null, "the README's sentence on npm packages");
  const named = [...said[2].matchAll(/`([^`]+)`/g)].map((m) => m[1]).sort();
  const config = JSON.parse(await Deno.readTextFile(`${ROOT}deno.json`));
  const imported = (Object.values(config.imports) as string[])
    .filter((spec) => spec.startsWith("npm:"))
    .map((spec) => /^npm:(@?[^@/]+(?:\/[^@/]+)?)@/.exec(spec)![1])
    .sort();
  assert.deepEqual(named, imported);
  assert.equal(said[1], ["one", "two", "three", "four"][imported.length - 1]);
});
