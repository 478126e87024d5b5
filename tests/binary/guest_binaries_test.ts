/**
 * The suite fetches the guest binaries it runs when they are absent
 * (guest_binaries.ts): once, under a lock, and when it cannot, the test
 * fails with one line naming what is missing, why, and `deno task binaries`.
 * Each case points `SETWAY_BINARIES` at an empty directory and gives the
 * fetch and the tools of its own, so nothing is downloaded.
 *
 * @module
 */

import * as assert from "node:assert/strict";
import { dirname } from "node:path";
import { binaryPaths } from "../../scenarios/binaries.ts";
import { fetchGuestBinaries } from "./guest_binaries.ts";

/** Runs `body` with `SETWAY_BINARIES` at a new empty directory, restoring it after. */
async function inEmptyCache(body: (dir: string) => Promise<void>): Promise<void> {
  const before = Deno.env.get("SETWAY_BINARIES");
  const root = await Deno.makeTempDir({ prefix: "setway-binaries-test-" });
  const dir = `${root}/binaries`;
  Deno.env.set("SETWAY_BINARIES", dir);
  try {
    await body(dir);
  } finally {
    if (before === undefined) Deno.env.delete("SETWAY_BINARIES");
    else Deno.env.set("SETWAY_BINARIES", before);
    await Deno.remove(root, { recursive: true });
  }
}

/** A fetch that writes every binary (a kernel of ABI 99) after a pause. */
function fakeInstall(calls: { n: number }) {
  return async (log: (line: string) => void) => {
    calls.n++;
    log("extracting");
    await new Promise((r) => setTimeout(r, 30));
    const dir = Deno.env.get("SETWAY_BINARIES")!;
    Deno.mkdirSync(`${dir}/boot`, { recursive: true });
    Deno.writeTextFileSync(`${dir}/boot/vmlinuz-6.1.0-99-armmp`, "zImage");
    const p = binaryPaths();
    for (
      const path of [p.ubootArm, p.ubootArm64, p.edk2Aarch64, p.edk2Arm, p.dtbArm, p.dtbAarch64]
    ) {
      Deno.mkdirSync(dirname(path), { recursive: true });
      Deno.writeTextFileSync(path, "binary");
    }
  };
}

const toolsThere = () => Promise.resolve(null);
const quiet = () => {};

Deno.test("guest binaries: missing ones are fetched once, however many tests ask at the same time", async () => {
  await inEmptyCache(async () => {
    const calls = { n: 0 };
    const options = { install: fakeInstall(calls), tools: toolsThere, log: quiet };
    const answers = await Promise.all([fetchGuestBinaries(options), fetchGuestBinaries(options)]);
    assert.deepEqual(answers, [null, null]);
    assert.equal(calls.n, 1, "the second waits for the lock, then finds them there");
    assert.equal(await fetchGuestBinaries(options), null);
    assert.equal(calls.n, 1, "present binaries are not fetched again");
  });
});

Deno.test("guest binaries: a failed fetch is one line naming the directory, the failure and the setup command", async () => {
  await inEmptyCache(async (dir) => {
    const message = await fetchGuestBinaries({
      install: () =>
        Promise.reject(new Error("apt-get download u-boot-qemu failed: E: Unable to locate\nmore")),
      tools: toolsThere,
      log: quiet,
    });
    assert.ok(message !== null);
    assert.equal(message.split("\n").length, 1, message);
    assert.ok(message.includes(dir), message);
    assert.match(message, /QEMU_EFI\.fd \(qemu-efi-aarch64\)/);
    assert.match(message, /fetching them failed: apt-get download u-boot-qemu failed: E: Unable/);
    assert.ok(message.includes("run `deno task binaries`"), message);
  });
});

Deno.test("guest binaries: without the tools that fetch them, nothing is fetched and the message says what to install", async () => {
  await inEmptyCache(async () => {
    const calls = { n: 0 };
    const message = await fetchGuestBinaries({
      install: fakeInstall(calls),
      tools: () => Promise.resolve("qemu-system-arm and qemu-system-aarch64 dump the device trees"),
      log: quiet,
    });
    assert.equal(calls.n, 0);
    assert.ok(message !== null);
    assert.match(message, /run `deno task binaries`.*; qemu-system-arm and qemu-system-aarch64/);
  });
});

Deno.test("guest binaries: the directory is $SETWAY_BINARIES, else $XDG_CACHE_HOME/setway/binaries, else ~/.cache/setway/binaries", async () => {
  // A process of its own for each environment, as a user's shell would give it; its home and
  // cache in a temporary directory, and Deno's own cache where it is now.
  const script = new URL("../../scenarios/binaries.ts", import.meta.url).href;
  const denoDir = Deno.env.get("DENO_DIR") ??
    `${Deno.env.get("XDG_CACHE_HOME") ?? `${Deno.env.get("HOME")}/.cache`}/deno`;
  const root = await Deno.makeTempDir({ prefix: "setway-binaries-dir-" });
  const dirIn = async (env: Record<string, string>) => {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["eval", `import { binariesDir } from "${script}"; console.log(binariesDir());`],
      env: { PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin", DENO_DIR: denoDir, ...env },
      clearEnv: true,
    }).output();
    assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
    return new TextDecoder().decode(out.stdout).trimEnd();
  };
  try {
    const home = `${root}/home`, xdg = `${root}/xdg`, bins = `${root}/bins`;
    assert.equal(await dirIn({ HOME: home, XDG_CACHE_HOME: xdg, SETWAY_BINARIES: bins }), bins);
    assert.equal(await dirIn({ HOME: home, XDG_CACHE_HOME: xdg }), `${xdg}/setway/binaries`);
    assert.equal(await dirIn({ HOME: home }), `${home}/.cache/setway/binaries`);
    // Naming the directory creates nothing.
    assert.deepEqual([...Deno.readDirSync(root)], []);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
