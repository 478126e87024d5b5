/**
 * `deno task binaries`'s check, as `.ci/run` and a user run it:
 * `deno run -R -E scenarios/binaries.ts --check` exits 1 with one line
 * naming what is missing, where it looked and the setup command, and 0 when
 * every binary is there.
 *
 * @module
 */

import * as assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { guestBinaries } from "./guest_binaries.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

async function check(env: Record<string, string>) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-R", "-E", "scenarios/binaries.ts", "--check"],
    cwd: ROOT,
    env,
    stdout: "piped",
    stderr: "piped",
  }).output();
  return { code: out.code, stderr: new TextDecoder().decode(out.stderr) };
}

Deno.test("binaries --check: an empty cache directory is exit 1 and one line naming the setup command", async () => {
  const empty = await Deno.makeTempDir({ prefix: "setway-binaries-" });
  try {
    const { code, stderr } = await check({ SETWAY_BINARIES: empty });
    assert.equal(code, 1);
    const lines = stderr.trimEnd().split("\n");
    assert.equal(lines.length, 1, stderr);
    assert.ok(lines[0].includes(empty), lines[0]);
    assert.match(lines[0], /the armmp zImage \(linux-image-6\.1\.0-\*-armmp:armhf\)/);
    assert.match(lines[0], /QEMU_EFI\.fd \(qemu-efi-aarch64\)/);
    assert.ok(lines[0].includes("run `deno task binaries`"), lines[0]);
  } finally {
    await Deno.remove(empty, { recursive: true });
  }
});

Deno.test("binaries --check: exit 0 and nothing on stderr once the binaries are installed", async () => {
  assert.equal(await guestBinaries(), null);
  const { code, stderr } = await check({});
  assert.equal(code, 0, stderr);
  assert.equal(stderr, "");
});
