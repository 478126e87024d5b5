// A scenario file with a syntax error: the CLI exits 2 with one line that
// names the file, line and column, whichever command loads it, from a user's
// own project running the published CLI (`jsr:@setway/setway/cli`, mapped
// to this checkout by the project's deno.json).
import assert from "node:assert/strict";
import { ROOT } from "./helpers.ts";
import { runCommand } from "../support/command.ts";

const BAD = `import { vm } from "@setway/setway";

export default vm()
  .guest((g) => g.write(0x4000_0000, 1))
  .run(;
`;

const HELPER_USER = `import { vm } from "@setway/setway";
import { ADDR } from "./helper.ts";

export default vm().guest((g) => g.write(ADDR, 1).read(ADDR));
`;

const BAD_HELPER = `export const ADDR = 0x4000_0000;
export const broken = {{;
`;

async function project(): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "setway-syntax-" });
  await Deno.writeTextFile(
    `${dir}/deno.json`,
    JSON.stringify({
      imports: { "@setway/setway": "jsr:@setway/setway@^0.1.0" },
      links: [ROOT],
    }),
  );
  await Deno.writeTextFile(`${dir}/bad.ts`, BAD);
  await Deno.writeTextFile(`${dir}/uses_helper.ts`, HELPER_USER);
  await Deno.writeTextFile(`${dir}/helper.ts`, BAD_HELPER);
  return dir;
}

function setway(dir: string, args: string[]) {
  const cli = ["run", "-R", "-W", "--unstable-worker-options", "jsr:@setway/setway/cli"];
  return runCommand([Deno.execPath(), ...cli, ...args], { cwd: dir });
}

Deno.test("a syntax error in a scenario file: exit 2, one line with file:line:col", async () => {
  const dir = await project();
  try {
    const real = await Deno.realPath(dir);
    for (
      const args of [
        ["run", "bad.ts"],
        ["compare", "bad.ts", "--policies", "kvm-3.18,kvm-4.0"],
        ["export", "--baremetal", "bad.ts", "--out", "out"],
      ]
    ) {
      const { code, stdout, stderr } = await setway(dir, args);
      assert.equal(code, 2, `${args.join(" ")}: ${stderr}`);
      assert.equal(stdout, "");
      const lines = stderr.trimEnd().split("\n");
      assert.equal(lines.length, 1, stderr);
      assert.match(
        lines[0],
        /^setway: cannot load (\S+\/)?bad\.ts: SyntaxError: Expression expected/,
      );
      assert.ok(lines[0].endsWith(` at ${real}/bad.ts:5:8`), lines[0]);
    }
    // The error is in a module the scenario imports: that module's place.
    const { code, stderr } = await setway(dir, ["run", "uses_helper.ts"]);
    assert.equal(code, 2, stderr);
    assert.equal(stderr.trimEnd().split("\n").length, 1, stderr);
    assert.match(stderr, /^setway: cannot load (\S+\/)?uses_helper\.ts: SyntaxError: /);
    assert.ok(stderr.trimEnd().endsWith(` at ${real}/helper.ts:2:24`), stderr);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
