import assert from "node:assert/strict";
import { pathToFileURL } from "node:url";
import { countCompiles } from "../../bench/lazy_compile.ts";

Deno.test("countCompiles: the project's scripts, and their functions compiled on first call", () => {
  const log = [
    "v8-version,15,0,245,2,-rusty,0",
    "script-details,3,ext:core/00_primordials.js,0,0,",
    "script-details,40,file:///p/lib/a.ts,0,0,",
    "script-details,41,file:///p/lib/b.ts,0,0,",
    "script-details,42,file:///elsewhere/c.ts,0,0,",
    // The top level of a.ts, compiled with the module: not on a first call.
    "function,interpreter,40,0,900,0.5,10,",
    // f in a.ts: parsed, then its bytecode.
    "function,parse-function,40,10,90,0.25,20,f",
    "function,interpreter,40,10,90,0.125,21,f",
    "function,first-execution,40,10,90,0,22,f",
    // g in b.ts, and a function of another project's script.
    "function,parse-function,41,5,50,1,30,g",
    "function,interpreter,41,5,50,0.5,31,g",
    "function,parse-function,42,5,50,8,40,h",
    "function,interpreter,42,5,50,8,41,h",
    "function,parse-function,3,100,200,4,50,",
  ].join("\n");
  assert.deepEqual(countCompiles(log, "file:///p/"), { modules: 2, lazy: 2, lazyMs: 1.875 });
});

Deno.test("countCompiles: reads V8's own log; the functions a module calls are compiled then", async () => {
  const dir = await Deno.makeTempDir({ prefix: "setway-compile-test-" });
  try {
    await Deno.writeTextFile(
      `${dir}/main.ts`,
      [
        "function twice(x: number): number { return 2 * x; }",
        "function square(x: number): number { return x * x; }",
        "function unused(x: number): number { return x - 1; }",
        "console.log(twice(3) + square(4));",
      ].join("\n"),
    );
    const logfile = `${dir}/v8.log`;
    const out = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        `--v8-flags=--log-function-events,--logfile=${logfile},--no-logfile-per-isolate`,
        `${dir}/main.ts`,
      ],
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(new TextDecoder().decode(out.stdout), "22\n");
    const counts = countCompiles(await Deno.readTextFile(logfile), pathToFileURL(`${dir}/`).href);
    // twice and square, on their first call; unused never.
    assert.equal(counts.modules, 1);
    assert.equal(counts.lazy, 2);
    assert.ok(counts.lazyMs > 0);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
