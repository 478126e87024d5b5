// Debian's armmp zImage (scenarios/zimage_binary.ts): its maintenance steps
// and each policy's flush events and stale reads, pinned by a golden.
//
// The whole run takes minutes (the decompressor's emulation alone is over a
// minute on one core), so it runs only with SETWAY_BINARY_LONG=1:
// `deno task test:binaries` (regenerate with
// `SETWAY_BINARY_LONG=1 deno test -P tests/binary/zimage_golden_test.ts -- --update`).
// Without it the test is reported as ignored; the suite still checks that
// the binaries are installed, fetching them when they are not (as root on
// Debian; elsewhere it fails naming what is missing and `deno task binaries`).
import assert from "node:assert/strict";
import { assertGolden } from "../../mod.ts";
import { binaryPaths } from "../../scenarios/binaries.ts";
import { policyRuns, story, zImageTrace } from "../../scenarios/zimage_binary.ts";
import { guestBinaries } from "./guest_binaries.ts";

const LONG = Deno.env.get("SETWAY_BINARY_LONG") === "1";

Deno.test("guest binaries: Debian's zImage, U-Boot and EDK2 builds are installed", async () => {
  const missing = await guestBinaries();
  if (missing !== null) assert.fail(missing);
});

Deno.test({
  name: "zimage_binary: the armmp zImage's flush events and stale reads under each policy",
  ignore: !LONG,
  async fn() {
    const missing = await guestBinaries();
    if (missing !== null) assert.fail(missing);
    const trace = zImageTrace(Deno.readFileSync(binaryPaths().zImage));
    const runs = policyRuns(trace);
    await assertGolden(
      await story(trace, runs),
      new URL("./golden/zimage_binary.golden", import.meta.url),
      // The golden module's own hint grants only the golden's directory; the run needs more.
      {
        msg: "update it with: SETWAY_BINARY_LONG=1 deno test -P " +
          "tests/binary/zimage_golden_test.ts -- --update",
      },
    );
    assert.ok(trace.readValues.length > 0, "the kernel's head code read memory");
  },
});
