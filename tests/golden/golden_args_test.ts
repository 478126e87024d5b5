// Update mode comes from the command line and the environment of the test
// process, so these cases run assertGolden in a child Deno process.
import assert from "node:assert/strict";
import { join } from "node:path";
import { serializeGolden } from "../../lib/golden/file.ts";
import { tempDir } from "../support/temp_dir.ts";

const GOLDEN_MODULE = new URL("../../lib/golden/golden.ts", import.meta.url).href;

const CHILD = `
import { assertGolden } from ${JSON.stringify(GOLDEN_MODULE)};
const { file, text, update } = JSON.parse(Deno.env.get("GOLDEN_CASE"));
try {
  await assertGolden(text, file, update === undefined ? {} : { update });
  console.log(JSON.stringify({ passed: true }));
} catch (e) {
  console.log(JSON.stringify({ passed: false, code: e.code, message: e.message }));
}
`;

let children = 0;

interface Outcome {
  passed: boolean;
  code?: string;
  message?: string;
}

/** Runs one assertGolden call in a child process with the given arguments and CI setting. */
async function child(
  dir: string,
  args: string[],
  goldenCase: { file: string; text: string; update?: boolean },
  ci: boolean,
): Promise<Outcome> {
  // One script per call: calls run in parallel and must not rewrite each other's file.
  const script = join(dir, `child_${++children}.ts`);
  await Deno.writeTextFile(script, CHILD);
  const env: Record<string, string> = { GOLDEN_CASE: JSON.stringify(goldenCase), NO_COLOR: "1" };
  for (const key of ["PATH", "HOME", "DENO_DIR", "XDG_CACHE_HOME"]) {
    const value = Deno.env.get(key);
    if (value !== undefined) env[key] = value;
  }
  if (ci) env.CI = "true";
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--no-config", "--allow-read", "--allow-write", "--allow-env", script, ...args],
    cwd: dir,
    env,
    clearEnv: true,
  }).output();
  // The child's verdict is its JSON line; an update prints its summary after it, at unload.
  const lines = new TextDecoder().decode(stdout).trim().split("\n");
  const out = lines.findLast((l) => l.startsWith("{")) ?? "";
  assert.equal(code, 0, new TextDecoder().decode(stderr));
  assert.notEqual(out, "", `the child printed nothing: ${new TextDecoder().decode(stderr)}`);
  return JSON.parse(out);
}

Deno.test("'--update' and '-u' in Deno.args turn update mode on; an explicit option beats them", async () => {
  const dir = await tempDir();
  const text = "  vcpu0-0 [000] .... 000002: kvm_toggle_cache: VM op at 0x0000000040008300\n";
  const [long, short, explicitOff, noFlag] = await Promise.all([
    child(dir, ["--update"], { file: join(dir, "long.golden"), text }, false),
    child(dir, ["-u"], { file: join(dir, "short.golden"), text }, false),
    child(dir, ["--update"], { file: join(dir, "off.golden"), text, update: false }, false),
    child(dir, [], { file: join(dir, "none.golden"), text }, false),
  ]);
  assert.deepEqual(long, { passed: true });
  assert.deepEqual(short, { passed: true });
  assert.equal(await Deno.readTextFile(join(dir, "long.golden")), serializeGolden(text));
  assert.equal(await Deno.readTextFile(join(dir, "short.golden")), serializeGolden(text));
  assert.equal(explicitOff.code, "missing");
  assert.equal(noFlag.code, "missing");
  const names = [...Deno.readDirSync(dir)].map((e) => e.name).filter((n) => !n.endsWith(".ts"));
  assert.deepEqual(names.sort(), ["long.golden", "short.golden"]);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("with CI=true, '--update' writes nothing and the failure says CI forbids updates", async () => {
  const dir = await tempDir();
  const stale = join(dir, "stale.golden");
  await Deno.writeTextFile(stale, serializeGolden("old line\n"));
  const [missing, changed, explicit] = await Promise.all([
    child(dir, ["--update"], { file: join(dir, "new.golden"), text: "x\n" }, true),
    child(dir, ["--update"], { file: stale, text: "new line\n" }, true),
    child(dir, [], { file: join(dir, "explicit.golden"), text: "x\n", update: true }, true),
  ]);
  assert.equal(missing.code, "missing");
  assert.equal(changed.code, "mismatch");
  assert.equal(explicit.code, "missing");
  for (const o of [missing, changed, explicit]) assert.match(o.message ?? "", /CI=true forbids/);
  assert.match(changed.message ?? "", /-old line\n\+new line/);
  assert.equal(await Deno.readTextFile(stale), serializeGolden("old line\n"));
  const names = [...Deno.readDirSync(dir)].map((e) => e.name).filter((n) => !n.endsWith(".ts"));
  assert.deepEqual(names, ["stale.golden"]);
  await Deno.remove(dir, { recursive: true });
});
