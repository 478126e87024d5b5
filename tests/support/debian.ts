/**
 * Test support: installs the Debian packages a test needs when they are
 * missing, so that `deno test -P` does its own set-up on a fresh Debian
 * machine (as root, the way `.ci/run` runs). Elsewhere it says what to
 * install and the test fails with that message.
 *
 * @module
 */

let updated = false;

async function apt(args: string[]): Promise<{ ok: boolean; output: string }> {
  try {
    const out = await new Deno.Command("apt-get", {
      args,
      env: { DEBIAN_FRONTEND: "noninteractive" },
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
    const dec = new TextDecoder();
    return { ok: out.success, output: dec.decode(out.stdout) + dec.decode(out.stderr) };
  } catch (e) {
    return { ok: false, output: (e as Error).message };
  }
}

/** What the last `apt-get update` of this process could not do, or null. */
let updateFailure: string | null = null;

/**
 * Installs `packages` with apt-get (after one `apt-get update` per process).
 * An update that cannot fetch every index (a mirror in the middle of a
 * sync) does not stop the install, which then uses the lists apt has, as
 * `.ci/run` does; a failed install names both.
 *
 * @param packages Debian package names
 * @returns null when they were installed, else one line saying why not and what to run
 */
export async function installDebianPackages(packages: readonly string[]): Promise<string | null> {
  const command = `apt-get update && apt-get install -y --no-install-recommends ${
    packages.join(" ")
  }`;
  if (!updated) {
    const up = await apt(["update"]);
    updateFailure = up.ok ? null : lastLine(up.output);
    updated = true;
  }
  const got = await apt(["install", "-y", "--no-install-recommends", ...packages]);
  if (got.ok) return null;
  const update = updateFailure === null ? "" : `, after apt-get update failed (${updateFailure})`;
  return `apt-get install failed (${lastLine(got.output)})${update}; run: ${command}`;
}

function lastLine(text: string): string {
  const lines = text.trim().split("\n");
  return lines[lines.length - 1] ?? "";
}
