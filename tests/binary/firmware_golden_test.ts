// Debian's U-Boot and EDK2 builds (scenarios/firmware_binary.ts): console
// output, maintenance, and each policy's verdict on X-Gene 1 and generic,
// pinned by goldens.
//
// The whole runs (up to 20 M instructions before the first maintenance,
// minutes each) run only with SETWAY_BINARY_LONG=1: `deno task
// test:binaries` (regenerate with `SETWAY_BINARY_LONG=1 deno test -P
// tests/binary/firmware_golden_test.ts -- --update`); without it they are
// reported as ignored. The suite runs a shorter stop point: U-Boot qemu_arm's
// first 300,000 instructions (its reset code's caches-off write), fetching
// the binaries when they are not installed (as root on Debian; elsewhere it
// fails naming what is missing and `deno task binaries`).
import assert from "node:assert/strict";
import { assertGolden } from "../../mod.ts";
import {
  firmwareRuns,
  firmwares,
  firmwareStory,
  firmwareTrace,
  firmwareVersions,
} from "../../scenarios/firmware_binary.ts";
import { guestBinaries } from "./guest_binaries.ts";

const LONG = Deno.env.get("SETWAY_BINARY_LONG") === "1";
const golden = (name: string) => new URL(`./golden/${name}.golden`, import.meta.url);
const slug = (name: string) => name.replaceAll(/[^a-z0-9]+/g, "_");
/**
 * How these goldens are updated: the golden module's own hint grants only
 * the golden's directory, and the runs need FFI (Unicorn), the binaries'
 * directory and the long runs.
 */
const UPDATE =
  "update them all with: SETWAY_BINARY_LONG=1 deno test -P tests/binary/firmware_golden_test.ts -- --update";

/**
 * The Debian versions of the firmware packages, pinned first: the goldens
 * hold what those builds do, and when Debian ships a new one (a point
 * release), the failure names the package and both versions rather than a
 * difference deep in a run.
 */
async function assertFirmwareVersions(): Promise<void> {
  await assertGolden(firmwareVersions(), golden("firmware_versions"), {
    msg: `Debian's firmware packages are not those the goldens were made with (${UPDATE})`,
  });
}

Deno.test("firmware_binary: U-Boot qemu_arm's first 300,000 instructions", async () => {
  const missing = await guestBinaries();
  if (missing !== null) assert.fail(missing);
  await assertFirmwareVersions();
  const fw = firmwares()[0];
  const t = firmwareTrace(fw, { bulk: 300_000, exact: 1_000 });
  assert.equal(t.error, "");
  assert.ok(t.trace !== null);
  const story = firmwareStory(t, firmwareRuns(t.trace));
  await assertGolden(story, golden("firmware_uboot_arm_short"), { msg: UPDATE });
  assert.match(story, /SCTLR writes: M0C0/, "U-Boot's reset code turns the caches off first");
});

for (const fw of LONG ? firmwares() : [{ name: "each firmware" }]) {
  Deno.test({
    name: `firmware_binary: ${fw.name}, whole run`,
    ignore: !LONG,
    async fn() {
      const missing = await guestBinaries();
      if (missing !== null) assert.fail(missing);
      const f = firmwares().find((x) => x.name === fw.name)!;
      const t = firmwareTrace(f);
      const story = firmwareStory(t, t.trace === null ? [] : firmwareRuns(t.trace));
      await assertGolden(story, golden(`firmware_${slug(f.name)}`), { msg: UPDATE });
    },
  });
}
