/**
 * Where the command line reads and writes: the process's standard streams
 * and file system, or, for tests and embedding, memory.
 *
 * @example Usage
 * ```ts
 * import { bufferIo } from "./io.ts";
 * const io = bufferIo("/tmp");
 * await io.write("hello\n");
 * console.log(io.stdout); // "hello\n"
 * ```
 *
 * @module
 */

import { colourWanted } from "./style.ts";

/**
 * The command line's view of the outside world.
 *
 * @example Usage
 * ```ts
 * import type { CliIo } from "./io.ts";
 * const quiet: CliIo = {
 *   cwd: "/", colour: false,
 *   write: async () => {}, error: async () => {}, writeFile: async () => {},
 * };
 * ```
 */
export interface CliIo {
  /** The directory relative paths start from. */
  readonly cwd: string;
  /** Whether to colour standard output. */
  readonly colour: boolean;
  /** Writes to standard output. */
  write(text: string): Promise<void>;
  /** Writes to standard error. */
  error(text: string): Promise<void>;
  /** Writes a whole file (the `--html` output). */
  writeFile(path: string, text: string): Promise<void>;
  /**
   * Creates a directory and its parents (the `export --out` directory).
   * Default `Deno.mkdir(path, { recursive: true })`.
   */
  makeDir?(path: string): Promise<void>;
}

const encoder = new TextEncoder();

async function writeAll(w: { write(p: Uint8Array): Promise<number> }, text: string) {
  let data = encoder.encode(text);
  while (data.length > 0) {
    const n = await w.write(data);
    data = data.subarray(n);
  }
}

/**
 * The process's standard output, standard error and file system; colour as
 * {@linkcode colourWanted} decides.
 *
 * @example Usage
 * ```ts ignore
 * import { denoIo } from "./io.ts";
 * await denoIo().write("to stdout\n");
 * ```
 * @returns the io
 */
export function denoIo(): CliIo {
  return {
    cwd: Deno.cwd(),
    colour: colourWanted(),
    write: (text) => writeAll(Deno.stdout, text),
    error: (text) => writeAll(Deno.stderr, text),
    writeFile: (path, text) => Deno.writeTextFile(path, text),
  };
}

/**
 * An io that keeps everything in memory: `stdout`, `stderr`, and `files`
 * by path.
 *
 * @example Usage
 * ```ts
 * import { bufferIo } from "./io.ts";
 * const io = bufferIo("/work");
 * await io.writeFile("/work/t.html", "<!doctype html>");
 * console.log(io.files.get("/work/t.html")); // "<!doctype html>"
 * ```
 */
export interface BufferIo extends CliIo {
  /** Everything written to standard output. */
  readonly stdout: string;
  /** Everything written to standard error. */
  readonly stderr: string;
  /** Every file written, by path. */
  readonly files: ReadonlyMap<string, string>;
}

/**
 * An in-memory io with colour off.
 *
 * @example Usage
 * ```ts
 * import { bufferIo } from "./io.ts";
 * const io = bufferIo(Deno.cwd());
 * await io.error("setway: oops\n");
 * console.log(io.stderr); // "setway: oops\n"
 * ```
 * @param cwd the directory relative paths start from
 * @param colour whether to colour; default false
 * @returns the io
 */
export function bufferIo(cwd: string, colour = false): BufferIo {
  let stdout = "";
  let stderr = "";
  const files = new Map<string, string>();
  return {
    cwd,
    colour,
    get stdout() {
      return stdout;
    },
    get stderr() {
      return stderr;
    },
    files,
    write: (text) => {
      stdout += text;
      return Promise.resolve();
    },
    error: (text) => {
      stderr += text;
      return Promise.resolve();
    },
    writeFile: (path, text) => {
      files.set(path, text);
      return Promise.resolve();
    },
  };
}
