/**
 * Builds the hierarchy core: compiles wasm/hierarchy.as with AssemblyScript
 * (npm, pinned in deno.json) and writes its bytes, base64, into
 * lib/hw/hierarchy_core_wasm.ts, so that lib/ imports only `.ts` files and
 * loads the core with no permission. tests/hw/hierarchy_core_build_test.ts
 * compiles it again and checks the module in lib/ is that build.
 *
 * Run: `deno task build:core` (`--check` compares instead of writing, and
 * exits 1 when the module in lib/ is stale).
 *
 * @module
 */

import asc from "assemblyscript/asc";
import { benchArgsOrExit } from "../bench/task_args.ts";

/** The source, the generated module, and the compiler's arguments. */
const SOURCE = new URL("./hierarchy.as", import.meta.url);
const TARGET = new URL("../lib/hw/hierarchy_core_wasm.ts", import.meta.url);
const ARGS = [
  "hierarchy.ts",
  "--outFile",
  "hierarchy.wasm",
  "-O3",
  "--noAssert",
  "--runtime",
  "stub",
  "--importMemory",
  "--noExportMemory",
  "--initialMemory",
  "1",
  "--enable",
  "simd",
  // A name section only: CPU profiles name the core's functions
  // (`hierarchy/lookup`); the code is the same as without it.
  "--debug",
];

/**
 * Compiles an AssemblyScript source of the core into WebAssembly bytes.
 *
 * @example Usage
 * ```ts ignore
 * import { compileCore } from "./build.ts";
 * const bytes = await compileCore(await Deno.readTextFile("wasm/hierarchy.as"));
 * console.log(WebAssembly.validate(bytes)); // true
 * ```
 * @param source the source text
 * @returns the module's bytes
 * @throws {Error} with the compiler's messages when it does not compile
 */
export async function compileCore(source: string): Promise<Uint8Array> {
  let wasm: Uint8Array | null = null;
  let messages = "";
  const { error } = await asc.main(ARGS, {
    readFile: (name: string) => (name === "hierarchy.ts" ? source : null),
    writeFile: (name: string, contents: Uint8Array | string) => {
      if (name === "hierarchy.wasm") wasm = contents as Uint8Array;
    },
    listFiles: () => [],
    stdout: { write: (s: string) => (messages += s, true) },
    stderr: { write: (s: string) => (messages += s, true) },
  } as never);
  if (error || wasm === null) throw new Error(`hierarchy core: ${error ?? ""}\n${messages}`);
  return wasm;
}

/**
 * The generated module's text for a build's bytes.
 *
 * @example Usage
 * ```ts
 * import { moduleText } from "./build.ts";
 * console.log(moduleText(new Uint8Array([0, 97, 115, 109])).includes('"AGFzbQ=="')); // true
 * ```
 * @param bytes the module's bytes
 * @returns the TypeScript source of lib/hw/hierarchy_core_wasm.ts
 */
export function moduleText(bytes: Uint8Array): string {
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  const base64 = btoa(binary);
  const lines: string[] = [];
  for (let i = 0; i < base64.length; i += 96) lines.push(`  "${base64.slice(i, i + 96)}"`);
  return `/**
 * The hierarchy core's WebAssembly bytes, base64: generated from
 * wasm/hierarchy.as by \`deno task build:core\` (wasm/build.ts). Do not edit.
 *
 * @example Usage
 * \`\`\`ts
 * import { hierarchyCoreBytes } from "./hierarchy_core_wasm.ts";
 * console.log(WebAssembly.validate(hierarchyCoreBytes())); // true
 * \`\`\`
 *
 * @module
 */

const BASE64 =
${lines.join(" +\n")};

/**
 * The module's bytes, decoded.
 *
 * @example Usage
 * \`\`\`ts
 * import { hierarchyCoreBytes } from "./hierarchy_core_wasm.ts";
 * console.log(hierarchyCoreBytes()[0]); // 0
 * \`\`\`
 * @returns a new array of the bytes
 */
export function hierarchyCoreBytes(): Uint8Array {
  // Native where the runtime has it (V8 and Deno do): the loop below runs
  // cold in every process, about half a millisecond for these bytes.
  const native = (Uint8Array as { fromBase64?: (s: string) => Uint8Array }).fromBase64;
  if (native !== undefined) return native(BASE64);
  const text = atob(BASE64);
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return bytes;
}
`;
}

if (import.meta.main) {
  const { flags } = benchArgsOrExit("build:core", [], ["--check"]);
  const text = moduleText(await compileCore(await Deno.readTextFile(SOURCE)));
  if (flags.includes("--check")) {
    const now = await Deno.readTextFile(TARGET).catch(() => "");
    if (now !== text) {
      console.error("lib/hw/hierarchy_core_wasm.ts is not the build of wasm/hierarchy.as");
      Deno.exit(1);
    }
    console.log("lib/hw/hierarchy_core_wasm.ts is up to date");
  } else {
    const tmp = `${TARGET.pathname}.tmp`;
    await Deno.writeTextFile(tmp, text);
    await Deno.rename(tmp, TARGET);
    console.log(`wrote lib/hw/hierarchy_core_wasm.ts`);
  }
}
