// README: "elsewhere they fail with the command to run". The tool checks of the export and
// guest-binary tests, in a process whose PATH holds neither the tools nor apt-get, say what is
// missing and the apt-get command that installs it.
import assert from "node:assert/strict";

async function checkWithoutPath(module: string, check: string): Promise<unknown> {
  const empty = await Deno.makeTempDir({ prefix: "setway-empty-path-" });
  try {
    const url = new URL(module, import.meta.url).href;
    const out = await new Deno.Command(Deno.execPath(), {
      args: [
        "eval",
        `import { ${check} } from "${url}"; console.log(JSON.stringify(await ${check}()));`,
      ],
      env: { PATH: empty },
    }).output();
    assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
    return JSON.parse(new TextDecoder().decode(out.stdout));
  } finally {
    await Deno.remove(empty, { recursive: true });
  }
}

Deno.test("tool checks without the tools or apt-get: what is missing, and the command to run", async () => {
  const cases: [string, string, RegExp, string][] = [
    [
      "../export/helpers.ts",
      "toolchain",
      /^not installed: aarch64-linux-gnu-gcc \(Debian: gcc-aarch64-linux-gnu\), qemu-system-aarch64 \(Debian: qemu-system-arm\); /,
      "gcc-aarch64-linux-gnu qemu-system-arm",
    ],
    [
      "../binary/tools.ts",
      "binaryTools",
      /^not installed: .*arm-linux-gnueabihf-as \(Debian: binutils-arm-linux-gnueabihf\)/,
      "libunicorn2 binutils-arm-linux-gnueabihf binutils-aarch64-linux-gnu",
    ],
  ];
  for (const [module, check, missing, packages] of cases) {
    const got = await checkWithoutPath(module, check) as { ok: boolean; message: string };
    assert.equal(got.ok, false, check);
    assert.match(got.message, missing);
    assert.ok(
      got.message.includes(
        `run: apt-get update && apt-get install -y --no-install-recommends ${packages}`,
      ),
      got.message,
    );
    assert.ok(!got.message.includes("\n"), "one line");
  }
});
