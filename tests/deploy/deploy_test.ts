// deploy/: the Kubernetes Indexed Job and the CI-matrix workflow run a sharded exploration and
// merge it. Each test reads its file, runs every shard index's command from it as a local
// subprocess (the shell script as written, with its environment; only the parts' folder moves
// to a temporary directory), then the merge command, and checks the merged JSON report equals
// the unsharded run's. The Indexed Job's parts exchange each length's results through the
// shared folder, so they run at once, as Kubernetes runs them; the matrix's jobs cannot
// exchange, so they run one after another, as independent parts.
import assert from "node:assert/strict";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import { ROOT } from "../cli/helpers.ts";

type Obj = Record<string, unknown>;
type Env = Record<string, string>;

const read = async (path: string): Promise<Obj[]> =>
  parseAllDocuments(await Deno.readTextFile(join(ROOT, path))).map((d) => d.toJS() as Obj);

const at = (o: unknown, ...keys: (string | number)[]): unknown =>
  keys.reduce<unknown>((v, k) => (v as Obj | undefined)?.[k as string], o);

/** Runs a shell script from the repository's root, as the deployment would from its checkout. */
async function sh(script: string, env: Env): Promise<string> {
  const out = await new Deno.Command("/bin/sh", {
    args: ["-c", script],
    cwd: ROOT,
    clearEnv: true,
    env: {
      ...env,
      PATH: `${join(Deno.execPath(), "..")}:/usr/bin:/bin`,
      HOME: Deno.env.get("HOME") ?? "/tmp",
      DENO_DIR: Deno.env.get("DENO_DIR") ?? "",
      NO_COLOR: "1",
    },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder();
  assert.equal(out.code, 0, `${script}\n${text.decode(out.stderr)}`);
  return text.decode(out.stdout);
}

let unsharded: Promise<unknown> | null = null;

/** The unsharded run's JSON report, for the question `args` (run once). */
function single(args: string): Promise<unknown> {
  unsharded ??= sh(`deno task -q cli explore ${args} --json`, {}).then((s) => JSON.parse(s));
  return unsharded;
}

/** The parts' folder, emptied. */
async function partsDir(): Promise<string> {
  return await Deno.makeTempDir({ prefix: "setway-parts-" });
}

Deno.test("deploy/k8s: each index of the Indexed Job, then the merge Job, give the unsharded report", async () => {
  const docs = await read("deploy/k8s/explore-job.yaml");
  const jobs = docs.filter((d) => d.kind === "Job");
  const indexed = jobs.find((j) => at(j, "spec", "completionMode") === "Indexed");
  const merge = jobs.find((j) => j !== indexed);
  assert.ok(indexed && merge, "an Indexed Job and a merge Job");
  const container = (job: Obj) => at(job, "spec", "template", "spec", "containers", 0) as Obj;
  const envOf = (job: Obj): Env =>
    Object.fromEntries(
      (container(job).env as { name: string; value: string }[]).map((e) => [e.name, e.value]),
    );
  const script = (job: Obj) => {
    const c = container(job);
    assert.deepEqual(c.command, ["/bin/sh", "-c"]);
    return (c.args as string[])[0];
  };
  const env = envOf(indexed);
  const count = at(indexed, "spec", "completions") as number;
  assert.equal(String(count), env.SHARD_COUNT, "SHARD_COUNT equals completions");
  assert.match(
    script(indexed),
    /--shard "\$JOB_COMPLETION_INDEX\/\$SHARD_COUNT"\s+--exchange "\$PARTS\/levels" --json/,
  );
  assert.equal(at(indexed, "spec", "parallelism"), count, "the exchanging parts run at once");
  assert.equal(envOf(merge).SHARD_COUNT, env.SHARD_COUNT);

  const parts = await partsDir();
  try {
    await Promise.all(
      Array.from(
        { length: count },
        (_, i) => sh(script(indexed), { ...env, PARTS: parts, JOB_COMPLETION_INDEX: String(i) }),
      ),
    );
    const reports = await Promise.all(
      Array.from(
        { length: count },
        async (_, i) => JSON.parse(await Deno.readTextFile(join(parts, `part-${i}.json`))),
      ),
    );
    assert.ok(reports.every((r) => r.question.exchange === true), "the parts exchanged");
    // Each part went through its .partial file and was renamed once complete (README).
    assert.match(script(indexed), /> "\$PARTS\/part-\$JOB_COMPLETION_INDEX\.json\.partial";\s+mv /);
    assert.deepEqual(
      [...Deno.readDirSync(parts)].map((e) => e.name).filter((n) => n.startsWith("part-")).sort(),
      Array.from({ length: count }, (_, i) => `part-${i}.json`),
      "no part left half-written",
    );
    const printed = await sh(script(merge), { ...envOf(merge), PARTS: parts });
    assert.match(printed, /^explore: .*\n[^]*answer: /);
    const merged = JSON.parse(await Deno.readTextFile(join(parts, "merged.json")));
    assert.deepEqual(merged, await single(env.EXPLORE_ARGS));
  } finally {
    await Deno.remove(parts, { recursive: true });
  }
});

Deno.test("deploy/github: each matrix index, then the merge job, give the unsharded report", async () => {
  const [workflow] = await read("deploy/github/explore.yml");
  const env = Object.fromEntries(
    Object.entries(workflow.env as Obj).map(([k, v]) => [k, String(v)]),
  ) as Env;
  const indexes = at(workflow, "jobs", "shard", "strategy", "matrix", "index") as number[];
  assert.equal(String(indexes.length), env.SHARD_COUNT, "SHARD_COUNT equals the matrix's size");
  const runStep = (job: string, name: string) => {
    const steps = at(workflow, "jobs", job, "steps") as Obj[];
    const step = steps.find((s) => s.name === name);
    assert.ok(step, `${job}: step "${name}"`);
    return step.run as string;
  };
  const shardRun = runStep("shard", "explore one part");
  assert.match(shardRun, /--shard "\$\{\{ matrix\.index \}\}\/\$SHARD_COUNT" --json/);
  assert.doesNotMatch(shardRun, /--exchange/, "matrix jobs share no volume to exchange through");
  assert.deepEqual(at(workflow, "jobs", "merge", "needs"), "shard");

  const parts = await partsDir();
  try {
    for (const i of indexes) {
      await sh(shardRun.replaceAll("${{ matrix.index }}", String(i)), { ...env, PARTS: parts });
    }
    await sh(runStep("merge", "merge the parts"), { ...env, PARTS: parts });
    const merged = JSON.parse(await Deno.readTextFile(join(parts, "merged.json")));
    assert.deepEqual(merged, await single(env.EXPLORE_ARGS));
  } finally {
    await Deno.remove(parts, { recursive: true });
  }
});
