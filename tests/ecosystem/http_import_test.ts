// The card's third use: import mod.ts from a URL. A subprocess with no
// permission but --allow-import for a local server runs a scenario.
import assert from "node:assert/strict";
import { extname, normalize, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { vm } from "../../mod.ts";
import { formatTrace } from "../../lib/api/report.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

const TYPES: Readonly<Record<string, string>> = {
  ".ts": "application/typescript; charset=utf-8",
  ".json": "application/json; charset=utf-8",
};

/** Serves files of the checkout, and records every path asked for. */
function serveCheckout(requested: string[]): Deno.HttpServer<Deno.NetAddr> {
  return Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    const path = decodeURIComponent(new URL(req.url).pathname);
    requested.push(path);
    const file = resolve(ROOT, normalize("." + path));
    const type = TYPES[extname(file)];
    if (!file.startsWith(ROOT.endsWith(sep) ? ROOT : ROOT + sep) || type === undefined) {
      return new Response("not found", { status: 404 });
    }
    try {
      return new Response(await Deno.readFile(file), { headers: { "content-type": type } });
    } catch {
      return new Response("not found", { status: 404 });
    }
  });
}

Deno.test("http import: mod.ts runs a scenario with no permission and no import map", async () => {
  const requested: string[] = [];
  const server = serveCheckout(requested);
  const denoDir = await Deno.makeTempDir({ prefix: "setway-deno-dir-" });
  try {
    const host = `127.0.0.1:${server.addr.port}`;
    const out = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--no-config",
        "--no-prompt",
        `--allow-import=${host}`,
        `http://${host}/tests/ecosystem/data/remote_run.ts`,
      ],
      env: { DENO_DIR: denoDir, NO_COLOR: "1" },
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stderr = new TextDecoder().decode(out.stderr);
    assert.equal(out.code, 0, stderr);
    assert.ok(!/permission|NotCapable|Requires/i.test(stderr), stderr);

    const remote = JSON.parse(new TextDecoder().decode(out.stdout));
    // the same scenario, imported locally, gives the same answers
    const zimage = vm().machine("xgene1").cpus(4).systemCache().guest((g) => g.zImage32());
    for (const policy of ["kvm-3.18", "kvm-4.0"]) {
      const run = await zimage.policy(policy).run();
      assert.deepEqual(remote[policy], {
        ok: run.verdict.ok,
        violations: run.verdict.violations.length,
        exits: run.cost.exits,
        flushTraceLines: formatTrace(run.events, { only: "flush" }).split("\n").length,
        htmlStarts: "<!doctype html>",
      });
    }
    assert.equal(remote["kvm-3.18"].ok, false);
    assert.equal(remote["kvm-4.0"].ok, true);

    // only TypeScript modules were fetched: no deno.json, no import map
    assert.ok(requested.includes("/mod.ts"));
    for (const path of requested) {
      assert.match(path, /^\/(mod\.ts|lib\/.+\.ts|tests\/ecosystem\/data\/remote_run\.ts)$/, path);
    }
  } finally {
    await server.shutdown();
    await Deno.remove(denoDir, { recursive: true });
  }
});
