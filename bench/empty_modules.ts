/**
 * What Deno charges for a module whatever its code: a root that imports
 * `n - 1` modules of one line each, and a hello-world beside them, written
 * into one directory with no deno.json. `deno run` of the root minus `deno
 * run` of that hello-world is the module loading of `n` modules that do
 * nothing: the part of row (d)'s module loading (issue_rows.ts) that only
 * fewer modules could save.
 *
 * @example Usage
 * ```ts ignore
 * import { writeEmptyModules } from "./empty_modules.ts";
 * const dir = await Deno.makeTempDir();
 * const { root, hello } = await writeEmptyModules(dir, 121);
 * console.log(root, hello);
 * ```
 *
 * @module
 */

/** The two scripts {@linkcode writeEmptyModules} writes. */
export interface EmptyModules {
  /** The root module: imports the others, then prints one line. */
  readonly root: string;
  /** A hello-world in the same directory. */
  readonly hello: string;
}

/**
 * Writes the root, its `n - 1` one-line modules and the hello-world.
 *
 * @example Usage
 * ```ts ignore
 * import { writeEmptyModules } from "./empty_modules.ts";
 * const { root } = await writeEmptyModules(await Deno.makeTempDir(), 3); // root.ts, m1.ts, m2.ts
 * ```
 * @param dir an existing directory, with no deno.json above it that the
 *   measurement should not load
 * @param n modules in the graph, the root included (at least 1)
 * @returns the paths of the root and the hello-world
 */
export async function writeEmptyModules(dir: string, n: number): Promise<EmptyModules> {
  if (!Number.isInteger(n) || n < 1) {
    throw new RangeError(`n must be a whole number from 1, not ${n}`);
  }
  const imports: string[] = [];
  for (let i = 1; i < n; i++) {
    await Deno.writeTextFile(`${dir}/m${i}.ts`, `export const m${i}: number = ${i};\n`);
    imports.push(`import "./m${i}.ts";\n`);
  }
  const root = `${dir}/root.ts`, hello = `${dir}/hello.ts`;
  await Deno.writeTextFile(root, `${imports.join("")}console.log("loaded");\n`);
  await Deno.writeTextFile(hello, `console.log("hello, world");\n`);
  return { root, hello };
}
