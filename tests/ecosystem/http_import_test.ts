// The card's third use: import mod.ts from a URL. A subprocess with no
// permission but --allow-import for a local server runs a scenario.
import assert from "node:assert/strict";
import { extname, normalize, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { vm } from "../../mod.ts";
import { formatTrace } from "../../lib/api/report.ts";
import { blockAfter } from "../support/readme.ts";

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

/** A free TCP port on 127.0.0.1. */
function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

/** Starts `python3 ...` serving the checkout; resolves with the process once it answers. */
async function python(args: string[], port: number): Promise<Deno.ChildProcess> {
  const child = new Deno.Command("python3", {
    args,
    cwd: ROOT,
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
  for (let i = 0; i < 100; i++) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/mod.ts`, { method: "HEAD" });
      await res.body?.cancel();
      return child;
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  child.kill();
  await child.status;
  throw new Error(`python3 ${args.join(" ")} did not answer on port ${port}`);
}

/**
 * `deno run` from a server on `port`, in a fresh DENO_DIR: the remote
 * scenario, or (`local`) a local file that imports the server's mod.ts.
 */
async function runRemote(
  port: number,
  local = false,
): Promise<{ code: number; stderr: string }> {
  const denoDir = await Deno.makeTempDir({ prefix: "setway-deno-dir-" });
  try {
    const host = `127.0.0.1:${port}`;
    let main = `http://${host}/tests/ecosystem/data/remote_run.ts`;
    if (local) {
      main = `${denoDir}/main.ts`;
      await Deno.writeTextFile(
        main,
        `import { vm } from "http://${host}/mod.ts";\nconsole.log(typeof vm);\n`,
      );
    }
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--no-config", "--no-prompt", `--allow-import=${host}`, main],
      env: { DENO_DIR: denoDir, NO_COLOR: "1" },
      stdin: "null",
      stdout: "null",
      stderr: "piped",
    }).output();
    return { code: out.code, stderr: new TextDecoder().decode(out.stderr) };
  } finally {
    await Deno.remove(denoDir, { recursive: true });
  }
}

/** The type a server sends for mod.ts. */
async function typeOf(port: number): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${port}/mod.ts`, { method: "HEAD" });
  await res.body?.cancel();
  return res.headers.get("content-type") ?? "";
}

const hasPython = (() => {
  try {
    return new Deno.Command("python3", { args: ["--version"], stdout: "null", stderr: "null" })
      .outputSync().success;
  } catch {
    return false;
  }
})();

// The types Deno loads as TypeScript from a server (README, "Import setway from a URL").
const TYPESCRIPT =
  /^(application\/typescript|text\/typescript|video\/mp2t|application\/x-typescript)/;

Deno.test({
  name: "http import: README's python3 server sends TypeScript's type; the plain one may not",
  ignore: !hasPython,
  async fn() {
    // The failure mode: `python3 -m http.server` takes the type from the system's MIME table.
    const plainPort = freePort();
    const plain = await python(
      ["-m", "http.server", String(plainPort), "--bind", "127.0.0.1"],
      plainPort,
    );
    try {
      const type = await typeOf(plainPort);
      const { code, stderr } = await runRemote(plainPort, true);
      if (TYPESCRIPT.test(type)) {
        assert.equal(code, 0, stderr); // this system's table maps .ts to a type Deno accepts
      } else {
        // README's error, word for word, naming the server's mod.ts
        assert.notEqual(code, 0, `served as ${type}, yet it ran`);
        const shown = blockAfter("and Deno refuses the first module", "```text").trim();
        assert.ok(stderr.includes(shown), stderr);
        assert.ok(stderr.includes(`http://127.0.0.1:${plainPort}/mod.ts`), stderr);
      }
    } finally {
      plain.kill();
      await plain.status;
    }

    // The fix, as README gives it.
    const command = blockAfter("Serve the checkout with the type set", "```sh").trim();
    assert.match(command, /^python3 -c '(.+)'$/);
    const fixedPort = freePort();
    const script = command.slice("python3 -c '".length, -1).replace(
      "port=8000",
      `port=${fixedPort}`,
    );
    const fixed = await python(["-c", script], fixedPort);
    try {
      assert.match(await typeOf(fixedPort), /^application\/typescript/);
      const { code, stderr } = await runRemote(fixedPort);
      assert.equal(code, 0, stderr);
    } finally {
      fixed.kill();
      await fixed.status;
    }
  },
});

Deno.test("http import: a server that sends text/plain, or no type, works: Deno goes by the extension", async () => {
  for (const type of ["text/plain; charset=utf-8", "application/octet-stream", null]) {
    const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
      const file = resolve(ROOT, normalize("." + decodeURIComponent(new URL(req.url).pathname)));
      if (!file.startsWith(ROOT) || extname(file) !== ".ts") {
        return new Response("not found", { status: 404 });
      }
      const body = await Deno.readFile(file);
      const response = new Response(
        body,
        type === null ? {} : { headers: { "content-type": type } },
      );
      if (type === null) response.headers.delete("content-type");
      return response;
    });
    try {
      const port = server.addr.port;
      assert.equal(await typeOf(port), type ?? "", "the type sent");
      const { code, stderr } = await runRemote(port, true);
      assert.equal(code, 0, `served as ${type}: ${stderr}`);
    } finally {
      await server.shutdown();
    }
  }
});
