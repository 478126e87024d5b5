/**
 * The real guest binaries the binary scenarios run, downloaded from Debian
 * with the system's apt tools and extracted into a cache directory; nothing
 * of them is committed.
 *
 * - `linux-image-6.1.0-*-armmp` (armhf): the zImage `boot/vmlinuz-*`; the
 *   exact package is the one Debian's `linux-image-armmp:armhf` depends on;
 * - `u-boot-qemu`: `qemu_arm` and `qemu_arm64` `u-boot.bin`;
 * - `qemu-efi-aarch64`: EDK2 ArmVirtQemu `QEMU_EFI.fd`;
 * - `qemu-efi-arm`: EDK2 ArmVirtQemu `AAVMF32_CODE.fd`;
 * - the device trees QEMU's `virt` machine gives firmware (128 MiB of RAM),
 *   dumped with the installed `qemu-system-arm` / `qemu-system-aarch64`
 *   (`-M virt,dumpdtb=...`): `virt-arm.dtb`, `virt-aarch64.dtb`.
 *
 * The directory is `$SETWAY_BINARIES`, else `$XDG_CACHE_HOME/setway/binaries`,
 * else `~/.cache/setway/binaries`. `deno task binaries` fills it (as root on
 * Debian: it adds the armhf architecture to dpkg and runs `apt-get update`
 * first when the armhf kernel is not known to apt). `versions.txt` there
 * names each package and version extracted. `--check` only checks that
 * they are there (exit status 1, and what is missing, when not).
 *
 * @example Usage
 * ```ts ignore
 * import { binaryPaths, missingBinaries } from "./binaries.ts";
 * const missing = missingBinaries();
 * if (missing.length === 0) console.log(Deno.statSync(binaryPaths().zImage).size);
 * ```
 *
 * @module
 */

import { benchArgsOrExit } from "../bench/task_args.ts";

/** The command that downloads and extracts the binaries. */
export const SETUP_COMMAND = "deno task binaries";

/**
 * The directory the binaries are extracted into.
 *
 * @example Usage
 * ```ts ignore
 * import { binariesDir } from "./binaries.ts";
 * console.log(binariesDir()); // e.g. /root/.cache/setway/binaries
 * ```
 * @returns its absolute path
 */
export function binariesDir(): string {
  const explicit = Deno.env.get("SETWAY_BINARIES");
  if (explicit) return explicit;
  const xdg = Deno.env.get("XDG_CACHE_HOME");
  if (xdg) return `${xdg}/setway/binaries`;
  return `${Deno.env.get("HOME") ?? "."}/.cache/setway/binaries`;
}

/** Where each binary is, once extracted. */
export interface BinaryPaths {
  /** The armmp zImage (its file name carries the kernel's ABI name). */
  readonly zImage: string;
  /** U-Boot for QEMU's 32-bit virt machine. */
  readonly ubootArm: string;
  /** U-Boot for QEMU's 64-bit virt machine. */
  readonly ubootArm64: string;
  /** EDK2 ArmVirtQemu for AArch64. */
  readonly edk2Aarch64: string;
  /** EDK2 ArmVirtQemu for AArch32. */
  readonly edk2Arm: string;
  /** QEMU virt's device tree, 32-bit (cortex-a15). */
  readonly dtbArm: string;
  /** QEMU virt's device tree, 64-bit (cortex-a57). */
  readonly dtbAarch64: string;
}

/**
 * The binaries' paths in {@linkcode binariesDir} (the zImage's is the first
 * `boot/vmlinuz-*-armmp` there, or a placeholder when none is).
 *
 * @example Usage
 * ```ts ignore
 * import { binaryPaths } from "./binaries.ts";
 * console.log(binaryPaths().ubootArm);
 * ```
 * @returns the paths
 */
