/**
 * The README's promise for a Debian update: the firmware goldens' test fails
 * first on the versions, naming the package, both versions and the command
 * that updates them. Run as a user runs it (`deno test -P`, under CI) on a
 * binaries directory whose files are the installed ones but whose
 * versions.txt says Debian shipped a newer U-Boot.
 *
 * @module
 */

import * as assert from "node:assert/strict";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { binariesDir, binaryPaths } from "../../scenarios/binaries.ts";
import { runCommand } from "../support/command.ts";
import { guestBinaries } from "./guest_binaries.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

Deno.test("firmware goldens after a Debian update: exit 1, the versions' diff and the update command first", async () => {
  const missing = await guestBinaries();
  if (missing !== null) assert.fail(missing);
  const real = binariesDir();
  const paths = binaryPaths();
  const root = await Deno.makeTempDir({ prefix: "setway-debian-update-" });
  try {
    const copy = join(root, "binaries");
    for (const path of Object.values(paths)) {
      const to = join(copy, relative(real, path));
      await Deno.mkdir(dirname(to), { recursive: true });
      await Deno.symlink(path, to);
    }
    const versions = await Deno.readTextFile(join(real, "versions.txt"));
    const uboot = /^u-boot-qemu (\S+)$/m.exec(versions);
    assert.ok(uboot !== null, versions);
    const newer = `${uboot[1]}+setway1`;
    await Deno.writeTextFile(
      join(copy, "versions.txt"),
      versions.replace(uboot[0], `u-boot-qemu ${newer}`),
    );
    const out = await runCommand(
      [Deno.execPath(), "test", "-P", "tests/binary/firmware_golden_test.ts"],
      { cwd: ROOT, env: { SETWAY_BINARIES: copy, CI: "true" } },
    );
    assert.equal(out.code, 1, out.stdout + out.stderr);
    const text = out.stdout + out.stderr;
    assert.match(
      text,
      /GoldenError: Debian's firmware packages are not those the goldens were made with \(update them all with: SETWAY_BINARY_LONG=1 deno test -P tests\/binary\/firmware_golden_test\.ts -- --update\)/,
    );
    assert.ok(text.includes(`-u-boot-qemu ${uboot[1]}\n`), text);
    assert.ok(text.includes(`+u-boot-qemu ${newer}\n`), text);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("firmware_binary.ts: a name that matches no firmware is one line naming the four, status 2", async () => {
  const missing = await guestBinaries();
  if (missing !== null) assert.fail(missing);
  const script = join(ROOT, "scenarios", "firmware_binary.ts");
  const firmware = (...args: string[]) =>
    runCommand([Deno.execPath(), "run", "--allow-ffi", "-R", "-E", script, ...args]);
  const none = await firmware("nosuch");
  assert.equal(none.code, 2, none.stderr);
  assert.equal(none.stdout, "");
  assert.equal(
    none.stderr,
    `firmware_binary: no firmware is named like "nosuch"; give part of a name of "u-boot qemu_arm", ` +
      `"u-boot qemu_arm64", "edk2 qemu-efi-arm", "edk2 qemu-efi-aarch64", or nothing for all four\n`,
  );
  const two = await firmware("a", "b");
  assert.equal(two.code, 2);
  assert.match(two.stderr, /^firmware_binary: one argument at most, not 2; /);
});
