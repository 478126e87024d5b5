// The package as a user's project sees it: a deno.json that imports
// @setway/setway (linked to this checkout, as `"links"` does for a local
// copy of a JSR package), the main module and every subpath, and the
// README's commands through jsr:@setway/setway/cli and /scenarios/zimage.
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { runCommand } from "../support/command.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

const MAIN = `import { explore, RunResult, vm } from "@setway/setway";
import { never, staleAnywhere } from "@setway/setway/expect";
import { formatExploreReport } from "@setway/setway/explore";
import { formatVerdict } from "@setway/setway/report";
import { GoldenError } from "@setway/setway/golden";
import { kvm40With } from "@setway/setway/policies";
import { Cache, resolveMachine } from "@setway/setway/hw";
import { zImage32 } from "@setway/setway/guest";
import { exportBaremetal } from "@setway/setway/export";

const zimage = vm().machine("xgene1").cpus(4).systemCache().guest((g) => g.zImage32());
const run = await zimage.policy("kvm-3.18").run();
console.log(run instanceof RunResult, formatVerdict(run.verdict).split("\\n")[0]);
const check = await zimage.policy("kvm-4.0").expect(never(staleAnywhere())).check();
console.log(check.ok);
const report = await explore({ policy: "kvm-4.0", maxOps: 3, ops: ["write", "read", "mmuOff"] });
console.log(formatExploreReport(report).split("\\n")[0]);
console.log(typeof GoldenError, kvm40With({}).name, new Cache({ size: 1024, ways: 2 }).sets);
console.log(resolveMachine("xgene1").name, zImage32({ words: 4, pages: 1 }).length > 0);
console.log(Object.keys(exportBaremetal(zimage.toJSON()).files).includes("scenario.c"));
`;

function inProject(args: string[], dir: string) {
  return runCommand([Deno.execPath(), ...args], { cwd: dir });
}

Deno.test("a user's project imports @setway/setway and each subpath; the README commands map onto the package", async () => {
  const dir = await Deno.makeTempDir({ prefix: "setway-package-" });
  try {
    await Deno.writeTextFile(
      `${dir}/deno.json`,
      JSON.stringify({
        imports: { "@setway/setway": "jsr:@setway/setway@^0.1.0" },
        links: [ROOT],
      }),
    );
    await Deno.writeTextFile(`${dir}/main.ts`, MAIN);
    const main = await inProject(["run", "main.ts"], dir);
    assert.equal(main.code, 0, main.stderr);
    assert.deepEqual(main.stdout.split("\n"), [
      "true verdict: FAIL, 32 violations",
      "true",
      "explore: kvm-4.0 on generic (system cache: none), 1 vCPU",
      "function kvm-4.0 8",
      "xgene1 true",
      "true",
      "",
    ]);

    // deno run scenarios/zimage.ts
    const story = await inProject(["run", "jsr:@setway/setway/scenarios/zimage"], dir);
    const local = await inProject(["run", `${ROOT}scenarios/zimage.ts`], ROOT);
    assert.equal(story.code, 0, story.stderr);
    assert.equal(story.stdout, local.stdout);

    // deno task cli list
    const cli = ["run", "-R", "-W", "--unstable-worker-options", "jsr:@setway/setway/cli"];
    const list = await inProject([...cli, "list"], dir);
    const localList = await inProject(["task", "-q", "cli", "list"], ROOT);
    assert.equal(list.code, 0, list.stderr);
    assert.equal(list.stdout, localList.stdout);

    // deno task cli compare <a scenario of the user's own> --policies kvm-3.18,kvm-4.0
    await Deno.writeTextFile(
      `${dir}/mine.ts`,
      `import { vm } from "@setway/setway";\n` +
        `export default vm().machine("xgene1").cpus(4).systemCache().guest((g) => g.zImage32());\n`,
    );
    const compared = await inProject([
      ...cli,
      "compare",
      "mine.ts",
      "--policies",
      "kvm-3.18,kvm-4.0",
    ], dir);
    assert.equal(compared.code, 0, compared.stderr);
    assert.match(compared.stdout, /^kvm-3\.18 +FAIL \(32\) +hypervisor/m);
    assert.match(compared.stdout, /^kvm-4\.0 +ok /m);

    // deno run -R -W --unstable-worker-options jsr:@setway/setway/cli run my_scenario.ts --filter flush
    const command =
      /^deno (run -R -W --unstable-worker-options jsr:@setway\/setway\/cli run my_scenario\.ts --filter flush)$/m
        .exec(await Deno.readTextFile(`${ROOT}README.md`));
    assert.ok(command !== null, "the README's jsr run command");
    await Deno.rename(`${dir}/mine.ts`, `${dir}/my_scenario.ts`);
    const ran = await inProject(command[1].split(" "), dir);
    const localRun = await inProject(
      ["task", "-q", "cli", "run", `${dir}/my_scenario.ts`, "--filter", "flush"],
      ROOT,
    );
    assert.equal(ran.code, localRun.code, ran.stderr);
    assert.equal(ran.stdout, localRun.stdout);
    assert.match(ran.stdout, /kvm_set_way_flush|stage2_flush_vm|sw_local/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
