/**
 * The README's export commands, as a user types them: `export --baremetal`
 * of the zImage story through cli.ts, then `make -C` and `make -C ... run`
 * (QEMU, TCG), which must print the reads and `PASS`; and the Makefile's
 * `run-kvm` target the README names for an arm64 host.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { blockAfter } from "../support/readme.ts";
import { ROOT } from "../cli/helpers.ts";
import { toolchain } from "./helpers.ts";

const tools = await toolchain();

/** Runs a README command line in `cwd`, with `zimage-test` put in `dir`. */
async function sh(
  line: string,
  cwd: string,
  dir: string,
): Promise<{ code: number; output: string }> {
  const command = line.replace(/\s+#.*$/, "").replaceAll("zimage-test", dir);
  const out = await new Deno.Command("/bin/sh", {
    args: ["-c", command],
    cwd,
    env: { NO_COLOR: "1" },
    stdin: "null",
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, output: dec.decode(out.stdout) + dec.decode(out.stderr) };
}

Deno.test("README export: export --baremetal, make -C and make -C ... run print PASS for the zImage story", async () => {
  if (!tools.ok) assert.fail(tools.message);
  const lines = blockAfter("then powers off (PSCI), so QEMU", "```sh").trimEnd().split("\n");
  assert.equal(lines.length, 3, lines.join("\n"));
  assert.match(
    lines[0],
    /^deno run -R -W cli\.ts export --baremetal scenarios\/zimage\.ts --out zimage-test$/,
  );
  const root = await Deno.makeTempDir({ prefix: "setway-readme-export-" });
  const dir = join(root, "zimage-test");
  try {
    const exported = await sh(lines[0].replace(/^deno /, `${Deno.execPath()} `), ROOT, dir);
    assert.equal(exported.code, 0, exported.output);
    const built = await sh(lines[1], root, dir);
    assert.equal(built.code, 0, built.output);
    const ran = await sh(lines[2], root, dir);
    assert.equal(ran.code, 0, ran.output);
    assert.match(ran.output, /^PASS: 32 reads, 0 stale, 0 notes$/m);
    assert.equal(
      (ran.output.match(/^read {2}steps\[\d+\] 0x[0-9a-f]{16} = 0x[0-9a-f]{8} ok$/gm) ?? []).length,
      32,
    );
    // The arm64-with-KVM target the README names is in the Makefile, with the flags it shows.
    const kvm = blockAfter("meets the real caches", "```sh").trim();
    assert.match(
      kvm,
      /^make -C zimage-test run-kvm # (qemu-system-aarch64 -M virt,gic-version=host -enable-kvm -cpu host)/,
    );
    const makefile = await Deno.readTextFile(join(dir, "Makefile"));
    assert.match(makefile, /^QEMU \?= qemu-system-aarch64$/m);
    assert.match(
      makefile,
      /^run-kvm: test\.elf\n\t\$\(QEMU\) -M virt,gic-version=host -enable-kvm -cpu host /m,
    );
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
