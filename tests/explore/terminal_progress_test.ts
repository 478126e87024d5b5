// An exploration shows its progress line on a terminal, and only there: a
// user's project explores from a scenario file, run under a pseudo-terminal
// (util-linux `script`), with CI set, and with its streams redirected.
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

const SCENARIO = `import { explore } from "@setway/setway";
import { formatExploreReport } from "@setway/setway/explore";

const report = await explore({
  machine: "xgene1", policy: "kvm-3.18", guestClass: "no-sw", maxOps: 4,
  ops: ["write", "read", "dc_civac", "mmuOn", "mmuOff"],
});
console.log(formatExploreReport(report).split("\\n")[0]);
`;

/** A scratch project: its deno.json maps the package to this checkout. */
async function project(): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "setway-progress-" });
  await Deno.writeTextFile(
    `${dir}/deno.json`,
    JSON.stringify({
      imports: { "@setway/setway": "jsr:@setway/setway@^0.1.0" },
      links: [ROOT],
    }),
  );
  await Deno.writeTextFile(`${dir}/explore_me.ts`, SCENARIO);
  return dir;
}

const hasScript = (() => {
  try {
    return new Deno.Command("script", { args: ["--version"], stdout: "null", stderr: "null" })
      .outputSync().success;
  } catch {
    return false;
  }
})();

const DENO = Deno.execPath();
const PROGRESS = /explore: \d+ runs, \d+\/s, \d+ failure groups?, /;

/** `deno run` in `dir` under a pseudo-terminal: what the terminal showed. */
async function onTerminal(dir: string, denoArgs: string, env: Record<string, string>) {
  const out = await new Deno.Command("script", {
    args: ["-qec", `${DENO} run ${denoArgs} explore_me.ts`, "/dev/null"],
    cwd: dir,
    env: { NO_COLOR: "1", ...env },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, shown: dec.decode(out.stdout) + dec.decode(out.stderr) };
}

Deno.test({
  name: "explore from a scenario file: a progress line on a terminal, none under CI or redirected",
  ignore: !hasScript,
  async fn() {
    const dir = await project();
    try {
      // A terminal, not CI: the line is drawn on stderr, then erased.
      const tty = await onTerminal(dir, "--allow-env=CI", { CI: "" });
      assert.equal(tty.code, 0, tty.shown);
      assert.match(tty.shown, PROGRESS, tty.shown);
      assert.ok(tty.shown.includes("\r\x1b[K"), "the line is erased at the end");
      assert.match(tty.shown, /^explore: /m);

      // A terminal under CI: nothing but the answer.
      const ci = await onTerminal(dir, "--allow-env=CI", { CI: "true" });
      assert.equal(ci.code, 0, ci.shown);
      assert.doesNotMatch(ci.shown, PROGRESS, ci.shown);

      // Redirected: stderr is empty and stdout the same answer.
      const piped = await new Deno.Command(DENO, {
        args: ["run", "explore_me.ts"],
        cwd: dir,
        env: { NO_COLOR: "1" },
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
      }).output();
      const stdout = new TextDecoder().decode(piped.stdout);
      assert.equal(piped.code, 0, new TextDecoder().decode(piped.stderr));
      assert.equal(new TextDecoder().decode(piped.stderr), "");
      assert.ok(stdout.startsWith("explore:"), stdout);
      assert.ok(tty.shown.includes(stdout.trim()), "the terminal showed the same answer");
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