export function binaryPaths(): BinaryPaths {
  const dir = binariesDir();
  let zImage = `${dir}/boot/vmlinuz-6.1.0-N-armmp`;
  try {
    const names = [...Deno.readDirSync(`${dir}/boot`)].map((e) => e.name)
      .filter((n) => /^vmlinuz-6\.1\.0-\d+-armmp$/.test(n)).sort();
    if (names.length > 0) zImage = `${dir}/boot/${names[names.length - 1]}`;
  } catch { /* not extracted yet */ }
  return {
    zImage,
    ubootArm: `${dir}/usr/lib/u-boot/qemu_arm/u-boot.bin`,
    ubootArm64: `${dir}/usr/lib/u-boot/qemu_arm64/u-boot.bin`,
    edk2Aarch64: `${dir}/usr/share/qemu-efi-aarch64/QEMU_EFI.fd`,
    edk2Arm: `${dir}/usr/share/AAVMF/AAVMF32_CODE.fd`,
    dtbArm: `${dir}/virt-arm.dtb`,
    dtbAarch64: `${dir}/virt-aarch64.dtb`,
  };
}

function exists(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
}

/**
 * The binaries not extracted yet, each as "what (Debian package)".
 *
 * @example Usage
 * ```ts ignore
 * import { missingBinaries, SETUP_COMMAND } from "./binaries.ts";
 * const m = missingBinaries();
 * if (m.length > 0) throw new Error(`missing ${m.join(", ")}: run ${SETUP_COMMAND}`);
 * ```
 * @returns the missing ones; empty when all are there
 */
export function missingBinaries(): string[] {
  const p = binaryPaths();
  const wanted: [string, string][] = [
    [p.zImage, "the armmp zImage (linux-image-6.1.0-*-armmp:armhf)"],
    [p.ubootArm, "qemu_arm/u-boot.bin (u-boot-qemu)"],
    [p.ubootArm64, "qemu_arm64/u-boot.bin (u-boot-qemu)"],
    [p.edk2Aarch64, "QEMU_EFI.fd (qemu-efi-aarch64)"],
    [p.edk2Arm, "AAVMF32_CODE.fd (qemu-efi-arm)"],
    [p.dtbArm, "virt-arm.dtb (dumped by qemu-system-arm)"],
    [p.dtbAarch64, "virt-aarch64.dtb (dumped by qemu-system-aarch64)"],
  ];
  return wanted.filter(([path]) => !exists(path)).map(([, what]) => what);
}

/**
 * One line saying which binaries are missing, where they were looked for
 * and the command that installs them; null when none is missing.
 *
 * @example Usage
 * ```ts ignore
 * import { missingBinariesMessage } from "./binaries.ts";
 * const m = missingBinariesMessage();
 * if (m !== null) throw new Error(m);
 * ```
 * @returns the message, or null
 */
export function missingBinariesMessage(): string | null {
  const missing = missingBinaries();
  if (missing.length === 0) return null;
  return `guest binaries not found in ${binariesDir()}: ${missing.join(", ")}; ` +
    `run \`${SETUP_COMMAND}\` (Debian, as root; .ci/run does it when they are absent)`;
}

async function run(cmd: string, args: string[], cwd?: string): Promise<string> {
  const out = await new Deno.Command(cmd, {
    args,
    cwd,
    env: { DEBIAN_FRONTEND: "noninteractive" },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  if (!out.success) {
    throw new Error(`${cmd} ${args.join(" ")} failed: ${dec.decode(out.stderr).trim()}`);
  }
  return dec.decode(out.stdout);
}

/** The exact armmp kernel package: the one `linux-image-armmp:armhf` depends on. */
async function armmpPackage(): Promise<string> {
  const show = await run("apt-cache", ["show", "linux-image-armmp:armhf"]);
  const m = /^Depends: .*?(linux-image-6\.1\.0-\d+-armmp)\b/m.exec(show);
  if (m === null) throw new Error("apt-cache show linux-image-armmp:armhf names no 6.1 kernel");
  return `${m[1]}:armhf`;
}

async function knowsArmhf(): Promise<boolean> {
  try {
    await armmpPackage();
    return true;
  } catch {
    return false;
  }
}

/** What each package's extraction keeps (tar patterns). */
const KEEP: readonly string[] = [
  "./boot/vmlinuz-*",
  "./usr/lib/u-boot/qemu_arm/*",
  "./usr/lib/u-boot/qemu_arm64/*",
  "./usr/share/qemu-efi-aarch64/QEMU_EFI.fd",
  "./usr/share/AAVMF/AAVMF32_CODE.fd",
];

/**
 * Downloads the packages with `apt-get download` and extracts the binaries
 * into {@linkcode binariesDir} (`dpkg-deb --fsys-tarfile`, the files above
 * only); adds the armhf architecture and runs `apt-get update` first when
 * apt does not know the armhf kernel.
 *
 * @example Usage
 * ```ts ignore
 * import { installBinaries } from "./binaries.ts";
 * await installBinaries((line) => console.log(line));
 * ```
 * @param log receives one line per step
 * @throws {Error} naming the command that failed
 */
export async function installBinaries(log: (line: string) => void): Promise<void> {
  if (!(await knowsArmhf())) {
    log("apt does not know linux-image-armmp:armhf: dpkg --add-architecture armhf, apt-get update");
    await run("dpkg", ["--add-architecture", "armhf"]);
    try {
      await run("apt-get", ["update"]);
    } catch (e) {
      // An index apt-get could not fetch (a mirror in the middle of a sync)
      // matters only if it was the one that names the armmp kernel.
      if (!(await knowsArmhf())) throw e;
      log(`apt-get update could not fetch every index; it knows the armhf kernel: going on`);
    }
  }
  const packages = [await armmpPackage(), "u-boot-qemu", "qemu-efi-aarch64", "qemu-efi-arm"];
  const dir = binariesDir();
  Deno.mkdirSync(dir, { recursive: true });
  const tmp = Deno.makeTempDirSync({ prefix: "setway-binaries-" });
  Deno.chmodSync(tmp, 0o777); // apt-get download runs as _apt where it can
  try {
    log(`apt-get download ${packages.join(" ")}`);
    await run("apt-get", ["download", ...packages], tmp);
    const versions: string[] = [];
    for (const deb of [...Deno.readDirSync(tmp)].map((e) => e.name).sort()) {
      const path = `${tmp}/${deb}`;
      const [name, version] = (await run("dpkg-deb", ["-f", path, "Package", "Version"]))
        .trim().split("\n").map((l) => l.replace(/^\w+: /, ""));
      log(`extracting ${name} ${version} into ${dir}`);
      await run("bash", [
        "-c",
        'dpkg-deb --fsys-tarfile "$1" | tar -x -C "$2" --wildcards --no-anchored ' +
        "--exclude='*/doc/*' \"${@:3}\" 2>/dev/null || true",
        "extract",
        path,
        dir,
        ...KEEP,
      ]);
      versions.push(`${name} ${version}`);
    }
    Deno.writeTextFileSync(`${dir}/versions.txt`, versions.join("\n") + "\n");
    for (const [arch, cpu] of [["arm", "cortex-a15"], ["aarch64", "cortex-a57"]]) {
      log(`qemu-system-${arch} -M virt,dumpdtb=${dir}/virt-${arch}.dtb`);
      await run(`qemu-system-${arch}`, [
        "-M",
        `virt,dumpdtb=${dir}/virt-${arch}.dtb`,
        "-cpu",
        cpu,
        "-m",
        "128",
        "-nographic",
        "-nic",
        "none",
      ]);
    }
  } finally {
    Deno.removeSync(tmp, { recursive: true });
  }
  const still = missingBinariesMessage();
  if (still !== null) throw new Error(still);
}

/**
 * The versions of the packages extracted (`versions.txt`), or "" when absent.
 *
 * @example Usage
 * ```ts ignore
 * import { binaryVersions } from "./binaries.ts";
 * console.log(binaryVersions());
 * ```
 * @returns one "package version" a line
 */
export function binaryVersions(): string {
  try {
    return Deno.readTextFileSync(`${binariesDir()}/versions.txt`);
  } catch {
    return "";
  }
}

const flags = import.meta.main ? benchArgsOrExit("binaries", [], ["--check", "--force"]).flags : [];
if (import.meta.main && flags.includes("--check")) {
  // Exit status 0 when every binary is there, else 1 with the missing ones.
  const message = missingBinariesMessage();
  if (message !== null) console.error(message);
  Deno.exit(message === null ? 0 : 1);
} else if (import.meta.main) {
  if (missingBinaries().length === 0 && !flags.includes("--force")) {
    console.log(`guest binaries already in ${binariesDir()} (--force to fetch again):`);
    console.log(binaryVersions().trimEnd());
  } else {
    await installBinaries((line) => console.log(`binaries: ${line}`));
    console.log(binaryVersions().trimEnd());
  }
}
